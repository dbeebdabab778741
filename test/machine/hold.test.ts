import { describe, expect, it } from 'vitest';
import type { MachineStateName } from '../../src/machine/types.js';
import { rig, runUntil, settle } from './helpers.js';

const JOB = ['G1 X100 F3000', 'G1 Y50', 'G1 X20 Y10'].join('\n');

async function reference(): Promise<number[]> {
  const r = await rig();
  await r.machine.startJob('ref', JOB);
  await settle(r);
  return Array.from(r.sim.motorSteps());
}

describe('feed hold', () => {
  it('decelerates mid-move, holds still, and resumes to the same final position', async () => {
    const expected = await reference();
    const r = await rig();
    const states: MachineStateName[] = [];
    r.machine.on('state', (s) => states.push(s.state));
    await r.machine.startJob('job', JOB);
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 40);
    expect(r.machine.hold()).toEqual({ ok: true });
    expect(r.machine.status().state).toBe('Hold');
    // Runs to rest: nothing else is scheduled once the deceleration ends.
    await runUntil(r.clock, () => r.machine.status().buffer.queuedMs === 0);
    const heldAt = r.sim.axesMm()[0];
    expect(heldAt).toBeGreaterThan(40);
    expect(heldAt).toBeLessThan(100);
    r.clock.advanceUs(2_000_000);
    expect(r.sim.axesMm()[0]).toBe(heldAt);
    expect(r.machine.status().machinePositionMm.x).toBeCloseTo(heldAt, 9);
    expect(r.machine.resume()).toEqual({ ok: true });
    expect(await settle(r)).toBe('Idle');
    expect(Array.from(r.sim.motorSteps())).toEqual(expected);
    expect(r.sim.timingViolations()).toEqual([]);
    expect(states).toEqual(['Run', 'Hold', 'Run', 'Idle']);
  });
});
