import { describe, expect, it } from 'vitest';
import { rig, runUntil, settle, type TestRig } from './helpers.js';

const JOB = ['M3 S600', 'G1 X80 F3000', 'G1 Y10'].join('\n');

async function heldMidJob(extra: Record<string, unknown> = {}): Promise<TestRig> {
  const r = await rig(extra);
  await r.machine.startJob('j', JOB);
  await runUntil(r.clock, () => r.sim.axesMm()[0] > 20);
  r.machine.hold();
  await runUntil(r.clock, () => r.machine.status().feedMmMin === 0);
  return r;
}

describe('toggleSpindleStop() (Grbl 0x9E)', () => {
  it('is refused while running: the spindle stays on', async () => {
    const r = await rig();
    await r.machine.startJob('j', JOB);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 20);
    expect(r.machine.toggleSpindleStop()).toMatchObject({ ok: false, error: { code: 8 } });
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.6, 12);
    expect(r.machine.status()).toMatchObject({ state: 'Run', spindleStopped: false });
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()).toEqual([80, 10, 0]);
  });

  it('in a hold: off, on again, off; ~ restores the spindle before the cut goes on', async () => {
    const r = await heldMidJob();
    const x = r.sim.axesMm()[0];
    expect(r.machine.toggleSpindleStop()).toEqual({ ok: true });
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(r.sim.output('spindleEnable')?.read()).toBe(false);
    expect(r.machine.status()).toMatchObject({
      state: 'Hold',
      spindleStopped: true,
      spindle: 'off',
      spindleRpm: 0,
    });
    // A spindle override meanwhile does not bring it back.
    r.machine.override('spindle', 'coarseUp');
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    r.machine.override('spindle', 'reset');
    expect(r.machine.toggleSpindleStop()).toEqual({ ok: true });
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.6, 12);
    expect(r.machine.status()).toMatchObject({ spindleStopped: false, spindle: 'cw' });
    r.machine.toggleSpindleStop();
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    r.clock.advanceUs(1_000_000);
    expect(r.sim.axesMm()[0]).toBe(x);
    expect(r.machine.resume()).toEqual({ ok: true });
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.6, 12);
    expect(r.machine.status()).toMatchObject({ state: 'Run', spindleStopped: false });
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()).toEqual([80, 10, 0]);
  });

  it('asked while decelerating, it acts once the hold has stopped', async () => {
    const r = await rig();
    await r.machine.startJob('j', JOB);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 20);
    r.machine.hold();
    expect(r.machine.toggleSpindleStop()).toEqual({ ok: true });
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.6, 12);
    await runUntil(r.clock, () => r.machine.status().spindleStopped);
    expect(r.machine.status().feedMmMin).toBe(0);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
  });

  it('with a spin-up time, ~ waits for the spindle before moving', async () => {
    const r = await heldMidJob({ spindle: { spinUpS: 0.5 } });
    const x = r.sim.axesMm()[0];
    r.machine.toggleSpindleStop();
    expect(r.machine.resume()).toEqual({ ok: true });
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.6, 12);
    r.clock.advanceUs(499_000);
    expect(r.sim.axesMm()[0]).toBe(x);
    expect(r.machine.status().state).toBe('Hold');
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()).toEqual([80, 10, 0]);
  });

  it('in laser mode: the laser enable goes off, and the laser lights again on resume', async () => {
    const r = await heldMidJob({ spindle: { laserMode: true } });
    expect(r.sim.output('spindleEnable')?.read()).toBe(true);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    r.machine.toggleSpindleStop();
    expect(r.sim.output('spindleEnable')?.read()).toBe(false);
    expect(r.machine.status().spindleStopped).toBe(true);
    r.machine.resume();
    expect(r.sim.output('spindleEnable')?.read()).toBe(true);
    await runUntil(r.clock, () => (r.sim.pwm('spindle')?.duty() ?? 0) > 0);
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.6, 12);
    expect(await settle(r)).toBe('Idle');
  });

  it('a door clears it: the door restore brings the spindle back', async () => {
    const r = await heldMidJob();
    r.machine.toggleSpindleStop();
    r.machine.openDoor();
    expect(r.machine.status()).toMatchObject({ state: 'Door', spindleStopped: false });
    expect(r.machine.resume()).toEqual({ ok: true });
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.6, 12);
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()).toEqual([80, 10, 0]);
  });
});
