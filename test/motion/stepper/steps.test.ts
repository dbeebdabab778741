import { describe, expect, it } from 'vitest';
import { createKinematics } from '../../../motion/kinematics.js';
import { Planner } from '../../../motion/planner.js';
import { StepGenerator } from '../../../motion/stepper.js';
import { profileTrapezoid } from '../../../motion/trapezoid.js';
import type { LinearMove, MotionSettings, PlannedMove } from '../../../motion/types.js';
import { circleChords, feedTo, millSettings, rapidTo, zigzag } from '../planner/fixtures.js';
import { byMotor, drain, expectedSteps, maxTimeErrorUs, motorSteps } from './analytic.js';

function plan(settings: MotionSettings, moves: LinearMove[]): PlannedMove[] {
  const planner = new Planner(settings);
  const planned = moves.flatMap((m) => planner.push(m));
  return [...planned, ...planner.flush()];
}

function run(settings: MotionSettings, planned: PlannedMove[], chunkUs?: number) {
  const gen = new StepGenerator(settings, { chunkUs, startSteps: [0, 0, 0] });
  for (const m of planned) gen.add(m);
  return { gen, ...drain(gen) };
}

describe('StepGenerator step times', () => {
  it('times every step of a single move within 1 µs of the analytic trapezoid', () => {
    const settings = millSettings();
    const planned = plan(settings, [feedTo(37.3, 0, 0, 4500)]);
    const { events, gen } = run(settings, planned);
    expect(events).toHaveLength(Math.round(37.3 * 80));
    const error = maxTimeErrorUs(byMotor(events), expectedSteps(settings, planned));
    expect(error).toBeGreaterThanOrEqual(0);
    expect(error).toBeLessThanOrEqual(1);
    expect(Array.from(gen.positionSteps())).toEqual([2984, 0, 0]);
  });

  it('times a move that brakes first (entered above its cap) within 1 µs', () => {
    const settings = millSettings();
    // 40 mm along x and y entered at 80 mm/s under a cap of 20 mm/s: it brakes at once,
    // cruises at 20 and stops, as after a feed override cut.
    const unit = { x: Math.SQRT1_2, y: Math.SQRT1_2, z: 0 };
    const distMm = 40;
    const accelMmS2 = 400;
    const timing = profileTrapezoid({
      distMm,
      accelMmS2,
      startSpeedMmS: 80,
      maxSpeedMmS: 20,
      endSpeedMmS: 0,
    });
    expect(timing.cruiseSpeedMmS).toBe(20);
    const move: PlannedMove = {
      line: 1,
      startMm: { x: 0, y: 0, z: 0 },
      endMm: { x: distMm * unit.x, y: distMm * unit.y, z: 0 },
      distMm,
      unit,
      accelMmS2,
      ...timing,
      requestedSpeedMmS: 20,
      rapid: false,
      spindle: { mode: 'off', speedRpm: 0 },
    };
    const { events } = run(settings, [move], 10_000);
    const expected = expectedSteps(settings, [move]);
    expect(events).toHaveLength(expected[0].length + expected[1].length);
    const error = maxTimeErrorUs(byMotor(events), expected);
    expect(error).toBeGreaterThanOrEqual(0);
    expect(error).toBeLessThanOrEqual(1);
    // The first steps come fast and slow down: the braking is at the start, not the end.
    const x = byMotor(events)[0];
    expect(x[1].timeUs - x[0].timeUs).toBeLessThan(x[200].timeUs - x[199].timeUs);
  });

  it('times a multi-axis job with corners and reversals within 1 µs', () => {
    const settings = millSettings();
    const moves = [
      ...zigzag(30, 3.33, 0.17, 3000),
      feedTo(0, 2, 1.234, 600),
      rapidTo(10.01, -3.007, 0.3),
      feedTo(5.5, 1, 0.5, 2000),
    ];
    const planned = plan(settings, moves);
    const { events } = run(settings, planned);
    const expected = expectedSteps(settings, planned);
    const error = maxTimeErrorUs(byMotor(events), expected);
    expect(error).toBeGreaterThanOrEqual(0);
    expect(error).toBeLessThanOrEqual(1);
    // The zigzag reverses x on every leg: both directions occur.
    expect(new Set(events.filter((e) => e.motor === 0).map((e) => e.dir))).toEqual(
      new Set([1, -1]),
    );
  });

  it('does not drift over a long job of short chords', () => {
    for (const kinematics of ['cartesian', 'corexy'] as const) {
      const settings = millSettings(kinematics);
      // About 6000 chords of 0.1 mm around a 40 mm circle at 100 mm/s.
      const planned = plan(settings, circleChords(50, 50, 40, 0.1, 1.5, 6000));
      const { events } = run(settings, planned);
      const expected = expectedSteps(settings, planned);
      const error = maxTimeErrorUs(byMotor(events), expected);
      expect(error).toBeGreaterThanOrEqual(0);
      expect(error).toBeLessThanOrEqual(1);
    }
  });

  it('steps back exactly when the position crosses back over the half step', () => {
    const settings = millSettings();
    // 80 steps/mm: 1.003 mm = 80.24 steps (motor at 80); back to 0.9 mm = 72 steps.
    // The first step back, to 79, falls where the position crosses 79.5 steps = 0.99375 mm.
    const planned = plan(settings, [feedTo(1.003, 0, 0, 600), feedTo(0.9, 0, 0, 600)]);
    const { events, gen } = run(settings, planned);
    const x = byMotor(events)[0];
    expect(x.filter((e) => e.dir === 1)).toHaveLength(80);
    expect(x.filter((e) => e.dir === -1)).toHaveLength(8);
    const firstBack = x[80];
    expect(firstBack.dir).toBe(-1);
    const [first, second] = planned;
    // The reversal joins at rest; the motor needs 0.00925 mm of the second move, well inside
    // its acceleration from rest (0.0515 mm at 500 mm/s² to the 7.2 mm/s peak).
    expect(second.startSpeedMmS).toBe(0);
    const firstEndUs = (first.accelTimeS + first.cruiseTimeS + first.decelTimeS) * 1e6;
    const exactUs = firstEndUs + Math.sqrt((2 * 0.00925) / second.accelMmS2) * 1e6;
    expect(Math.abs(firstBack.timeUs - exactUs)).toBeLessThanOrEqual(1);
    expect(Array.from(gen.positionSteps())).toEqual([72, 0, 0]);
  });

  it('ends every motor at round(position × stepsPerMm)', () => {
    const settings = millSettings();
    const moves = [
      feedTo(12.34567, 7.0001, -0.00124, 3000),
      feedTo(-3.00625, 20.019, 1.99876, 1500),
      rapidTo(100.00624, 0.0063, 0.00126),
    ];
    const { gen } = run(settings, plan(settings, moves));
    expect(Array.from(gen.positionSteps())).toEqual([
      Math.round(100.00624 * 80),
      Math.round(0.0063 * 80),
      Math.round(0.00126 * 400),
    ]);
  });
});

