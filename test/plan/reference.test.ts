// Every real job in ../shared/gcode planned end to end and compared with what the npm package
// gcode-toolpath 3.0.0 makes of it (reference.json). Where we differ, DIFFERENCES says by
// how much and why. Without the corpus these tests report themselves skipped.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PipelineStats } from '../../motion/pipeline.js';
import { AXES, type MotionSettings, type VecMm } from '../../motion/types.js';
import { loadMachineConfig } from '../../src/config/load.js';
import { motionSettingsFromConfig } from '../../src/config/motion-settings.js';
import { planFile } from '../../src/plan/plan-file.js';
import { gcodeDir, haveCorpus, referenceFiles, type ReferenceFile } from './reference-data.js';

/** Where our plan rightly differs from gcode-toolpath's reading of a file. */
interface Difference {
  reason: string;
  /** Our motion lines minus the reference's (non-zero lines + arcs). */
  motionLines?: number;
  /** Our rapid path minus the reference's G0 length, mm. */
  rapidLengthMm?: number;
  /** Our feed path minus the reference's (G1 + arcs), mm. */
  feedLengthMm?: number;
  /** Our final work position, where it differs from the reference's. */
  finalPositionMm?: VecMm;
  /** Lines we reject (G-code errors), by line number and Grbl code. */
  errors?: [number, number][];
}

// sheeptile, line 14 `G1 X77.219 Y29.85` comes before any F word: Grbl rejects it (error 22,
// feed rate not set) and so do we; gcode-toolpath moves there.
const SHEEPTILE_LINE14_MM = Math.hypot(77.219, 29.85);
// Without that move, lines 15-16 (`Z15`, `Z3`) stay in G0, the modal motion before it, and
// line 18's short ramp to X77.231 Y29.841 Z2.596 starts from X0 Y0 instead.
const SHEEPTILE_RAMP_FROM_ORIGIN_MM = Math.hypot(77.231, 29.841, 2.735 - 2.596);
const SHEEPTILE_RAMP_MM = Math.hypot(77.231 - 77.219, 29.841 - 29.85, 2.735 - 2.596);
// At the end, `G28 G91 Z0` and `G28 G91 X0 Y0` send Z, then X and Y, to the stored G28
// position (machine zero, never set by G28.1 here) as rapids; gcode-toolpath ignores G28 motion.
const SHEEPTILE_G28_MM = 15 + Math.hypot(2.241, 45.635);

const DIFFERENCES: Record<string, Difference> = {
  'mill_fusion360_sheeptile.nc': {
    reason: 'line 14 rejected (no feed yet, error 22); G28 moves to machine zero at the end',
    errors: [[14, 22]],
    // One motion line less (line 14), two more (the two G28 lines at the end; the G28 at line
    // 6 starts at machine zero already and does not move).
    motionLines: -1 + 2,
    rapidLengthMm: 15 + 12 + SHEEPTILE_G28_MM,
    feedLengthMm:
      -SHEEPTILE_LINE14_MM - 15 - 12 - SHEEPTILE_RAMP_MM + SHEEPTILE_RAMP_FROM_ORIGIN_MM,
    finalPositionMm: { x: 0, y: 0, z: 0 },
  },
  'mill_helical_thread_G91_R_inch.gcode': {
    // Grbl has no cutter compensation: G42 is error 20, and the line does nothing (as
    // gcode-toolpath, which ignores it); the path is the uncompensated one in both.
    reason: 'line 5 `G42 D08` rejected: cutter compensation is not supported (error 20)',
    errors: [[5, 20]],
  },
};

const settings: MotionSettings = motionSettingsFromConfig(loadMachineConfig());
const files = referenceFiles();

/** Lines that moved, by gcode-toolpath's count: each callback is one block, arcs included. */
function referenceMotionLines(ref: ReferenceFile): number {
  return ref.moves.total - ref.moves.g0ZeroLength - ref.moves.g1ZeroLength + ref.arcs.total;
}

/**
 * Chords are shorter than their arcs: a chord of an arc of radius r with sagitta s (at most
 * arcToleranceMm) is shorter by about s/(3r) of its length. Bound it by the tolerance over
 * the smallest radius worth meaning (0.5 mm), plus float noise.
 */
function feedToleranceMm(ref: ReferenceFile): number {
  return (
    ref.lengthsMm.arcs * (settings.arcToleranceMm / (3 * 0.5)) + 1e-6 * ref.lengthsMm.feedTotal
  );
}

describe.skipIf(!haveCorpus)('real G-code against gcode-toolpath 3.0.0 (reference.json)', () => {
  it('has the corpus', () => {
    expect(files.length).toBeGreaterThanOrEqual(14);
  });

  for (const ref of files) {
    it(ref.file, async () => {
      const diff = DIFFERENCES[ref.file] ?? { reason: 'none' };
      const stats: PipelineStats = await planFile(join(gcodeDir, ref.file), settings, {
        stopOnSpindleChange: !ref.file.startsWith('laser_'),
      });
      expect(stats.lines).toBe(ref.lines);
      expect(stats.errors.map((e) => [e.line, e.code])).toEqual(diff.errors ?? []);
      expect(stats.motionLines).toBe(referenceMotionLines(ref) + (diff.motionLines ?? 0));
      expect(stats.rapidLengthMm).toBeCloseTo(ref.lengthsMm.g0 + (diff.rapidLengthMm ?? 0), 4);
      const feedDiffMm = stats.feedLengthMm - ref.lengthsMm.feedTotal - (diff.feedLengthMm ?? 0);
      // Chords never exceed their arc, and fall short by no more than the tolerance allows.
      expect(feedDiffMm).toBeLessThanOrEqual(1e-6 * ref.lengthsMm.feedTotal + 1e-4);
      expect(feedDiffMm).toBeGreaterThanOrEqual(-feedToleranceMm(ref) - 1e-4);
      const finalMm = diff.finalPositionMm ?? ref.finalPosition;
      for (const axis of AXES) {
        expect(stats.finalWorkPositionMm[axis]).toBeCloseTo(finalMm[axis], 3);
      }
      // Steps follow the machine position exactly (round to nearest).
      const spm = [
        settings.axes.x.stepsPerMm,
        settings.axes.y.stepsPerMm,
        settings.axes.z.stepsPerMm,
      ];
      AXES.forEach((axis, i) => {
        // (+ 0 turns the -0 of a position a hair below zero into 0.)
        expect(stats.steps[i]).toBe(Math.round(stats.finalPositionMm[axis] * spm[i]) + 0);
      });
      // Our box includes arc chord ends (the reference only move ends): it can only be larger.
      const bounds = stats.boundsMm;
      expect(bounds).not.toBeNull();
      if (bounds !== null) {
        for (const axis of AXES) {
          expect(bounds.min[axis]).toBeLessThanOrEqual(ref.bboxAllEndpoints.min[axis] + 1e-6);
          expect(bounds.max[axis]).toBeGreaterThanOrEqual(ref.bboxAllEndpoints.max[axis] - 1e-6);
          if (ref.arcs.total === 0) {
            expect(bounds.min[axis]).toBeCloseTo(ref.bboxAllEndpoints.min[axis], 6);
            expect(bounds.max[axis]).toBeCloseTo(ref.bboxAllEndpoints.max[axis], 6);
          }
        }
      }
      expect(stats.durationS).toBeGreaterThan(0);
    });
  }
});
