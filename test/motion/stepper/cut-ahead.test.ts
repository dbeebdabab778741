// StepGenerator.cutAhead + Planner.continueMoving: cutting the queued
// path at any generated time and re-planning it must keep the steps' order, land on the same
// position, and (with unchanged overrides) reproduce the uncut step stream.
import { describe, expect, it } from 'vitest';
import { Planner } from '../../../motion/planner.js';
import { StepGenerator } from '../../../motion/stepper.js';
import type { LinearMove, MotionSettings } from '../../../motion/types.js';
import { circleChords, feedTo, millSettings, rapidTo } from '../planner/fixtures.js';
import { byMotor, drain, maxTimeErrorUs, type StepEvent } from './analytic.js';

interface Run {
  events: StepEvent[];
  endSteps: number[];
}

/** Plans and generates moves in one go (no cut). */
function plainRun(
  settings: MotionSettings,
  moves: LinearMove[],
  chunkUs: number,
  stopsAfter: number[] = [],
): Run {
  const planner = new Planner(settings);
  const gen = new StepGenerator(settings, { chunkUs, startSteps: [0, 0, 0] });
  moves.forEach((m, i) => {
    for (const p of planner.push(m)) gen.add(p);
    if (stopsAfter.includes(i)) for (const p of planner.flush()) gen.add(p);
  });
  for (const p of planner.flush()) gen.add(p);
  const { events } = drain(gen);
  return { events, endSteps: Array.from(gen.positionSteps()) };
}

/**
 * Pushes `pushed` moves (flushing when `flushFirst`), generates until cutUs, cuts, re-plans
 * the cut path with the planner's pending moves at feedRatio, then the remaining moves.
 */
function cutRun(
  settings: MotionSettings,
  moves: LinearMove[],
  chunkUs: number,
  opts: { pushed: number; flushFirst: boolean; cutUs: number; feedRatio: number },
  stopsAfter: number[] = [],
): Run & { cut: boolean } {
  let planner = new Planner(settings);
  const gen = new StepGenerator(settings, { chunkUs, startSteps: [0, 0, 0] });
  moves.slice(0, opts.pushed).forEach((m, i) => {
    for (const p of planner.push(m)) gen.add(p);
    if (stopsAfter.includes(i)) for (const p of planner.flush()) gen.add(p);
  });
  if (opts.flushFirst) for (const p of planner.flush()) gen.add(p);
  const events: StepEvent[] = [];
  const take = (): boolean => {
    const chunk = gen.nextChunk();
    if (chunk === null) return false;
    for (let e = 0; e < chunk.count; e++) {
      events.push({
        timeUs: chunk.startUs + chunk.timeUs[e],
        motor: chunk.motor[e],
        dir: chunk.dir[e],
      });
    }
    return true;
  };
  while (gen.generatedUs() < opts.cutUs && take());
  const cut = gen.cutAhead();
  if (cut !== null) {
    const following = planner.takePending();
    planner = new Planner(settings, cut.fromMm);
    planner.setOverrides(opts.feedRatio, 1);
    planner.continueMoving(cut.speedMmS, cut.unit);
    // As MotionQueue.replanAhead: each stop inside the cut path, and at its end, stays.
    cut.moves.forEach((m, i) => {
      for (const p of planner.push(m)) gen.add(p);
      if (cut.stopsAfter.includes(i)) for (const p of planner.flush()) gen.add(p);
    });
    if (cut.endsAtRest) for (const p of planner.flush()) gen.add(p);
    for (const m of following) for (const p of planner.push(m)) gen.add(p);
  }
  moves.slice(opts.pushed).forEach((m, k) => {
    for (const p of planner.push(m)) gen.add(p);
    if (stopsAfter.includes(opts.pushed + k)) for (const p of planner.flush()) gen.add(p);
  });
  for (const p of planner.flush()) gen.add(p);
  while (take());
  return { events, endSteps: Array.from(gen.positionSteps()), cut: cut !== null };
}

/** A cut run ends on the plain run's steps, every step within 1 µs of the plain one's time. */
function expectSameStream(
  run: { events: StepEvent[]; endSteps: number[] },
  plain: { events: StepEvent[]; endSteps: number[] },
): void {
  expect(run.endSteps).toEqual(plain.endSteps);
  const errUs = maxTimeErrorUs(byMotor(run.events), byMotor(plain.events));
  expect(errUs).toBeGreaterThanOrEqual(0);
  expect(errUs).toBeLessThanOrEqual(1);
}

/** Times never decrease, and each motor's consecutive steps respect its max rate. */
function expectOrderedWithinRate(events: StepEvent[], minGapUs: number[]): void {
  for (let i = 1; i < events.length; i++) {
    if (events[i].timeUs < events[i - 1].timeUs) throw new Error(`back in time at ${i}`);
  }
  const motors = byMotor(events);
  for (let m = 0; m < 3; m++) {
    for (let i = 1; i < motors[m].length; i++) {
      const gapUs = motors[m][i].timeUs - motors[m][i - 1].timeUs;
      if (gapUs < minGapUs[m] - 1) {
        throw new Error(`motor ${m}: ${gapUs} µs gap at ${motors[m][i].timeUs} µs`);
      }
    }
  }
}

/**
 * Largest change of a motor's step rate between consecutive gaps beyond what accelStepsS2
 * over that interval and ±1 µs of rounding per gap explain (steps/s; ≤ 0 when none).
 */
