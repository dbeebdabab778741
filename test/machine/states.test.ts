import { describe, expect, it } from 'vitest';
import type { JobEvent, LineEvent, MachineStateName } from '../../src/machine/types.js';
import { drive, rig, runUntil, settle } from './helpers.js';

describe('check mode', () => {
  it('$C parses lines and reports errors without moving; leaving it resyncs', async () => {
    const r = await rig();
    expect(await r.machine.gcode('$C')).toEqual([{ ok: true }]);
    expect(r.machine.status().state).toBe('Check');
    const results = await r.machine.gcode('G1 X50 F1000\nG5 X1\nG1 Y20');
    expect(results.map((x) => x.ok)).toEqual([true, false, true]);
    expect(!results[1].ok && results[1].error.code).toBe(20);
    await settle(r);
    expect(r.sim.axesMm()).toEqual([0, 0, 0]);
    expect(r.sim.pulseCount()).toBe(0);
    expect(await r.machine.gcode('$C')).toEqual([{ ok: true }]);
    expect(r.machine.status().state).toBe('Idle');
    await r.machine.gcode('G91 G1 X1 F600');
    await settle(r);
    expect(r.sim.axesMm()[0]).toBeCloseTo(1, 9);
  });
});

describe('jobs and lines', () => {
  it('reports every line, keeps going after a bad one, and finishes', async () => {
    const r = await rig();
    const lines: LineEvent[] = [];
    const jobs: JobEvent[] = [];
    r.machine.on('line', (l) => lines.push(l));
    r.machine.on('job', (j) => jobs.push(j));
    await r.machine.startJob('j', 'G1 X5 F600\nG1 X\nG1 X10');
    expect(r.machine.status().job).toMatchObject({ name: 'j', totalLines: 3 });
    expect(r.machine.status().job?.remainingS).toBeGreaterThan(0.9);
    await settle(r);
    expect(lines.map((l) => [l.line, l.ok])).toEqual([
      [1, true],
      [2, false],
      [3, true],
    ]);
    expect(jobs.map((j) => j.kind)).toEqual(['started', 'finished']);
    expect(r.sim.axesMm()[0]).toBeCloseTo(10, 9);
    expect(r.machine.status().job).toBeNull();
  });

  it('streams lines from an async source, flushing when it stalls', async () => {
    const r = await rig();
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    async function* source(): AsyncIterable<string> {
      yield 'G1 X10 F3000\n';
      await gate;
      yield 'G1 X20\n';
    }
    await r.machine.startJob('async', source());
    // The first line moves on its own although the second has not arrived.
    await runUntil(r.clock, () => r.sim.axesMm()[0] >= 10);
    expect(r.machine.status().state).toBe('Run');
    release();
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()[0]).toBeCloseTo(20, 9);
  });

  it('refuses a second job and G-code lines during a job (8)', async () => {
    const r = await rig();
    await r.machine.startJob('a', 'G1 X10 F600');
    expect(await r.machine.startJob('b', 'G1 X1')).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 8 }),
    });
    expect((await r.machine.gcode('G1 Y1'))[0]).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 8 }),
    });
    expect((await r.machine.gcode('$SLP'))[0]).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 8 }),
    });
    await settle(r);
  });

  it('dwell waits its time; coolant waits for motion; M0 holds until resumed', async () => {
    const r = await rig();
    const states: MachineStateName[] = [];
    r.machine.on('state', (s) => states.push(s.state));
    const t0 = r.clock.nowUs();
    await r.machine.startJob('j', 'G4 P1.5\nM8\nM0\nM9');
    await runUntil(r.clock, () => r.machine.status().coolant.flood);
    expect(r.clock.nowUs() - t0).toBe(1_500_000);
    expect(r.sim.output('flood')?.read()).toBe(true);
    await runUntil(r.clock, () => r.machine.status().state === 'Hold');
    r.clock.advanceUs(5_000_000);
    expect(r.machine.status().state).toBe('Hold');
    expect(r.machine.resume()).toEqual({ ok: true });
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.output('flood')?.read()).toBe(false);
    expect(states).toEqual(['Run', 'Hold', 'Run', 'Idle']);
  });
});

describe('door and sleep', () => {
  it('opening the door mid-job holds, cuts the spindle; closing and resuming restores it', async () => {
    const r = await rig();
    await r.machine.startJob('j', 'M3 S700\nG1 X60 F3000');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 20);
    r.sim.setInput('door', true);
    // Door at once, decelerating first; outputs go off once stopped.
    await runUntil(r.clock, () => r.machine.status().door === 'open');
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(r.machine.resume().ok).toBe(false);
    r.sim.setInput('door', false);
    expect(r.machine.resume()).toEqual({ ok: true });
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.7, 12);
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()[0]).toBeCloseTo(60, 9);
  });

  it('with a spin-up time, the cut goes on only once the spindle is back up to speed', async () => {
    const r = await rig({ spindle: { spinUpS: 0.5 } });
    const t0 = r.clock.nowUs();
    await r.machine.startJob('j', 'M3 S700\nG1 X60 F3000');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 0);
    // M3 itself waits the spin-up before the first move (to the first step at 1/80 mm).
    expect(r.clock.nowUs() - t0).toBeGreaterThanOrEqual(500_000);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 20);
    r.sim.setInput('door', true);
    // Door at once, decelerating first; outputs go off once stopped.
    await runUntil(r.clock, () => r.machine.status().door === 'open');
    r.sim.setInput('door', false);
    const x = r.sim.axesMm()[0];
    expect(r.machine.resume()).toEqual({ ok: true });
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.7, 12);
    r.clock.advanceUs(499_000);
    expect(r.sim.axesMm()[0]).toBe(x);
    expect(r.machine.status().state).toBe('Door');
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()[0]).toBeCloseTo(60, 9);
  });

  it('$SLP turns drivers and outputs off; only a reset wakes it, into Alarm', async () => {
    const r = await rig();
    await r.machine.gcode('M3 S500');
    await settle(r);
    expect(await r.machine.gcode('$SLP')).toEqual([{ ok: true }]);
    expect(r.machine.status().state).toBe('Sleep');
    expect(r.sim.output('enable')?.read()).toBe(false);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect((await r.machine.gcode('G1 X1 F100'))[0].ok).toBe(false);
    expect(r.machine.unlock().ok).toBe(false);
    r.machine.reset();
    expect(r.machine.status().state).toBe('Alarm');
    expect(r.sim.output('enable')?.read()).toBe(true);
  });

  it('homing from Alarm and $X are the ways out of an alarm', async () => {
    const r = await rig({ homing: { enabled: true, debounceMs: 0 } });
    expect(await drive(r.clock, r.machine.home())).toEqual({ ok: true });
    expect(r.machine.status().state).toBe('Idle');
  });
});

describe('panel inputs', () => {
  it('hold, resume and reset buttons act like their commands', async () => {
    const r = await rig();
    await r.machine.startJob('j', 'G1 X80 F3000');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 10);
    r.sim.setInput('hold', true);
    r.sim.setInput('hold', false);
    expect(r.machine.status().state).toBe('Hold');
    await runUntil(r.clock, () => r.machine.status().buffer.queuedMs === 0);
    r.sim.setInput('resume', true);
    r.sim.setInput('resume', false);
    expect(r.machine.status().state).toBe('Run');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 40);
    r.sim.setInput('reset', true);
    expect(r.machine.status()).toMatchObject({ state: 'Alarm', alarm: 3 });
  });
});
