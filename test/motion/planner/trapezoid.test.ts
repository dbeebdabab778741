import { describe, expect, it } from 'vitest';
import {
  distanceAtS,
  durationS,
  profileTrapezoid,
  speedAtS,
  timeAtDistS,
} from '../../../motion/trapezoid.js';
import type { PlannedMove } from '../../../motion/types.js';

function move(
  distMm: number,
  accelMmS2: number,
  v0: number,
  vMax: number,
  v1: number,
): PlannedMove {
  return {
    line: 1,
    startMm: { x: 0, y: 0, z: 0 },
    endMm: { x: distMm, y: 0, z: 0 },
    distMm,
    unit: { x: 1, y: 0, z: 0 },
    accelMmS2,
    ...profileTrapezoid({
      distMm,
      accelMmS2,
      startSpeedMmS: v0,
      maxSpeedMmS: vMax,
      endSpeedMmS: v1,
    }),
    requestedSpeedMmS: vMax,
    rapid: false,
    spindle: { mode: 'off', speedRpm: 0 },
  };
}

describe('trapezoid', () => {
  it('brakes first when it starts above its cap: 100 mm from 100 down to 10 mm/s, then to rest', () => {
    const m = move(100, 500, 100, 10, 0);
    // Braking 100 → 10 takes 0.18 s over 9.9 mm; the stop 0.02 s over 0.1 mm; 90 mm cruise.
    expect(m.accelTimeS).toBeCloseTo(0.18, 12);
    expect(m.cruiseSpeedMmS).toBe(10);
    expect(m.cruiseTimeS).toBeCloseTo(9, 12);
    expect(m.decelTimeS).toBeCloseTo(0.02, 12);
    expect(speedAtS(m, 0.09)).toBeCloseTo(55, 9);
    expect(distanceAtS(m, 0.18)).toBeCloseTo(9.9, 9);
    expect(timeAtDistS(m, 9.9)).toBeCloseTo(0.18, 9);
    expect(timeAtDistS(m, 2.75)).toBeCloseTo(timeOfBrakingS(100, 500, 2.75), 9);
    expect(distanceAtS(m, durationS(m))).toBeCloseTo(100, 9);
  });

  it('reaches cruise on a long move: 100 mm at 50 mm/s, 500 mm/s² from and to rest', () => {
    const m = move(100, 500, 0, 50, 0);
    // Ramps take 0.1 s and 2.5 mm each; the 95 mm between them take 1.9 s.
    expect(m.cruiseSpeedMmS).toBe(50);
    expect(m.accelTimeS).toBeCloseTo(0.1, 12);
    expect(m.decelTimeS).toBeCloseTo(0.1, 12);
    expect(m.cruiseTimeS).toBeCloseTo(1.9, 12);
    expect(durationS(m)).toBeCloseTo(2.1, 12);
    expect(distanceAtS(m, 0.1)).toBeCloseTo(2.5, 12);
    expect(distanceAtS(m, 1)).toBeCloseTo(2.5 + 0.9 * 50, 12);
    expect(distanceAtS(m, 2.05)).toBeCloseTo(100 - 0.5 * 500 * 0.05 * 0.05, 12);
    expect(distanceAtS(m, 5)).toBe(100);
    expect(speedAtS(m, 0.05)).toBeCloseTo(25, 12);
    expect(speedAtS(m, 2.05)).toBeCloseTo(25, 12);
  });

  it('becomes a triangle when cruise is out of reach', () => {
    // 4 mm at 1000 mm/s² from rest to rest: peak sqrt(a·d) = sqrt(4000), each half 2 mm.
    const m = move(4, 1000, 0, 200, 0);
    const peak = Math.sqrt(4000);
    expect(m.cruiseSpeedMmS).toBeCloseTo(peak, 10);
    expect(m.cruiseTimeS).toBeCloseTo(0, 12);
    expect(m.accelTimeS).toBeCloseTo(peak / 1000, 12);
    expect(durationS(m)).toBeCloseTo((2 * peak) / 1000, 12);
    expect(distanceAtS(m, m.accelTimeS)).toBeCloseTo(2, 10);
  });

  it('builds asymmetric triangles between different entry and exit speeds', () => {
    // peak² = (2·a·d + v0² + v1²) / 2 = (2·100·1 + 100 + 0) / 2 = 150
    const m = move(1, 100, 10, 1000, 0);
    expect(m.cruiseSpeedMmS).toBeCloseTo(Math.sqrt(150), 10);
    expect(m.accelTimeS).toBeCloseTo((Math.sqrt(150) - 10) / 100, 12);
    expect(m.decelTimeS).toBeCloseTo(Math.sqrt(150) / 100, 12);
    expect(distanceAtS(m, durationS(m))).toBeCloseTo(1, 12);
  });

  it('handles a pure deceleration and a pure cruise', () => {
    const decel = move(0.75, 200, 20, 20, 10);
    // (400 − 100) / 400 = 0.75 mm: the whole move brakes.
    expect(decel.accelTimeS).toBe(0);
    expect(decel.cruiseTimeS).toBeCloseTo(0, 12);
    expect(decel.decelTimeS).toBeCloseTo(0.05, 12);
    const cruise = move(10, 200, 20, 20, 20);
    expect(durationS(cruise)).toBeCloseTo(0.5, 12);
  });

  it('inverts distance to time in every phase', () => {
    const m = move(30, 400, 5, 60, 12);
    for (let tS = 0; tS <= durationS(m); tS += durationS(m) / 97) {
      expect(timeAtDistS(m, distanceAtS(m, tS))).toBeCloseTo(tS, 9);
    }
  });
});

/** Time to cover distMm while braking from v0 at accel (the smaller root of the parabola). */
function timeOfBrakingS(v0: number, accelMmS2: number, distMm: number): number {
  return (v0 - Math.sqrt(v0 * v0 - 2 * accelMmS2 * distMm)) / accelMmS2;
}
