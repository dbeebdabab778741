// A planned job pushed through the sim stream, fed on 'drain' as the machine feeds it: the
// simulated axes end exactly at the planned step positions, every step at its planned time.
import { describe, expect, it } from 'vitest';
import { SimBoard } from '../../../hal/sim/board.js';
import type { StepChunk } from '../../../hal/types.js';
import { MotionPipeline } from '../../../motion/pipeline.js';
import type { MotionSettings } from '../../../motion/types.js';
import { cartesianPlant } from './cartesian-plant.js';
import { simDefinition } from './sim-definition.js';

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

const JOB = [
  'G21 G90 G94',
  'G0 X10 Y5',
  'G1 Z-0.5 F100',
  'G1 X40 Y25 F3000',
  'G2 X60 Y5 I10 J-10',
  'G1 X12.3456 Y7.891 Z2',
  'G0 X0 Y0 Z0',
];

function copyChunk(chunk: StepChunk): StepChunk {
  return {
    ...chunk,
    timeUs: chunk.timeUs.slice(0, chunk.count),
    motor: chunk.motor.slice(0, chunk.count),
    dir: chunk.dir.slice(0, chunk.count),
  };
}

describe('sim end to end', () => {
  it('moves the simulated axes exactly to the planned steps, at the planned times', () => {
    const chunks: { chunk: StepChunk; jobStartUs: number }[] = [];
    const pipeline = new MotionPipeline(settings, {
      startMm: { x: 0, y: 0, z: 0 },
      chunkUs: 10_000,
      onChunk: (chunk, jobStartUs) => chunks.push({ chunk: copyChunk(chunk), jobStartUs }),
    });
    JOB.forEach((line, i) => pipeline.feedLine(line, i + 1));
    pipeline.finish();
    const stats = pipeline.snapshot();
    expect(stats.errorCount).toBe(0);

    const board = new SimBoard(simDefinition(), {
      boardFile: 'sim',
      clock: 'virtual',
      plant: cartesianPlant({ startMm: [0, 0, 1] }), // z 1 mm up: -0.5 stays inside the switch
    });
    const clock = board.virtualClock;
    if (clock === undefined) throw new Error('expected a virtual clock');
    board.recordPulses(true);
    board.stepStream().setPositionSteps([0, 0, 0]); // the job's frame
    const stream = board.stepStream();
    let next = 0;
    let underruns = 0;
    const feed = () => {
      // Keep about 30 ms queued, as a machine with maxQueuedMs 30 would.
      while (next < chunks.length && stream.queuedUs() < 30_000) stream.push(chunks[next++].chunk);
    };
    stream.on('drain', feed);
    stream.on('underrun', () => underruns++);
    feed();
    expect(clock.runUntilIdle(60e6)).toBe(true);

    expect(next).toBe(chunks.length);
    expect(underruns).toBe(0);
    expect(Array.from(stream.positionSteps())).toEqual(stats.steps);
    // Physical plant: the job's steps on top of the start position (z started 400 steps up).
    expect(Array.from(board.motorSteps())).toEqual([
      stats.steps[0],
      stats.steps[1],
      stats.steps[2] + 400,
    ]);
    const pulses = board.pulses();
    expect(pulses).toHaveLength(stats.stepEvents);
    // Chunks chained without gaps: each step at its chunk's job time plus its offset.
    const expected: number[] = [];
    for (const { chunk, jobStartUs } of chunks) {
      for (let i = 0; i < chunk.count; i++) expected.push(jobStartUs + chunk.timeUs[i]);
    }
    expect(pulses.map((p) => p.timeUs)).toEqual(expected);
    expect(board.timingViolations()).toEqual([]);
    expect(clock.nowUs()).toBe(
      chunks[chunks.length - 1].jobStartUs + chunks[chunks.length - 1].chunk.durationUs,
    );
  });
});
