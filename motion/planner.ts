// Streaming lookahead planner with exact full-lookahead results in bounded memory.
//
// Model: each move i has a length d_i, an acceleration a_i and a speed cap v_i; the speed at
// its entry is capped by J_i (junction deviation, and min(v_{i-1}, v_i)). The time-optimal
// profile is the pointwise largest feasible one: a backward pass (stop at the end) and a
// forward pass (start from rest). With W_k = Σ_{m<k} 2·a_m·d_m (the "braking work" before
// move k), the backward limit at the entry of move k is
//   B_k² = min( min_{j ≥ k} (J_j² + W_j), W_end ) − W_k,
// where W_end is the work up to the last move known (which must end at rest). A new move
// only adds terms ≥ the old W_end, so B never falls. The exit of the oldest pending move is
// therefore final as soon as either the forward limit is below B (it can only grow) or the
// minimum is a junction term rather than W_end (no future move reaches below it). The
// suffix minimum is a sliding-window minimum kept in a monotone deque: O(1) amortized per
// move, and the result is identical to a full lookahead over the whole job.
import { DirectionLimits } from './direction-limits.js';
import { junctionSpeedAtCosMmS } from './junction.js';
import { writeTrapezoid } from './trapezoid.js';
import type {
  LinearMove,
  MotionSettings,
  PlannedMove,
  ProbeMode,
  SpindleState,
  VecMm,
} from './types.js';

/** Moves shorter than this are dropped (Grbl drops zero-step blocks likewise). */
const MIN_MOVE_MM = 1e-9;
/** Rebase the work sums when they grow this large, to keep their differences precise. */
const REBASE_WORK = 1e6;
/** What push and flush return when no move became final: shared, never written. */
const NO_MOVES: readonly PlannedMove[] = Object.freeze([]);

/** Initial room per typed array of the pending window; it doubles when a job needs more. */
const INITIAL_SLOTS = 64;

/**
 * A move from push on: already the PlannedMove it becomes (one object per move), its speed
 * and time fields zero until they are final. The unit vector is derived when it is asked
 * for: only holds and cuts read it, and an object per move costs more than deriving it there.
 * Fields are `declare`d so that each is first written with its own type (a field first
 * defined as undefined would box every double stored into it anew). `next` links the
 * pending moves; it is null on every move handed out.
 */
class PendingMove implements PlannedMove {
  declare line: number;
  declare startMm: VecMm;
  declare endMm: VecMm;
  declare distMm: number;
  declare accelMmS2: number;
  declare startSpeedMmS: number;
  declare cruiseSpeedMmS: number;
  declare endSpeedMmS: number;
  declare accelTimeS: number;
  declare cruiseTimeS: number;
  declare decelTimeS: number;
  declare requestedSpeedMmS: number;
  declare rapid: boolean;
  declare spindle: SpindleState;
  declare probe: ProbeMode | undefined;
  declare source: LinearMove;
  /** The move pushed after this one while this one is pending; null once it is final. */
  declare next: PendingMove | null;

  constructor(source: LinearMove, startMm: VecMm, distMm: number, accelMmS2: number) {
    this.line = source.line;
    this.startMm = startMm;
    this.endMm = source.targetMm;
    this.distMm = distMm;
    this.accelMmS2 = accelMmS2;
    this.startSpeedMmS = 0;
    this.cruiseSpeedMmS = 0;
    this.endSpeedMmS = 0;
    this.accelTimeS = 0;
    this.cruiseTimeS = 0;
    this.decelTimeS = 0;
    this.requestedSpeedMmS = 0;
    this.rapid = source.rapid;
    this.spindle = source.spindle;
    this.probe = source.probe;
    this.source = source;
    this.next = null;
  }

  /** Unit vector of the move, the same numbers push derived it from. */
  get unit(): VecMm {
    return {
      x: (this.endMm.x - this.startMm.x) / this.distMm,
      y: (this.endMm.y - this.startMm.y) / this.distMm,
      z: (this.endMm.z - this.startMm.z) / this.distMm,
    };
  }
}

