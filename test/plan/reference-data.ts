// The shape of ../shared/gcode/reference.json (made with gcode-toolpath 3.0.0), as far as
// the reference tests read it.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { VecMm } from '../../motion/types.js';
import { projectRoot } from './cli-run.js';

export interface ReferenceFile {
  file: string;
  lines: number;
  moves: { g0: number; g1: number; total: number; g0ZeroLength: number; g1ZeroLength: number };
  arcs: { total: number; g2: number; g3: number; fullCircles: number };
  lengthsMm: { g0: number; g1: number; arcs: number; feedTotal: number };
  finalPosition: VecMm;
  bboxAllEndpoints: { min: VecMm; max: VecMm };
}

export const gcodeDir = resolve(projectRoot, '../shared/gcode');
const referencePath = join(gcodeDir, 'reference.json');

/** True when the shared corpus is here (a clone outside the team does not have it). */
export const haveCorpus = existsSync(referencePath);

/** The reference entries, or none without the corpus. */
export function referenceFiles(): ReferenceFile[] {
  if (!haveCorpus) return [];
  return (JSON.parse(readFileSync(referencePath, 'utf8')) as { files: ReferenceFile[] }).files;
}
