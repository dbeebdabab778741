// Arcs: chords on the circle within the tolerance, exact end points, direction, all three
// planes, R and IJK forms, full circles, helices, and Grbl's arc errors.
import { describe, expect, it } from 'vitest';
import { arcChordCount } from '../../../motion/gcode/arc.js';
import { Interpreter } from '../../../motion/gcode/interpreter.js';
import type { VecMm } from '../../../motion/types.js';
import { expectRefused, interp, moves, run } from './helpers.js';

const TOL_MM = 0.002;
type Axis = 'x' | 'y' | 'z';
const PLANES: Record<string, [Axis, Axis, Axis]> = {
  G17: ['x', 'y', 'z'],
  G18: ['z', 'x', 'y'],
  G19: ['y', 'z', 'x'],
};

/** Chord count from the sagitta directly: each chord spans at most 2·acos(1 − tol/r). */
function expectedChords(travelRad: number, radiusMm: number): number {
  return Math.ceil(Math.abs(travelRad) / (2 * Math.acos(1 - TOL_MM / radiusMm)) - 1e-9);
}

interface ArcCheck {
  start: VecMm;
  points: VecMm[];
  centre: VecMm;
  radiusMm: number;
  plane: [Axis, Axis, Axis];
}

/** Check geometry; returns the signed angular travel (counter-clockwise positive). */
function checkArc({ start, points, centre, radiusMm, plane }: ArcCheck): number {
  const [a, b] = plane;
  let prev = start;
  let travelRad = 0;
  for (const p of points) {
    const r = Math.hypot(p[a] - centre[a], p[b] - centre[b]);
    expect(Math.abs(r - radiusMm)).toBeLessThan(1e-9);
    // Sagitta: how far the arc bulges past the chord's midpoint.
    const mid = { a: (p[a] + prev[a]) / 2 - centre[a], b: (p[b] + prev[b]) / 2 - centre[b] };
    expect(radiusMm - Math.hypot(mid.a, mid.b)).toBeLessThanOrEqual(TOL_MM + 1e-12);
    const u = { a: prev[a] - centre[a], b: prev[b] - centre[b] };
    const v = { a: p[a] - centre[a], b: p[b] - centre[b] };
    travelRad += Math.atan2(u.a * v.b - u.b * v.a, u.a * v.a + u.b * v.b);
    prev = p;
  }
  return travelRad;
}