/** Lookahead planner: LinearMoves in, PlannedMoves with final speeds out, in order. */
export class Planner {
  private settings: MotionSettings;
  private limits: DirectionLimits;
  private positionMmValue: VecMm;
  private feedRatio = 1;
  private rapidRatio = 1;
  // Pending moves form a list from headMove (index head) to tailMove (index end − 1): linking
  // a new move writes into the young tail, where storing it into a long-lived array would
  // also record it for the garbage collector.
  private headMove: PendingMove | null = null;
  private tailMove: PendingMove | null = null;
  private head = 0;
  private end = 0;
  // The planner's own numbers per pending move, at the move's index: typed arrays hold
  // doubles unboxed, where fields of a per-move object would each cost a heap number.
  /** Nominal speed with overrides and axis caps, mm/s. */
  private maxSpeedMmS = new Float64Array(INITIAL_SLOTS);
  /** Entry cap J squared. */
  private entryCapSq = new Float64Array(INITIAL_SLOTS);
  /** Work before the move (W). */
  private workBefore = new Float64Array(INITIAL_SLOTS);
  /** 1 when the move joins the previous one, 0 when it starts from rest. */
  private joined = new Uint8Array(INITIAL_SLOTS);
  /** What push, flush and releaseOldest return: reused, valid until the next call. */
  private readonly finalMoves: PlannedMove[] = [];
  /** Length of the last move pushed, mm (0 when it was dropped as too short). */
  private lastDistMm = 0;
  /** Entry speed of the head move, fixed by the move finalized before it. */
  private headEntryMmS = 0;
  /** W_end: work up to the end of the last pending move. */
  private workEnd = 0;
  /**
   * Monotone deque of pending indices with increasing J² + W (candidates for the min), in
   * deque[dequeHead..dequeEnd): it never holds more entries than there are pending moves, so
   * it fits the room of the per-move arrays and is compacted with them.
   */
  private deque = new Int32Array(INITIAL_SLOTS);
  private dequeHead = 0;
  private dequeEnd = 0;
  /** Unit vector of the last pushed move, for the next junction; hasLastUnit: there is one. */
  private hasLastUnit = false;
  private lastUnitX = 0;
  private lastUnitY = 0;
  private lastUnitZ = 0;
  /** Acceleration and axis speed limits along the last unit, while the limits are unchanged. */
  private directionLimitsKnown = false;
  private lastAccelMmS2 = 0;
  private lastAxisMaxMmS = 0;
  private lastMaxSpeedMmS = 0;
  private lastProbe = false;

  /** Creates a planner at rest at startMm (default the origin). */
  constructor(settings: MotionSettings, startMm: VecMm = { x: 0, y: 0, z: 0 }) {
    this.settings = settings;
    this.limits = new DirectionLimits(settings);
    this.positionMmValue = { ...startMm };
  }

  /**
   * Add a move; returns the moves whose speeds are now final (possibly none). The returned
   * array is reused: it is valid until the next call to push, flush or releaseOldest. The
   * move's targetMm becomes the planned move's endMm (not copied): it must not change later.
   */
  push(move: LinearMove): readonly PlannedMove[] {
    const startMm = this.positionMmValue;
    const endMm = move.targetMm;
    if (!Number.isFinite(endMm.x) || !Number.isFinite(endMm.y) || !Number.isFinite(endMm.z)) {
      throw new RangeError(`line ${move.line}: move target is not a finite position`);
    }
    const dx = endMm.x - startMm.x;
    const dy = endMm.y - startMm.y;
    const dz = endMm.z - startMm.z;
    const distMm = Math.sqrt(dx * dx + dy * dy + dz * dz);
    if (distMm < MIN_MOVE_MM) {
      this.lastDistMm = 0;
      return NO_MOVES;
    }
    const ux = dx / distMm;
    const uy = dy / distMm;
    const uz = dz / distMm;
    // Rasters repeat one direction move after move: the limits along it are then the last
    // move's, and the junction is straight on (no limit, as junctionFor finds).
    const sameDirection =
      this.directionLimitsKnown &&
      ux === this.lastUnitX &&
      uy === this.lastUnitY &&
      uz === this.lastUnitZ;
    let accelMmS2: number;
    let axisMaxMmS: number;
    if (sameDirection) {
      accelMmS2 = this.lastAccelMmS2;
      axisMaxMmS = this.lastAxisMaxMmS;
    } else {
      accelMmS2 = this.limits.accelAlongMmS2(ux, uy, uz);
      axisMaxMmS = this.limits.speedAlongMmS(ux, uy, uz);
    }
    const joined = this.hasLastUnit && !this.lastProbe && !move.probe;
    let junctionMmS = 0;
    if (joined) {
      junctionMmS = sameDirection
        ? Infinity
        : this.junctionFor(this.lastUnitX, this.lastUnitY, this.lastUnitZ, ux, uy, uz);
    }
    // Positions are never mutated once made, so moves share their end/start objects.
    const p = new PendingMove(move, startMm, distMm, accelMmS2);
    const maxSpeedMmS = this.nominalSpeedMmS(p, axisMaxMmS);
    const i = this.end;
    if (i === this.joined.length) this.grow();
    this.maxSpeedMmS[i] = maxSpeedMmS;
    this.entryCapSq[i] = capSq(joined, junctionMmS, this.lastMaxSpeedMmS, maxSpeedMmS);
    this.workBefore[i] = this.workEnd;
    this.joined[i] = joined ? 1 : 0;
    this.positionMmValue = endMm;
    this.hasLastUnit = true;
    this.lastUnitX = ux;
    this.lastUnitY = uy;
    this.lastUnitZ = uz;
    this.directionLimitsKnown = true;
    this.lastAccelMmS2 = accelMmS2;
    this.lastAxisMaxMmS = axisMaxMmS;
    this.lastMaxSpeedMmS = maxSpeedMmS;
    this.lastProbe = move.probe !== undefined;
    this.lastDistMm = distMm;
    if (this.tailMove === null) this.headMove = p;
    else this.tailMove.next = p;
    this.tailMove = p;
    this.end++;
    this.workEnd += 2 * p.accelMmS2 * distMm;
    this.pushCandidate(i);
    const out = this.finalize(false);
    if (this.workEnd > REBASE_WORK) this.rebase();
    return out;
  }

