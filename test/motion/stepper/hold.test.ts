import { describe, expect, it } from 'vitest';
import { Planner } from '../../../motion/planner.js';
import { StepGenerator } from '../../../motion/stepper.js';
import type { LinearMove, MotionSettings, VecMm } from '../../../motion/types.js';
import { feedTo, millSettings, rapidTo } from '../planner/fixtures.js';
import { byMotor, drain, type StepEvent } from './analytic.js';

/** Exact crossing times of the steps after a hold: s(τ) = s0 + v·τ − a·τ²/2 along the path. */
function brakingSteps(
  holdUs: number,
  s0Mm: number,
  speedMmS: number,
  accelMmS2: number,
  stepsPerMmAlong: number,
  fromSteps: number,
): StepEvent[] {
  const stopMm = s0Mm + (speedMmS * speedMmS) / (2 * accelMmS2);
  const out: StepEvent[] = [];
  for (let n = fromSteps; (n + 0.5) / stepsPerMmAlong <= stopMm; n++) {
    const into = (n + 0.5) / stepsPerMmAlong - s0Mm;
    const tauS =
      (speedMmS - Math.sqrt(Math.max(0, speedMmS ** 2 - 2 * accelMmS2 * into))) / accelMmS2;
    out.push({ timeUs: holdUs + tauS * 1e6, motor: 0, dir: 1 });
  }
  return out;
}

/** Re-plans a remainder from the stop point and runs it on the same generator. */
function resume(settings: MotionSettings, gen: StepGenerator, from: VecMm, rest: LinearMove[]) {
  const planner = new Planner(settings, from);
  for (const m of rest) for (const p of planner.push(m)) gen.add(p);
  for (const p of planner.flush()) gen.add(p);
  return drain(gen);
}

