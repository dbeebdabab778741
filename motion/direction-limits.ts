// Per-axis limits projected onto a direction: a move along unit u may go no faster than any
// axis allows, so each axis's limit is divided by that axis's share |u_i| of the motion; and,
// on boards with an aggregate step-rate limit, no faster than the motors' summed steps allow.
// Read once from the settings into plain numbers: the planner projects them onto three
// directions per move, where looking the axes up by name each time shows in the profile.
import type { MotionSettings } from './types.js';

/**
 * Axis speed and acceleration limits of one settings object, projected onto directions. The
 * fields are `declare`d: set first in the constructor, they keep an unboxed-number shape (a
 * field first defined as undefined would be read through a type check each time).
 */
export class DirectionLimits {
  declare private readonly rateXMmS: number;
  declare private readonly rateYMmS: number;
  declare private readonly rateZMmS: number;
  declare private readonly accelXMmS2: number;
  declare private readonly accelYMmS2: number;
  declare private readonly accelZMmS2: number;
  declare private readonly spmX: number;
  declare private readonly spmY: number;
  declare private readonly spmZ: number;
  declare private readonly coreXy: boolean;
  declare private readonly maxStepRateHz: number;

  constructor(settings: MotionSettings) {
    this.spmX = settings.axes.x.stepsPerMm;
    this.spmY = settings.axes.y.stepsPerMm;
    this.spmZ = settings.axes.z.stepsPerMm;
    this.coreXy = settings.kinematics === 'corexy';
    const maxRate = settings.maxStepRateHz;
    this.maxStepRateHz = maxRate !== undefined && maxRate > 0 ? maxRate : Infinity;
    this.rateXMmS = settings.axes.x.maxRateMmMin / 60;
    this.rateYMmS = settings.axes.y.maxRateMmMin / 60;
    this.rateZMmS = settings.axes.z.maxRateMmMin / 60;
    this.accelXMmS2 = settings.axes.x.accelMmS2;
    this.accelYMmS2 = settings.axes.y.accelMmS2;
    this.accelZMmS2 = settings.axes.z.accelMmS2;
  }

  /** Max speed (mm/s) along the unit vector (x, y, z): min over used axes of rate_i / |u_i|. */
  speedAlongMmS(x: number, y: number, z: number): number {
    let limitMmS = Infinity;
    const sx = Math.abs(x);
    const sy = Math.abs(y);
    const sz = Math.abs(z);
    if (sx > 0) limitMmS = Math.min(limitMmS, this.rateXMmS / sx);
    if (sy > 0) limitMmS = Math.min(limitMmS, this.rateYMmS / sy);
    if (sz > 0) limitMmS = Math.min(limitMmS, this.rateZMmS / sz);
    // Kept out of line: small enough, this method inlines into the planner's push.
    if (this.maxStepRateHz < Infinity) limitMmS = this.stepRateCapMmS(limitMmS, x, y, z);
    return limitMmS;
  }

  /** limitMmS capped by the aggregate step rate along the unit vector (x, y, z). */
  private stepRateCapMmS(limitMmS: number, x: number, y: number, z: number): number {
    // Motor steps per mm of path along this direction, summed over the motors.
    const stepsPerMm = this.coreXy
      ? Math.abs(x * this.spmX + y * this.spmY) +
        Math.abs(x * this.spmX - y * this.spmY) +
        Math.abs(z) * this.spmZ
      : Math.abs(x) * this.spmX + Math.abs(y) * this.spmY + Math.abs(z) * this.spmZ;
    return stepsPerMm > 0 ? Math.min(limitMmS, this.maxStepRateHz / stepsPerMm) : limitMmS;
  }

  /** Max acceleration (mm/s²) along the unit vector (x, y, z): min of accel_i / |u_i|. */
  accelAlongMmS2(x: number, y: number, z: number): number {
    let limitMmS2 = Infinity;
    const sx = Math.abs(x);
    const sy = Math.abs(y);
    const sz = Math.abs(z);
    if (sx > 0) limitMmS2 = Math.min(limitMmS2, this.accelXMmS2 / sx);
    if (sy > 0) limitMmS2 = Math.min(limitMmS2, this.accelYMmS2 / sy);
    if (sz > 0) limitMmS2 = Math.min(limitMmS2, this.accelZMmS2 / sz);
    return limitMmS2;
  }
}