  /** Length of the move last pushed, mm: 0 when push dropped it as too short. */
  lastPushedDistMm(): number {
    return this.lastDistMm;
  }

  /**
   * The job (or input) ends: plan the tail to a stop and return all remaining moves (in the
   * array push reuses: valid until the next call).
   */
  flush(): readonly PlannedMove[] {
    const out = this.finalize(true);
    this.resetChain();
    return out;
  }

  /**
   * Fixes the oldest pending move now, as if the path ended at rest after the last pending
   * one (always safe: it can still stop there), with the moves that then become final too.
   * For a caller that bounds its window: the plan is then no longer the full-lookahead optimum.
   * The array is push's, reused: valid until the next call.
   */
  releaseOldest(): readonly PlannedMove[] {
    if (this.pendingCount() < 2) return NO_MOVES;
    return this.finalize(false, true);
  }

  /** Moves held for lookahead, not yet final. */
  pendingCount(): number {
    return this.end - this.head;
  }

  /** End of the last pushed move (mm). */
  positionMm(): VecMm {
    return { ...this.positionMmValue };
  }

  /** Moves the planner's position without motion; the next move starts from rest there. */
  setPositionMm(p: VecMm): void {
    this.positionMmValue = { ...p };
    this.hasLastUnit = false;
    this.directionLimitsKnown = false;
    this.lastMaxSpeedMmS = 0;
  }

  /**
   * Continues motion already under way: the next move (nothing may be pending) enters at
   * speedMmS along unit, as when the rest of the path is re-planned while moving. A speed
   * above the next move's cap is braked away at once (see profileTrapezoid).
   */
  continueMoving(speedMmS: number, unit: VecMm): void {
    if (this.pendingCount() > 0) throw new Error('continueMoving: moves are pending');
    this.headEntryMmS = speedMmS;
    this.hasLastUnit = true;
    this.lastUnitX = unit.x;
    this.lastUnitY = unit.y;
    this.lastUnitZ = unit.z;
    this.directionLimitsKnown = false;
    // The motion so far sets no cap of its own: only the speed it has reached binds.
    this.lastMaxSpeedMmS = Infinity;
    this.lastProbe = false;
  }

  /**
   * Drops the pending (not yet final) moves and returns them as they were pushed, e.g. to
   * re-plan them after a feed hold. The position stays at the end of the last pushed move.
   */
  takePending(): LinearMove[] {
    const moves: LinearMove[] = [];
    for (let p = this.headMove; p !== null; p = p.next) moves.push(p.source);
    this.resetChain();
    return moves;
  }

  /**
   * Feed/rapid override ratios (1.2 = 120 %), applied to pending moves and all later ones.
   * Feed scales G1 and G93 (still capped by the axes); rapid is capped at 100 %, as in Grbl.
   */
  setOverrides(feedRatio: number, rapidRatio: number): void {
    if (!(feedRatio > 0) || !(rapidRatio > 0)) {
      throw new RangeError(`override ratios must be positive, got ${feedRatio}, ${rapidRatio}`);
    }
    this.feedRatio = feedRatio;
    this.rapidRatio = rapidRatio;
    this.recomputePending();
  }

  /** Replaces the machine settings; pending moves are re-planned with them. */
  setSettings(settings: MotionSettings): void {
    this.settings = settings;
    this.limits = new DirectionLimits(settings);
    this.directionLimitsKnown = false;
    this.recomputePending();
  }

