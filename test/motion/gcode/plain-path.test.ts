// Plain G0/G1 lines (axis words with at most F and S, in mm and G94) take a short path
// through the interpreter. The same line with a G94 word in front takes the general one:
// both must give the same actions (signed zeros included), errors and state.
import { describe, expect, it } from 'vitest';
import { Interpreter } from '../../../motion/gcode/interpreter.js';
import { run, snapshot } from './helpers.js';

/** Two interpreters in the same state, one for each path. */
function twins(setup: string[]): [Interpreter, Interpreter] {
  const reachMm = { x: 100, y: 100, z: 100 };
  const short = new Interpreter({ arcToleranceMm: 0.002, reachMm });
  const general = new Interpreter({ arcToleranceMm: 0.002, reachMm });
  run(short, ...setup);
  run(general, ...setup);
  return [short, general];
}

/** Feeds each line to both twins (the general one with G94 first) and compares everything. */
function expectSamePaths(setup: string[], lines: string[]): void {
  const [short, general] = twins(setup);
  lines.forEach((text, k) => {
    const viaShort = short.interpretLine(text, k + 1);
    const viaGeneral = general.interpretLine(`G94 ${text}`, k + 1);
    expect(viaShort, text).toEqual(viaGeneral);
    expect(snapshot(short), text).toEqual(snapshot(general));
  });
}

describe('the plain G0/G1 path', () => {
  it('targets through the work offsets, G92 and the tool length, keeping -0 as the general path does', () => {
    expectSamePaths(
      ['G10 L2 P1 X1.5 Y-2 Z0.25', 'G43.1 Z0.5'],
      ['G1 X-0 Y0 F300', 'X1.25', 'Z-0', 'G0 X-0 Y-0 Z-0', 'G92 X1 Y1 Z1', 'G1 X2 Y-3 Z-0.5'],
    );
    expectSamePaths([], ['G0 X-0', 'G1 Y-0 F100', 'Z-0', 'X0 Y0 Z0']);
  });

  it('adds G91 steps to the position', () => {
    expectSamePaths(
      ['G91', 'G1 F200'],
      ['X0.1 Y-0.1', 'Z-0', 'X0.1 Y0.2 Z0.3', 'G0 X-0.3', 'Y0.1 F50', 'X-0 Y-0 Z-0'],
    );
  });

  it('announces S changes only while the spindle runs, and moves carry the state', () => {
    expectSamePaths(
      ['M3 S100 F1000'],
      ['G1 X1 S200', 'X2 S200', 'S0 X3', 'X4 S-0', 'X5 S1023.5', 'X6 S5000', 'X7 S1024'],
    );
    expectSamePaths(['M5 F1000'], ['G1 X1 S200', 'X2 S0', 'X3 S300.25']);
    expectSamePaths(['M4 F1000'], ['G1 X1 S200', 'X2 S0', 'X3 S300.25', 'X4 S200']);
  });

  it('refuses what the general path refuses, with its codes', () => {
    expectSamePaths([], ['G1 X1', 'G1 X1 F0', 'G0 X101', 'G0 X50 Y-101', 'G1 Z100.5 F10']);
    expectSamePaths(['G91 G0 X99'], ['X1', 'X1', 'Y-100.5']);
    expectSamePaths(
      ['G0 X1'],
      ['X1 X2', 'Y1 Y2', 'Z2 Z1', 'X1 F-1', 'S-1 X2', 'G1 G0 X3', 'G1 G1 X3', 'G1 X2 F100'],
    );
    expectSamePaths([], ['G1.0 X1 F-0', 'G01 Y2 F10', 'G0.5 X1', 'G-0 X2', 'G28 G1 X1']);
  });

  it('leaves inches, other motion modes and other words to the general path', () => {
    expectSamePaths(['G20 F10'], ['G1 X1 Y-1', 'G0 Z0.5']);
    expectSamePaths(['G80'], ['X1']);
    expectSamePaths(['G1 F100'], ['X1 T2', 'X2 N5', 'X3 M8', 'G2 X4 R5', 'X4 Y1 P1']);
  });
});
