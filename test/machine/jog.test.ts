import { describe, expect, it } from 'vitest';
import type { MachineStateName } from '../../src/machine/types.js';
import { rig, runUntil, settle } from './helpers.js';

describe('jogging', () => {
  it('$J= moves without changing the modal state', async () => {
    const r = await rig();
    expect(await r.machine.gcode('$J=G91 X5 Y-0 F600')).toEqual([{ ok: true }]);
    expect(r.machine.status().state).toBe('Jog');
    expect(await settle(r)).toBe('Idle');
    expect(r.sim.axesMm()[0]).toBeCloseTo(5, 9);
    const [modal] = await r.machine.gcode('$G');
    expect(modal.ok && modal.report?.[0]).toContain('G90');
  });

  it('keeps its commanded speed under a feed override and reports its N word, as Grbl', async () => {
    const r = await rig();
    for (let i = 0; i < 5; i++) r.machine.override('feed', 'coarseDown');
    r.sim.recordPulses(true);
    expect(await r.machine.gcode('$J=N7 G91 X20 F600')).toEqual([{ ok: true }]);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 10);
    expect(r.machine.status().lineNumber).toBe(7);
    expect(await settle(r)).toBe('Idle');
    const xTimes = r.sim
      .pulses()
      .filter((p) => p.motor === 0)
      .map((p) => p.timeUs);
    const mid = Math.floor(xTimes.length / 2);
    // 10 mm/s at 80 steps/mm: a step every 1250 µs, not every 2500 at the 50 % override.
    expect(xTimes[mid + 1] - xTimes[mid]).toBe(1250);
  });

  it('jog cancel decelerates, drops the rest and returns to Idle with position exact', async () => {
    const r = await rig();
    const states: MachineStateName[] = [];
    r.machine.on('state', (s) => states.push(s.state));
    expect(r.machine.jog('G91 X100 F3000')).toEqual({ ok: true });
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 20);
    expect(r.machine.jogCancel()).toEqual({ ok: true });
    expect(await settle(r)).toBe('Idle');
    const x = r.sim.axesMm()[0];
    expect(x).toBeGreaterThan(20);
    expect(x).toBeLessThan(30);
    expect(r.machine.status().machinePositionMm.x).toBeCloseTo(x, 9);
    expect(states).toEqual(['Jog', 'Idle']);
    // The next G-code starts from where the jog stopped.
    await r.machine.gcode('G91 G1 X1 F600');
    await settle(r);
    expect(r.sim.axesMm()[0]).toBeCloseTo(x + 1, 9);
  });

  it('is refused during a job (8), G-code is refused during a jog (9), bad jogs get 16', async () => {
    const r = await rig();
    await r.machine.startJob('job', 'G1 X50 F3000');
    expect(r.machine.jog('G91 X1 F100')).toEqual({
      ok: false,
      error: expect.objectContaining({ code: 8 }),
    });
    await settle(r);
    expect(r.machine.jog('G91 X10 F600').ok).toBe(true);
    expect(await r.machine.gcode('G1 X0')).toEqual([
      { ok: false, error: expect.objectContaining({ code: 9 }) },
    ]);
    await settle(r);
    const bad = r.machine.jog('G91 M3 X1 F100');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.error.code).toBe(16);
    expect(r.sim.axesMm()[0]).toBeCloseTo(60, 9);
  });
});
