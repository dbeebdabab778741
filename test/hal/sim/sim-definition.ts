// Test helper: an in-memory sim board definition (the hal tests do not read boards/).
import {
  INPUT_ROLES,
  type BoardDefinition,
  type InputDef,
  type InputRole,
  type MotorDef,
} from '../../../hal/types.js';

const motor = (n: number): MotorDef => ({
  step: { pin: 2 * n, activeLow: false },
  dir: { pin: 2 * n + 1, activeLow: false },
  pulseUs: 2,
  dirSetupUs: 1,
});

/** Three motors, every input role, every output, a 1 kHz spindle PWM. */
export function simDefinition(): BoardDefinition {
  const inputs: Partial<Record<InputRole, InputDef>> = {};
  INPUT_ROLES.forEach((role, i) => {
    inputs[role] = { pin: 10 + i, activeLow: false, pullUp: false, debounceUs: 0 };
  });
  return {
    name: 'sim',
    description: 'test sim',
    backend: 'sim',
    motors: [motor(0), motor(1), motor(2)],
    inputs,
    outputs: {
      enable: { pin: 30, activeLow: true },
      spindleEnable: { pin: 31, activeLow: false },
      spindleDir: { pin: 32, activeLow: false },
      mist: { pin: 33, activeLow: false },
      flood: { pin: 34, activeLow: false },
    },
    pwm: { spindle: { pin: 35, frequencyHz: 1000 } },
    options: {},
  };
}
