// A job of segments so short that the planner's window of pending moves is shorter than the
// braking distance: the machine must keep moving (a bounded lookahead), not run dry.
import { describe, expect, it } from 'vitest';
import type { MachineStateName } from '../../src/machine/types.js';
import { rig, settle } from './helpers.js';

describe('segments shorter than the lookahead window can brake over', () => {
  it('runs 12,000 moves of 1 µm at 100 mm/s to the exact end without an alarm', async () => {
    const r = await rig();
    const states = new Set<MachineStateName>();
    r.machine.on('state', (s) => states.add(s.state));
    // 4096 pending moves of 0.001 mm cover 4.1 mm; braking from 100 mm/s at 500 mm/s² takes 10.
    const lines = ['G21 G91 G1 F6000'];
    for (let i = 0; i < 12_000; i++) lines.push('X0.001');
    await r.machine.startJob('tiny', lines.join('\n'));
    expect(await settle(r)).toBe('Idle');
    expect(states.has('Alarm')).toBe(false);
    expect(r.machine.status().machinePositionMm.x).toBeCloseTo(12, 9);
  });
});