describe('StepGenerator feed hold', () => {
  it('brakes a cruising move at its accel to rest and resumes to the target', () => {
    const settings = millSettings();
    const planner = new Planner(settings);
    planner.push(rapidTo(200, 0, 0));
    const gen = new StepGenerator(settings, { startSteps: [0, 0, 0] });
    for (const p of planner.flush()) gen.add(p);
    // 0.2 s ramp to 100 mm/s covers 10 mm; at 1 s the head is at 90 mm, cruising.
    while (gen.generatedUs() < 1_000_000) gen.nextChunk();
    expect(gen.generatedUs()).toBe(1_000_000);
    gen.hold();
    const { chunks, events } = drain(gen);
    expect(chunks[chunks.length - 1].endsAtRest).toBe(true);
    expect(gen.nextChunk()).toBeNull();
    // 100²/(2·500) = 10 mm of braking: rest at 100 mm = 8000 steps, 0.2 s after the hold.
    expect(Array.from(gen.positionSteps())).toEqual([8000, 0, 0]);
    const expected = brakingSteps(1_000_000, 90, 100, 500, 80, 7200);
    const x = byMotor(events)[0];
    expect(x).toHaveLength(expected.length);
    for (let i = 0; i < x.length; i++) {
      expect(Math.abs(x[i].timeUs - expected[i].timeUs)).toBeLessThanOrEqual(1);
    }
    expect(x[x.length - 1].timeUs).toBeLessThanOrEqual(1_200_000);
    const rest = gen.takeRemainder();
    expect(rest).toHaveLength(1);
    expect(rest[0].targetMm).toEqual({ x: 200, y: 0, z: 0 });
    expect(rest[0].rapid).toBe(true);
    const resumed = resume(settings, gen, { x: 100, y: 0, z: 0 }, rest);
    expect(resumed.events).toHaveLength(8000);
    expect(Array.from(gen.positionSteps())).toEqual([16000, 0, 0]);
  });

  it('brakes along many short moves, through the planner pending ones, losing no step', () => {
    const settings = millSettings();
    // 2000 segments of 0.1 mm along (0.6, 0.8): accel 625 mm/s², feed 100 mm/s.
    const moves: LinearMove[] = [];
    for (let i = 1; i <= 2000; i++) moves.push(feedTo(0.06 * i, 0.08 * i, 0, 6000, i));
    const planner = new Planner(settings);
    const gen = new StepGenerator(settings, { startSteps: [0, 0, 0] });
    const before: StepEvent[] = [];
    let next = 0;
    while (gen.generatedUs() < 1_000_000) {
      const chunk = gen.nextChunk(1_000_000 - gen.generatedUs());
      if (chunk) {
        for (let e = 0; e < chunk.count; e++) {
          before.push({ timeUs: chunk.startUs + chunk.timeUs[e], motor: chunk.motor[e], dir: 1 });
        }
      } else {
        for (const p of planner.push(moves[next++])) gen.add(p);
      }
    }
    // Ramp: 100/625 = 0.16 s over 8 mm; at 1 s the head is at 8 + 0.84·100 = 92 mm.
    gen.hold(planner.takePending());
    const { events } = drain(gen);
    // Braking takes 100²/(2·625) = 8 mm: rest at 100 mm along the path, at (60, 80).
    expect(Array.from(gen.positionSteps())).toEqual([4800, 6400, 0]);
    expect(gen.positionMm().x).toBeCloseTo(60, 9);
    expect(gen.positionMm().y).toBeCloseTo(80, 9);
    const [x, y] = byMotor(events);
    const expectedX = brakingSteps(1_000_000, 92, 100, 625, 48, Math.round(92 * 48));
    const expectedY = brakingSteps(1_000_000, 92, 100, 625, 64, Math.round(92 * 64));
    expect(x).toHaveLength(expectedX.length);
    expect(y).toHaveLength(expectedY.length);
    for (let i = 0; i < x.length; i++) {
      expect(Math.abs(x[i].timeUs - expectedX[i].timeUs)).toBeLessThanOrEqual(1);
    }
    for (let i = 0; i < y.length; i++) {
      expect(Math.abs(y[i].timeUs - expectedY[i].timeUs)).toBeLessThanOrEqual(1);
    }
    const rest = gen.takeRemainder();
    expect(gen.nextChunk()).toBeNull();
    // The not-yet-pushed moves follow the remainder on resume.
    const all = [...rest, ...moves.slice(next)];
    expect(all[all.length - 1].targetMm).toEqual({ x: 120, y: 160, z: 0 });
    resume(settings, gen, { x: 60, y: 80, z: 0 }, all);
    expect(Array.from(gen.positionSteps())).toEqual([9600, 12800, 0]);
    expect(before.length + events.length).toBe(4800 + 6400);
  });

  it('keeps the path of a stop taken mid-move and of a hold at rest', () => {
    const settings = millSettings();
    const planner = new Planner(settings);
    const planned = [
      ...planner.push(feedTo(10, 0, 0, 3000)),
      ...planner.push(feedTo(10, 10, 0, 3000)),
      ...planner.flush(),
    ];
    const gen = new StepGenerator(settings, { startSteps: [0, 0, 0] });
    for (const p of planned) gen.add(p);
    gen.nextChunk();
    gen.nextChunk();
    // A stop: no braking; the path continues from the last generated point.
    const rest = gen.takeRemainder();
    expect(rest.map((m) => m.targetMm)).toEqual([
      { x: 10, y: 0, z: 0 },
      { x: 10, y: 10, z: 0 },
    ]);
    expect(gen.nextChunk()).toBeNull();
    const here = gen.positionMm();
    expect(here.x).toBeGreaterThan(0);
    expect(here.x).toBeLessThan(10);
    expect(gen.positionSteps()[0]).toBe(Math.round(here.x * 80));
    const resumed = resume(settings, gen, here, rest);
    expect(resumed.chunks[resumed.chunks.length - 1].endsAtRest).toBe(true);
    expect(Array.from(gen.positionSteps())).toEqual([800, 800, 0]);
    // A hold with nothing moving keeps the following moves for the resume.
    const following = [feedTo(0, 0, 0, 3000)];
    gen.hold(following);
    expect(gen.nextChunk()).toBeNull();
    expect(gen.takeRemainder()).toEqual(following);
  });

  it('scales inverse time to the part of a G93 move left after a hold', () => {
    const settings = millSettings();
    const planner = new Planner(settings);
    planner.push({ ...feedTo(20, 0, 0, 0), inverseTimeS: 1 });
    const gen = new StepGenerator(settings, { startSteps: [0, 0, 0] });
    for (const p of planner.flush()) gen.add(p);
    // 20 mm/s reached after 0.04 s and 0.4 mm; at 0.5 s the head is at 9.6 mm.
    while (gen.generatedUs() < 500_000) gen.nextChunk();
    gen.hold();
    drain(gen);
    // Braking from 20 mm/s takes 0.4 mm: rest at 10 mm, half the move left.
    expect(Array.from(gen.positionSteps())).toEqual([800, 0, 0]);
    const rest = gen.takeRemainder();
    expect(rest[0].inverseTimeS).toBeCloseTo(0.5, 9);
  });
});
