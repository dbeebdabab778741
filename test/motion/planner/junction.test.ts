import { describe, expect, it } from 'vitest';
import { junctionSpeedMmS } from '../../../motion/junction.js';

/** The junction-deviation speed from the angle θ between the two directions of travel. */
function expectedSpeed(thetaRad: number, accelMmS2: number, deviationMm: number): number {
  // The corner's inscribed arc touches both lines; its radius r = δ·sin(φ/2)/(1 − sin(φ/2))
  // where φ = π − θ is the inner angle of the corner; v² = a·r.
  const innerRad = Math.PI - thetaRad;
  const s = Math.sin(innerRad / 2);
  return Math.sqrt((accelMmS2 * deviationMm * s) / (1 - s));
}

describe('junctionSpeedMmS', () => {
  it('matches the junction-deviation formula for a 90° corner', () => {
    const v = junctionSpeedMmS({ x: 1, y: 0, z: 0 }, { x: 0, y: 1, z: 0 }, 500, 0.01);
    expect(v).toBeCloseTo(expectedSpeed(Math.PI / 2, 500, 0.01), 10);
    // sin 45° = 0.7071: v = sqrt(500 · 0.01 · 0.7071 / 0.2929) = 3.474 mm/s
    expect(v).toBeCloseTo(3.4743, 3);
  });

  it('matches the formula across angles and grows with accel and deviation', () => {
    for (const deg of [5, 30, 60, 120, 170]) {
      const theta = (deg * Math.PI) / 180;
      const next = { x: Math.cos(theta), y: Math.sin(theta), z: 0 };
      const v = junctionSpeedMmS({ x: 1, y: 0, z: 0 }, next, 200, 0.05);
      expect(v).toBeCloseTo(expectedSpeed(theta, 200, 0.05), 8);
    }
    const u = { x: 1, y: 0, z: 0 };
    const w = { x: 0, y: 0, z: 1 };
    expect(junctionSpeedMmS(u, w, 400, 0.01)).toBeCloseTo(
      2 * junctionSpeedMmS(u, w, 100, 0.01),
      10,
    );
  });

  it('is unlimited straight on and zero on a reversal', () => {
    const u = { x: 0.6, y: 0.8, z: 0 };
    expect(junctionSpeedMmS(u, u, 500, 0.01)).toBe(Infinity);
    expect(junctionSpeedMmS(u, { x: -0.6, y: -0.8, z: 0 }, 500, 0.01)).toBe(0);
  });
});
