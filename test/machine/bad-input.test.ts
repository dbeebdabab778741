// Bad input is refused with a Grbl code, changes nothing and never moves the machine.
import { describe, expect, it } from 'vitest';
import { drive, rig } from './helpers.js';

describe('bad input', () => {
  it('a target beyond the motors step range is error 33; the next good line still runs', async () => {
    const r = await rig();
    const results = await r.machine.gcode('G1 X100000000 F1\nG0 X5');
    expect(results).toEqual([
      { ok: false, error: expect.objectContaining({ code: 33 }) },
      { ok: true },
    ]);
    await drive(r.clock, r.machine.idle());
    expect(r.machine.status()).toMatchObject({ state: 'Idle', alarm: null });
    expect(r.sim.axesMm()[0]).toBeCloseTo(5, 9);
  });
});
