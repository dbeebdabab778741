// Lines read in place from a whole job's text: interpretAt and interpretInPlace find where
// each line ends (LF, CR LF, lone CR, or the range's end) and act exactly as interpretLine
// does on the same line cut out.
import { describe, expect, it } from 'vitest';
import type { Interpreter } from '../../../motion/gcode/interpreter.js';
import type { LineResult, MachineAction } from '../../../motion/types.js';
import { interp, moves, snapshot } from './helpers.js';

const encoder = new TextEncoder();

/** Every line of text through interpretAt: the results and where each line started. */
function readAll(g: Interpreter, text: string): { starts: number[]; results: LineResult[] } {
  const bytes = encoder.encode(text);
  const starts: number[] = [];
  const results: LineResult[] = [];
  for (let start = 0; start < bytes.length; start = g.nextLineStart()) {
    starts.push(start);
    results.push(g.interpretAt(bytes, start, bytes.length, results.length + 1));
  }
  return { starts, results };
}

describe('interpretAt', () => {
  it('ends lines at LF, CR LF and lone CR, and says where the next one starts', () => {
    const text = 'G1 X1 F600\r\nG0 Y2\rG0 Z3\n\nG0 X4';
    const { starts, results } = readAll(interp(), text);
    expect(starts).toEqual([0, 12, 18, 24, 25]);
    const targets = results.flatMap((r) => moves(r.actions).map((m) => m.targetMm));
    expect(targets).toEqual([
      { x: 1, y: 0, z: 0 },
      { x: 1, y: 2, z: 0 },
      { x: 1, y: 2, z: 3 },
      { x: 4, y: 2, z: 3 },
    ]);
    expect(results[3]).toEqual({ ok: true, actions: [] });
  });

  it('stops at the range end: a number there ends too', () => {
    const g = interp();
    const r = g.interpretAt(encoder.encode('G0 X12 Y5'), 0, 5, 1);
    expect(moves(r.actions).map((m) => m.targetMm)).toEqual([{ x: 1, y: 0, z: 0 }]);
    expect(g.nextLineStart()).toBe(5);
  });

  it('ends unclosed comments, ; comments, % and refused lines at their own line break', () => {
    const text = '(open G0 X9\n; G0 X8\n%\nG0 X1 *\nG0 X2 (shut) Y3\n/G0 Z1';
    const { starts, results } = readAll(interp(), text);
    expect(starts).toEqual([0, 12, 20, 22, 30, 46]);
    expect(results.map((r) => (r.ok ? 0 : r.error.code))).toEqual([0, 0, 0, 1, 0, 0]);
    expect(results[3].ok ? 0 : results[3].error.line).toBe(4);
    const targets = results.flatMap((r) => moves(r.actions).map((m) => m.targetMm));
    expect(targets).toEqual([
      { x: 2, y: 3, z: 0 },
      { x: 2, y: 3, z: 1 },
    ]);
  });

  it('joins no words across a line break, even inside a number', () => {
    const { results } = readAll(interp(), 'G0 X1\n2 Y3\nG0 X-\n5');
    expect(results.map((r) => (r.ok ? 0 : r.error.code))).toEqual([0, 1, 2, 1]);
    expect(moves(results[0].actions)[0].targetMm.x).toBe(1);
  });
});

describe('bytes beyond ASCII', () => {
  it('are ignored in comments, refused elsewhere (error 1); a BOM is a blank anywhere', () => {
    const text = '\ufeffG0 X1 (température ∅ 5°)\nG0 X2 é\nG0 X\ufeff3 ; ∅\r\nG0 Y1';
    const { starts, results } = readAll(interp(), text);
    expect(starts).toEqual([0, 32, 41, 57]);
    expect(results.map((r) => (r.ok ? 0 : r.error.code))).toEqual([0, 1, 0, 0]);
    const targets = results.flatMap((r) => moves(r.actions).map((m) => m.targetMm));
    expect(targets).toEqual([
      { x: 1, y: 0, z: 0 },
      { x: 3, y: 0, z: 0 },
      { x: 3, y: 1, z: 0 },
    ]);
    const g = interp();
    expect(moves(g.interpretLine('\ufeffG0 X\ufeff4 (∅)', 1).actions)[0].targetMm.x).toBe(4);
    expect(g.interpretLine('G0 X5 Ř5', 2).ok).toBe(false);
    expect(g.interpretLine(`G0 X6 (${'∅'.repeat(2000)})`, 3).ok).toBe(true);
    expect(g.positionMm().x).toBe(6);
  });
});

describe('interpretLine', () => {
  it('takes a trailing line break, and refuses words after one (another line) with error 1', () => {
    const g = interp();
    expect(moves(g.interpretLine('G0 X1\r\n', 1).actions)[0].targetMm.x).toBe(1);
    const before = snapshot(g);
    const r = g.interpretLine('G0 X2\nG0 Y2', 2);
    expect(r.ok ? 0 : r.error.code).toBe(1);
    expect(snapshot(g)).toEqual(before);
  });
});