describe('StepGenerator CoreXY', () => {
  const settings = millSettings('corexy');

  it('maps axes to motors: a = x + y, b = x − y', () => {
    const kin = createKinematics(settings);
    const out = new Float64Array(3);
    kin.toMotorSteps({ x: 1, y: 2, z: 3 }, out);
    expect(Array.from(out)).toEqual([240, -80, 1200]);
    expect(kin.toAxesMm(out)).toEqual({ x: 1, y: 2, z: 3 });
  });

  it('keeps each axis its own stepsPerMm when x and y differ', () => {
    const uneven = millSettings('corexy');
    uneven.axes.y = { ...uneven.axes.y, stepsPerMm: 100 };
    const kin = createKinematics(uneven);
    const out = new Float64Array(3);
    kin.toMotorSteps({ x: 1, y: 2, z: 0 }, out);
    expect(Array.from(out)).toEqual([280, -120, 0]);
    const back = kin.toAxesMm(out);
    expect(back.x).toBeCloseTo(1, 12);
    expect(back.y).toBeCloseTo(2, 12);
  });

  it('steps both motors the same way for a pure X move', () => {
    const planned = plan(settings, [feedTo(10, 0, 0, 3000)]);
    const { events, gen } = run(settings, planned);
    const [a, b, z] = byMotor(events);
    expect(a).toHaveLength(800);
    expect(b).toHaveLength(800);
    expect(z).toHaveLength(0);
    expect(a.every((e) => e.dir === 1) && b.every((e) => e.dir === 1)).toBe(true);
    // Both motors cross each half step at the same instant.
    expect(a.map((e) => e.timeUs)).toEqual(b.map((e) => e.timeUs));
    expect(Array.from(gen.positionSteps())).toEqual([800, 800, 0]);
  });

  it('steps the motors in opposite directions for a pure Y move', () => {
    const planned = plan(settings, [feedTo(0, 5, 0, 3000)]);
    const { events, gen } = run(settings, planned);
    const [a, b] = byMotor(events);
    expect(a.every((e) => e.dir === 1)).toBe(true);
    expect(b.every((e) => e.dir === -1)).toBe(true);
    expect(Array.from(gen.positionSteps())).toEqual([400, -400, 0]);
  });

  it('times a CoreXY job within 1 µs and ends at the mapped position', () => {
    const moves = [
      feedTo(3, 4, 0, 3000),
      feedTo(-2.5, 7.3, 0.2, 2400),
      feedTo(0.01, 0.02, 0, 6000),
    ];
    const planned = plan(settings, moves);
    const { events, gen } = run(settings, planned);
    const error = maxTimeErrorUs(byMotor(events), expectedSteps(settings, planned));
    expect(error).toBeGreaterThanOrEqual(0);
    expect(error).toBeLessThanOrEqual(1);
    const end = motorSteps(settings, { x: 0.01, y: 0.02, z: 0 }).map((p) => Math.round(p));
    expect(Array.from(gen.positionSteps())).toEqual(end);
  });
});

