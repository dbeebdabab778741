// The simulated plant a machine config describes: its kinematics (from the motion core), its
// travel, where the limit switches close and where the probe touches.
import { createKinematics } from '../../motion/kinematics.js';
import type { SimPlantOptions } from '../../hal/types.js';
import { motionSettingsFromConfig } from './motion-settings.js';
import type { MachineConfig } from './schema.js';

/** SimPlantOptions for board: sim from the machine config's axes, kinematics and sim section. */
export function simPlantFromConfig(config: MachineConfig): SimPlantOptions {
  const kinematics = createKinematics(motionSettingsFromConfig(config));
  const { x, y, z } = config.axes;
  const { startMm } = config.sim;
  return {
    motorsToAxesMm: (steps) => {
      const p = kinematics.toAxesMm(steps);
      return [p.x, p.y, p.z];
    },
    axesToMotorsSteps: ([px, py, pz]) => {
      const out = new Float64Array(kinematics.motorCount);
      kinematics.toMotorSteps({ x: px, y: py, z: pz }, out);
      return Array.from(out, (s) => Math.round(s));
    },
    travelMm: [x.travelMm, y.travelMm, z.travelMm],
    limitMarginMm: config.sim.limitMarginMm,
    startMm: [startMm.x, startMm.y, startMm.z],
    probeZMm: config.sim.probeZMm,
  };
}