  /** Junction speed between the unit vectors (px, py, pz) and (ux, uy, uz), mm/s. */
  private junctionFor(px: number, py: number, pz: number, ux: number, uy: number, uz: number) {
    // Grbl takes the acceleration along the change of direction (next − prev).
    const jx = ux - px;
    const jy = uy - py;
    const jz = uz - pz;
    const jLen = Math.sqrt(jx * jx + jy * jy + jz * jz);
    if (jLen < 1e-12) return Infinity;
    const accelMmS2 = this.limits.accelAlongMmS2(jx / jLen, jy / jLen, jz / jLen);
    const cosTheta = -(px * ux + py * uy + pz * uz);
    return junctionSpeedAtCosMmS(cosTheta, accelMmS2, this.settings.junctionDeviationMm);
  }

  /**
   * Speed the move asks for, after overrides, capped by the axes along its direction
   * (axisMaxMmS); records the programmed speed (no overrides) on the move too. As in Grbl,
   * jogs, homing and probing moves keep their feed whatever the feed override.
   */
  private nominalSpeedMmS(p: PendingMove, axisMaxMmS: number): number {
    const m = p.source;
    if (m.rapid) {
      p.requestedSpeedMmS = axisMaxMmS;
      return axisMaxMmS * Math.min(1, this.rapidRatio);
    }
    let speedMmS: number;
    if (m.inverseTimeS !== undefined) {
      if (!(m.inverseTimeS > 0)) throw speedError(m.line, 'inverse time');
      speedMmS = p.distMm / m.inverseTimeS;
    } else {
      if (!(m.feedMmMin > 0)) throw speedError(m.line, 'feed rate');
      speedMmS = m.feedMmMin / 60;
    }
    p.requestedSpeedMmS = Math.min(axisMaxMmS, speedMmS);
    const ratio = m.noFeedOverride || m.probe !== undefined ? 1 : this.feedRatio;
    return Math.min(axisMaxMmS, speedMmS * ratio);
  }

  private candidateValue(i: number): number {
    return this.entryCapSq[i] + this.workBefore[i];
  }

  private pushCandidate(i: number): void {
    const value = this.candidateValue(i);
    const deque = this.deque;
    let end = this.dequeEnd;
    while (end > this.dequeHead && this.candidateValue(deque[end - 1]) >= value) end--;
    deque[end] = i;
    this.dequeEnd = end + 1;
  }

  /** Emits, in order, every pending move whose exit speed no future move can change. */
  private finalize(atEnd: boolean, forceHead = false): readonly PlannedMove[] {
    const out = this.finalMoves;
    let count = 0;
    while (this.headMove !== null) {
      const i = this.head;
      const p = this.headMove;
      const maxSpeedMmS = this.maxSpeedMmS[i];
      const entryMmS = this.headEntryMmS;
      const isLast = p.next === null;
      let exitSq: number;
      const reachSq = Math.min(
        entryMmS * entryMmS + 2 * p.accelMmS2 * p.distMm,
        maxSpeedMmS * maxSpeedMmS,
      );
      if (isLast) {
        if (!atEnd) break;
        exitSq = 0;
      } else {
        while (this.deque[this.dequeHead] <= i) this.dequeHead++;
        const minCap = this.candidateValue(this.deque[this.dequeHead]);
        const workNext = this.workBefore[i + 1];
        const backSq = Math.max(0, Math.min(minCap, this.workEnd) - workNext);
        if (reachSq <= backSq) exitSq = reachSq;
        else if (atEnd || forceHead || minCap <= this.workEnd) exitSq = backSq;
        else break;
      }
      forceHead = false;
      // Only after an override lowered the caps can braking at full rate still exceed them;
      // the margin keeps rounding noise of the work sums from lifting a planned stop.
      const brakeSq = entryMmS * entryMmS - 2 * p.accelMmS2 * p.distMm;
      if (!isLast && brakeSq - exitSq > 1e-9 * (entryMmS * entryMmS + 1)) exitSq = brakeSq;
      const exitMmS = Math.sqrt(exitSq);
      writeTrapezoid(p, p.distMm, p.accelMmS2, entryMmS, maxSpeedMmS, exitMmS);
      out[count++] = p;
      this.headEntryMmS = exitMmS;
      this.head++;
      // A final move no longer links to the pending ones (a kept move must not keep them all).
      this.headMove = p.next;
      p.next = null;
      if (this.headMove === null) this.tailMove = null;
    }
    this.compact();
    if (count === 0) return NO_MOVES;
    // pop, not a length store: the store is a builtin call, pop is inlined.
    while (out.length > count) out.pop();
    return out;
  }

