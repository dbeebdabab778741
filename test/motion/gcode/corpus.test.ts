// Interpret every real-world file in ../shared/gcode: only the errors stock Grbl 1.1 would
// raise (minus what we accept beyond it: %, M6, G64) and the final positions of the
// reference (gcode-toolpath), except where that package ignores a command we execute.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Interpreter } from '../../../motion/gcode/interpreter.js';
import type { VecMm } from '../../../motion/types.js';
import { expectNear } from './helpers.js';

const CORPUS_DIR = fileURLToPath(new URL('../../../../shared/gcode/', import.meta.url));
const present = existsSync(`${CORPUS_DIR}reference.json`);

interface ReferenceFile {
  file: string;
  finalPosition: VecMm;
  moves: { total: number; g0ZeroLength: number; g1ZeroLength: number };
  arcs: { total: number };
}

/** Errors Grbl 1.1 raises on these files, and why. */
const EXPECTED_ERRORS: Record<string, { line: number; code: number }[]> = {
  // Cutter radius compensation (G42 D08) is unsupported: error 20; the G3 arcs still run.
  'mill_helical_thread_G91_R_inch.gcode': [{ line: 5, code: 20 }],
  // The first G1 comes before any F word: Grbl refuses it with error 22 (the file relies on
  // a feed left over from an earlier job); the Z moves after it run as G0 (still modal).
  'mill_fusion360_sheeptile.nc': [{ line: 14, code: 22 }],
};

/** Final work positions that differ from gcode-toolpath's, with the reason. */
const EXPECTED_FINAL: Record<string, VecMm> = {
  // The file ends with G28 G91 Z0 / G28 G91 X0 Y0: we go to the stored G28 point (machine
  // 0,0,0 here); gcode-toolpath ignores G28 motion.
  'mill_fusion360_sheeptile.nc': { x: 0, y: 0, z: 0 },
};

describe.skipIf(!present)('real-world G-code corpus (../shared/gcode)', () => {
  const reference = present
    ? (JSON.parse(readFileSync(`${CORPUS_DIR}reference.json`, 'utf8')) as {
        files: ReferenceFile[];
      })
    : { files: [] };

  it('has a reference entry for every G-code file', () => {
    const files = readdirSync(CORPUS_DIR).filter((f) => /\.(gcode|nc|ngc)$/.test(f));
    expect(files.sort()).toEqual(reference.files.map((f) => f.file).sort());
  });

  for (const ref of reference.files) {
    it(`${ref.file}: expected errors only, final position, move count`, () => {
      const text = readFileSync(`${CORPUS_DIR}${ref.file}`, 'utf8');
      const g = new Interpreter({ arcToleranceMm: 0.002 });
      const errors: { line: number; code: number }[] = [];
      let moves = 0;
      text.split(/\r?\n/).forEach((line, k) => {
        const r = g.interpretLine(line, k + 1);
        if (!r.ok) errors.push({ line: r.error.line, code: r.error.code });
        else for (const a of r.actions) if (a.kind === 'move') moves++;
      });
      expect(errors).toEqual(EXPECTED_ERRORS[ref.file] ?? []);
      expectNear(g.workPositionMm(), EXPECTED_FINAL[ref.file] ?? ref.finalPosition, 1e-6);
      if (ref.arcs.total === 0) {
        // Without arcs every non-zero move is one of ours; zero-length ones we drop.
        expect(moves).toBe(ref.moves.total - ref.moves.g0ZeroLength - ref.moves.g1ZeroLength);
      }
    });
  }
});