describe('interpretInPlace', () => {
  it('produces the actions interpretLine does, line after line, without a result', () => {
    const lines = [
      'G21 G90 M4 S0',
      'G1 X1 F600 S40',
      'G1 X2 S40',
      'G2 X4 Y0 I1',
      'G4 P0.5',
      'G1 X5 F-1',
      'M8 M5',
      'M30',
    ];
    const text = encoder.encode(lines.join('\r\n'));
    const inPlace = interp();
    const byLine = interp();
    let start = 0;
    lines.forEach((line, k) => {
      const n = inPlace.interpretInPlace(text, start, text.length, k + 1);
      start = inPlace.nextLineStart();
      const expected = byLine.interpretLine(line, k + 1);
      if (!expected.ok) {
        expect(n).toBe(-1);
        expect(inPlace.lastError()).toEqual(expected.error);
        return;
      }
      const actions: MachineAction[] = [];
      for (let i = 0; i < n; i++) actions.push(inPlace.actionAt(i));
      expect(actions).toEqual(expected.actions);
    });
    expect(start).toBe(text.length);
    expect(snapshot(inPlace)).toEqual(snapshot(byLine));
  });
});

describe('mixed entry points', () => {
  it('give each line its own actions, whichever read the line before', () => {
    const g = interp();
    const bytes = encoder.encode('M3 S100 G1 X1 F600\nG2 X3 Y0 I1');
    expect(g.interpretInPlace(bytes, 0, bytes.length, 1)).toBe(2);
    const r = g.interpretLine('M5', 2);
    expect(r.actions.map((a) => a.kind)).toEqual(['spindle']);
    const arcChords = g.interpretInPlace(bytes, g.nextLineStart(), bytes.length, 3);
    expect(arcChords).toBeGreaterThan(20);
    expect(g.interpretAt(encoder.encode('G0 Y1'), 0, 5, 4).actions.length).toBe(1);
    expect(g.interpretInPlace(encoder.encode('G0 Y2'), 0, 5, 5)).toBe(1);
    const last = g.actionAt(0);
    expect(last.kind === 'move' && last.targetMm.y).toBe(2);
  });
});

describe('number reading', () => {
  it('gives the double parseFloat gives, packed, spaced or commented', () => {
    // A fixed pseudo-random sweep over 1..15 significant digits and every dot position.
    let seed = 12345;
    const next = (): number => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed;
    };
    const g = interp();
    for (let n = 0; n < 2000; n++) {
      const digitCount = 1 + (next() % 15);
      let digits = '';
      for (let d = 0; d < digitCount; d++) digits += String(next() % 10);
      const dot = next() % (digitCount + 1);
      const sign = next() % 2 === 0 ? '-' : '';
      const value = `${sign}${digits.slice(0, dot)}.${digits.slice(dot)}`;
      const expected = parseFloat(value);
      const spaced = `${sign} ${digits.slice(0, dot)} (c).${digits.slice(dot)}`;
      for (const text of [`G90G0X${value}`, `G90 G0 X${spaced} `]) {
        const r = g.interpretLine(text, 1);
        expect(r.ok, text).toBe(true);
        // -0 + the (zero) offsets is +0.
        expect(g.positionMm().x, text).toBe(expected + 0);
      }
      g.setPositionMm({ x: 1e9, y: 0, z: 0 });
    }
  });

  it('reads blanks inside a number as Grbl does (X1 2.5 is X12.5), and 16+ digits', () => {
    const g = interp();
    const cases: [string, number][] = [
      ['G0 X1 2.5', 12.5],
      ['G0 X+3', 3],
      ['G0 X- 4', -4],
      ['G0 X5(c)6', 56],
      ['G0 X123456789012.3456', 123456789012.3456],
      ['G0 X.000000000000000001', 1e-18],
    ];
    for (const [text, x] of cases) {
      expect(moves(g.interpretLine(text, 1).actions)[0].targetMm.x, text).toBe(x);
    }
  });
});

describe('spindle states', () => {
  it('are shared per whole and fractional speed alike, large or small, S-0 apart', () => {
    const g = interp();
    const stateOf = (text: string) => {
      const r = g.interpretLine(text, 1);
      const a = r.actions.find((x) => x.kind === 'spindle');
      if (a?.kind !== 'spindle') throw new Error(`${text} set no spindle`);
      return a.spindle;
    };
    for (const s of ['1023', '1024', '12.5', '24000', '0']) {
      const first = stateOf(`M3 S${s}`);
      stateOf('M3 S7');
      expect(stateOf(`M3 S${s}`), s).toBe(first);
      expect(first).toEqual({ mode: 'cw', speedRpm: Number(s) });
    }
    const negativeZero = stateOf('M4 S-0');
    expect(Object.is(negativeZero.speedRpm, -0)).toBe(true);
    stateOf('M4 S5');
    const zero = stateOf('M4 S0');
    expect(Object.is(zero.speedRpm, 0)).toBe(true);
    expect(zero).not.toBe(negativeZero);
  });
});
