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
import { junctionSpeedMmS } from './junction.js';
import { writeTrapezoid } from './trapezoid.js';
import type { LinearMove, MotionSettings, PlannedMove, VecMm } from './types.js';

/** Moves shorter than this are dropped (Grbl drops zero-step blocks likewise). */
const MIN_MOVE_MM = 1e-9;
/** Rebase the work sums when they grow this large, to keep their differences precise. */
const REBASE_WORK = 1e6;
/** What push and flush return when no move became final: shared, never written. */
const NO_MOVES: readonly PlannedMove[] = Object.freeze([]);

/** Initial room per typed array of the pending window; it doubles when a job needs more. */
const INITIAL_SLOTS = 64;

/**
 * A move in the lookahead window: already the PlannedMove it becomes (one object per move),
 * its speed and time fields zero until they are final.
 */
interface PendingMove extends PlannedMove {
  source: LinearMove;
}

/** Lookahead planner: LinearMoves in, PlannedMoves with final speeds out, in order. */
export class Planner {
  private settings: MotionSettings;
  private limits: DirectionLimits;
  private positionMmValue: VecMm;
  private feedRatio = 1;
  private rapidRatio = 1;
  /** Pending moves live in pending[head..]; the array is compacted now and then. */
  private pending: PendingMove[] = [];
  private head = 0;
  // The planner's own numbers per pending move, at the move's index in pending: typed arrays
  // hold doubles unboxed, where fields of a per-move object would each cost a heap number.
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
  /** Entry speed of pending[head], fixed by the move finalized before it. */
  private headEntryMmS = 0;
  /** W_end: work up to the end of the last pending move. */
  private workEnd = 0;
  /** Monotone deque of pending indices with increasing J² + W (candidates for the min). */
  private deque: number[] = [];
  private dequeHead = 0;
  /** Last pushed move, for the next junction (kept after it is finalized). */
  private lastUnit: VecMm | null = null;
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
    const unit = { x: dx / distMm, y: dy / distMm, z: dz / distMm };
    const joined = this.lastUnit !== null && !this.lastProbe && !move.probe;
    let junctionMmS = 0;
    if (joined && this.lastUnit) {
      junctionMmS = this.junctionFor(this.lastUnit, unit);
    }
    // Listed field by field (no spread): this runs once per move on the hot path. Positions
    // are never mutated once made, so moves share their end/start objects.
    const p: PendingMove = {
      line: move.line,
      startMm,
      endMm,
      distMm,
      unit,
      accelMmS2: this.limits.accelAlongMmS2(unit.x, unit.y, unit.z),
      startSpeedMmS: 0,
      cruiseSpeedMmS: 0,
      endSpeedMmS: 0,
      accelTimeS: 0,
      cruiseTimeS: 0,
      decelTimeS: 0,
      requestedSpeedMmS: 0,
      rapid: move.rapid,
      spindle: move.spindle,
      source: move,
    };
    if (move.probe) p.probe = move.probe;
    const maxSpeedMmS = this.nominalSpeedMmS(p);
    const i = this.pending.length;
    if (i === this.joined.length) this.grow();
    this.maxSpeedMmS[i] = maxSpeedMmS;
    this.entryCapSq[i] = capSq(joined, junctionMmS, this.lastMaxSpeedMmS, maxSpeedMmS);
    this.workBefore[i] = this.workEnd;
    this.joined[i] = joined ? 1 : 0;
    this.positionMmValue = endMm;
    this.lastUnit = unit;
    this.lastMaxSpeedMmS = maxSpeedMmS;
    this.lastProbe = move.probe !== undefined;
    this.lastDistMm = distMm;
    this.pending.push(p);
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

  /** The job (or input) ends: plan the tail to a stop and return all remaining moves. */
  flush(): readonly PlannedMove[] {
    const out = this.finalize(true);
    this.resetChain();
    return out;
  }

  /**
   * Fixes the oldest pending move now, as if the path ended at rest after the last pending
   * one (always safe: it can still stop there), with the moves that then become final too.
   * For a caller that bounds its window: the plan is then no longer the full-lookahead optimum.
   */
  releaseOldest(): readonly PlannedMove[] {
    if (this.pendingCount() < 2) return NO_MOVES;
    return this.finalize(false, true);
  }

  /** Moves held for lookahead, not yet final. */
  pendingCount(): number {
    return this.pending.length - this.head;
  }

  /** End of the last pushed move (mm). */
  positionMm(): VecMm {
    return { ...this.positionMmValue };
  }

  /** Moves the planner's position without motion; the next move starts from rest there. */
  setPositionMm(p: VecMm): void {
    this.positionMmValue = { ...p };
    this.lastUnit = null;
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
    this.lastUnit = unit;
    // The motion so far sets no cap of its own: only the speed it has reached binds.
    this.lastMaxSpeedMmS = Infinity;
    this.lastProbe = false;
  }

  /**
   * Drops the pending (not yet final) moves and returns them as they were pushed, e.g. to
   * re-plan them after a feed hold. The position stays at the end of the last pushed move.
   */
  takePending(): LinearMove[] {
    const moves = this.pending.slice(this.head).map((p) => p.source);
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
    this.recomputePending();
  }

