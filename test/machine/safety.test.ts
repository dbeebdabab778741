import { describe, expect, it } from 'vitest';
import type { AlarmEvent, JobEvent } from '../../src/machine/types.js';
import { rig, runUntil, settle } from './helpers.js';

describe('soft reset', () => {
  it('mid-job: stops at once, flags position lost (alarm 3), keeps the exact emitted position', async () => {
    const r = await rig();
    const jobs: JobEvent[] = [];
    r.machine.on('job', (e) => jobs.push(e));
    await r.machine.gcode('M3 S500\nM8');
    await settle(r);
    await r.machine.startJob('job', 'G1 X100 F3000\nG1 Y100');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 30);
    expect(r.sim.outputLog().some((e) => e.role === 'spindle' && e.value === 0.5)).toBe(true);
    expect(r.machine.reset()).toEqual({ ok: true });
    const status = r.machine.status();
    expect(status.state).toBe('Alarm');
    expect(status.alarm).toBe(3);
    expect(status.positionKnown).toBe(false);
    expect(status.machinePositionMm.x).toBeCloseTo(r.sim.axesMm()[0], 9);
    expect(jobs.map((e) => e.kind)).toEqual(['started', 'failed']);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(r.sim.output('flood')?.read()).toBe(false);
    const before = r.sim.axesMm();
    r.clock.advanceUs(1_000_000);
    expect(r.sim.axesMm()).toEqual(before);
    expect(await r.machine.gcode('G1 X0')).toEqual([
      { ok: false, error: expect.objectContaining({ code: 9 }) },
    ]);
    expect(r.machine.unlock()).toEqual({ ok: true });
    expect(r.machine.status()).toMatchObject({ state: 'Idle', positionKnown: true, alarm: null });
  });

  it('at rest: keeps position and goes to Idle', async () => {
    const r = await rig();
    await r.machine.gcode('G1 X10 F1000');
    await settle(r);
    expect(r.machine.reset()).toEqual({ ok: true });
    expect(r.machine.status()).toMatchObject({ state: 'Idle', positionKnown: true });
    expect(r.machine.status().machinePositionMm.x).toBeCloseTo(10, 9);
  });
});

describe('hard limits', () => {
  it('a switch hit mid-move stops the stream at once: alarm 1, outputs off', async () => {
    const r = await rig();
    const alarms: AlarmEvent[] = [];
    r.machine.on('alarm', (a) => alarms.push(a));
    await r.machine.gcode('M3 S1000');
    await settle(r);
    // Travel is 300 mm and the switch closes 1 mm beyond it.
    await r.machine.startJob('crash', 'G1 X320 F3000');
    await settle(r);
    const status = r.machine.status();
    expect(status).toMatchObject({
      state: 'Alarm',
      alarm: 1,
      positionKnown: false,
      spindle: 'off',
    });
    expect(alarms.map((a) => a.code)).toEqual([1]);
    const xMm = r.sim.axesMm()[0];
    // Stopped within one step of the switch, far inside the bounded queue (50 ms = 2.5 mm).
    expect(xMm).toBeGreaterThanOrEqual(301 - 1e-9);
    expect(xMm).toBeLessThan(301 + 1 / 80 + 1e-9);
    expect(status.machinePositionMm.x).toBeCloseTo(xMm, 9);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(r.sim.output('spindleEnable')?.read()).toBe(false);
    // Locked until unlocked; then it may move off the switch.
    expect((await r.machine.gcode('G1 X290'))[0].ok).toBe(false);
    expect(r.machine.unlock()).toEqual({ ok: true });
    await r.machine.gcode('G1 X290 F1000');
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()[0]).toBeCloseTo(290, 9);
  });
});

describe('e-stop', () => {
  it('the input stops motion, turns outputs off and holds alarm 10 while active', async () => {
    const r = await rig();
    await r.machine.gcode('M3 S800\nM7');
    await settle(r);
    await r.machine.startJob('job', 'G1 X100 F3000');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 10);
    r.sim.setInput('estop', true);
    const stoppedAt = r.sim.axesMm()[0];
    expect(r.machine.status()).toMatchObject({ state: 'Alarm', alarm: 10, positionKnown: false });
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(r.sim.output('mist')?.read()).toBe(false);
    r.clock.advanceUs(1_000_000);
    expect(r.sim.axesMm()[0]).toBe(stoppedAt);
    expect(r.machine.unlock()).toEqual({ ok: false, error: expect.objectContaining({ code: 50 }) });
    expect(r.machine.reset().ok).toBe(false);
    r.sim.setInput('estop', false);
    expect(r.machine.reset()).toEqual({ ok: true });
    expect(r.machine.status().state).toBe('Alarm');
    expect(r.machine.unlock()).toEqual({ ok: true });
    expect(r.machine.status().state).toBe('Idle');
  });
});

describe('host stall', () => {
  it('the stream runs dry at speed: alarm, motion ends within maxQueuedMs, position exact', async () => {
    const r = await rig({ maxQueuedMs: 50 });
    await r.machine.startJob('job', 'G1 X200 F3000');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 50);
    // The host stops feeding steps (as if its event loop hung): nothing refills the queue.
    const stalledAtMm = r.sim.axesMm()[0];
    r.machine.motion.pump = () => {};
    await settle(r);
    expect(r.machine.status()).toMatchObject({ state: 'Alarm', alarm: 3 });
    const xMm = r.sim.axesMm()[0];
    // At most the bounded queue ran on: 50 ms at 50 mm/s.
    expect(xMm - stalledAtMm).toBeLessThanOrEqual(2.5 + 1e-9);
    expect(r.machine.status().machinePositionMm.x).toBeCloseTo(xMm, 9);
  });
});
