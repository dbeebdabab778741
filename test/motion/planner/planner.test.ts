import { describe, expect, it } from 'vitest';
import { junctionSpeedMmS } from '../../../motion/junction.js';
import { Planner } from '../../../motion/planner.js';
import { durationS } from '../../../motion/trapezoid.js';
import type { LinearMove, MotionSettings, PlannedMove } from '../../../motion/types.js';
import { circleChords, feedTo, millSettings, rapidTo, straightChain, zigzag } from './fixtures.js';
import { planReference } from './reference.js';

/** Streams moves through a planner and returns the moves in order with the peak pending count. */
function stream(
  settings: MotionSettings,
  moves: LinearMove[],
): { planned: PlannedMove[]; maxPending: number } {
  const planner = new Planner(settings);
  const planned: PlannedMove[] = [];
  let maxPending = 0;
  for (const m of moves) {
    planned.push(...planner.push(m));
    maxPending = Math.max(maxPending, planner.pendingCount());
  }
  planned.push(...planner.flush());
  expect(planner.pendingCount()).toBe(0);
  return { planned, maxPending };
}

function totalS(planned: PlannedMove[]): number {
  return planned.reduce((sum, m) => sum + durationS(m), 0);
}

describe('Planner speed limits', () => {
  it('runs G0 at the axes max rate: 6000 mm/min = 100 mm/s along x', () => {
    const { planned } = stream(millSettings(), [rapidTo(200, 0, 0)]);
    expect(planned).toHaveLength(1);
    expect(planned[0].cruiseSpeedMmS).toBeCloseTo(100, 9);
    expect(planned[0].startSpeedMmS).toBe(0);
    expect(planned[0].endSpeedMmS).toBe(0);
    // 200 mm: ramps of 10 mm each at 500 mm/s², 180 mm at 100 mm/s.
    expect(durationS(planned[0])).toBeCloseTo(0.2 + 0.2 + 1.8, 9);
  });

  it('caps G1 feed at the max rate and honours a lower feed', () => {
    const fast = stream(millSettings(), [feedTo(100, 0, 0, 9000)]).planned[0];
    expect(fast.cruiseSpeedMmS).toBeCloseTo(100, 9);
    const slow = stream(millSettings(), [feedTo(100, 0, 0, 1200)]).planned[0];
    expect(slow.cruiseSpeedMmS).toBeCloseTo(20, 9);
    expect(slow.requestedSpeedMmS).toBeCloseTo(20, 9);
  });

  it('limits a diagonal move by the slowest axis it uses', () => {
    // Along (3, 0, 4)/5: z carries 0.8 of the motion; z max 10 mm/s, 50 mm/s².
    const { planned } = stream(millSettings(), [rapidTo(30, 0, 40)]);
    const m = planned[0];
    expect(m.cruiseSpeedMmS).toBeCloseTo(10 / 0.8, 9);
    expect(m.accelMmS2).toBeCloseTo(50 / 0.8, 9);
    // x at 0.6 of 12.5 mm/s stays under its 100 mm/s.
    const xy = stream(millSettings(), [rapidTo(30, 40, 0)]).planned[0];
    expect(xy.cruiseSpeedMmS).toBeCloseTo(100 / 0.8, 9);
    expect(xy.accelMmS2).toBeCloseTo(500 / 0.8, 9);
  });

  it('runs G93 inverse time at distance / time, capped by the axes', () => {
    const g93 = { ...feedTo(30, 40, 0, 0), inverseTimeS: 2 };
    const m = stream(millSettings(), [g93]).planned[0];
    expect(m.cruiseSpeedMmS).toBeCloseTo(25, 9);
    const tooFast = { ...feedTo(30, 40, 0, 0), inverseTimeS: 0.01 };
    expect(stream(millSettings(), [tooFast]).planned[0].cruiseSpeedMmS).toBeCloseTo(125, 9);
  });

  it('applies feed and rapid overrides to pending and later moves', () => {
    const planner = new Planner(millSettings());
    const first = planner.push(feedTo(100, 0, 0, 1200));
    expect(first).toHaveLength(0);
    planner.setOverrides(1.5, 0.25);
    const out = [...planner.push(feedTo(100, 100, 0, 1200)), ...planner.push(rapidTo(0, 100, 0))];
    out.push(...planner.flush());
    expect(out.map((m) => m.cruiseSpeedMmS)).toEqual([
      expect.closeTo(30, 9),
      expect.closeTo(30, 9),
      expect.closeTo(25, 9),
    ]);
    // 120 % of a feed already at the max rate stays at the max rate.
    const capped = new Planner(millSettings());
    capped.setOverrides(1.2, 1);
    capped.push(feedTo(50, 0, 0, 6000));
    expect(capped.flush()[0].cruiseSpeedMmS).toBeCloseTo(100, 9);
  });

  it('releases the oldest move of a full window so that it can still stop at its end', () => {
    const settings = millSettings();
    const planner = new Planner(settings);
    const planned: PlannedMove[] = [];
    // 100 moves of 0.01 mm at 100 mm/s: 1 mm of window, while braking from 100 takes 10 mm.
    const chain = straightChain(300, 0.01, 6000);
    for (const m of chain.slice(0, 100)) planned.push(...planner.push(m));
    // The acceleration from rest is final early; the rest waits for more path.
    const pendingBefore = planner.pendingCount();
    expect(pendingBefore).toBeGreaterThan(10);
    const released = planner.releaseOldest();
    expect(released.length).toBeGreaterThanOrEqual(1);
    // The first released exit can still be braked to rest over the moves pending behind it.
    const behindMm = (pendingBefore - 1) * 0.01;
    expect(released[0].endSpeedMmS ** 2).toBeLessThanOrEqual(2 * 500 * behindMm + 1e-6);
    expect(released[0].endSpeedMmS).toBeGreaterThan(0);
    planned.push(...released);
    for (const m of chain.slice(100)) {
      planned.push(...planner.push(m));
      if (planner.pendingCount() >= 100) planned.push(...planner.releaseOldest());
    }
    planned.push(...planner.flush());
    expect(planned).toHaveLength(300);
    for (let i = 1; i < planned.length; i++) {
      expect(planned[i].startSpeedMmS).toBe(planned[i - 1].endSpeedMmS);
    }
    expect(planned[planned.length - 1].endSpeedMmS).toBe(0);
  });

  it('brakes as hard as allowed when an override cuts below a fixed entry speed', () => {
    const planner = new Planner(millSettings());
    const planned: PlannedMove[] = [];
    const chain = straightChain(600, 0.5, 6000);
    for (const m of chain.slice(0, 400)) planned.push(...planner.push(m));
    // The head of the pending moves is entered at 100 mm/s; 10 % leaves 10 mm/s.
    planner.setOverrides(0.1, 1);
    for (const m of chain.slice(400)) planned.push(...planner.push(m));
    planned.push(...planner.flush());
    for (let i = 1; i < planned.length; i++) {
      const m = planned[i];
      expect(m.startSpeedMmS).toBe(planned[i - 1].endSpeedMmS);
      // Never faster than the accel allows in either direction.
      const change = Math.abs(m.endSpeedMmS ** 2 - m.startSpeedMmS ** 2);
      expect(change).toBeLessThanOrEqual(2 * m.accelMmS2 * m.distMm + 1e-6);
    }
    const last = planned[planned.length - 1];
    expect(last.endSpeedMmS).toBe(0);
    // The first move planned after the override enters at the fixed 100 mm/s and brakes at once.
    const firstBraking = planned.findIndex((m) => m.endSpeedMmS < m.startSpeedMmS);
    expect(planned[firstBraking].startSpeedMmS).toBeCloseTo(100, 9);
    expect(planned[firstBraking].accelTimeS).toBeGreaterThan(0);
    expect(planned[firstBraking].cruiseSpeedMmS).toBeLessThan(100);
    // 9.9 mm of braking from 100 to 10 mm/s; after it the chain runs at the new feed.
    for (let i = 430; i < 590; i++) expect(planned[i].cruiseSpeedMmS).toBeCloseTo(10, 9);
  });

  it('re-plans pending moves with new settings', () => {
    const planner = new Planner(millSettings());
    planner.push(rapidTo(100, 0, 0));
    const slower = millSettings();
    slower.axes.x = { ...slower.axes.x, maxRateMmMin: 1200, accelMmS2: 100 };
    planner.setSettings(slower);
    const [m] = planner.flush();
    expect(m.cruiseSpeedMmS).toBeCloseTo(20, 9);
    expect(m.accelMmS2).toBe(100);
  });

  it('applies new settings to later moves along an unchanged direction', () => {
    const planner = new Planner(millSettings());
    planner.push(rapidTo(100, 0, 0));
    const slower = millSettings();
    slower.axes.x = { ...slower.axes.x, maxRateMmMin: 1200, accelMmS2: 100 };
    planner.setSettings(slower);
    const out = [...planner.push(rapidTo(200, 0, 0)), ...planner.flush()];
    expect(out).toHaveLength(2);
    expect(out[1].cruiseSpeedMmS).toBeCloseTo(20, 9);
    expect(out[1].accelMmS2).toBe(100);
  });

  it('reports the length of the last pushed move, 0 for a dropped one', () => {
    const planner = new Planner(millSettings());
    planner.push(feedTo(3, 4, 0, 600));
    expect(planner.lastPushedDistMm()).toBe(5);
    planner.push(feedTo(3, 4, 0, 600));
    expect(planner.lastPushedDistMm()).toBe(0);
  });

  it('rejects a non-positive feed with a clear error', () => {
    const planner = new Planner(millSettings());
    expect(() => planner.push(feedTo(1, 0, 0, 0, 7))).toThrow(/line 7: feed rate/);
  });
});

