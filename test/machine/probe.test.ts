import { describe, expect, it } from 'vitest';
import type { JobEvent, ProbeEvent } from '../../src/machine/types.js';
import { rig, settle } from './helpers.js';

// The probe touches at z <= 20 mm; the machine starts at z = 50.
const PLANT = { sim: { startMm: { x: 10, y: 10, z: 50 }, probeZMm: 20 } };

describe('probing', () => {
  it('G38.2 stops at the touch and reports it (event and $# PRB)', async () => {
    const r = await rig(PLANT);
    const probes: ProbeEvent[] = [];
    r.machine.on('probe', (p) => probes.push(p));
    expect(await r.machine.gcode('G38.2 Z0 F100')).toEqual([{ ok: true }]);
    expect(await settle(r)).toBe('Idle');
    const z = r.sim.axesMm()[2];
    // Stopped on the first step at or below 20 mm (400 steps/mm).
    expect(z).toBeLessThanOrEqual(20 + 1e-9);
    expect(z).toBeGreaterThan(20 - 1 / 400 - 1e-9);
    expect(probes).toEqual([{ touched: true, machinePositionMm: { x: 10, y: 10, z } }]);
    const [params] = await r.machine.gcode('$#');
    expect(params.ok && params.report).toContain(`[PRB:10.000,10.000,${z.toFixed(3)}:1]`);
    // The interpreter continues from the touch point: a relative move is exact from there.
    await r.machine.gcode('G91 G1 Z5 F100');
    await settle(r);
    expect(r.sim.axesMm()[2]).toBeCloseTo(z + 5, 9);
  });

  it('G38.2 without contact: alarm 5; G38.3 without contact: no alarm', async () => {
    const r = await rig(PLANT);
    const jobs: JobEvent[] = [];
    r.machine.on('job', (j) => jobs.push(j));
    await r.machine.startJob('probe', 'G38.2 Z30 F200\nG0 Z50');
    expect(await settle(r)).toBe('Alarm');
    expect(r.machine.status().alarm).toBe(5);
    expect(r.sim.axesMm()[2]).toBeCloseTo(30, 9);
    expect(jobs.map((j) => j.kind)).toEqual(['started', 'failed']);

    const r2 = await rig(PLANT);
    const probes: ProbeEvent[] = [];
    r2.machine.on('probe', (p) => probes.push(p));
    await r2.machine.gcode('G38.3 Z30 F200');
    expect(await settle(r2)).toBe('Idle');
    expect(probes).toEqual([{ touched: false, machinePositionMm: { x: 10, y: 10, z: 30 } }]);
  });

  it('G38.4 moves away until the probe opens', async () => {
    const r = await rig({ sim: { startMm: { x: 0, y: 0, z: 10 }, probeZMm: 20 } });
    const probes: ProbeEvent[] = [];
    r.machine.on('probe', (p) => probes.push(p));
    await r.machine.gcode('G38.4 Z40 F100');
    expect(await settle(r)).toBe('Idle');
    const z = r.sim.axesMm()[2];
    expect(z).toBeGreaterThan(20);
    expect(z).toBeLessThanOrEqual(20 + 1 / 400 + 1e-9);
    expect(probes.map((p) => p.touched)).toEqual([true]);
  });

  it('alarm 4 when the probe is already touching, and nothing moves', async () => {
    const r = await rig({ sim: { startMm: { x: 0, y: 0, z: 10 }, probeZMm: 20 } });
    await r.machine.gcode('G38.2 Z0 F100');
    expect(await settle(r)).toBe('Alarm');
    expect(r.machine.status().alarm).toBe(4);
    expect(r.sim.axesMm()[2]).toBe(10);
  });
});