describe('arcs to chords', () => {
  for (const [planeWord, plane] of Object.entries(PLANES)) {
    const [a, b, lin] = plane;
    const offsetWord = { x: 'I', y: 'J', z: 'K' };
    for (const [motion, sign] of [
      ['G2', -1],
      ['G3', 1],
    ] as const) {
      it(`${planeWord} ${motion} IJK semicircle: on the circle, within tolerance, exact end`, () => {
        const g = interp();
        const start = { x: 1, y: 2, z: 3 };
        g.setPositionMm(start);
        const target = { ...start, [a]: start[a] + 10 };
        const line = `${planeWord} ${motion} ${a.toUpperCase()}${target[a]} ${offsetWord[a]}5 F100`;
        const m = moves(run(g, line));
        const points = m.map((x) => x.targetMm);
        expect(points[points.length - 1]).toEqual(target);
        const centre = { ...start, [a]: start[a] + 5 };
        const travelRad = checkArc({ start, points, centre, radiusMm: 5, plane });
        expect(travelRad).toBeCloseTo(sign * Math.PI, 9);
        expect(m).toHaveLength(expectedChords(Math.PI, 5));
        // The linear axis does not move on a plain arc.
        expect(points.every((p) => p[lin] === start[lin])).toBe(true);
        // Counter-clockwise (G3) from the start at angle pi goes through -b; G2 through +b.
        const midPoint = points[Math.floor(points.length / 2)];
        expect(Math.sign(midPoint[b] - start[b])).toBe(-sign);
      });
    }
  }

  it('R form: positive R takes the short way, negative R the long way', () => {
    const short = moves(run(interp(), 'G2 X10 Y0 R10 F100')).map((x) => x.targetMm);
    const long = moves(run(interp(), 'G2 X10 Y0 R-10 F100')).map((x) => x.targetMm);
    const origin = { x: 0, y: 0, z: 0 };
    const h = Math.sqrt(100 - 25);
    const shortTravel = checkArc({
      start: origin,
      points: short,
      centre: { x: 5, y: -h, z: 0 },
      radiusMm: 10,
      plane: PLANES.G17,
    });
    const longTravel = checkArc({
      start: origin,
      points: long,
      centre: { x: 5, y: h, z: 0 },
      radiusMm: 10,
      plane: PLANES.G17,
    });
    expect(shortTravel).toBeCloseTo(-Math.PI / 3, 9);
    expect(longTravel).toBeCloseTo(-(2 * Math.PI - Math.PI / 3), 9);
    // The top of the circle lies between two chord ends, at most one sagitta above them.
    expect(h + 10 - Math.max(...long.map((p) => p.y))).toBeLessThanOrEqual(TOL_MM);
    expect(short[short.length - 1]).toEqual({ x: 10, y: 0, z: 0 });
    expect(long[long.length - 1]).toEqual({ x: 10, y: 0, z: 0 });
  });

  it('R form in G18 with G3 and inches', () => {
    const g = interp();
    const m = moves(run(g, 'G20 G18 G3 Z1 X1 R1 F10')).map((x) => x.targetMm);
    const travel = checkArc({
      start: { x: 0, y: 0, z: 0 },
      points: m,
      centre: { x: 25.4, y: 0, z: 0 },
      radiusMm: 25.4,
      plane: PLANES.G18,
    });
    expect(travel).toBeCloseTo(Math.PI / 2, 9);
    expect(m[m.length - 1]).toEqual({ x: 25.4, y: 0, z: 25.4 });
  });

  it('a full circle when the IJK target is the start, in both directions', () => {
    for (const [motion, sign] of [
      ['G2', -1],
      ['G3', 1],
    ] as const) {
      const g = interp();
      const m = moves(run(g, `${motion} X0 Y0 I5 J0 F100`)).map((x) => x.targetMm);
      const travel = checkArc({
        start: { x: 0, y: 0, z: 0 },
        points: m,
        centre: { x: 5, y: 0, z: 0 },
        radiusMm: 5,
        plane: PLANES.G17,
      });
      expect(travel).toBeCloseTo(sign * 2 * Math.PI, 9);
      expect(m).toHaveLength(expectedChords(2 * Math.PI, 5));
      expect(Math.max(...m.map((p) => p.x))).toBeCloseTo(10, 4);
      expect(m[m.length - 1]).toEqual({ x: 0, y: 0, z: 0 });
    }
  });

  it('helical: the linear axis moves in proportion to the angle', () => {
    const g = interp();
    const m = moves(run(g, 'G17 G3 X0 Y0 Z-3 I5 F100', 'G91 G3 X0 Y0 Z-3 I5')).map(
      (x) => x.targetMm,
    );
    const perTurn = m.length / 2;
    expect(perTurn).toBe(expectedChords(2 * Math.PI, 5));
    // Every chord turns the same angle, so z follows the chord index exactly.
    m.forEach((p, k) => expect(p.z).toBeCloseTo((-3 * (k + 1)) / perTurn, 9));
    expect(m[m.length - 1]).toEqual({ x: 0, y: 0, z: -6 });
  });

  it('matches the sagitta rule for tiny and large radii', () => {
    expect(arcChordCount(Math.PI, 0.001, TOL_MM)).toBe(1);
    expect(arcChordCount(2 * Math.PI, 0.001, TOL_MM)).toBe(2);
    expect(arcChordCount(Math.PI / 2, 370, TOL_MM)).toBe(expectedChords(Math.PI / 2, 370));
    expect(arcChordCount(0, 5, TOL_MM)).toBe(1);
  });

  it('a coarser tolerance gives fewer chords, still within it', () => {
    const g = new Interpreter({ arcToleranceMm: 0.1 });
    const m = moves(run(g, 'G2 X10 Y0 I5 F100')).map((x) => x.targetMm);
    expect(m).toHaveLength(Math.ceil(Math.PI / (2 * Math.acos(1 - 0.1 / 5)) - 1e-9));
  });

  it('refuses arcs Grbl refuses', () => {
    const g = interp();
    run(g, 'F100');
    expectRefused(g, 'G2 I5', 26);
    expectRefused(g, 'G2 Z5 I5', 32);
    expectRefused(g, 'G2 X10', 35);
    expectRefused(g, 'G2 X10 K5', 35);
    expectRefused(g, 'G2 X10 I4', 33);
    expectRefused(g, 'G2 X0 Y0 R5', 33);
    expectRefused(g, 'G2 X0 Z1 R5', 33);
    expectRefused(g, 'G2 X10 R4', 34);
    expectRefused(g, 'G18 G2 X10 J5', 35);
    expectRefused(g, 'G2 X10 I5 R5', 36);
  });

  it('accepts an IJK end point off the circle by up to 0.005 mm and ends exactly there', () => {
    const g = interp();
    const m = moves(run(g, 'G2 X10.004 I5 F100'));
    expect(m[m.length - 1].targetMm).toEqual({ x: 10.004, y: 0, z: 0 });
  });
});
