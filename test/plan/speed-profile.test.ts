// The speed-over-time record: per time bin, the lowest and highest speed reached, through
// any number of bin merges.
import { describe, expect, it } from 'vitest';
import type { PlannedMove } from '../../motion/types.js';
import { SpeedProfile } from '../../src/plan/speed-profile.js';

/** A trapezoid move: ramps of rampS at the ends, cruising at cruiseMmS for cruiseS. */
function move(v0: number, vc: number, v1: number, rampS: number, cruiseS: number): PlannedMove {
  const zero = { x: 0, y: 0, z: 0 };
  return {
    line: 1,
    startMm: zero,
    endMm: zero,
    distMm: 1,
    unit: { x: 1, y: 0, z: 0 },
    accelMmS2: 1,
    startSpeedMmS: v0,
    cruiseSpeedMmS: vc,
    endSpeedMmS: v1,
    accelTimeS: rampS,
    cruiseTimeS: cruiseS,
    decelTimeS: rampS,
    requestedSpeedMmS: vc,
    rapid: false,
    spindle: { mode: 'off', speedRpm: 0 },
  };
}

describe('SpeedProfile', () => {
  it('records lowest and highest speed per bin along a trapezoid', () => {
    const profile = new SpeedProfile(8);
    // 0.005 s bins: ramp 0 -> 10 mm/s over 0.01 s (2 bins), cruise 0.01 s, ramp down 0.01 s.
    profile.addMove(move(0, 10, 0, 0.01, 0.01), 0);
    const bins = profile.bins();
    expect(bins.binS).toBe(0.005);
    expect(bins.count).toBe(6);
    const expectBins = (actual: Float64Array, expected: number[]) => {
      expect(actual).toHaveLength(expected.length);
      expected.forEach((v, i) => expect(actual[i]).toBeCloseTo(v, 9));
    };
    expectBins(bins.maxMmS, [5, 10, 10, 10, 10, 5]);
    expectBins(bins.minMmS, [0, 5, 10, 10, 5, 0]);
  });

  it('merges bins as the job outgrows them, keeping the extremes', () => {
    const profile = new SpeedProfile(8);
    // 1 s at 10 mm/s with a 20 mm/s spike lasting 1 ms at 0.5 s: 8 bins of at least 0.125 s.
    profile.addMove(move(10, 10, 10, 0, 0.5), 0);
    profile.addMove(move(10, 20, 10, 0.0005, 0), 0.5);
    profile.addMove(move(10, 10, 10, 0, 0.499), 0.501);
    const bins = profile.bins();
    expect(bins.binS).toBe(0.005 * 2 ** 5);
    expect(bins.count).toBe(7);
    const peakBin = Math.floor(0.5 / bins.binS);
    expect(bins.maxMmS[peakBin]).toBeCloseTo(20, 9);
    expect(Math.max(...Array.from(bins.maxMmS).filter((_, i) => i !== peakBin))).toBe(10);
    expect(Math.min(...Array.from(bins.minMmS))).toBe(10);
  });
});
