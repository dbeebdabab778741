// Backend-independent bookkeeping of a step stream: where each pushed chunk sits on the
// board's clock, which steps are emitted by a given time, the net position per motor, the
// queued time and the low-water mark. The simulator drives it from its clock; a hardware
// backend (pigpio) can drive it from the time of the wave on air to answer stop() exactly.
import type { StepChunk } from './types.js';

/** Called for every step as it is emitted: motor index, direction (+1/-1), its time in µs. */
export type StepVisitor = (motor: number, dir: number, timeUs: number) => void;

interface QueuedChunk {
  /** Absolute start on the stream's clock, µs. */
  startUs: number;
  endUs: number;
  /** Absolute step times, µs. */
  timeUs: Float64Array;
  motor: Uint8Array;
  dir: Int8Array;
  /** Next step of this chunk not yet emitted. */
  next: number;
  endsAtRest: boolean;
}

/** A step chunk that breaks the StepChunk contract (a bug upstream, never hardware's fault). */
export class StepChunkError extends RangeError {
  readonly code = 'BAD_STEP_CHUNK';
  constructor(message: string) {
    super(message);
    this.name = 'StepChunkError';
  }
}

/**
 * Chunks laid end to end on a clock. A chunk pushed while the timeline is empty (its end is
 * not after now) starts at now; otherwise it starts exactly where the previous one ends.
 * Low water (for 'drain'): half of the queued time right after the latest push, unless a
 * fixed lowWaterUs is given.
 */
export class StepTimeline {
  readonly motorCount: number;
  private readonly chunks: QueuedChunk[] = [];
  private readonly position: Int32Array;
  private tail = 0;
  private lowWater = 0;
  private lastEndsAtRest = true;

  constructor(
    motorCount: number,
    /** A fixed low-water mark in µs; undefined: half the queued time after each push. */
    private readonly fixedLowWaterUs?: number,
  ) {
    this.motorCount = motorCount;
    this.position = new Int32Array(motorCount);
  }

  /** Queues a copy of chunk's events (its arrays may be reused); returns its absolute start. */
  push(chunk: StepChunk, nowUs: number): number {
    checkChunk(chunk, this.motorCount);
    const startUs = this.tail > nowUs ? this.tail : nowUs;
    const timeUs = new Float64Array(chunk.count);
    for (let i = 0; i < chunk.count; i++) timeUs[i] = startUs + chunk.timeUs[i];
    this.chunks.push({
      startUs,
      endUs: startUs + chunk.durationUs,
      timeUs,
      motor: chunk.motor.slice(0, chunk.count),
      dir: chunk.dir.slice(0, chunk.count),
      next: 0,
      endsAtRest: chunk.endsAtRest,
    });
    this.tail = startUs + chunk.durationUs;
    this.lastEndsAtRest = chunk.endsAtRest;
    this.lowWater = this.fixedLowWaterUs ?? (this.tail - nowUs) / 2;
    return startUs;
  }

  /** End of everything pushed, µs on the clock (the next chunk starts here if not yet past). */
  tailUs(): number {
    return this.tail;
  }

  /** Pushed motion not yet played at nowUs, µs. */
  queuedUs(nowUs: number): number {
    return Math.max(0, this.tail - nowUs);
  }

  /** The low-water mark in µs: 'drain' is due once queuedUs falls to it. */
  lowWaterUs(): number {
    return this.lowWater;
  }

  /** The clock time at which queued time reaches the low-water mark. */
  drainAtUs(): number {
    return this.tail - this.lowWater;
  }

  /** Whether the last chunk pushed ends at rest (false: running dry is an underrun). */
  endsAtRest(): boolean {
    return this.lastEndsAtRest;
  }

  /** Time of the next step not yet emitted, or undefined when every step is emitted. */
  nextStepUs(): number | undefined {
    for (const chunk of this.chunks) {
      if (chunk.next < chunk.timeUs.length) return chunk.timeUs[chunk.next];
    }
    return undefined;
  }

  /**
   * Emits, in time order, every step with time <= nowUs: updates the position and calls visit
   * for each. Returns the number of steps emitted.
   */
  emitUntil(nowUs: number, visit?: StepVisitor): number {
    let emitted = 0;
    const position = this.position;
    while (this.chunks.length > 0) {
      const chunk = this.chunks[0];
      const { timeUs, motor, dir } = chunk;
      let i = chunk.next;
      while (i < timeUs.length && timeUs[i] <= nowUs) {
        position[motor[i]] += dir[i];
        // Advance before visiting, so a visitor that reads or stops the stream sees this step.
        chunk.next = ++i;
        emitted++;
        if (visit !== undefined) visit(motor[i - 1], dir[i - 1], timeUs[i - 1]);
        if (this.chunks[0] !== chunk) return emitted; // cleared by the visitor
      }
      if (i < timeUs.length || chunk.endUs > nowUs) break;
      this.chunks.shift();
    }
    return emitted;
  }

  /** Drops every step not yet emitted; the timeline ends at nowUs. */
  clear(nowUs: number): void {
    this.chunks.length = 0;
    this.tail = nowUs;
    this.lowWater = 0;
    this.lastEndsAtRest = true;
  }

  /** Net emitted position per motor, steps (a copy). */
  positionSteps(): Int32Array {
    return this.position.slice();
  }

  /** Overwrites the position counters. */
  setPositionSteps(steps: ArrayLike<number>): void {
    if (steps.length !== this.motorCount) {
      throw new RangeError(
        `setPositionSteps: ${steps.length} values for ${this.motorCount} motors`,
      );
    }
    for (let m = 0; m < this.motorCount; m++) this.position[m] = steps[m];
  }
}

/** Refuses a chunk whose events are unsorted, out of range or not +-1 steps. */
export function checkChunk(chunk: StepChunk, motorCount: number): void {
  const { count, timeUs, motor, dir, durationUs } = chunk;
  if (!(durationUs >= 0) || !Number.isFinite(durationUs)) {
    throw new StepChunkError(`step chunk: durationUs ${durationUs} is not a finite value >= 0`);
  }
  if (count > timeUs.length || count > motor.length || count > dir.length) {
    throw new StepChunkError(`step chunk: count ${count} exceeds its arrays`);
  }
  let previousUs = 0;
  for (let i = 0; i < count; i++) {
    const t = timeUs[i];
    if (t < previousUs || t >= durationUs) {
      throw new StepChunkError(
        `step chunk: event ${i} at ${t} µs is out of order or not < durationUs ${durationUs}`,
      );
    }
    if (motor[i] >= motorCount) {
      throw new StepChunkError(`step chunk: event ${i} names motor ${motor[i]} of ${motorCount}`);
    }
    if (dir[i] !== 1 && dir[i] !== -1) {
      throw new StepChunkError(`step chunk: event ${i} has direction ${dir[i]}, not +1 or -1`);
    }
    previousUs = t;
  }
}
