import { describe, expect, it } from 'vitest';
import { rig, runUntil, settle } from './helpers.js';

describe('status().lineNumber (Grbl Ln:)', () => {
  it("is the executing move's N word, null for a line without one, kept in a hold", async () => {
    const r = await rig();
    expect(r.machine.status().lineNumber).toBeNull();
    await r.machine.startJob('j', 'N10 G1 X40 F3000\nG1 X60\nN30 G1 X80\nN40 G4 P0.5');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 5);
    expect(r.machine.status().lineNumber).toBe(10);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 45);
    expect(r.machine.status().lineNumber).toBeNull();
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 62);
    expect(r.machine.status().lineNumber).toBe(30);
    r.machine.hold();
    await runUntil(r.clock, () => r.machine.status().feedMmMin === 0);
    expect(r.sim.axesMm()[0]).toBeLessThan(80);
    expect(r.machine.status()).toMatchObject({ state: 'Hold', lineNumber: 30 });
    r.machine.resume();
    // The dwell moves nothing: no executing move, no line number.
    await runUntil(r.clock, () => r.sim.axesMm()[0] === 80);
    r.clock.advanceUs(100_000);
    expect(r.machine.status().state).toBe('Run');
    expect(r.machine.status().lineNumber).toBeNull();
    expect(await settle(r)).toBe('Idle');
  });
});
