// A board's aggregate step-rate limit caps the speed along each move's direction.
import { describe, expect, it } from 'vitest';
import { Planner } from '../../../motion/planner.js';
import type { LinearMove, MotionSettings, PlannedMove } from '../../../motion/types.js';
import { feedTo, millSettings, rapidTo } from './fixtures.js';

function cruise(settings: MotionSettings, move: LinearMove): PlannedMove {
  const planner = new Planner(settings);
  const [planned] = [...planner.push(move), ...planner.flush()];
  return planned;
}

describe('maxStepRateHz', () => {
  const capped = { ...millSettings(), maxStepRateHz: 400 }; // x and y: 80 steps/mm

  it('an X rapid cruises at 400 / 80 = 5 mm/s instead of the axis rate', () => {
    expect(cruise(millSettings(), rapidTo(100, 0, 0)).cruiseSpeedMmS).toBeCloseTo(100, 9);
    expect(cruise(capped, rapidTo(100, 0, 0)).cruiseSpeedMmS).toBeCloseTo(5, 9);
  });

  it('a 45° XY feed shares the rate between both motors: 400 / (2 · 80 · √½) mm/s', () => {
    const planned = cruise(capped, feedTo(100, 100, 0, 6000));
    expect(planned.cruiseSpeedMmS).toBeCloseTo(400 / (2 * 80 * Math.SQRT1_2), 9);
  });

  it('CoreXY: a pure X move steps both motors, so half the Cartesian speed', () => {
    const planned = cruise({ ...millSettings('corexy'), maxStepRateHz: 400 }, rapidTo(100, 0, 0));
    expect(planned.cruiseSpeedMmS).toBeCloseTo(2.5, 9);
  });

  it('a slower feed than the cap is untouched', () => {
    expect(cruise(capped, feedTo(100, 0, 0, 120)).cruiseSpeedMmS).toBeCloseTo(2, 9);
  });
});
