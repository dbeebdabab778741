// Steps through AccelStepperFirmata: the MCU times the pulses. Each chunk becomes, per motor,
// one constant-speed move (accelStepperSpeed, then accelStepperStep with the chunk's net
// steps) sent when the chunk starts on the host clock; acceleration is off, so the MCU runs
// the chunk's average speed. Limits: speed is constant within a chunk (the planner's ramps
// arrive as a staircase of chunk speeds), a reversal inside one chunk collapses to its net
// steps, and chunk starts carry the host's timer jitter (about a millisecond).
//
// Position: counted on the host timeline as the moves are due; stop() sends accelStepperStop
// and returns that estimate, then asks every stepper for its position
// (accelStepperReportPosition) and replaces the estimate with the MCU's count on reply.
import { EventEmitter } from 'node:events';
import { StepTimeline, checkChunk } from '../steps.js';
import type {
  Clock,
  StepChunk,
  StepStream,
  StepStreamEvents,
  TimerHandle,
  StreamCut,
} from '../types.js';
import type { FirmataIo } from './io.js';

interface PendingMove {
  startUs: number;
  durationUs: number;
  net: Int32Array;
}

export class AccelStepperStream extends EventEmitter<StepStreamEvents> implements StepStream {
  readonly motorCount: number;
  private readonly timeline: StepTimeline;
  private pending: PendingMove[] = [];
  private timer: TimerHandle | undefined;
  private drainArmed = false;
  private idleNotified = true;
  /** Host position minus the MCU's step counter, per motor. */
  private readonly offset: Int32Array;

  constructor(
    private readonly io: FirmataIo,
    private readonly clock: Clock,
    motorCount: number,
  ) {
    super();
    this.motorCount = motorCount;
    this.timeline = new StepTimeline(motorCount);
    this.offset = new Int32Array(motorCount);
  }

  push(chunk: StepChunk): void {
    checkChunk(chunk, this.motorCount);
    const net = new Int32Array(this.motorCount);
    for (let i = 0; i < chunk.count; i++) net[chunk.motor[i]] += chunk.dir[i];
    const startUs = this.timeline.push(chunk, this.clock.nowUs());
    this.pending.push({ startUs, durationUs: chunk.durationUs, net });
    this.drainArmed = true;
    this.idleNotified = false;
    this.service();
  }

  queuedUs(): number {
    return this.timeline.queuedUs(this.clock.nowUs());
  }

  positionSteps(): Int32Array {
    this.timeline.emitUntil(this.clock.nowUs());
    return this.timeline.positionSteps();
  }

  /** Not yet able to drop queued motion: the caller brakes behind the whole queue. */
  cut(_keepUs: number): StreamCut | null {
    return null;
  }

  stop(): Int32Array {
    for (let m = 0; m < this.motorCount; m++) this.io.accelStepperStop(m);
    const now = this.clock.nowUs();
    this.timeline.emitUntil(now);
    this.timeline.clear(now);
    this.pending = [];
    this.cancelTimer();
    this.drainArmed = false;
    this.idleNotified = true;
    const estimate = this.timeline.positionSteps();
    for (let m = 0; m < this.motorCount; m++) {
      this.io.accelStepperReportPosition(m, (mcuSteps: number) => {
        const position = this.timeline.positionSteps();
        position[m] = mcuSteps + this.offset[m];
        this.timeline.setPositionSteps(position);
      });
    }
    return estimate;
  }

  setPositionSteps(steps: ArrayLike<number>): void {
    const before = this.positionSteps();
    this.timeline.setPositionSteps(steps);
    for (let m = 0; m < this.motorCount; m++) this.offset[m] += steps[m] - before[m];
  }

  private service(): void {
    this.timer = undefined;
    const now = this.clock.nowUs();
    while (this.pending.length > 0 && this.pending[0].startUs <= now) {
      const move = this.pending.shift()!;
      const seconds = move.durationUs / 1e6;
      move.net.forEach((steps, m) => {
        if (steps === 0) return;
        this.io.accelStepperSpeed(m, Math.abs(steps) / seconds);
        this.io.accelStepperStep(m, steps);
      });
    }
    this.timeline.emitUntil(now);
    if (this.drainArmed && now >= this.timeline.drainAtUs()) {
      this.drainArmed = false;
      this.emit('drain');
    }
    if (!this.idleNotified && now >= this.timeline.tailUs()) {
      this.idleNotified = true;
      if (!this.timeline.endsAtRest()) this.emit('underrun');
      if (this.idleNotified) this.emit('idle');
    }
    let nextUs = this.pending.length > 0 ? this.pending[0].startUs : Infinity;
    if (this.drainArmed) nextUs = Math.min(nextUs, this.timeline.drainAtUs());
    if (!this.idleNotified) nextUs = Math.min(nextUs, this.timeline.tailUs());
    this.cancelTimer();
    if (nextUs !== Infinity)
      this.timer = this.clock.setTimer(Math.max(0, nextUs - now), () => this.service());
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}