function worstRateJump(events: StepEvent[], accelStepsS2: number): number {
  let worst = 0;
  for (const t of byMotor(events).map((es) => es.map((e) => e.timeUs))) {
    for (let i = 2; i < t.length; i++) {
      const g1 = t[i - 1] - t[i - 2];
      const g2 = t[i] - t[i - 1];
      if (g1 > 20_000 || g2 > 20_000) continue;
      const jump = Math.abs(1e6 / g2 - 1e6 / g1);
      worst = Math.max(
        worst,
        jump - (accelStepsS2 * (g1 + g2)) / 2e6 - 2e6 / Math.min(g1, g2) ** 2,
      );
    }
  }
  return worst;
}

/** 100 mm/s at 80 steps/mm; z 10 mm/s at 400 steps/mm. */
const MIN_GAP_US = [125, 125, 250];

const JOBS: Record<string, LinearMove[]> = {
  'one long move': [feedTo(100, 0, 0, 3000)],
  'a sharp corner': [feedTo(30, 0, 0, 6000), feedTo(30, 30, 0, 6000), feedTo(0, 30, 0, 6000)],
  'circle chords': circleChords(50, 50, 10, 0.5, 1, 3000),
  'tiny moves': Array.from({ length: 40 }, (_, i) => feedTo(0.01 * (i + 1), 0, 0, 3000)),
  'rapid and z': [rapidTo(40, 20, 0), feedTo(40, 20, 2, 300), feedTo(60, 10, 2, 2000)],
};

describe('cutAhead + continueMoving', () => {
  for (const [name, moves] of Object.entries(JOBS)) {
    for (const kin of ['cartesian', 'corexy'] as const) {
      it(`${name} (${kin}): unchanged ratio reproduces the uncut stream within 1 µs`, () => {
        const settings = millSettings(kin);
        const plain = plainRun(settings, moves, 1000);
        const totalUs = plain.events[plain.events.length - 1].timeUs;
        let cuts = 0;
        for (let i = 1; i < 12; i++) {
          const cutUs = Math.round((totalUs * i) / 12);
          for (const flushFirst of [true, false]) {
            const r = cutRun(settings, moves, 1000, {
              pushed: moves.length,
              flushFirst,
              cutUs,
              feedRatio: 1,
            });
            if (r.cut) cuts++;
            expectSameStream(r, plain);
          }
        }
        expect(cuts).toBeGreaterThan(5);
      });

      it(`${name} (${kin}): 10% and 200% cuts land exactly, ordered, within rates`, () => {
        const settings = millSettings(kin);
        const plain = plainRun(settings, moves, 1000);
        const totalUs = plain.events[plain.events.length - 1].timeUs;
        const minGap = kin === 'corexy' ? MIN_GAP_US.map((g) => g / 2) : MIN_GAP_US;
        for (const feedRatio of [0.1, 2]) {
          for (let i = 1; i < 8; i++) {
            const r = cutRun(settings, moves, 1000, {
              pushed: moves.length,
              flushFirst: i % 2 === 0,
              cutUs: Math.round((totalUs * i) / 8),
              feedRatio,
            });
            expect(r.endSteps).toEqual(plain.endSteps);
            expectOrderedWithinRate(r.events, minGap);
            // Along a straight line the speed changes at most at 500 mm/s² (80 steps/mm),
            // across the cut too: no jump to the new speed, no sudden stop.
            if (name === 'one long move' || name === 'tiny moves') {
              expect(worstRateJump(r.events, 40_000 * 1.01)).toBeLessThanOrEqual(0);
            }
          }
        }
      });
    }
  }
});

describe('cutAhead with a stop inside the queued path', () => {
  const square = [
    feedTo(30, 0, 0, 3000),
    feedTo(30, 30, 0, 3000),
    feedTo(0, 30, 0, 3000),
    feedTo(0, 0, 0, 3000),
  ];
  const stops = [0, 2];

  it('cuts anywhere (before a stop too) and, unchanged, reproduces the stream within 1 µs', () => {
    const settings = millSettings();
    const plain = plainRun(settings, square, 1000, stops);
    const totalUs = plain.events[plain.events.length - 1].timeUs;
    let cuts = 0;
    for (let i = 1; i < 16; i++) {
      const r = cutRun(
        settings,
        square,
        1000,
        {
          pushed: square.length,
          flushFirst: true,
          cutUs: Math.round((totalUs * i) / 16),
          feedRatio: 1,
        },
        stops,
      );
      if (r.cut) cuts++;
      expectSameStream(r, plain);
    }
    // Every cut point has path ahead of it: none may be refused for the stops in the way.
    expect(cuts).toBe(15);
  });

  it('a queue ending at rest with moves pending beyond it: the stop stays, within 1 µs', () => {
    const settings = millSettings();
    const plain = plainRun(settings, square, 1000, [0]);
    const firstEndUs = 30 / 50 + 50 / 500; // 30 mm at 50 mm/s with 0.1 s ramps each way
    for (const frac of [0.2, 0.5, 0.9, 0.99]) {
      const r = cutRun(
        settings,
        square,
        1000,
        { pushed: 2, flushFirst: false, cutUs: Math.round(firstEndUs * 1e6 * frac), feedRatio: 1 },
        [0],
      );
      expect(r.cut).toBe(true);
      expectSameStream(r, plain);
    }
  });

  it('at 10% and 200% lands exactly, ordered, within rates', () => {
    const settings = millSettings();
    const plain = plainRun(settings, square, 1000, stops);
    const totalUs = plain.events[plain.events.length - 1].timeUs;
    for (const feedRatio of [0.1, 2]) {
      for (let i = 1; i < 8; i++) {
        const r = cutRun(
          settings,
          square,
          1000,
          {
            pushed: square.length,
            flushFirst: true,
            cutUs: Math.round((totalUs * i) / 8),
            feedRatio,
          },
          stops,
        );
        expect(r.endSteps).toEqual(plain.endSteps);
        expectOrderedWithinRate(r.events, MIN_GAP_US);
      }
    }
  });
});
