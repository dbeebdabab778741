// Line syntax: words, numbers, whitespace, comments, %, block delete, and the word-level
// errors Grbl raises while reading a line.
import { describe, expect, it } from 'vitest';
import { Interpreter } from '../../../motion/gcode/interpreter.js';
import { expectRefused, interp, moves, run } from './helpers.js';

describe('G-code syntax', () => {
  it('reads packed words, spaces inside words, lower case and trailing dots', () => {
    const g = interp();
    const m = moves(run(g, 'G1X94.9F4000S0', 'g1 x1.5 y-2 f100.', 'G00 Z 5.0000', 'G0X-.5Y+.25'));
    expect(m.map((x) => x.targetMm)).toEqual([
      { x: 94.9, y: 0, z: 0 },
      { x: 1.5, y: -2, z: 0 },
      { x: 1.5, y: -2, z: 5 },
      { x: -0.5, y: 0.25, z: 5 },
    ]);
    expect(m[0].feedMmMin).toBe(4000);
    expect(m[1].feedMmMin).toBe(100);
    expect(m[2].rapid).toBe(true);
  });

  it('parses decimals to the same double as parseFloat', () => {
    const g = interp();
    const values = ['135.8667', '-52.4797', '0.0939', '1234.56789012', '0.1', '0.3', '99.99'];
    // Either side of the fast path's 9 digits (an int32 mantissa), up to 15 (exact in a double).
    values.push('999999999', '-0.99999999', '1234567890', '9999.999999', '0.0000000001');
    values.push('123456789012345', '-1234567.89012345', '12345678901234.5', '00000000012.5');
    for (const v of values) {
      const m = moves(run(g, 'G90 G0 X0', `X${v}`));
      expect(m[m.length - 1].targetMm.x).toBe(parseFloat(v));
    }
  });

  it('ignores ( ) comments anywhere, ; to the end of line, and unclosed comments', () => {
    const g = interp();
    const m = moves(
      run(
        g,
        '(header) G0 X1 (mid) Y2 ; Z9 ignored',
        'G0 X(inside a word)3',
        '(unclosed G0 X50',
        ';G0 X60',
      ),
    );
    expect(m.map((x) => x.targetMm)).toEqual([
      { x: 1, y: 2, z: 0 },
      { x: 3, y: 2, z: 0 },
    ]);
  });

  it('accepts empty lines, N words and % delimiter lines without action', () => {
    const g = interp();
    for (const text of ['', '   ', '\r', '%', '  %  (program start)', 'N10', '\ufeff%']) {
      const r = g.interpretLine(text, 1);
      expect(r).toEqual({ ok: true, actions: [] });
    }
    expect(moves(run(g, 'N20 G0 X4'))[0].targetMm.x).toBe(4);
  });

  it('runs a /-block when block delete is off (Grbl), skips it when on', () => {
    const off = interp();
    expect(moves(run(off, '/G0 X5'))[0].targetMm.x).toBe(5);
    const on = new Interpreter({ arcToleranceMm: 0.002, blockDelete: true });
    expect(on.interpretLine('  /G0 X5', 1)).toEqual({ ok: true, actions: [] });
    expect(on.positionMm().x).toBe(0);
  });

  it('refuses a non-letter word start with error 1', () => {
    const g = interp();
    expectRefused(g, '#1=5', 1);
    expectRefused(g, 'G0 X1 *', 1);
    expectRefused(g, 'G0 X1..2', 1);
  });

  it('refuses a missing or malformed number with error 2', () => {
    const g = interp();
    expectRefused(g, 'G0 X', 2);
    expectRefused(g, 'G0 X-', 2);
    expectRefused(g, 'G0 X.', 2);
    expectRefused(g, 'GX1', 2);
    expectRefused(g, `G0 X${'9'.repeat(400)}`, 2);
  });

  it('refuses $ system commands with error 3', () => {
    expectRefused(interp(), '$H', 3);
  });

  it('refuses negative F, S, P, T, N with error 4', () => {
    const g = interp();
    for (const text of ['F-1', 'S-100', 'G4 P-1', 'T-1', 'N-5 G0 X1']) expectRefused(g, text, 4);
  });

  it('refuses unsupported commands and letters with error 20', () => {
    const g = interp();
    const lines = [
      'G41 D1',
      'G42',
      'G81 X1 Y1 Z-1 R1',
      'G43 H1',
      'G38.1 X1',
      'G28.2',
      'G92.2',
      'G90.1',
      'G61.1',
      'G64.1',
      'G12',
      'G-1',
      'M48',
      'M56',
      'M-3',
      'A10',
      'G0 B5',
      'D3',
      'H1',
      'E5',
      'Q1',
    ];
    for (const text of lines) expectRefused(g, text, 20);
  });

  it('refuses two commands of one modal group with error 21', () => {
    const g = interp();
    for (const text of [
      'G1 G80 X1',
      'G20 G21',
      'G90 G91',
      'G17 G18',
      'G54 G55',
      'M3 M5',
      'M7 M8',
      'G4 P1 G53 G0 X1',
      'M0 M2',
      'G80 G0',
    ]) {
      expectRefused(g, text, 21);
    }
  });

  it('refuses non-integer command numbers with error 23', () => {
    const g = interp();
    for (const text of ['G1.5 X1', 'M3.5', 'G54.1', 'G10.5 L2 P1 X0', 'G17.2'])
      expectRefused(g, text, 23);
  });

  it('refuses two axis-word commands in one block with error 24', () => {
    const g = interp();
    // Two motion words trip the axis-word check before the modal-group one, as in Grbl.
    for (const text of [
      'G0 G1 X1',
      'G0 G92 X0',
      'G28 G1 X0',
      'G10 L2 P1 G0 X0',
      'G43.1 G1 Z1',
      'G30 G49',
    ]) {
      expectRefused(g, text, 24);
    }
  });

  it('refuses a repeated word with error 25', () => {
    const g = interp();
    for (const text of ['G0 X1 X2', 'F10 F20', 'S1 S2', 'G2 X1 I1 I2', 'N1 N2'])
      expectRefused(g, text, 25);
  });

  it('refuses a line number above 10,000,000 with error 27', () => {
    expectRefused(interp(), 'N10000001 G0 X1', 27);
  });

  it('refuses a tool number above 255 with error 38', () => {
    expectRefused(interp(), 'T256', 38);
    expect(interp().interpretLine('T255', 1).ok).toBe(true);
  });

  it('keeps going after a refused line', () => {
    const g = interp();
    expect(g.interpretLine('G0 X1 X2', 1).ok).toBe(false);
    expect(moves(run(g, 'G0 X3'))[0].targetMm.x).toBe(3);
  });
});
