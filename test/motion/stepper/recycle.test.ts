import { describe, expect, it } from 'vitest';
import { Planner } from '../../../motion/planner.js';
import { StepGenerator } from '../../../motion/stepper.js';
import type { LinearMove, MotionSettings, PlannedMove, StepChunk } from '../../../motion/types.js';
import { circleChords, feedTo, millSettings, rapidTo } from '../planner/fixtures.js';
import { byMotor, drain, expectedSteps, maxTimeErrorUs, type StepEvent } from './analytic.js';

function plan(settings: MotionSettings, moves: LinearMove[]): PlannedMove[] {
  const planner = new Planner(settings);
  const planned = moves.flatMap((m) => planner.push(m));
  return [...planned, ...planner.flush()];
}

function job(settings: MotionSettings): PlannedMove[] {
  return plan(settings, [
    feedTo(40, 0, 0, 6000),
    ...circleChords(40, 20, 20, 0.2, 1.5, 600),
    rapidTo(-5.3, 7.7, 2.1),
    feedTo(0, 0, 0, 900),
  ]);
}

/** Events of chunks read as they come, then handed back; also the chunks' arrays, in order. */
function drainRecycling(gen: StepGenerator): {
  events: StepEvent[];
  arrays: Uint32Array[];
  chunks: StepChunk[];
} {
  const events: StepEvent[] = [];
  const arrays: Uint32Array[] = [];
  const chunks: StepChunk[] = [];
  for (let chunk = gen.nextChunk(); chunk !== null; chunk = gen.nextChunk()) {
    for (let e = 0; e < chunk.count; e++) {
      events.push({
        timeUs: chunk.startUs + chunk.timeUs[e],
        motor: chunk.motor[e],
        dir: chunk.dir[e],
      });
    }
    arrays.push(chunk.timeUs);
    chunks.push(chunk);
    gen.recycle(chunk);
  }
  return { events, arrays, chunks };
}

describe('StepGenerator chunk recycling', () => {
  it('yields the same events when chunks are recycled, reusing their arrays', () => {
    const settings = millSettings();
    const planned = job(settings);
    const plain = new StepGenerator(settings, { chunkUs: 5_000, startSteps: [0, 0, 0] });
    const pooled = new StepGenerator(settings, { chunkUs: 5_000, startSteps: [0, 0, 0] });
    for (const m of planned) {
      plain.add(m);
      pooled.add(m);
    }
    const copied = drain(plain);
    const recycled = drainRecycling(pooled);
    expect(recycled.events).toEqual(copied.events);
    expect(copied.chunks.length).toBeGreaterThan(10);
    // After the first recycle, chunks alternate between two sets of arrays.
    expect(new Set(recycled.arrays.slice(1)).size).toBe(2);
    // A recycled chunk object carries the next chunk: from the second on, one object.
    expect(new Set(recycled.chunks.slice(1)).size).toBe(1);
    expect(maxTimeErrorUs(byMotor(recycled.events), expectedSteps(settings, planned))).toBe(
      maxTimeErrorUs(byMotor(copied.events), expectedSteps(settings, planned)),
    );
  });

  it('never writes into the arrays of a chunk the caller keeps', () => {
    const settings = millSettings();
    const gen = new StepGenerator(settings, { chunkUs: 5_000, startSteps: [0, 0, 0] });
    for (const m of job(settings)) gen.add(m);
    const first = gen.nextChunk() as StepChunk;
    gen.recycle(first);
    const kept = gen.nextChunk() as StepChunk;
    const keptTimes = Array.from(kept.timeUs.subarray(0, kept.count));
    expect(kept.count).toBeGreaterThan(0);
    // kept is never recycled: the rest of the job must leave it as it was.
    drainRecycling(gen);
    expect(Array.from(kept.timeUs.subarray(0, kept.count))).toEqual(keptTimes);
  });
});

describe('StepGenerator chunk boundaries', () => {
  it('times the same steps whatever the chunk length, within 1 µs of the analytic profile', () => {
    const settings = millSettings('corexy');
    const planned = job(settings);
    const expected = expectedSteps(settings, planned);
    const runs = [997, 10_000, 250_000].map((chunkUs) => {
      const gen = new StepGenerator(settings, { chunkUs, startSteps: [0, 0, 0] });
      for (const m of planned) gen.add(m);
      return drain(gen).events;
    });
    for (const events of runs) {
      const error = maxTimeErrorUs(byMotor(events), expected);
      expect(error).toBeGreaterThanOrEqual(0);
      expect(error).toBeLessThanOrEqual(1);
      expect(events).toEqual(runs[0]);
    }
  });
});
