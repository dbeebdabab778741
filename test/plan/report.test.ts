// The report's number formats and the travel check.
import { describe, expect, it } from 'vitest';
import type { MotionSettings } from '../../motion/types.js';
import { formatDuration, formatFixed } from '../../src/plan/report.js';
import { travelWarnings } from '../../src/plan/travel-check.js';

const axis = (travelMm: number) => ({
  stepsPerMm: 80,
  maxRateMmMin: 6000,
  accelMmS2: 500,
  travelMm,
});
const settings: MotionSettings = {
  axes: { x: axis(300), y: axis(200), z: axis(80) },
  kinematics: 'cartesian',
  junctionDeviationMm: 0.01,
  arcToleranceMm: 0.002,
};

describe('plan report', () => {
  it('formats durations as h:mm:ss', () => {
    expect(formatDuration(0)).toBe('0:00:00');
    expect(formatDuration(59.4)).toBe('0:00:59');
    expect(formatDuration(59.6)).toBe('0:01:00');
    expect(formatDuration(3600 * 27 + 61)).toBe('27:01:01');
  });

  it('never prints a negative zero', () => {
    expect(formatFixed(-5.7e-14, 3)).toBe('0.000');
    expect(formatFixed(-0.0004, 3)).toBe('0.000');
    expect(formatFixed(-0.0005, 3)).toBe('-0.001');
    expect(formatFixed(-2, 0)).toBe('-2');
  });

  it('warns for each axis end beyond [0, travel]', () => {
    expect(travelWarnings(null, settings)).toEqual([]);
    const inside = { min: { x: 0, y: -1e-9, z: 0 }, max: { x: 300, y: 200, z: 80 } };
    expect(travelWarnings(inside, settings)).toEqual([]);
    const outside = { min: { x: -1, y: 0, z: -3.175 }, max: { x: 300.5, y: 10, z: 5 } };
    expect(travelWarnings(outside, settings)).toEqual([
      'x reaches -1.000 mm, below 0 (travel 0..300 mm)',
      'x reaches 300.500 mm, beyond 300 (travel 0..300 mm)',
      'z reaches -3.175 mm, below 0 (travel 0..80 mm)',
    ]);
  });
});
