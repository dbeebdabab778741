// Maps Cartesian axis positions (mm) to motor positions (steps) and back. Both supported
// kinematics are linear maps, so a motor's position is linear in path distance along a move.
import type { MotionSettings, VecMm } from './types.js';

/** Motor-space view of a machine: three motors, positions in (fractional) steps. */
export interface Kinematics {
  motorCount: 3;
  /** Motor positions in steps (float) for an axes position in mm. */
  toMotorSteps(p: VecMm, out: Float64Array): void;
  /** Axes position in mm for motor positions in steps. */
  toAxesMm(steps: ArrayLike<number>): VecMm;
  /** Per-motor steps per mm of path along a unit direction: motor_i(s) = m0_i + s * rate_i. */
  stepRatesAlong(unit: VecMm, out: Float64Array): void;
}

/**
 * Creates the kinematics named in the settings.
 *
 * CoreXY: a = x·spmX + y·spmY, b = x·spmX − y·spmY (Grbl's convention). Each Cartesian axis
 * keeps its own stepsPerMm, so unequal x/y values act as per-axis calibration factors; the
 * inverse is x = (a + b) / (2·spmX), y = (a − b) / (2·spmY). Motor 2 is z in both.
 */
export function createKinematics(settings: MotionSettings): Kinematics {
  const spmX = settings.axes.x.stepsPerMm;
  const spmY = settings.axes.y.stepsPerMm;
  const spmZ = settings.axes.z.stepsPerMm;
  for (const spm of [spmX, spmY, spmZ]) {
    if (!(spm > 0) || !Number.isFinite(spm)) {
      throw new RangeError(`stepsPerMm must be a positive number, got ${spm}`);
    }
  }
  if (settings.kinematics === 'corexy') {
    return {
      motorCount: 3,
      toMotorSteps(p, out) {
        const x = p.x * spmX;
        const y = p.y * spmY;
        out[0] = x + y;
        out[1] = x - y;
        out[2] = p.z * spmZ;
      },
      toAxesMm(steps) {
        return {
          x: (steps[0] + steps[1]) / (2 * spmX),
          y: (steps[0] - steps[1]) / (2 * spmY),
          z: steps[2] / spmZ,
        };
      },
      stepRatesAlong(unit, out) {
        this.toMotorSteps(unit, out);
      },
    };
  }
  return {
    motorCount: 3,
    toMotorSteps(p, out) {
      out[0] = p.x * spmX;
      out[1] = p.y * spmY;
      out[2] = p.z * spmZ;
    },
    toAxesMm(steps) {
      return { x: steps[0] / spmX, y: steps[1] / spmY, z: steps[2] / spmZ };
    },
    stepRatesAlong(unit, out) {
      this.toMotorSteps(unit, out);
    },
  };
}

/** Motor positions are counted in int32 steps (as in Grbl and the HAL's streams). */
export const MAX_MOTOR_STEPS = 2 ** 31 - 1;

/**
 * The largest |machine position| per axis whose motor steps still fit the int32 counters;
 * CoreXY's a and b sum both axes, so each gets half the range.
 */
export function stepRangeMm(settings: MotionSettings): VecMm {
  const share = settings.kinematics === 'corexy' ? 0.5 : 1;
  return {
    x: (share * MAX_MOTOR_STEPS) / settings.axes.x.stepsPerMm,
    y: (share * MAX_MOTOR_STEPS) / settings.axes.y.stepsPerMm,
    z: MAX_MOTOR_STEPS / settings.axes.z.stepsPerMm,
  };
}
