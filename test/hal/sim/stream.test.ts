import { describe, expect, it } from 'vitest';
import type { VirtualClock } from '../../../hal/clock.js';
import { SimBoard } from '../../../hal/sim/board.js';
import { StepChunkError } from '../../../hal/steps.js';
import type { Clock } from '../../../hal/types.js';
import { cartesianPlant } from './cartesian-plant.js';
import { chunkOf, evenSteps } from './chunks.js';
import { simDefinition } from './sim-definition.js';

function virtualBoard(lowWaterUs?: number): { board: SimBoard; clock: VirtualClock } {
  const board = new SimBoard(
    simDefinition(),
    { boardFile: 'sim', clock: 'virtual', plant: cartesianPlant({ startMm: [10, 10, 10] }) },
    { lowWaterUs },
  );
  if (board.virtualClock === undefined) throw new Error('expected a virtual clock');
  return { board, clock: board.virtualClock };
}

describe('sim step stream on a virtual clock', () => {
  it('starts its counters at the plant start position', () => {
    const { board } = virtualBoard();
    expect(Array.from(board.stepStream().positionSteps())).toEqual([800, 800, 4000]);
  });

  it('emits exactly the pushed steps at their times, starting now when idle', () => {
    const { board, clock } = virtualBoard();
    board.recordPulses(true);
    clock.advanceTo(1000);
    const stream = board.stepStream();
    stream.push(
      chunkOf(
        [
          [0, 0, 1],
          [250, 1, -1],
          [250, 0, 1],
          [999, 2, 1],
        ],
        1000,
      ),
    );
    expect(stream.queuedUs()).toBe(1000);
    clock.advanceTo(1249);
    expect(Array.from(stream.positionSteps())).toEqual([801, 800, 4000]);
    clock.advanceTo(1250);
    expect(Array.from(stream.positionSteps())).toEqual([802, 799, 4000]);
    expect(stream.queuedUs()).toBe(750);
    clock.advanceTo(5000);
    expect(board.pulses()).toEqual([
      { motor: 0, dir: 1, timeUs: 1000 },
      { motor: 1, dir: -1, timeUs: 1250 },
      { motor: 0, dir: 1, timeUs: 1250 },
      { motor: 2, dir: 1, timeUs: 1999 },
    ]);
    expect(Array.from(stream.positionSteps())).toEqual([802, 799, 4001]);
    expect(board.pulseCount()).toBe(4);
  });

  it('chains chunks without gaps: the next chunk starts where the previous ends', () => {
    const { board, clock } = virtualBoard();
    board.recordPulses(true);
    const stream = board.stepStream();
    stream.push(chunkOf(evenSteps(0, 4, 100), 400, false));
    clock.advanceTo(150); // mid-chunk: the next push must not start "now"
    stream.push(chunkOf(evenSteps(0, 4, 100, 1, 50), 400));
    expect(stream.queuedUs()).toBe(650);
    clock.advanceTo(10_000);
    expect(board.pulses().map((p) => p.timeUs)).toEqual([0, 100, 200, 300, 450, 550, 650, 750]);
  });

  it('stop() mid-chunk returns the exact emitted position and drops the rest', () => {
    const { board, clock } = virtualBoard();
    const stream = board.stepStream();
    stream.push(chunkOf(evenSteps(1, 100, 50, -1), 5000, false));
    clock.advanceTo(1234); // steps at 0, 50, ..., 1200: 25 of them
    const stopped = stream.stop();
    expect(Array.from(stopped)).toEqual([800, 775, 4000]);
    expect(stream.queuedUs()).toBe(0);
    let events = 0;
    stream.on('underrun', () => events++).on('idle', () => events++);
    clock.advanceTo(100_000);
    expect(Array.from(stream.positionSteps())).toEqual([800, 775, 4000]);
    expect(board.motorSteps()[1]).toBe(775);
    expect(events).toBe(0);
  });

  it('stop() at a step time includes that step', () => {
    const { board, clock } = virtualBoard();
    const stream = board.stepStream();
    stream.push(chunkOf(evenSteps(0, 10, 100), 1000));
    clock.advanceTo(300);
    expect(stream.stop()[0]).toBe(804);
  });

  it('emits idle when empty, underrun first when the last chunk did not end at rest', () => {
    const { board, clock } = virtualBoard();
    const stream = board.stepStream();
    const seen: string[] = [];
    stream.on('idle', () => seen.push(`idle@${clock.nowUs()}`));
    stream.on('underrun', () => seen.push(`underrun@${clock.nowUs()}`));
    stream.push(chunkOf(evenSteps(0, 2, 100), 300, true));
    clock.advanceTo(1000);
    expect(seen).toEqual(['idle@300']);
    stream.push(chunkOf(evenSteps(0, 2, 100), 300, false));
    clock.advanceTo(2000);
    expect(seen).toEqual(['idle@300', 'underrun@1300', 'idle@1300']);
  });

  it('a push from the drain handler keeps the stream fed without underrun', () => {
    const { board, clock } = virtualBoard();
    board.recordPulses(true);
    const stream = board.stepStream();
    let chunksLeft = 5;
    const drainTimes: number[] = [];
    let underruns = 0;
    stream.on('underrun', () => underruns++);
    stream.on('drain', () => {
      drainTimes.push(clock.nowUs());
      if (chunksLeft-- > 0) stream.push(chunkOf(evenSteps(0, 10, 100), 1000, chunksLeft === 0));
    });
    stream.push(chunkOf(evenSteps(0, 10, 100), 1000, false));
    // queued 1000 after the first push: drain at 500 left, i.e. at t=500
    expect(stream.lowWaterUs()).toBe(500);
    clock.runUntilIdle(1e6);
    expect(underruns).toBe(0);
    expect(board.pulseCount()).toBe(60);
    const times = board.pulses().map((p) => p.timeUs);
    expect(times).toEqual(Array.from({ length: 60 }, (_, i) => i * 100));
    // Half the queue after each push: 1500 queued at 500 (drain at 1250), then 1750 queued
    // at 1250 (drain at 2125).
    expect(drainTimes.slice(0, 3)).toEqual([500, 1250, 2125]);
  });

  it('a fixed low-water mark fires drain when queued time falls to it', () => {
    const { board, clock } = virtualBoard(200);
    const stream = board.stepStream();
    const drains: number[] = [];
    stream.on('drain', () => drains.push(clock.nowUs()));
    stream.push(chunkOf([], 1000));
    stream.push(chunkOf([], 1000));
    clock.advanceTo(5000);
    expect(drains).toEqual([1800]);
  });

  it('setPositionSteps overwrites the counters but not the plant', () => {
    const { board, clock } = virtualBoard();
    const stream = board.stepStream();
    stream.push(chunkOf(evenSteps(2, 3, 10, -1), 100));
    clock.advanceTo(100);
    stream.setPositionSteps([0, 0, 0]);
    expect(Array.from(stream.positionSteps())).toEqual([0, 0, 0]);
    expect(board.axesMm()[2]).toBeCloseTo(9.9925, 9);
  });

  it('refuses malformed chunks', () => {
    const { board } = virtualBoard();
    const stream = board.stepStream();
    expect(() =>
      stream.push(
        chunkOf(
          [
            [100, 0, 1],
            [50, 0, 1],
          ],
          200,
        ),
      ),
    ).toThrow(StepChunkError);
    expect(() => stream.push(chunkOf([[200, 0, 1]], 200))).toThrow(/not < durationUs/);
    expect(() => stream.push(chunkOf([[0, 3, 1]], 200))).toThrow(/motor 3/);
    expect(() => stream.push(chunkOf([[0, 0, 2]], 200))).toThrow(/direction 2/);
    expect(stream.queuedUs()).toBe(0);
  });

  it('copies pushed events, so the caller may reuse its buffers', () => {
    const { board, clock } = virtualBoard();
    const chunk = chunkOf(evenSteps(0, 3, 10), 100);
    board.stepStream().push(chunk);
    chunk.dir.fill(-1);
    clock.advanceTo(100);
    expect(board.motorSteps()[0]).toBe(803);
  });

  it('records at most maxPulses and counts the rest', () => {
    const { board, clock } = virtualBoard();
    board.recordPulses(true, 3);
    board.stepStream().push(chunkOf(evenSteps(0, 10, 10), 100));
    clock.advanceTo(100);
    expect(board.pulses()).toHaveLength(3);
    expect(board.missedPulses()).toBe(7);
    expect(board.pulseCount()).toBe(10);
  });

  it('flags pulses faster than the driver allows and direction changes without setup', () => {
    const { board, clock } = virtualBoard();
    // simDefinition: pulseUs 2, dirSetupUs 1: period >= 4 µs, reversal gap >= 3 µs.
    board.stepStream().push(
      chunkOf(
        [
          [0, 0, 1],
          [4, 0, 1],
          [7, 0, 1],
          [10, 0, -1],
          [12, 0, 1],
        ],
        20,
      ),
    );
    clock.advanceTo(20);
    expect(board.timingViolations().map((v) => [v.timeUs, v.reason, v.minGapUs])).toEqual([
      [7, 'period', 4],
      [12, 'dirSetup', 3],
    ]);
  });
});

