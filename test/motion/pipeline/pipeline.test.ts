// MotionPipeline: G-code lines in, statistics and step chunks out, checked against
// hand-computed trapezoids.
import { describe, expect, it } from 'vitest';
import { MotionPipeline, type PipelineOptions } from '../../../motion/pipeline.js';
import type { MotionSettings, StepChunk } from '../../../motion/types.js';

const settings: MotionSettings = {
  axes: {
    x: { stepsPerMm: 80, maxRateMmMin: 6000, accelMmS2: 500, travelMm: 300 },
    y: { stepsPerMm: 80, maxRateMmMin: 6000, accelMmS2: 500, travelMm: 300 },
    z: { stepsPerMm: 400, maxRateMmMin: 600, accelMmS2: 50, travelMm: 80 },
  },
  kinematics: 'cartesian',
  junctionDeviationMm: 0.01,
  arcToleranceMm: 0.002,
};

/** A recorded step: time from the job start, motor, direction. */
interface Step {
  timeUs: number;
  motor: number;
  dir: number;
}

function run(text: string, options: PipelineOptions = {}, s: MotionSettings = settings) {
  const steps: Step[] = [];
  const pipeline = new MotionPipeline(s, {
    ...options,
    onChunk: (chunk: StepChunk, jobStartUs: number) => {
      for (let i = 0; i < chunk.count; i++) {
        steps.push({
          timeUs: jobStartUs + chunk.timeUs[i],
          motor: chunk.motor[i],
          dir: chunk.dir[i],
        });
      }
    },
  });
  text.split('\n').forEach((line, i) => pipeline.feedLine(line, i + 1));
  pipeline.finish();
  return { stats: pipeline.snapshot(), steps, pipeline };
}

// 10 mm at F600 (10 mm/s), 500 mm/s²: ramps of 0.02 s over 0.1 mm, cruise 9.8 mm in 0.98 s.
const TEN_MM_AT_F600_S = 1.02;

