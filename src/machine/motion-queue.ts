// The streaming loop below the interpreter: planner → step generator → the board's step
// stream, keeping at most maxQueuedMs of computed steps ahead of the hardware. It pushes
// chunks on the stream's 'drain' and on a clock timer, decelerates along the path on hold,
// re-plans the rest from rest on resume, and stops at once (exactly) when told.
import type { Clock, StepStream, TimerHandle } from '../../hal/types.js';
import { createKinematics, type Kinematics } from '../../motion/kinematics.js';
import { Planner } from '../../motion/planner.js';
import { StepGenerator } from '../../motion/stepper.js';
import { durationS, speedAtS } from '../../motion/trapezoid.js';
import type { LinearMove, MotionSettings, PlannedMove, VecMm } from '../../motion/types.js';

const US_PER_S = 1e6;

/** A planned move placed on the step generator's timeline (µs). */
export interface TimedMove {
  move: PlannedMove;
  startUs: number;
  endUs: number;
}

/** Where motion is right now: the move being emitted and the speed along it. */
export interface MotionNow {
  move: PlannedMove;
  speedMmS: number;
}

export type HoldState = 'none' | 'decelerating' | 'held';

/** Owns the planner and step generator and keeps the step stream fed. */
export class MotionQueue {
  readonly kinematics: Kinematics;
  private planner: Planner;
  private stepper: StepGenerator;
  private readonly timeline: TimedMove[] = [];
  /** Clock time minus step-generator time for the motion on the stream. */
  private offsetUs = 0;
  /** Moves waiting to enter the planner (arrived during a hold, or the held remainder). */
  private inbox: LinearMove[] = [];
  private holdState: HoldState = 'none';
  private timer: TimerHandle | undefined;
  private idleCallbacks: (() => void)[] = [];
  private feedRatio = 1;
  private rapidRatio = 1;
  private readonly chunkUs: number;
  /** Called after every pump (motion progressed, went idle, finished a hold). */
  onProgress: () => void = () => {};
  /** Called when the stream ran dry while motion was not at rest. */
  onUnderrun: () => void = () => {};

  constructor(
    private readonly settings: MotionSettings,
    private readonly stream: StepStream,
    private readonly clock: Clock,
    private readonly maxQueuedUs: number,
  ) {
    this.kinematics = createKinematics(settings);
    this.chunkUs = Math.max(1000, Math.floor(maxQueuedUs / 4));
    const startMm = this.positionMm();
    this.planner = new Planner(settings, startMm);
    this.stepper = new StepGenerator(settings, {
      chunkUs: this.chunkUs,
      startSteps: stream.positionSteps(),
    });
    stream.on('drain', () => this.pump());
    stream.on('idle', () => this.pump());
    stream.on('underrun', () => this.onUnderrun());
  }

  /** Emitted machine position, mm (exact: from the stream's step counters). */
  positionMm(): VecMm {
    return this.kinematics.toAxesMm(this.stream.positionSteps());
  }

  /** Emitted motor positions, steps. */
  positionSteps(): Int32Array {
    return this.stream.positionSteps();
  }

  /** Overwrites the position (homing): the counters and the planner start from there. */
  setPositionMm(mm: VecMm): void {
    const steps = new Float64Array(this.kinematics.motorCount);
    this.kinematics.toMotorSteps(mm, steps);
    this.stream.setPositionSteps(Array.from(steps, (s) => Math.round(s)));
    this.restart();
  }

  /** Queues a move; during a hold it waits for resume. */
  push(move: LinearMove): void {
    if (this.holdState !== 'none') {
      this.inbox.push(move);
      return;
    }
    this.place(this.planner.push(move));
  }

  /** Lets the planner bring what it holds to rest, so it all moves now. */
  flush(): void {
    if (this.holdState !== 'none') return;
    this.place(this.planner.flush());
  }