  /** Doubles the room of the per-move typed arrays, keeping their contents. */
  private grow(): void {
    const slots = this.joined.length * 2;
    this.maxSpeedMmS = grownCopy(this.maxSpeedMmS, new Float64Array(slots));
    this.entryCapSq = grownCopy(this.entryCapSq, new Float64Array(slots));
    this.workBefore = grownCopy(this.workBefore, new Float64Array(slots));
    this.joined = grownCopy(this.joined, new Uint8Array(slots));
    this.deque = grownCopy(this.deque, new Int32Array(slots));
  }

  /** Drops finalized moves from the front of the arrays once they make up half of them. */
  private compact(): void {
    const length = this.end;
    if (this.head < 1024 || this.head * 2 < length) return;
    const shift = this.head;
    this.maxSpeedMmS.copyWithin(0, shift, length);
    this.entryCapSq.copyWithin(0, shift, length);
    this.workBefore.copyWithin(0, shift, length);
    this.joined.copyWithin(0, shift, length);
    this.head = 0;
    this.end = length - shift;
    // Entries before the head are stale (finalize skips them lazily): drop them now.
    const deque = this.deque;
    let from = this.dequeHead;
    while (from < this.dequeEnd && deque[from] < shift) from++;
    let kept = 0;
    for (let k = from; k < this.dequeEnd; k++) deque[kept++] = deque[k] - shift;
    this.dequeHead = 0;
    this.dequeEnd = kept;
  }

  /** Subtracts the work before the head from all sums; differences stay the same. */
  private rebase(): void {
    if (this.head >= this.end) {
      this.workEnd = 0;
      return;
    }
    const work = this.workBefore;
    const base = work[this.head];
    for (let i = this.head; i < this.end; i++) work[i] -= base;
    this.workEnd -= base;
  }

  /** Re-derives speeds and caps of pending moves (after overrides or settings changed). */
  private recomputePending(): void {
    let work = this.head < this.end ? this.workBefore[this.head] : 0;
    this.dequeHead = 0;
    this.dequeEnd = 0;
    let prevX = 0;
    let prevY = 0;
    let prevZ = 0;
    let prevMaxSpeedMmS = 0;
    let i = this.head;
    for (let p = this.headMove; p !== null; p = p.next, i++) {
      const { x: ux, y: uy, z: uz } = p.unit;
      p.accelMmS2 = this.limits.accelAlongMmS2(ux, uy, uz);
      const maxSpeedMmS = this.nominalSpeedMmS(p, this.limits.speedAlongMmS(ux, uy, uz));
      const joined = this.joined[i] === 1;
      // The head's previous move is already final; its cap no longer binds the head's entry.
      if (i === this.head) {
        this.entryCapSq[i] = Infinity;
      } else {
        const junctionMmS = joined ? this.junctionFor(prevX, prevY, prevZ, ux, uy, uz) : 0;
        this.entryCapSq[i] = capSq(joined, junctionMmS, prevMaxSpeedMmS, maxSpeedMmS);
      }
      this.maxSpeedMmS[i] = maxSpeedMmS;
      this.workBefore[i] = work;
      work += 2 * p.accelMmS2 * p.distMm;
      prevX = ux;
      prevY = uy;
      prevZ = uz;
      prevMaxSpeedMmS = maxSpeedMmS;
      if (i > this.head) this.pushCandidate(i);
    }
    this.workEnd = work;
    if (this.head < this.end) this.lastMaxSpeedMmS = prevMaxSpeedMmS;
  }

  /** Forgets the pending chain; the next move starts from rest. */
  private resetChain(): void {
    this.headMove = null;
    this.tailMove = null;
    this.head = 0;
    this.end = 0;
    this.dequeHead = 0;
    this.dequeEnd = 0;
    this.headEntryMmS = 0;
    this.workEnd = 0;
    this.hasLastUnit = false;
    this.directionLimitsKnown = false;
    this.lastMaxSpeedMmS = 0;
    this.lastProbe = false;
  }
}

/** The entry cap J² of a move: junction speed, previous and own nominal speed; 0 from rest. */
function capSq(
  joined: boolean,
  junctionMmS: number,
  prevMaxSpeedMmS: number,
  maxSpeedMmS: number,
): number {
  if (!joined) return 0;
  const capMmS = Math.min(junctionMmS, prevMaxSpeedMmS, maxSpeedMmS);
  return capMmS * capMmS;
}

/** Copies from into the larger to and returns to. */
function grownCopy<T extends Float64Array | Int32Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** The error for a move without a positive speed (kept out of line: push inlines its caller). */
function speedError(line: number, what: string): RangeError {
  return new RangeError(`line ${line}: ${what} must be positive`);
}
