// Shared settings and move builders for the planner tests.
import type { LinearMove, MotionSettings } from '../../../motion/types.js';

/** The example machine: fast x/y, slow z. */
export function millSettings(kinematics: 'cartesian' | 'corexy' = 'cartesian'): MotionSettings {
  return {
    axes: {
      x: { stepsPerMm: 80, maxRateMmMin: 6000, accelMmS2: 500, travelMm: 300 },
      y: { stepsPerMm: 80, maxRateMmMin: 6000, accelMmS2: 500, travelMm: 300 },
      z: { stepsPerMm: 400, maxRateMmMin: 600, accelMmS2: 50, travelMm: 80 },
    },
    kinematics,
    junctionDeviationMm: 0.01,
    arcToleranceMm: 0.002,
  };
}

const SPINDLE_OFF = { mode: 'off', speedRpm: 0 } as const;

/** A G1 move to (x, y, z) at feedMmMin. */
export function feedTo(x: number, y: number, z: number, feedMmMin: number, line = 1): LinearMove {
  return {
    kind: 'move',
    line,
    targetMm: { x, y, z },
    rapid: false,
    feedMmMin,
    spindle: { ...SPINDLE_OFF },
  };
}

/** A G0 move to (x, y, z). */
export function rapidTo(x: number, y: number, z: number, line = 1): LinearMove {
  return { ...feedTo(x, y, z, 0, line), rapid: true };
}

/** Chords of a circle (centre cx, cy, radius r) with about chordMm length, `turns` times. */
export function circleChords(
  cx: number,
  cy: number,
  r: number,
  chordMm: number,
  turns: number,
  feedMmMin: number,
): LinearMove[] {
  const perTurn = Math.round((2 * Math.PI * r) / chordMm);
  const moves: LinearMove[] = [feedTo(cx + r, cy, 0, feedMmMin)];
  for (let i = 1; i <= perTurn * turns; i++) {
    const angle = (2 * Math.PI * i) / perTurn;
    moves.push(feedTo(cx + r * Math.cos(angle), cy + r * Math.sin(angle), 0, feedMmMin, i + 1));
  }
  return moves;
}

/** A straight chain of count segments of segMm along x. */
export function straightChain(count: number, segMm: number, feedMmMin: number): LinearMove[] {
  const moves: LinearMove[] = [];
  for (let i = 1; i <= count; i++) moves.push(feedTo(i * segMm, 0, 0, feedMmMin, i));
  return moves;
}

/** A zigzag: legs of legMm along x, stepping stepMm in y between legs. */
export function zigzag(
  count: number,
  legMm: number,
  stepMm: number,
  feedMmMin: number,
): LinearMove[] {
  const moves: LinearMove[] = [];
  for (let i = 1; i <= count; i++) {
    const x = i % 2 === 1 ? legMm : 0;
    moves.push(feedTo(x, i * stepMm, 0, feedMmMin, i));
  }
  return moves;
}
