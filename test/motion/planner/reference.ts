// A reference planner for the tests: the whole job known, one backward and one forward pass
// over all moves, with the same limit model as the planner (per-axis limits along the move,
// Grbl junction deviation capped by both moves' speeds).
import { maxAccelAlongMmS2, maxSpeedAlongMmS } from './axis-limits.js';
import { junctionSpeedMmS } from '../../../motion/junction.js';
import type { LinearMove, MotionSettings, VecMm } from '../../../motion/types.js';

export interface ReferenceMove {
  distMm: number;
  accelMmS2: number;
  maxSpeedMmS: number;
  entryMmS: number;
  exitMmS: number;
  timeS: number;
}

/** Time of the fastest trapezoid between the given speeds. */
export function trapezoidTimeS(d: number, a: number, v0: number, vMax: number, v1: number): number {
  const rampsMm = (vMax * vMax - v0 * v0) / (2 * a) + (vMax * vMax - v1 * v1) / (2 * a);
  if (rampsMm <= d) return (vMax - v0) / a + (vMax - v1) / a + (d - rampsMm) / vMax;
  const peak = Math.sqrt((2 * a * d + v0 * v0 + v1 * v1) / 2);
  return (peak - v0) / a + (peak - v1) / a;
}

/** Plans all moves at once, from rest at startMm to rest at the end. */
export function planReference(
  settings: MotionSettings,
  moves: LinearMove[],
  startMm: VecMm = { x: 0, y: 0, z: 0 },
): ReferenceMove[] {
  const out: ReferenceMove[] = [];
  const caps: number[] = [];
  let from = startMm;
  let prevUnit: VecMm | null = null;
  let prevMax = 0;
  for (const m of moves) {
    const d = { x: m.targetMm.x - from.x, y: m.targetMm.y - from.y, z: m.targetMm.z - from.z };
    const distMm = Math.hypot(d.x, d.y, d.z);
    if (distMm < 1e-9) continue;
    const unit = { x: d.x / distMm, y: d.y / distMm, z: d.z / distMm };
    const axisMax = maxSpeedAlongMmS(settings, unit);
    const maxSpeedMmS = m.rapid ? axisMax : Math.min(axisMax, m.feedMmMin / 60);
    let cap = 0;
    if (prevUnit) {
      const j = { x: unit.x - prevUnit.x, y: unit.y - prevUnit.y, z: unit.z - prevUnit.z };
      const jLen = Math.hypot(j.x, j.y, j.z);
      const jAccel =
        jLen < 1e-12
          ? Infinity
          : maxAccelAlongMmS2(settings, { x: j.x / jLen, y: j.y / jLen, z: j.z / jLen });
      const junction =
        jLen < 1e-12
          ? Infinity
          : junctionSpeedMmS(prevUnit, unit, jAccel, settings.junctionDeviationMm);
      cap = Math.min(junction, prevMax, maxSpeedMmS);
    }
    caps.push(cap);
    out.push({
      distMm,
      accelMmS2: maxAccelAlongMmS2(settings, unit),
      maxSpeedMmS,
      entryMmS: 0,
      exitMmS: 0,
      timeS: 0,
    });
    prevUnit = unit;
    prevMax = maxSpeedMmS;
    from = m.targetMm;
  }
  // Backward: the fastest entry from which each move can still brake to its exit limit.
  let exitLimit = 0;
  const entryLimit: number[] = new Array<number>(out.length);
  for (let i = out.length - 1; i >= 0; i--) {
    const m = out[i];
    entryLimit[i] = Math.min(caps[i], Math.sqrt(exitLimit ** 2 + 2 * m.accelMmS2 * m.distMm));
    exitLimit = entryLimit[i];
  }
  // Forward: accelerate as far as allowed.
  let entry = 0;
  for (let i = 0; i < out.length; i++) {
    const m = out[i];
    const limit = i + 1 < out.length ? entryLimit[i + 1] : 0;
    const reach = Math.sqrt(entry ** 2 + 2 * m.accelMmS2 * m.distMm);
    m.entryMmS = entry;
    m.exitMmS = Math.min(reach, limit, m.maxSpeedMmS);
    m.timeS = trapezoidTimeS(m.distMm, m.accelMmS2, entry, m.maxSpeedMmS, m.exitMmS);
    entry = m.exitMmS;
  }
  return out;
}
