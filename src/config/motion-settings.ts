// The motion core's view of a machine config: only what interpreting, planning and step
// timing need.
import type { MotionSettings } from '../../motion/types.js';
import type { MachineConfig } from './schema.js';

/** Maps a validated machine config to the settings the motion core runs on. */
export function motionSettingsFromConfig(config: MachineConfig): MotionSettings {
  const axis = (a: MachineConfig['axes']['x']) => ({
    stepsPerMm: a.stepsPerMm,
    maxRateMmMin: a.maxRateMmMin,
    accelMmS2: a.accelMmS2,
    travelMm: a.travelMm,
  });
  return {
    axes: { x: axis(config.axes.x), y: axis(config.axes.y), z: axis(config.axes.z) },
    kinematics: config.kinematics,
    junctionDeviationMm: config.planner.junctionDeviationMm,
    arcToleranceMm: config.planner.arcToleranceMm,
  };
}
