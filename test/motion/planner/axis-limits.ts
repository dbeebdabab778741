// Per-axis limits projected onto a direction: a move along unit u may go no faster than
// any axis allows, so each axis's limit is divided by that axis's share |u_i| of the motion.
// The test reference's own copy, kept independent of motion/direction-limits.ts on purpose.
import { AXES, type MotionSettings, type VecMm } from '../../../motion/types.js';

/** Max speed (mm/s) along a unit vector: min over used axes of maxRate_i / |u_i|. */
export function maxSpeedAlongMmS(settings: MotionSettings, unit: VecMm): number {
  let limitMmS = Infinity;
  for (const axis of AXES) {
    const share = Math.abs(unit[axis]);
    if (share > 0) {
      limitMmS = Math.min(limitMmS, settings.axes[axis].maxRateMmMin / 60 / share);
    }
  }
  return limitMmS;
}

/** Max acceleration (mm/s²) along a unit vector: min over used axes of accel_i / |u_i|. */
export function maxAccelAlongMmS2(settings: MotionSettings, unit: VecMm): number {
  let limitMmS2 = Infinity;
  for (const axis of AXES) {
    const share = Math.abs(unit[axis]);
    if (share > 0) {
      limitMmS2 = Math.min(limitMmS2, settings.axes[axis].accelMmS2 / share);
    }
  }
  return limitMmS2;
}
