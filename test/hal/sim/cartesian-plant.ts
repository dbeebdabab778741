// Test helper: a SimPlantOptions for a plain Cartesian machine from a few numbers.
import type { SimPlantOptions } from '../../../hal/types.js';

type Xyz = [number, number, number];

export interface CartesianPlantSettings {
  stepsPerMm?: Xyz;
  travelMm?: Xyz;
  startMm?: Xyz;
  limitMarginMm?: number;
  probeZMm?: number;
}

/** One motor per axis: motor i moves axis i by 1/stepsPerMm[i] mm per step. */
export function cartesianPlant(settings: CartesianPlantSettings = {}): SimPlantOptions {
  const stepsPerMm = settings.stepsPerMm ?? [80, 80, 400];
  return {
    motorsToAxesMm: (steps) => [
      steps[0] / stepsPerMm[0],
      steps[1] / stepsPerMm[1],
      steps[2] / stepsPerMm[2],
    ],
    axesToMotorsSteps: (mm) => mm.map((v, i) => Math.round(v * stepsPerMm[i])),
    travelMm: settings.travelMm ?? [300, 300, 80],
    limitMarginMm: settings.limitMarginMm ?? 1,
    startMm: settings.startMm ?? [0, 0, 0],
    probeZMm: settings.probeZMm ?? -1e9,
  };
}
