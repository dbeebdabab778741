// Arcs (G2/G3) cut into chords whose sagitta stays within the arc tolerance.

/** Below this angular travel (rad) an arc is taken as a full circle, as Grbl does. */
const FULL_CIRCLE_EPSILON_RAD = 5e-7;
/** Upper bound on chords per arc, so an absurd radius cannot exhaust memory. */
export const MAX_ARC_CHORDS = 1 << 16;

/**
 * Signed angular travel (rad, counter-clockwise positive) from the start radius vector
 * (startA, startB) to the target radius vector (targetA, targetB), both from the centre.
 * Equal vectors mean a full circle in the programmed direction.
 */
export function arcTravelRad(
  startA: number,
  startB: number,
  targetA: number,
  targetB: number,
  clockwise: boolean,
): number {
  let travelRad = Math.atan2(
    startA * targetB - startB * targetA,
    startA * targetA + startB * targetB,
  );
  if (clockwise) {
    if (travelRad >= -FULL_CIRCLE_EPSILON_RAD) travelRad -= 2 * Math.PI;
  } else if (travelRad <= FULL_CIRCLE_EPSILON_RAD) {
    travelRad += 2 * Math.PI;
  }
  return travelRad;
}

/**
 * Fewest chords for |travelRad| of a circle of radiusMm so no chord strays more than
 * toleranceMm from the arc: each chord spans at most 2·asin(√(tol·(2r−tol))/r).
 * (Grbl's floor(½·θ·r/√(tol·(2r−tol))) can round down past the tolerance; this rounds up.)
 */
export function arcChordCount(travelRad: number, radiusMm: number, toleranceMm: number): number {
  const travelAbsRad = Math.abs(travelRad);
  if (!(radiusMm > 0) || !(travelAbsRad > 0)) return 1;
  const tolMm = toleranceMm > 0 ? toleranceMm : 1e-6;
  // A chord no longer than a half circle keeps the path well defined even for tiny radii.
  const halfStepRad =
    tolMm >= radiusMm
      ? Math.PI / 2
      : Math.asin(Math.sqrt(tolMm * (2 * radiusMm - tolMm)) / radiusMm);
  const chords = Math.ceil(travelAbsRad / (2 * halfStepRad) - 1e-9);
  return Math.min(Math.max(chords, 1), MAX_ARC_CHORDS);
}

/**
 * Chord end points of an arc from startMm to targetMm (indexed 0 = x, 1 = y, 2 = z) around
 * the centre startMm + offsetMm, in the plane of axes axis0/axis1 with axisLinear moving
 * linearly (helix). Returns x,y,z triplets; the last is targetMm exactly.
 */
export function arcChords(
  startMm: ArrayLike<number>,
  targetMm: ArrayLike<number>,
  offsetMm: ArrayLike<number>,
  axis0: number,
  axis1: number,
  axisLinear: number,
  clockwise: boolean,
  toleranceMm: number,
): Float64Array {
  const centreA = startMm[axis0] + offsetMm[axis0];
  const centreB = startMm[axis1] + offsetMm[axis1];
  const startA = -offsetMm[axis0];
  const startB = -offsetMm[axis1];
  const travelRad = arcTravelRad(
    startA,
    startB,
    targetMm[axis0] - centreA,
    targetMm[axis1] - centreB,
    clockwise,
  );
  const radiusMm = Math.hypot(startA, startB);
  const chords = arcChordCount(travelRad, radiusMm, toleranceMm);
  const out = new Float64Array(chords * 3);
  const linearStartMm = startMm[axisLinear];
  const linearTravelMm = targetMm[axisLinear] - linearStartMm;
  for (let k = 1; k < chords; k++) {
    const ratio = k / chords;
    const angleRad = travelRad * ratio;
    const cos = Math.cos(angleRad);
    const sin = Math.sin(angleRad);
    const o = (k - 1) * 3;
    out[o + axis0] = centreA + startA * cos - startB * sin;
    out[o + axis1] = centreB + startA * sin + startB * cos;
    out[o + axisLinear] = linearStartMm + linearTravelMm * ratio;
  }
  const last = (chords - 1) * 3;
  out[last] = targetMm[0];
  out[last + 1] = targetMm[1];
  out[last + 2] = targetMm[2];
  return out;
}
