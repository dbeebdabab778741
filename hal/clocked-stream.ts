// A step stream timed by a Clock: every step is emitted once the clock reaches its time. The
// simulator uses it on its virtual or real clock, and host-timed backends (gpiochip, i2c coil
// steppers, Firmata without AccelStepper) use it on the real clock with a pin-writing onStep.
// On a virtual clock a timer fires at each step time (and at the drain and end times); on
// the real clock a timer wakes every few milliseconds and emits the steps that are due,
// with the same semantics: a step is emitted once the clock has reached its time.
import { EventEmitter } from 'node:events';
import { StepTimeline, type StepVisitor } from './steps.js';
import type {
  Clock,
  StepChunk,
  StepStream,
  StepStreamEvents,
  TimerHandle,
  StreamCut,
} from './types.js';

export interface ClockedStreamOptions {
  clock: Clock;
  motorCount: number;
  /** Motor positions (steps) the counters start at. */
  startSteps: ArrayLike<number>;
  /** Called for every emitted step, in time order. */
  onStep: StepVisitor;
  /** Least delay between wake-ups, µs: 0 on a virtual clock, a few ms on the real one. */
  minWakeUs: number;
  /** Fixed low-water mark for 'drain', µs; default: half the queued time after each push. */
  lowWaterUs?: number;
}

/**
 * Events: 'drain' once per push when queued time falls to the low-water mark; 'underrun'
 * then 'idle' when the last chunk ends and it did not end at rest; 'idle' alone when it did.
 * stop() emits nothing: its caller knows the stream is empty.
 */
export class ClockedStepStream extends EventEmitter<StepStreamEvents> implements StepStream {
  readonly motorCount: number;
  private readonly timeline: StepTimeline;
  private readonly clock: Clock;
  private readonly onStep: StepVisitor;
  private readonly minWakeUs: number;
  private wake: TimerHandle | undefined;
  private wakeAtUs = Infinity;
  private drainArmed = false;
  private idleNotified = true;

  constructor(options: ClockedStreamOptions) {
    super();
    this.motorCount = options.motorCount;
    this.clock = options.clock;
    this.onStep = options.onStep;
    this.minWakeUs = options.minWakeUs;
    this.timeline = new StepTimeline(options.motorCount, options.lowWaterUs);
    this.timeline.setPositionSteps(options.startSteps);
  }

  push(chunk: StepChunk): void {
    this.catchUp();
    // On the real clock the queue may have run dry before the wake-up that would report it:
    // report it now, before the new chunk hides the gap. (At exactly the end, chunks chain.)
    if (!this.idleNotified && this.clock.nowUs() > this.timeline.tailUs()) this.reportEnd();
    this.timeline.push(chunk, this.clock.nowUs());
    this.drainArmed = true;
    this.idleNotified = false;
    this.schedule();
  }

  queuedUs(): number {
    return this.timeline.queuedUs(this.clock.nowUs());
  }

  positionSteps(): Int32Array {
    this.catchUp();
    return this.timeline.positionSteps();
  }

  /** Not yet able to drop queued motion: the caller brakes behind the whole queue. */
  cut(_keepUs: number): StreamCut | null {
    return null;
  }

  stop(): Int32Array {
    this.catchUp();
    this.timeline.clear(this.clock.nowUs());
    this.drainArmed = false;
    this.idleNotified = true;
    this.cancelWake();
    return this.timeline.positionSteps();
  }

  setPositionSteps(steps: ArrayLike<number>): void {
    this.catchUp();
    this.timeline.setPositionSteps(steps);
  }

  /** Time of the last queued motion's end on the clock, µs. */
  tailUs(): number {
    return this.timeline.tailUs();
  }

  /** The current low-water mark, µs. */
  lowWaterUs(): number {
    return this.timeline.lowWaterUs();
  }

  /** Emits every step whose time has come. */
  private catchUp(): void {
    this.timeline.emitUntil(this.clock.nowUs(), this.onStep);
  }

  private onWake(): void {
    this.wake = undefined;
    this.wakeAtUs = Infinity;
    this.catchUp();
    // Listeners may push or stop: re-read the state after each event.
    if (this.drainArmed && this.clock.nowUs() >= this.timeline.drainAtUs()) {
      this.drainArmed = false;
      this.emit('drain');
    }
    if (!this.idleNotified && this.clock.nowUs() >= this.timeline.tailUs()) this.reportEnd();
    this.schedule();
  }

  /** The queue ran empty: 'underrun' if motion was not at rest, then 'idle'. */
  private reportEnd(): void {
    this.idleNotified = true;
    if (!this.timeline.endsAtRest()) this.emit('underrun');
    // A listener may have pushed (the stream runs again) or stopped it meanwhile.
    if (this.idleNotified && this.timeline.queuedUs(this.clock.nowUs()) === 0) this.emit('idle');
  }

  /** Sets the one wake-up timer at the next step, drain or end time. */
  private schedule(): void {
    let nextUs = this.timeline.nextStepUs() ?? Infinity;
    if (this.drainArmed) nextUs = Math.min(nextUs, this.timeline.drainAtUs());
    if (!this.idleNotified) nextUs = Math.min(nextUs, this.timeline.tailUs());
    if (nextUs === this.wakeAtUs && this.wake !== undefined) return;
    this.cancelWake();
    if (nextUs === Infinity) return;
    const delayUs = Math.max(nextUs - this.clock.nowUs(), this.minWakeUs);
    this.wakeAtUs = nextUs;
    this.wake = this.clock.setTimer(delayUs, () => this.onWake());
  }

  private cancelWake(): void {
    if (this.wake !== undefined) this.clock.clearTimer(this.wake);
    this.wake = undefined;
    this.wakeAtUs = Infinity;
  }
}
