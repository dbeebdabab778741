// Grbl's junction deviation: the corner is rounded by a virtual arc that stays within
// junctionDeviationMm of the sharp corner; the speed is the one at which that arc's
// centripetal acceleration equals the allowed acceleration. No arc is ever cut: the model
// only picks the speed at which the direction change is taken.
import type { VecMm } from './types.js';

/**
 * Grbl's junction-deviation max corner speed (mm/s) between unit vectors, with accel (mm/s²).
 * Straight on gives Infinity (the caller caps it); a full reversal gives 0.
 */
export function junctionSpeedMmS(
  prevUnit: VecMm,
  nextUnit: VecMm,
  accelMmS2: number,
  junctionDeviationMm: number,
): number {
  // cosTheta is the cosine of the angle between the reversed incoming and the outgoing path.
  const cosTheta = -(prevUnit.x * nextUnit.x + prevUnit.y * nextUnit.y + prevUnit.z * nextUnit.z);
  return junctionSpeedAtCosMmS(cosTheta, accelMmS2, junctionDeviationMm);
}

/**
 * junctionSpeedMmS from cosTheta = −(prevUnit · nextUnit), for a caller that keeps its unit
 * vectors as plain numbers rather than objects.
 */
export function junctionSpeedAtCosMmS(
  cosTheta: number,
  accelMmS2: number,
  junctionDeviationMm: number,
): number {
  const sinHalfTheta = Math.sqrt(Math.max(0, 0.5 * (1 - cosTheta)));
  if (sinHalfTheta >= 1 - 1e-12) return Infinity;
  if (sinHalfTheta <= 0) return 0;
  return Math.sqrt((accelMmS2 * junctionDeviationMm * sinHalfTheta) / (1 - sinHalfTheta));
}