describe('StepGenerator two-motor order', () => {
  it("puts a diagonal's steps in time order, the lower motor first at equal times", () => {
    const settings = millSettings();
    // 45° moves: x and y cross their half-steps at the same distances, so at the same times;
    // then y against x, and a shallow one where y steps rarely. 5 ms chunks cut every move.
    const planned = plan(settings, [
      feedTo(10, 10, 0, 3000),
      feedTo(20, 0, 0, 3000),
      feedTo(40, 3.0125, 0, 3000),
    ]);
    const { events, gen } = run(settings, planned, 5000);
    let ties = 0;
    for (let e = 1; e < events.length; e++) {
      const before = events[e - 1];
      const after = events[e];
      expect(after.timeUs).toBeGreaterThanOrEqual(before.timeUs);
      if (after.timeUs === before.timeUs) {
        ties++;
        expect(after.motor).toBeGreaterThan(before.motor);
      }
    }
    expect(ties).toBeGreaterThan(500);
    const error = maxTimeErrorUs(byMotor(events), expectedSteps(settings, planned));
    expect(error).toBeLessThanOrEqual(1);
    expect(byMotor(events).map((list) => list.length)).toEqual([
      40 * 80,
      10 * 80 + 10 * 80 + 241,
      0,
    ]);
    expect(Array.from(gen.positionSteps())).toEqual([3200, 241, 0]);
  });

  it('refuses a chunk length whose times would not fit the merge', () => {
    expect(() => new StepGenerator(millSettings(), { chunkUs: 2 ** 31 })).toThrow(RangeError);
    expect(() => new StepGenerator(millSettings(), { chunkUs: 2 ** 31 - 2 })).not.toThrow();
  });
});