describe('sim step stream on the real clock', () => {
  it('emits every step once its time has passed, same semantics', async () => {
    const board = new SimBoard(
      simDefinition(),
      { boardFile: 'sim', clock: 'real', plant: cartesianPlant() },
      { pollUs: 1000 },
    );
    board.recordPulses(true);
    const stream = board.stepStream();
    const idle = new Promise<void>((resolve) => stream.once('idle', resolve));
    stream.push(chunkOf(evenSteps(0, 20, 500), 10_000));
    await idle;
    const pulses = board.pulses();
    expect(pulses).toHaveLength(20);
    const startUs = pulses[0].timeUs;
    expect(pulses.map((p) => p.timeUs - startUs)).toEqual(
      Array.from({ length: 20 }, (_, i) => i * 500),
    );
    expect(board.clock.nowUs()).toBeGreaterThanOrEqual(startUs + 9500);
    expect(stream.positionSteps()[0]).toBe(20);
    await board.close();
  });
});

describe('sim step stream: a push after the queue ran dry', () => {
  it('reports underrun and idle before starting the late chunk at now', () => {
    // A clock whose timers never fire: a real-clock host that stalled past the queue's end.
    let nowUs = 0;
    const stalled: Clock = {
      nowUs: () => nowUs,
      setTimer: () => ({ id: 0 }),
      clearTimer: () => {},
    };
    const board = new SimBoard(
      simDefinition(),
      { boardFile: 'sim', clock: 'real', plant: cartesianPlant() },
      { clock: stalled },
    );
    const stream = board.stepStream();
    const seen: string[] = [];
    stream.on('underrun', () => seen.push(`underrun@${nowUs}`));
    stream.on('idle', () => seen.push(`idle@${nowUs}`));
    stream.push(chunkOf(evenSteps(0, 2, 100), 200, false));
    nowUs = 200; // exactly at the end: the next chunk chains, nothing to report
    stream.push(chunkOf(evenSteps(0, 2, 100), 200, false));
    expect(seen).toEqual([]);
    expect(stream.tailUs()).toBe(400);
    nowUs = 500;
    stream.push(chunkOf(evenSteps(0, 2, 100), 200, true));
    expect(seen).toEqual(['underrun@500', 'idle@500']);
    expect(stream.tailUs()).toBe(700);
    nowUs = 650;
    expect(stream.positionSteps()[0]).toBe(6);
  });
});