  private junctionFor(prevUnit: VecMm, unit: VecMm): number {
    // Grbl takes the acceleration along the change of direction (next − prev).
    const jx = unit.x - prevUnit.x;
    const jy = unit.y - prevUnit.y;
    const jz = unit.z - prevUnit.z;
    const jLen = Math.sqrt(jx * jx + jy * jy + jz * jz);
    if (jLen < 1e-12) return Infinity;
    const accelMmS2 = this.limits.accelAlongMmS2(jx / jLen, jy / jLen, jz / jLen);
    return junctionSpeedMmS(prevUnit, unit, accelMmS2, this.settings.junctionDeviationMm);
  }

  /**
   * Speed the move asks for, after overrides, capped by the axes along its direction; records
   * the programmed speed (no overrides) on the move too. As in Grbl, jogs, homing and probing
   * moves keep their feed whatever the feed override.
   */
  private nominalSpeedMmS(p: PendingMove): number {
    const axisMaxMmS = this.limits.speedAlongMmS(p.unit.x, p.unit.y, p.unit.z);
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
    while (
      this.deque.length > this.dequeHead &&
      this.candidateValue(this.deque[this.deque.length - 1]) >= value
    ) {
      this.deque.pop();
    }
    this.deque.push(i);
  }

  /** Emits, in order, every pending move whose exit speed no future move can change. */
  private finalize(atEnd: boolean, forceHead = false): readonly PlannedMove[] {
    const out = this.finalMoves;
    let count = 0;
    const pending = this.pending;
    while (this.head < pending.length) {
      const i = this.head;
      const p = pending[i];
      const maxSpeedMmS = this.maxSpeedMmS[i];
      const entryMmS = this.headEntryMmS;
      const isLast = i === pending.length - 1;
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
    }
    this.compact();
    if (count === 0) return NO_MOVES;
    if (out.length !== count) out.length = count;
    return out;
  }

  /** Doubles the room of the per-move typed arrays, keeping their contents. */
  private grow(): void {
    const slots = this.joined.length * 2;
    this.maxSpeedMmS = grownCopy(this.maxSpeedMmS, new Float64Array(slots));
    this.entryCapSq = grownCopy(this.entryCapSq, new Float64Array(slots));
    this.workBefore = grownCopy(this.workBefore, new Float64Array(slots));
    this.joined = grownCopy(this.joined, new Uint8Array(slots));
  }

  /** Drops finalized moves from the front of the arrays once they make up half of them. */
  private compact(): void {
    const length = this.pending.length;
    if (this.head < 1024 || this.head * 2 < length) return;
    const shift = this.head;
    this.pending = this.pending.slice(shift);
    this.maxSpeedMmS.copyWithin(0, shift, length);
    this.entryCapSq.copyWithin(0, shift, length);
    this.workBefore.copyWithin(0, shift, length);
    this.joined.copyWithin(0, shift, length);
    this.head = 0;
    const kept = this.deque.slice(this.dequeHead).map((i) => i - shift);
    this.deque = kept;
    this.dequeHead = 0;
  }

  /** Subtracts the work before the head from all sums; differences stay the same. */
  private rebase(): void {
    if (this.head >= this.pending.length) {
      this.workEnd = 0;
      return;
    }
    const work = this.workBefore;
    const base = work[this.head];
    for (let i = this.head; i < this.pending.length; i++) work[i] -= base;
    this.workEnd -= base;
  }

  /** Re-derives speeds and caps of pending moves (after overrides or settings changed). */
  private recomputePending(): void {
    let work = this.head < this.pending.length ? this.workBefore[this.head] : 0;
    this.deque = [];
    this.dequeHead = 0;
    let prevUnit: VecMm | null = null;
    let prevMaxSpeedMmS = 0;
    for (let i = this.head; i < this.pending.length; i++) {
      const p = this.pending[i];
      p.accelMmS2 = this.limits.accelAlongMmS2(p.unit.x, p.unit.y, p.unit.z);
      const maxSpeedMmS = this.nominalSpeedMmS(p);
      const joined = this.joined[i] === 1;
      // The head's previous move is already final; its cap no longer binds the head's entry.
      if (i === this.head || prevUnit === null) {
        this.entryCapSq[i] = Infinity;
      } else {
        const junctionMmS = joined ? this.junctionFor(prevUnit, p.unit) : 0;
        this.entryCapSq[i] = capSq(joined, junctionMmS, prevMaxSpeedMmS, maxSpeedMmS);
      }
      this.maxSpeedMmS[i] = maxSpeedMmS;
      this.workBefore[i] = work;
      work += 2 * p.accelMmS2 * p.distMm;
      prevUnit = p.unit;
      prevMaxSpeedMmS = maxSpeedMmS;
      if (i > this.head) this.pushCandidate(i);
    }
    this.workEnd = work;
    if (this.head < this.pending.length) this.lastMaxSpeedMmS = prevMaxSpeedMmS;
  }

  /** Forgets the pending chain; the next move starts from rest. */
  private resetChain(): void {
    this.pending = [];
    this.head = 0;
    this.deque = [];
    this.dequeHead = 0;
    this.headEntryMmS = 0;
    this.workEnd = 0;
    this.lastUnit = null;
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
function grownCopy<T extends Float64Array | Uint8Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** The error for a move without a positive speed (kept out of line: push inlines its caller). */
function speedError(line: number, what: string): RangeError {
  return new RangeError(`line ${line}: ${what} must be positive`);
}