describe('Planner junctions', () => {
  it('does not slow down between collinear segments', () => {
    const { planned } = stream(millSettings(), straightChain(200, 0.5, 3000));
    // 50 mm/s needs 2.5 mm to reach; from then on every junction runs at the feed.
    for (let i = 5; i < 195; i++) {
      expect(planned[i].startSpeedMmS).toBeCloseTo(50, 9);
      expect(planned[i].endSpeedMmS).toBeCloseTo(50, 9);
    }
    // The whole chain takes exactly as long as one 100 mm move.
    const single = stream(millSettings(), [feedTo(100, 0, 0, 3000)]).planned;
    expect(totalS(planned)).toBeCloseTo(totalS(single), 9);
  });

  it('takes a corner at the junction-deviation speed', () => {
    const { planned } = stream(millSettings(), [feedTo(50, 0, 0, 3000), feedTo(50, 50, 0, 3000)]);
    // A 90° corner in x/y: the change of direction (−1, 1)/√2 allows 500 mm/s² · √2.
    const expected = junctionSpeedMmS(
      { x: 1, y: 0, z: 0 },
      { x: 0, y: 1, z: 0 },
      500 * Math.SQRT2,
      0.01,
    );
    expect(planned[0].endSpeedMmS).toBeCloseTo(expected, 9);
    expect(planned[1].startSpeedMmS).toBeCloseTo(expected, 9);
    expect(planned[1].endSpeedMmS).toBe(0);
  });

  it('caps a junction at the slower of the two moves', () => {
    const { planned } = stream(millSettings(), [feedTo(50, 0, 0, 3000), feedTo(100, 0, 0, 600)]);
    expect(planned[0].endSpeedMmS).toBeCloseTo(10, 9);
    expect(planned[1].cruiseSpeedMmS).toBeCloseTo(10, 9);
  });

  it('stops before and after a probing move', () => {
    const probe = { ...feedTo(50, 0, -5, 100), probe: { towards: true, errorOnFail: true } };
    const { planned } = stream(millSettings(), [
      feedTo(50, 0, 0, 3000),
      probe,
      feedTo(60, 0, -5, 3000),
    ]);
    expect(planned[0].endSpeedMmS).toBe(0);
    expect(planned[1].startSpeedMmS).toBe(0);
    expect(planned[1].endSpeedMmS).toBe(0);
    expect(planned[1].probe).toEqual({ towards: true, errorOnFail: true });
  });

  it('keeps every move within its limits and ends at rest', () => {
    const { planned } = stream(millSettings(), zigzag(40, 5, 0.3, 6000));
    for (let i = 0; i < planned.length; i++) {
      const m = planned[i];
      expect(m.cruiseSpeedMmS).toBeLessThanOrEqual(m.requestedSpeedMmS + 1e-9);
      const reachSq = m.startSpeedMmS ** 2 + 2 * m.accelMmS2 * m.distMm;
      expect(m.endSpeedMmS ** 2).toBeLessThanOrEqual(reachSq + 1e-9);
      if (i > 0) expect(m.startSpeedMmS).toBe(planned[i - 1].endSpeedMmS);
      expect(m.startMm).toEqual(i > 0 ? planned[i - 1].endMm : { x: 0, y: 0, z: 0 });
    }
    expect(planned[planned.length - 1].endSpeedMmS).toBe(0);
  });
});