  /**
   * Bounds the lookahead: fixes the planner's oldest pending move as if the path stopped at
   * the end of what is pending. False when nothing could be released (or during a hold).
   */
  releaseOldest(): boolean {
    if (this.holdState !== 'none') return false;
    const moves = this.planner.releaseOldest();
    this.place(moves);
    return moves.length > 0;
  }

  /** Planned motion not yet turned into steps, µs. */
  aheadUs(): number {
    return this.stepper.queuedUs();
  }

  /** Moves in the planner's lookahead, not yet final. */
  plannedMoves(): number {
    return this.planner.pendingCount() + this.inbox.length;
  }

  /** Steps queued on the stream, µs. */
  queuedUs(): number {
    return this.stream.queuedUs();
  }

  /** Nothing planned, generated or queued: the machine is at rest. */
  isIdle(): boolean {
    return (
      this.stream.queuedUs() <= 0 &&
      this.aheadUs() <= 0 &&
      this.planner.pendingCount() === 0 &&
      this.inbox.length === 0
    );
  }

  /** Steps on the stream or about to be: the machine is moving. */
  isMoving(): boolean {
    return this.stream.queuedUs() > 0 || this.aheadUs() > 0;
  }

  hold(): void {
    if (this.holdState !== 'none') return;
    // The lookahead's moves are the path beyond the queue: braking may run into them, and
    // they come back in the remainder.
    this.stepper.hold(this.planner.takePending());
    this.holdState = 'decelerating';
    this.pump();
  }

  holdStatus(): HoldState {
    return this.holdState;
  }

  /** Leaves a completed hold: the rest of the path is planned again from rest. */
  resume(): void {
    if (this.holdState !== 'held') return;
    this.holdState = 'none';
    const moves = this.inbox;
    this.inbox = [];
    for (const move of moves) this.place(this.planner.push(move));
    this.place(this.planner.flush());
    this.pump();
  }

  /** Ends a completed hold by forgetting the rest of the path (jog cancel, alarm). */
  discardHeld(): void {
    this.inbox = [];
    this.holdState = 'none';
    this.restart();
  }

  /** Stops the stream at once and forgets every planned move; returns the exact position. */
  stopNow(): Int32Array {
    const steps = this.stream.stop();
    this.inbox = [];
    this.holdState = 'none';
    this.restart();
    return steps;
  }

  /**
   * Feed and rapid override ratios. They act on the path not yet turned into steps, re-planned
   * from the speed reached: within maxQueuedMs of the change, as Grbl's act at once, not only
   * from the next move on (which on a long cut could be many seconds away).
   */
  setOverrides(feedRatio: number, rapidRatio: number): void {
    if (feedRatio === this.feedRatio && rapidRatio === this.rapidRatio) return;
    this.feedRatio = feedRatio;
    this.rapidRatio = rapidRatio;
    this.planner.setOverrides(feedRatio, rapidRatio);
    if (this.holdState === 'none') this.replanAhead();
  }

  /** Re-plans the path the step generator has not reached yet, continuing at its speed. */
  private replanAhead(): void {
    const cut = this.stepper.cutAhead();
    if (cut === null) return;
    const following = this.planner.takePending();
    const cutUs = this.stepper.generatedUs();
    // Motion after the cut is about to be placed again, with its new times.
    while (this.timeline.length > 0 && this.timeline[this.timeline.length - 1].startUs >= cutUs) {
      this.timeline.pop();
    }
    const current = this.timeline[this.timeline.length - 1];
    if (current !== undefined && current.endUs > cutUs) current.endUs = cutUs;
    this.planner = new Planner(this.settings, cut.fromMm);
    this.planner.setOverrides(this.feedRatio, this.rapidRatio);
    this.planner.continueMoving(cut.speedMmS, cut.unit);
    // Stops inside the cut path, and at its end, stay stops: moves pending beyond a stop
    // were planned from rest and start from rest again.
    let stop = 0;
    for (let i = 0; i < cut.moves.length; i++) {
      this.place(this.planner.push(cut.moves[i]));
      if (cut.stopsAfter[stop] === i) {
        this.place(this.planner.flush());
        stop++;
      }
    }
    if (cut.endsAtRest) this.place(this.planner.flush());
    for (const move of following) this.place(this.planner.push(move));
  }

