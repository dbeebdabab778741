// Closed-form trapezoidal speed profiles: accelerate at a constant rate, cruise, decelerate
// at the same rate. A profile that cannot reach its cruise speed becomes a triangle.
import type { PlannedMove, ProfileTiming } from './types.js';

/** The speeds and distance a profile is built from. */
export interface ProfileInput {
  distMm: number;
  accelMmS2: number;
  startSpeedMmS: number;
  /** Upper bound for the cruise speed; the profile may peak lower (triangle). */
  maxSpeedMmS: number;
  endSpeedMmS: number;
}

/**
 * Fastest trapezoid from start to end speed over the distance. Start and end speeds must be
 * reachable from each other (|v1² − v0²| ≤ 2·a·d); tiny violations from rounding are absorbed.
 * A start above both the cruise cap and the end speed (an override just lowered the cap)
 * brakes first, down to the cap, then cruises and decelerates as usual.
 */
export function profileTrapezoid(input: ProfileInput): ProfileTiming {
  const timing: ProfileTiming = {
    startSpeedMmS: 0,
    cruiseSpeedMmS: 0,
    endSpeedMmS: 0,
    accelTimeS: 0,
    cruiseTimeS: 0,
    decelTimeS: 0,
  };
  writeTrapezoid(
    timing,
    input.distMm,
    input.accelMmS2,
    input.startSpeedMmS,
    input.maxSpeedMmS,
    input.endSpeedMmS,
  );
  return timing;
}

/**
 * profileTrapezoid written into an existing move's speed fields: the planner's path, where an
 * input and a result object per move would cost more than the arithmetic.
 */
export function writeTrapezoid(
  out: ProfileTiming,
  distMm: number,
  accelMmS2: number,
  v0: number,
  maxSpeedMmS: number,
  v1: number,
): void {
  const twoA = 2 * accelMmS2;
  const capMmS = maxSpeedMmS > v1 ? maxSpeedMmS : v1;
  let vc: number;
  // The first phase: accelerating up to vc, or braking down to it.
  let firstDistMm: number;
  let decelDistMm: number;
  if (v0 > capMmS) {
    vc = capMmS;
    firstDistMm = (v0 * v0 - vc * vc) / twoA;
    decelDistMm = (vc * vc - v1 * v1) / twoA;
  } else {
    vc = v0 > capMmS ? v0 : capMmS;
    firstDistMm = (vc * vc - v0 * v0) / twoA;
    decelDistMm = (vc * vc - v1 * v1) / twoA;
    if (firstDistMm + decelDistMm > distMm) {
      // Triangle: the peak where the acceleration and deceleration parabolas meet.
      const peakSq = (twoA * distMm + v0 * v0 + v1 * v1) / 2;
      vc = Math.max(Math.sqrt(peakSq), v0, v1);
      firstDistMm = Math.max(0, (vc * vc - v0 * v0) / twoA);
      decelDistMm = Math.max(0, Math.min(distMm - firstDistMm, (vc * vc - v1 * v1) / twoA));
    }
  }
  const cruiseDistMm = Math.max(0, distMm - firstDistMm - decelDistMm);
  out.startSpeedMmS = v0;
  out.cruiseSpeedMmS = vc;
  out.endSpeedMmS = v1;
  out.accelTimeS = Math.abs(vc - v0) / accelMmS2;
  out.cruiseTimeS = vc > 0 ? cruiseDistMm / vc : 0;
  out.decelTimeS = (vc - v1) / accelMmS2;
}

/** Signed acceleration of the first phase (mm/s²): negative when the move brakes first. */
export function firstAccelMmS2(m: PlannedMove): number {
  return m.startSpeedMmS > m.cruiseSpeedMmS ? -m.accelMmS2 : m.accelMmS2;
}

/** Total time of the move (s). */
export function durationS(m: PlannedMove): number {
  return m.accelTimeS + m.cruiseTimeS + m.decelTimeS;
}

/** Distance covered while accelerating (mm). */
export function accelDistMm(m: PlannedMove): number {
  return 0.5 * (m.startSpeedMmS + m.cruiseSpeedMmS) * m.accelTimeS;
}

/** Distance covered while decelerating (mm). */
export function decelDistMm(m: PlannedMove): number {
  return 0.5 * (m.cruiseSpeedMmS + m.endSpeedMmS) * m.decelTimeS;
}

/** Distance along the move (mm) at time tS since its start, clamped to [0, distMm]. */
export function distanceAtS(m: PlannedMove, tS: number): number {
  if (tS <= 0) return 0;
  const a = m.accelMmS2;
  if (tS < m.accelTimeS) return m.startSpeedMmS * tS + 0.5 * firstAccelMmS2(m) * tS * tS;
  const cruiseStartMm = accelDistMm(m);
  const cruiseEndS = m.accelTimeS + m.cruiseTimeS;
  if (tS < cruiseEndS) return cruiseStartMm + m.cruiseSpeedMmS * (tS - m.accelTimeS);
  const decelS = Math.min(tS - cruiseEndS, m.decelTimeS);
  const decelStartMm = m.distMm - decelDistMm(m);
  const distMm = decelStartMm + m.cruiseSpeedMmS * decelS - 0.5 * a * decelS * decelS;
  return Math.min(m.distMm, distMm);
}

/** Speed along the move (mm/s) at time tS since its start (the end speed after its end). */
export function speedAtS(m: PlannedMove, tS: number): number {
  if (tS <= 0) return m.startSpeedMmS;
  if (tS < m.accelTimeS) return m.startSpeedMmS + firstAccelMmS2(m) * tS;
  const cruiseEndS = m.accelTimeS + m.cruiseTimeS;
  if (tS < cruiseEndS) return m.cruiseSpeedMmS;
  const decelS = Math.min(tS - cruiseEndS, m.decelTimeS);
  return Math.max(m.endSpeedMmS, m.cruiseSpeedMmS - m.accelMmS2 * decelS);
}

/**
 * Time (s) at which the move has covered distMm; the inverse of distanceAtS. Uses the
 * cancellation-free form of each phase's quadratic root.
 */
export function timeAtDistS(m: PlannedMove, distMm: number): number {
  if (distMm <= 0) return 0;
  const v0 = m.startSpeedMmS;
  const vc = m.cruiseSpeedMmS;
  const a = m.accelMmS2;
  const cruiseStartMm = accelDistMm(m);
  if (distMm < cruiseStartMm) {
    const rootSq = Math.max(0, v0 * v0 + 2 * firstAccelMmS2(m) * distMm);
    return (2 * distMm) / (v0 + Math.sqrt(rootSq));
  }
  const decelStartMm = m.distMm - decelDistMm(m);
  if (distMm < decelStartMm) return m.accelTimeS + (distMm - cruiseStartMm) / vc;
  const intoMm = Math.min(distMm, m.distMm) - decelStartMm;
  const rootSq = Math.max(0, vc * vc - 2 * a * intoMm);
  return m.accelTimeS + m.cruiseTimeS + (2 * intoMm) / (vc + Math.sqrt(rootSq));
}
