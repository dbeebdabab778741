import { describe, expect, it } from 'vitest';
import type { MachineStateName } from '../../src/machine/types.js';
import { rig, runUntil, settle, ticks } from './helpers.js';

const JOB = ['M3 S700', 'M8', 'G1 X60 F3000', 'G1 Y20'].join('\n');

/** Motor steps of the job run without interruption. */
async function reference(): Promise<number[]> {
  const r = await rig();
  await r.machine.startJob('ref', JOB);
  await settle(r);
  return Array.from(r.sim.motorSteps());
}

describe('openDoor() (Grbl 0x84, software door)', () => {
  it('mid-job: Door:2 while stopping, outputs off once stopped, ~ restores and finishes', async () => {
    const expected = await reference();
    const r = await rig();
    const states: MachineStateName[] = [];
    r.machine.on('state', (s) => states.push(s.state));
    await r.machine.startJob('j', JOB);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 20);
    expect(r.machine.openDoor()).toEqual({ ok: true });
    // Door at once, still decelerating: spindle and coolant stay on until the stop.
    expect(r.machine.status()).toMatchObject({ state: 'Door', door: 'stopping' });
    expect(r.machine.status().feedMmMin).toBeGreaterThan(0);
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.7, 12);
    expect(r.sim.output('flood')?.read()).toBe(true);
    // `~` while stopping is refused (Grbl ignores it): the stop goes on.
    expect(r.machine.resume()).toMatchObject({ ok: false, error: { code: 8 } });
    await runUntil(r.clock, () => r.machine.status().door !== 'stopping');
    // No door input is open: the software door counts as closed at once (Door:0).
    const stopped = r.machine.status();
    expect(stopped).toMatchObject({
      state: 'Door',
      door: 'closed',
      feedMmMin: 0,
      spindle: 'off',
      spindleRpm: 0,
      coolant: { mist: false, flood: false },
    });
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(r.sim.output('spindleEnable')?.read()).toBe(false);
    expect(r.sim.output('flood')?.read()).toBe(false);
    const heldAtMm = r.sim.axesMm()[0];
    expect(heldAtMm).toBeGreaterThan(20);
    expect(heldAtMm).toBeLessThan(60);
    r.clock.advanceUs(2_000_000);
    expect(r.sim.axesMm()[0]).toBe(heldAtMm);

    expect(r.machine.resume()).toEqual({ ok: true });
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.7, 12);
    expect(r.sim.output('flood')?.read()).toBe(true);
    expect(r.machine.status()).toMatchObject({ state: 'Run', spindle: 'cw', spindleRpm: 700 });
    expect(await settle(r)).toBe('Idle');
    expect(Array.from(r.sim.motorSteps())).toEqual(expected);
    expect(r.sim.timingViolations()).toEqual([]);
    expect(states).toEqual(['Run', 'Door', 'Hold', 'Run', 'Idle']);
  });

  it('with the door input open, ~ waits for it to close (Door:1, then Door:0)', async () => {
    const r = await rig();
    await r.machine.startJob('j', JOB);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 20);
    r.machine.openDoor();
    r.sim.setInput('door', true);
    await runUntil(r.clock, () => r.machine.status().door === 'open');
    expect(r.machine.resume()).toMatchObject({ ok: false, error: { code: 8 } });
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    r.sim.setInput('door', false);
    expect(r.machine.status().door).toBe('closed');
    expect(r.machine.resume()).toEqual({ ok: true });
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()).toEqual([60, 20, 0]);
  });

  it('at rest: Door:0 at once with outputs off; ~ turns them back on and returns to Idle', async () => {
    const r = await rig();
    await r.machine.gcode('M3 S400\nM7');
    await settle(r);
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.4, 12);
    r.machine.openDoor();
    expect(r.machine.status()).toMatchObject({ state: 'Door', door: 'closed' });
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(r.sim.output('mist')?.read()).toBe(false);
    // Lines wait while the door stops the machine.
    let answered = false;
    void r.machine.gcode('G1 X5 F600').then(() => (answered = true));
    r.clock.advanceUs(1_000_000);
    await ticks();
    expect(answered).toBe(false);
    expect(r.sim.axesMm()[0]).toBe(0);
    expect(r.machine.resume()).toEqual({ ok: true });
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.4, 12);
    expect(r.sim.output('mist')?.read()).toBe(true);
    expect(await settle(r)).toBe('Idle');
    expect(answered).toBe(true);
    expect(r.sim.axesMm()[0]).toBeCloseTo(5, 9);
  });

  it('with a spin-up time: Door:3 while the spindle comes up, reopening stops the restore', async () => {
    const r = await rig({ spindle: { spinUpS: 0.5 } });
    await r.machine.startJob('j', JOB);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 20);
    r.machine.openDoor();
    await runUntil(r.clock, () => r.machine.status().door === 'closed');
    const x = r.sim.axesMm()[0];
    expect(r.machine.resume()).toEqual({ ok: true });
    expect(r.machine.status()).toMatchObject({ state: 'Door', door: 'restoring' });
    expect(r.sim.pwm('spindle')?.duty()).toBeCloseTo(0.7, 12);
    r.clock.advanceUs(300_000);
    // Opened again while restoring: outputs off, and the spin-up never resumes the cut.
    r.machine.openDoor();
    expect(r.machine.status()).toMatchObject({ state: 'Door', door: 'closed' });
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    r.clock.advanceUs(1_000_000);
    expect(r.sim.axesMm()[0]).toBe(x);
    expect(r.machine.status().state).toBe('Door');
    expect(r.machine.resume()).toEqual({ ok: true });
    r.clock.advanceUs(499_000);
    expect(r.sim.axesMm()[0]).toBe(x);
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()).toEqual([60, 20, 0]);
  });

  it('a ~ sent while a feed hold decelerated does not resume past a door opened after it', async () => {
    const r = await rig();
    await r.machine.startJob('j', JOB);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 20);
    r.machine.hold();
    expect(r.machine.resume()).toEqual({ ok: true });
    r.machine.openDoor();
    await runUntil(r.clock, () => r.machine.status().door === 'closed');
    const x = r.sim.axesMm()[0];
    r.clock.advanceUs(1_000_000);
    expect(r.machine.status().state).toBe('Door');
    expect(r.sim.axesMm()[0]).toBe(x);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
  });

  it('during a jog: the jog is cancelled, then Door; ignored in Alarm', async () => {
    const r = await rig();
    expect(r.machine.jog('G91 X50 F3000')).toEqual({ ok: true });
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 5);
    r.machine.openDoor();
    expect(r.machine.status().state).toBe('Jog');
    await runUntil(r.clock, () => r.machine.status().state !== 'Jog');
    expect(r.machine.status()).toMatchObject({ state: 'Door', door: 'closed' });
    const x = r.sim.axesMm()[0];
    expect(x).toBeLessThan(50);
    expect(r.machine.resume()).toEqual({ ok: true });
    expect(await settle(r)).toBe('Idle');
    // The cancelled jog does not come back.
    expect(r.sim.axesMm()[0]).toBe(x);
    r.machine.estop();
    r.machine.openDoor();
    expect(r.machine.status()).toMatchObject({ state: 'Alarm', door: null });
  });
});