describe('StepGenerator chunks', () => {
  it('slices on multiples of chunkUs with sorted relative times, ending at rest', () => {
    const settings = millSettings();
    const planned = plan(settings, [feedTo(20, 10, 0, 3000), feedTo(0, 10, 2, 3000)]);
    const { chunks, events } = run(settings, planned, 5000);
    let expectedStartUs = 0;
    for (const [i, chunk] of chunks.entries()) {
      expect(chunk.startUs).toBe(expectedStartUs);
      const last = i === chunks.length - 1;
      if (!last) expect((chunk.startUs + chunk.durationUs) % 5000).toBe(0);
      expect(chunk.endsAtRest).toBe(last);
      for (let e = 0; e < chunk.count; e++) {
        expect(chunk.timeUs[e]).toBeLessThan(chunk.durationUs);
        if (e > 0) expect(chunk.timeUs[e]).toBeGreaterThanOrEqual(chunk.timeUs[e - 1]);
      }
      expect(chunk.timeUs.length).toBe(chunk.count);
      expectedStartUs += chunk.durationUs;
    }
    const totalUs = planned.reduce(
      (sum, m) => sum + (m.accelTimeS + m.cruiseTimeS + m.decelTimeS) * 1e6,
      0,
    );
    // The resting chunk ends just after the motion: floor(T + 0.5) + 1.
    expect(expectedStartUs).toBe(Math.floor(totalUs + 0.5) + 1);
    expect(events.length).toBe(20 * 80 + 10 * 80 + 20 * 80 + 2 * 400);
  });

  it('never cuts a chunk beyond a given maxDurationUs', () => {
    const settings = millSettings();
    const gen = new StepGenerator(settings, { chunkUs: 1000 });
    for (const m of plan(settings, [feedTo(5, 0, 0, 3000)])) gen.add(m);
    const first = gen.nextChunk(2500);
    expect(first?.durationUs).toBe(2000);
    const second = gen.nextChunk(300);
    expect(second?.durationUs).toBe(300);
    const third = gen.nextChunk();
    expect(third?.startUs).toBe(2300);
    expect(third?.durationUs).toBe(700);
    // Two grid points fit: the chunk ends on the later one, and the next on the one after.
    const fourth = gen.nextChunk(2750);
    expect(fourth?.durationUs).toBe(2000);
    const fifth = gen.nextChunk();
    expect(fifth?.startUs).toBe(5000);
    expect(fifth?.durationUs).toBe(1000);
  });

  it('gives the same steps when moves arrive as the planner finalizes them', () => {
    const settings = millSettings();
    const moves = zigzag(60, 0.4, 0.05, 3000);
    const reference = run(settings, plan(settings, moves));
    const planner = new Planner(settings);
    const gen = new StepGenerator(settings, { startSteps: [0, 0, 0] });
    const chunks = [];
    for (const m of moves) {
      for (const p of planner.push(m)) gen.add(p);
      // Take whatever can be generated now: chunks may end where the known motion ends.
      for (let c = gen.nextChunk(); c; c = gen.nextChunk()) chunks.push(c);
    }
    for (const p of planner.flush()) gen.add(p);
    for (let c = gen.nextChunk(); c; c = gen.nextChunk()) chunks.push(c);
    const times = chunks.flatMap((c) =>
      Array.from(c.timeUs.subarray(0, c.count), (t) => t + c.startUs),
    );
    expect(times).toEqual(reference.events.map((e) => e.timeUs));
    expect(chunks.filter((c) => c.endsAtRest)).toHaveLength(1);
    expect(Array.from(gen.positionSteps())).toEqual(Array.from(reference.gen.positionSteps()));
  });

  it('hands out fresh arrays and counts all steps', () => {
    const settings = millSettings();
    const { chunks, gen } = run(
      settings,
      plan(settings, [feedTo(3, -2, 0, 3000), feedTo(0, 0, 0, 3000)]),
    );
    expect(chunks[0].timeUs.buffer).not.toBe(chunks[1].timeUs.buffer);
    expect(Array.from(gen.totalSteps())).toEqual([480, 320, 0]);
    expect(Array.from(gen.positionSteps())).toEqual([0, 0, 0]);
    expect(gen.nextChunk()).toBeNull();
  });

  it('refuses a move that does not start where the motion is', () => {
    const settings = millSettings();
    const planned = plan(settings, [feedTo(5, 0, 0, 3000), feedTo(5, 5, 0, 3000)]);
    const gen = new StepGenerator(settings, { startSteps: [0, 0, 0] });
    expect(() => gen.add(planned[1])).toThrow(RangeError);
    gen.add(planned[0]);
    expect(() => gen.add({ ...planned[1], startMm: { x: 5, y: 1, z: 0 } })).toThrow(/line 1/);
    gen.add(planned[1]);
    drain(gen);
    expect(Array.from(gen.positionSteps())).toEqual([400, 400, 0]);
    expect(gen.positionMm()).toEqual({ x: 5, y: 5, z: 0 });
    gen.setPositionSteps([0, 0, 0]);
    expect(gen.positionMm()).toEqual({ x: 0, y: 0, z: 0 });
  });
});
