// `$J=` jog lines: Grbl 1.1's allowed words, units, distance modes, G53, and that the
// interpreter's state is only read.
import { describe, expect, it } from 'vitest';
import { parseJog } from '../../../motion/gcode/jog.js';
import { interp, run, snapshot } from './helpers.js';

describe('parseJog', () => {
  it('jogs relative with G91, absolute in work coordinates with G90, machine with G53', () => {
    const g = interp({ x: 1, y: 2, z: 3 });
    run(g, 'G10 L2 P1 X10 Y10', 'M3 S100');
    const before = snapshot(g);
    const rel = parseJog('$J=G91 X10 Z-1 F500', g, 7);
    expect(rel).toEqual({
      ok: true,
      move: {
        kind: 'move',
        line: 7,
        targetMm: { x: 11, y: 2, z: 2 },
        rapid: false,
        feedMmMin: 500,
        inverseTimeS: undefined,
        spindle: { mode: 'cw', speedRpm: 100 },
        probe: undefined,
        lineNumber: undefined,
        noFeedOverride: true,
      },
    });
    const abs = parseJog('G90 X5 F100', g, 1);
    expect(abs.ok && abs.move.targetMm).toEqual({ x: 15, y: 2, z: 3 });
    const machine = parseJog('$j=G53 X5 Y-1 F100', g, 1);
    expect(machine.ok && machine.move.targetMm).toEqual({ x: 5, y: -1, z: 3 });
    expect(snapshot(g)).toEqual(before);
  });

  it('uses the modal distance and units unless the jog line names its own', () => {
    const g = interp();
    run(g, 'G20 G91');
    const inch = parseJog('X1 F10', g, 1);
    expect(inch.ok && inch.move.targetMm.x).toBeCloseTo(25.4, 12);
    expect(inch.ok && inch.move.feedMmMin).toBeCloseTo(254, 12);
    const mm = parseJog('G21 G90 X1 F10', g, 1);
    expect(mm.ok && mm.move.targetMm.x).toBe(1);
    expect(mm.ok && mm.move.feedMmMin).toBe(10);
    expect(g.modalReport()).toContain('G20 G91');
  });

  it('refuses what Grbl refuses, with its codes', () => {
    const g = interp();
    const cases: [string, number][] = [
      ['$J=G91 X10', 22],
      ['$J=X10 F0', 22],
      ['$J=G0 X10 F100', 16],
      ['$J=G1 X10 F100', 16],
      ['$J=M3 X10 F100', 16],
      ['$J=G92 X10 F100', 16],
      ['$J=G54 X10 F100', 16],
      ['$J=G93 X10 F100', 16],
      ['$J=X10 F100 S1000', 36],
      ['$J=X10 F100 P1', 36],
      ['$J=F100', 26],
      ['$J=X1 X2 F100', 25],
      ['$J=X F100', 2],
      ['$J=%', 16],
      ['$JX1 F100', 3],
    ];
    for (const [text, code] of cases) {
      const r = parseJog(text, g, 9);
      expect(r.ok, text).toBe(false);
      if (!r.ok) {
        expect(r.error.code, text).toBe(code);
        expect(r.error.line).toBe(9);
      }
    }
  });
});
