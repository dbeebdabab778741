// The step generator's queue of moves, each with the coefficients its step-timing loops need,
// stored flat in one Float64Array (a fixed stride per move): queueing a move allocates
// nothing, and the inner loops read plain doubles at constant offsets.
import { firstAccelMmS2 } from './trapezoid.js';
import type { PlannedMove } from './types.js';

const US_PER_S = 1e6;

// Field offsets within a move's record.
/** Absolute start time, µs. */
export const Q_START_US = 0;
/** Absolute end time, µs. */
export const Q_END_US = 1;
export const Q_DIST_MM = 2;
/**
 * Per motor m, from Q_MOTOR + 3m: position (float steps) at the start, mm of path per step (0
 * for a motor that does not move), integer position at the end, floor(p_end + 0.5).
 */
export const Q_MOTOR = 3;
/** Distance at which the cruise starts, mm. */
export const Q_CRUISE_START_MM = 12;
/** Distance at which the deceleration starts, mm. */
export const Q_DECEL_START_MM = 13;
export const Q_V0_MM_S = 14;
export const Q_V0_SQ = 15;
export const Q_VC_MM_S = 16;
export const Q_VC_SQ = 17;
export const Q_TWO_ACCEL_MM_S2 = 18;
/** Cruise: t(s) = base + s · usPerMm (absolute µs). */
export const Q_CRUISE_BASE_US = 19;
export const Q_CRUISE_US_PER_MM = 20;
/** Absolute time at which the deceleration starts, µs. */
export const Q_DECEL_BASE_US = 21;
/** Twice the signed acceleration of the first phase: negative when the move brakes first. */
export const Q_TWO_ACCEL_FIRST_MM_S2 = 22;
/** Doubles per move. */
export const Q_STRIDE = 23;

/** Moves in order with their step-timing coefficients; index 0 is the oldest kept. */
export class MoveQueue {
  /** Records of moves 0..length-1, Q_STRIDE doubles each. */
  data = new Float64Array(64 * Q_STRIDE);
  /**
   * The planned moves themselves (for holds and positions), parallel to data; entries from
   * length on are spare slots. dropFront does not shorten the array: V8 would trim its store,
   * and growing it back costs a copy every few moves.
   */
  readonly moves: PlannedMove[] = [];
  length = 0;

  /**
   * Appends a move starting at startUs whose motors go from p0 to pEnd (float steps);
   * returns its index.
   */
  push(move: PlannedMove, startUs: number, p0: Float64Array, pEnd: Float64Array): number {
    const index = this.length;
    if ((index + 1) * Q_STRIDE > this.data.length) this.grow();
    // Small enough to inline: the start goes into the record here, and record() takes it
    // from there (a double passed to a call that does not inline is boxed: one allocation).
    this.data[index * Q_STRIDE + Q_START_US] = startUs;
    this.record(move, index, p0, pEnd);
    this.moves[index] = move;
    this.length = index + 1;
    return index;
  }

  private grow(): void {
    const grown = new Float64Array(this.data.length * 2);
    grown.set(this.data);
    this.data = grown;
  }

  /** Fills record index (its start already set) with the move's step-timing coefficients. */
  private record(move: PlannedMove, index: number, p0: Float64Array, pEnd: Float64Array): void {
    const d = this.data;
    const base = index * Q_STRIDE;
    const startUs = d[base + Q_START_US];
    const distMm = move.distMm;
    // Unrolled (the calls inline): a loop over the motors costs a few ns more per move.
    putMotor(d, base + Q_MOTOR, p0[0], pEnd[0], distMm);
    putMotor(d, base + Q_MOTOR + 3, p0[1], pEnd[1], distMm);
    putMotor(d, base + Q_MOTOR + 6, p0[2], pEnd[2], distMm);
    const v0 = move.startSpeedMmS;
    const vc = move.cruiseSpeedMmS;
    const accelTimeS = move.accelTimeS;
    const cruiseStartMm = 0.5 * (v0 + vc) * accelTimeS;
    const cruiseUsPerMm = vc > 0 ? US_PER_S / vc : 0;
    d[base + Q_END_US] = startUs + (accelTimeS + move.cruiseTimeS + move.decelTimeS) * US_PER_S;
    d[base + Q_DIST_MM] = distMm;
    d[base + Q_CRUISE_START_MM] = cruiseStartMm;
    d[base + Q_DECEL_START_MM] = distMm - 0.5 * (vc + move.endSpeedMmS) * move.decelTimeS;
    d[base + Q_V0_MM_S] = v0;
    d[base + Q_V0_SQ] = v0 * v0;
    d[base + Q_VC_MM_S] = vc;
    d[base + Q_VC_SQ] = vc * vc;
    d[base + Q_TWO_ACCEL_MM_S2] = 2 * move.accelMmS2;
    d[base + Q_TWO_ACCEL_FIRST_MM_S2] = 2 * firstAccelMmS2(move);
    d[base + Q_CRUISE_BASE_US] = startUs + accelTimeS * US_PER_S - cruiseStartMm * cruiseUsPerMm;
    d[base + Q_CRUISE_US_PER_MM] = cruiseUsPerMm;
    d[base + Q_DECEL_BASE_US] = startUs + (accelTimeS + move.cruiseTimeS) * US_PER_S;
  }

  /** Absolute start time of move i, µs. */
  startUs(i: number): number {
    return this.data[i * Q_STRIDE + Q_START_US];
  }

  /** Absolute end time of move i, µs. */
  endUs(i: number): number {
    return this.data[i * Q_STRIDE + Q_END_US];
  }

  /** Forgets the first count moves; the others move down by count. */
  dropFront(count: number): void {
    const kept = this.length - count;
    if (kept <= 0) {
      this.clear();
      return;
    }
    const moves = this.moves;
    const length = this.length;
    this.data.copyWithin(0, count * Q_STRIDE, length * Q_STRIDE);
    // Plain loops: Array.prototype.copyWithin and fill are generic builtins, many times slower.
    for (let i = 0; i < kept; i++) moves[i] = moves[i + count];
    // The freed slots repeat a kept move, so that they hold on to no dropped one.
    const keptMove = moves[0];
    for (let i = kept; i < length; i++) moves[i] = keptMove;
    this.length = kept;
  }

  /** Forgets every move. */
  clear(): void {
    this.moves.length = 0;
    this.length = 0;
  }
}

/** Writes a motor's fields of a record at d[at]: start, mm of path per step, end step. */
function putMotor(
  d: Float64Array,
  at: number,
  fromSteps: number,
  toSteps: number,
  distMm: number,
): void {
  const deltaSteps = toSteps - fromSteps;
  d[at] = fromSteps;
  d[at + 1] = deltaSteps !== 0 && distMm > 0 ? distMm / deltaSteps : 0;
  d[at + 2] = Math.floor(toSteps + 0.5);
}