describe('Planner lookahead', () => {
  const jobs: [string, () => LinearMove[]][] = [
    ['5000 collinear 0.1 mm segments', () => straightChain(5000, 0.1, 6000)],
    [
      'circles of 0.1 mm chords (r = 5 mm and r = 40 mm)',
      () => [...circleChords(0, 0, 5, 0.1, 3, 6000), ...circleChords(0, 0, 40, 0.1, 2, 6000)],
    ],
    [
      'zigzags of 0.1 mm and 20 mm legs',
      () => [...zigzag(3000, 0.1, 0.02, 3000), ...zigzag(200, 20, 0.5, 6000)],
    ],
    [
      'a slow-z helix of 0.1 mm chords',
      () =>
        circleChords(0, 0, 2, 0.1, 4, 3000).map((m, i) => ({
          ...m,
          targetMm: { ...m.targetMm, z: -0.005 * i },
        })),
    ],
  ];

  for (const [name, build] of jobs) {
    it(`streams the full-lookahead optimum: ${name}`, () => {
      const moves = build();
      const settings = millSettings();
      const { planned } = stream(settings, moves);
      const reference = planReference(settings, moves);
      expect(planned).toHaveLength(reference.length);
      const streamedS = totalS(planned);
      const referenceS = reference.reduce((sum, m) => sum + m.timeS, 0);
      expect(streamedS / referenceS - 1).toBeLessThan(0.005);
      // The streaming decisions are provably the full-lookahead ones: identical speeds.
      // Compared as squares: the planner sums v² terms, so rounding is absolute in v².
      for (let i = 0; i < planned.length; i++) {
        expect(planned[i].startSpeedMmS ** 2).toBeCloseTo(reference[i].entryMmS ** 2, 6);
        expect(planned[i].endSpeedMmS ** 2).toBeCloseTo(reference[i].exitMmS ** 2, 6);
      }
      expect(planned[planned.length - 1].endSpeedMmS).toBe(0);
      expect(streamedS).toBeCloseTo(referenceS, 6);
    });
  }

  it('holds a bounded number of moves on a 100k-segment job', () => {
    const planner = new Planner(millSettings());
    let maxPending = 0;
    let emitted = 0;
    for (let i = 1; i <= 100_000; i++) {
      // A wavy line of 0.1 mm segments: gentle corners never force a stop.
      const y = 0.5 * Math.sin(i / 50);
      emitted += planner.push(feedTo(i * 0.1, y, 0, 6000)).length;
      maxPending = Math.max(maxPending, planner.pendingCount());
    }
    emitted += planner.flush().length;
    expect(emitted).toBe(100_000);
    // Braking from 100 mm/s at 500 mm/s² takes 10 mm: about 100 segments of lookahead.
    expect(maxPending).toBeLessThanOrEqual(110);
  });

  it('plans the tail to rest on flush and starts the next job from rest', () => {
    const planner = new Planner(millSettings(), { x: 10, y: 0, z: 0 });
    planner.push(feedTo(20, 0, 0, 3000));
    const tail = planner.flush();
    expect(tail[0].startMm).toEqual({ x: 10, y: 0, z: 0 });
    expect(tail[0].endSpeedMmS).toBe(0);
    planner.push(feedTo(30, 0, 0, 3000));
    const next = planner.flush();
    expect(next[0].startSpeedMmS).toBe(0);
    expect(planner.positionMm()).toEqual({ x: 30, y: 0, z: 0 });
  });

  it('hands back pending moves for re-planning', () => {
    const planner = new Planner(millSettings());
    const moves = straightChain(10, 1, 3000);
    for (const m of moves) planner.push(m);
    const pending = planner.takePending();
    expect(pending.length + 0).toBeGreaterThan(0);
    expect(pending[pending.length - 1]).toBe(moves[moves.length - 1]);
    expect(planner.pendingCount()).toBe(0);
  });
});