describe('MotionPipeline', () => {
  it('times a single move as the analytic trapezoid and counts its steps', () => {
    // 100 mm at 100 mm/s: ramps of 0.2 s over 10 mm, cruise 80 mm in 0.8 s.
    const { stats, steps } = run('G21 G90\nG1 X100 F6000');
    expect(stats.durationS).toBeCloseTo(1.2, 9);
    expect(stats.lines).toBe(2);
    expect(stats.moves).toBe(1);
    expect(stats.feedMoves).toBe(1);
    expect(stats.pathLengthMm).toBeCloseTo(100, 9);
    expect(stats.boundsMm).toEqual({ min: { x: 0, y: 0, z: 0 }, max: { x: 100, y: 0, z: 0 } });
    expect(stats.finalPositionMm).toEqual({ x: 100, y: 0, z: 0 });
    expect(stats.steps).toEqual([8000, 0, 0]);
    expect(stats.stepEvents).toBe(8000);
    expect(steps).toHaveLength(8000);
    expect(stats.peakSpeedMmS).toBeCloseTo(100, 9);
    // The first step at 0.00625 mm: t = sqrt(2 d / a) = 5 ms.
    expect(Math.abs(steps[0].timeUs - 5000)).toBeLessThanOrEqual(1);
    expect(Math.abs(steps[7999].timeUs - 1_195_000)).toBeLessThanOrEqual(1);
  });

  it('stops for a dwell and shifts later steps by its time', () => {
    const { stats, steps } = run('G21 G90\nG1 X10 F600\nG4 P2.5\nG1 X20');
    expect(stats.dwellS).toBe(2.5);
    // The dwell brings the first move to rest: two separate trapezoids.
    expect(stats.motionTimeS).toBeCloseTo(2 * TEN_MM_AT_F600_S, 9);
    expect(stats.durationS).toBeCloseTo(2 * TEN_MM_AT_F600_S + 2.5, 9);
    expect(steps).toHaveLength(1600);
    // Step 800 ends the first move 5 ms before its end; step 801 comes 5 ms after the dwell.
    expect(Math.abs(steps[799].timeUs - 1_015_000)).toBeLessThanOrEqual(1);
    expect(steps[800].timeUs).toBe(3_525_000);
  });

  it('keeps step times on the job clock through many stops', () => {
    // 50 moves of 1 mm at F600, each brought to rest by a zero dwell: 0.12 s each (ramps of
    // 0.02 s over 0.1 mm, 0.8 mm cruise at 10 mm/s).
    const job = ['G21 G91'];
    for (let i = 0; i < 50; i++) job.push('G1 X1 F600', 'G4 P0');
    const { stats, steps } = run(job.join('\n'));
    expect(stats.durationS).toBeCloseTo(6, 9);
    expect(steps).toHaveLength(4000);
    // Each move's first step 5 ms after its start, its last 5 ms before its end.
    for (const k of [0, 1, 25, 49]) {
      expect(steps[k * 80].timeUs).toBe(k * 120_000 + 5000);
      expect(steps[k * 80 + 79].timeUs).toBe(k * 120_000 + 115_000);
    }
  });

  it('joins collinear moves when nothing stops the motion', () => {
    const { stats } = run('G21 G90\nG1 X10 F600\nG1 X20');
    // One 20 mm trapezoid: ramps 0.04 s in all, cruise 19.8 mm in 1.98 s.
    expect(stats.durationS).toBeCloseTo(2.02, 9);
    expect(stats.moves).toBe(2);
  });

  it('stops at a spindle change unless told not to (laser mode)', () => {
    const job = 'G21 G90\nM3 S1000\nG1 X10 F600\nS2000\nG1 X20';
    expect(run(job).stats.durationS).toBeCloseTo(2 * TEN_MM_AT_F600_S, 9);
    expect(run(job).stats.spindleChanges).toBe(2);
    expect(run(job, { stopOnSpindleChange: false }).stats.durationS).toBeCloseTo(2.02, 9);
  });

  it('records pauses and program ends in order', () => {
    const { stats } = run('G21\nM0\nG0 X1\nM1\nM30');
    expect(stats.pauses).toEqual([
      { line: 2, reason: 'M0' },
      { line: 4, reason: 'M1' },
    ]);
    expect(stats.ends).toEqual([{ line: 5, reason: 'M30' }]);
    expect([stats.pauseCount, stats.endCount]).toEqual([2, 1]);
  });

  it('lists the first 1,000 pauses but counts them all', () => {
    const { stats } = run(Array.from({ length: 1005 }, () => 'M0').join('\n'));
    expect(stats.pauseCount).toBe(1005);
    expect(stats.pauses).toHaveLength(1000);
    expect(stats.pauses[999]).toEqual({ line: 1000, reason: 'M0' });
  });

  it('keeps the first errors and counts them all; a rejected line moves nothing', () => {
    const job = 'G5\nG5\nG1 X5\nG0 X3\nG5';
    const { stats } = run(job, { maxErrorsKept: 2 });
    expect(stats.errorCount).toBe(4);
    expect(stats.errors.map((e) => [e.line, e.code])).toEqual([
      [1, 20],
      [2, 20],
    ]);
    expect(stats.finalPositionMm).toEqual({ x: 3, y: 0, z: 0 });
    expect(stats.moves).toBe(1);
  });

  it('splits rapid and feed length; an arc is one motion line of many chords', () => {
    const { stats } = run('G21 G90\nG0 X10\nG2 X20 Y0 I5 J0 F600');
    expect(stats.rapidMoves).toBe(1);
    expect(stats.rapidLengthMm).toBeCloseTo(10, 9);
    expect(stats.motionLines).toBe(2);
    expect(stats.feedMoves).toBeGreaterThan(10);
    // Chords of a radius-5 half circle, each within 0.002 mm of the arc: a little shorter.
    const arcMm = Math.PI * 5;
    expect(stats.feedLengthMm).toBeLessThan(arcMm);
    expect(stats.feedLengthMm).toBeGreaterThan(arcMm * (1 - 0.002 / (3 * 5)) - 1e-9);
    expect(stats.pathLengthMm).toBeCloseTo(stats.feedLengthMm + 10, 9);
    expect(stats.boundsMm?.max.y).toBeLessThanOrEqual(5 + 1e-9);
    expect(stats.boundsMm?.max.y).toBeGreaterThan(5 - 0.002);
    expect(stats.boundsMm?.min.y).toBe(0);
    expect(stats.steps).toEqual([1600, 0, 0]);
  });

  it('plans the same time without step timing, and reports no steps', () => {
    const job = 'G21 G90\nG1 X10 Y3 F900\nG0 Z2\nG1 X0 Y0';
    const timed = run(job).stats;
    const untimed = run(job, { stepTiming: false }).stats;
    expect(untimed.durationS).toBe(timed.durationS);
    expect(untimed.steps).toEqual([0, 0, 0]);
    expect(untimed.stepEvents).toBe(0);
    expect(timed.steps).toEqual([0, 0, 800]);
  });

  it('maps CoreXY motors: a = x + y, b = x - y (in steps)', () => {
    const { stats, steps } = run(
      'G21 G90\nG1 X10 Y5 F600',
      {},
      { ...settings, kinematics: 'corexy' },
    );
    expect(stats.steps).toEqual([1200, 400, 0]);
    const net = [0, 0, 0];
    for (const s of steps) net[s.motor] += s.dir;
    expect(net).toEqual([1200, 400, 0]);
  });

  it('starts from a given machine position', () => {
    const { stats } = run('G21 G91\nG1 X-5 F600', { startMm: { x: 20, y: 10, z: 1 } });
    expect(stats.finalPositionMm).toEqual({ x: 15, y: 10, z: 1 });
    expect(stats.boundsMm).toEqual({ min: { x: 15, y: 10, z: 1 }, max: { x: 20, y: 10, z: 1 } });
    // Motor positions are absolute: 15 mm, 10 mm and 1 mm from the origin.
    expect(stats.steps).toEqual([1200, 800, 400]);
  });

  it('refuses lines after finish', () => {
    const { pipeline } = run('G0 X1');
    expect(() => pipeline.feedLine('G0 X2', 2)).toThrow(/after finish/);
  });
});
