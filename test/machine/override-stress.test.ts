// Overrides re-plan the path under way: many of them, at arbitrary moments, mixed with holds,
// must never lose a step, leave the path, raise an alarm or change where the job ends.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { OverrideAction, OverrideTarget } from '../../src/machine/types.js';
import { rig, runUntil, settle } from './helpers.js';

const DEMO_JOB = readFileSync(new URL('../../examples/demo-job.nc', import.meta.url), 'utf8');

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** As the demo machine: powered on mid-travel, so the job's negative Z stays on the machine. */
const MID_TRAVEL = { sim: { startMm: { x: 150, y: 150, z: 60 } } };

const CHANGES: [OverrideTarget, OverrideAction][] = [
  ['feed', 'coarseUp'],
  ['feed', 'coarseDown'],
  ['feed', 'fineDown'],
  ['feed', 'reset'],
  ['rapid', 25],
  ['rapid', 50],
  ['rapid', 100],
];

describe('overrides under way, many and at random moments', () => {
  for (const seed of [1, 2, 3]) {
    it(`ends the demo job where an undisturbed run ends (seed ${seed})`, async () => {
      const plain = await rig(MID_TRAVEL);
      await plain.machine.startJob('demo', DEMO_JOB);
      expect(await settle(plain)).toBe('Idle');
      const expected = plain.machine.status().machinePositionMm;

      const r = await rig(MID_TRAVEL);
      const next = random(seed);
      const states = new Set<string>();
      r.machine.on('state', (s) => states.add(s.state));
      await r.machine.startJob('demo', DEMO_JOB);
      let changesWhileRunning = 0;
      for (let i = 0; i < 60 && r.machine.status().state !== 'Idle'; i++) {
        const untilUs = r.clock.nowUs() + 20_000 + next() * 400_000;
        await runUntil(
          r.clock,
          () => r.clock.nowUs() >= untilUs || r.machine.status().state === 'Idle',
        );
        if (next() < 0.1 && r.machine.status().state === 'Run') {
          r.machine.hold();
          await runUntil(r.clock, () => r.machine.status().state === 'Hold');
          r.clock.advanceUs(500_000);
          r.machine.resume();
        } else {
          const [target, action] = CHANGES[Math.floor(next() * CHANGES.length)];
          if (r.machine.status().state === 'Run') changesWhileRunning++;
          r.machine.override(target, action);
        }
      }
      expect(await settle(r)).toBe('Idle');
      expect(changesWhileRunning).toBeGreaterThanOrEqual(20);
      expect(states.has('Alarm')).toBe(false);
      expect(r.machine.status().machinePositionMm).toEqual(expected);
    });
  }
});