  /** The move being emitted now and its speed, or null at rest. */
  now(): MotionNow | null {
    if (this.stream.queuedUs() <= 0) return null;
    const tUs = this.clock.nowUs() - this.offsetUs;
    while (this.timeline.length > 0 && this.timeline[0].endUs <= tUs) this.timeline.shift();
    const current = this.timeline[0];
    if (current === undefined || current.startUs > tUs) return null;
    return {
      move: current.move,
      speedMmS: speedAtS(current.move, (tUs - current.startUs) / US_PER_S),
    };
  }

  /** The move executing now as it was pushed; in a completed hold, the interrupted one. */
  currentMove(): LinearMove | null {
    const now = this.now();
    if (now !== null) return now.move.source ?? null;
    return this.holdState === 'held' ? (this.inbox[0] ?? null) : null;
  }

  /** Pushes step chunks until maxQueuedMs is queued; notices the end of a hold. */
  pump(): void {
    let queuedUs = this.stream.queuedUs();
    let exhausted = false;
    // Top up in pieces of at least half a chunk: slivers would cost a push each.
    while (this.maxQueuedUs - queuedUs >= this.chunkUs / 2) {
      const chunk = this.stepper.nextChunk(Math.min(this.chunkUs, this.maxQueuedUs - queuedUs));
      if (chunk === null) {
        exhausted = true;
        break;
      }
      if (queuedUs <= 0) this.offsetUs = this.clock.nowUs() - chunk.startUs;
      this.stream.push(chunk);
      queuedUs = this.stream.queuedUs();
    }
    if (this.holdState === 'decelerating' && queuedUs <= 0 && exhausted) {
      this.holdState = 'held';
      // The rest of each interrupted move, from where the deceleration ended.
      this.inbox = [...this.stepper.takeRemainder(), ...this.inbox];
      this.restart();
    }
    this.schedule();
    if (this.idleCallbacks.length > 0 && this.holdState === 'none' && this.isIdle()) {
      const callbacks = this.idleCallbacks;
      this.idleCallbacks = [];
      for (const fn of callbacks) fn();
    }
    this.onProgress();
  }

  /** Calls fn once, the next time a pump finds nothing planned, generated or queued. */
  onceIdle(fn: () => void): void {
    this.idleCallbacks.push(fn);
  }

  /** A fresh planner and step generator starting at the emitted position. */
  private restart(): void {
    const startMm = this.positionMm();
    this.stepper.clear();
    this.stepper = new StepGenerator(this.settings, {
      chunkUs: this.chunkUs,
      startSteps: this.stream.positionSteps(),
    });
    this.planner = new Planner(this.settings, startMm);
    this.planner.setOverrides(this.feedRatio, this.rapidRatio);
    this.timeline.length = 0;
  }

  private place(moves: readonly PlannedMove[]): void {
    for (const move of moves) {
      const startUs = this.stepper.add(move);
      const endUs = startUs + durationS(move) * US_PER_S;
      this.timeline.push({ move, startUs, endUs });
    }
    if (moves.length > 0) this.schedule(0);
  }

  /** Keeps one timer running while there is motion to feed. */
  private schedule(delayUs = this.chunkUs): void {
    const busy =
      this.stream.queuedUs() > 0 || this.aheadUs() > 0 || this.holdState === 'decelerating';
    if (!busy) {
      if (this.timer !== undefined) this.clock.clearTimer(this.timer);
      this.timer = undefined;
      return;
    }
    if (this.timer !== undefined && delayUs > 0) return;
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = this.clock.setTimer(delayUs, () => {
      this.timer = undefined;
      this.pump();
    });
  }
}
