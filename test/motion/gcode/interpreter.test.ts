// The modal interpreter: motion modes, units, distance modes, offsets, homes, probing,
// dwell, spindle/coolant/program flow, inverse time, and the errors of each, by Grbl 1.1.
import { describe, expect, it } from 'vitest';
import { stepRangeMm } from '../../../motion/kinematics.js';
import { Interpreter } from '../../../motion/gcode/interpreter.js';
import { expectNear, expectRefused, interp, moves, run } from './helpers.js';

describe('G0/G1 and modal continuation', () => {
  it('moves rapid and feed, and repeats the motion mode for axis-only lines', () => {
    const g = interp();
    const m = moves(run(g, 'G0 X10 Y5', 'Z2', 'G1 Z-1 F300', 'X20', 'Y10 F600'));
    expect(m.map((x) => [x.rapid, x.targetMm, x.feedMmMin])).toEqual([
      [true, { x: 10, y: 5, z: 0 }, 0],
      [true, { x: 10, y: 5, z: 2 }, 0],
      [false, { x: 10, y: 5, z: -1 }, 300],
      [false, { x: 20, y: 5, z: -1 }, 300],
      [false, { x: 20, y: 10, z: -1 }, 600],
    ]);
    expect(
      m.every((x) => x.line >= 1 && x.inverseTimeS === undefined && x.probe === undefined),
    ).toBe(true);
    expect(g.positionMm()).toEqual({ x: 20, y: 10, z: -1 });
  });

  it('emits nothing for zero-length moves, F-only and S-only lines', () => {
    const g = interp({ x: 1, y: 2, z: 3 });
    expect(run(g, 'G0 X1 Y2 Z3', 'G1 X1 F100', 'F200', 'S1000', 'G0', 'G1')).toEqual([]);
    expect(g.modalReport()).toBe('G1 G54 G17 G21 G90 G94 M5 M9 T0 F200 S1000');
  });

  it('refuses feed motion without a feed rate (22), and F0 (22)', () => {
    const g = interp();
    expectRefused(g, 'G1 X10', 22);
    expectRefused(g, 'G1 X10 F0', 22);
    expectRefused(g, 'G2 X10 I5', 22);
    expectRefused(g, 'G38.2 Z-5', 22);
    run(g, 'G0 X1');
    expect(g.positionMm().x).toBe(1);
  });

  it('G80 cancels the motion mode; axis words after it are error 31', () => {
    const g = interp();
    run(g, 'G1 X1 F100', 'G80');
    expect(g.modalReport().startsWith('G80 ')).toBe(true);
    expectRefused(g, 'X5', 31);
    expectRefused(g, 'G92 X0', 31);
    expect(moves(run(g, 'G0 X5'))).toHaveLength(1);
  });

  it('reports unused value words as error 36', () => {
    const g = interp();
    run(g, 'F100');
    for (const text of ['G0 X1 I1', 'G1 X1 R2', 'P1', 'L2', 'G0 X1 K3', 'R5', 'G10 L20 P1 X0 R1']) {
      expectRefused(g, text, 36);
    }
  });
});

describe('units and distance modes', () => {
  it('G20 converts axis words, feed and arc words to mm on the way in', () => {
    const g = interp();
    const m = moves(run(g, 'G20 G1 X1 Y-0.5 F10'));
    expect(m[0].targetMm).toEqual({ x: 25.4, y: -12.7, z: 0 });
    expect(m[0].feedMmMin).toBeCloseTo(254, 12);
    const [back] = moves(run(g, 'G21 X10'));
    expect(back.targetMm.x).toBe(10);
    expect(back.feedMmMin).toBeCloseTo(254, 12);
    expect(g.modalReport()).toContain('G21');
  });

  it('G91 moves relative to the current position; G90 absolute again', () => {
    const g = interp({ x: 1, y: 1, z: 1 });
    const m = moves(run(g, 'G91 G0 X2', 'X2 Z-1', 'G90 X0'));
    expect(m.map((x) => x.targetMm)).toEqual([
      { x: 3, y: 1, z: 1 },
      { x: 5, y: 1, z: 0 },
      { x: 0, y: 1, z: 0 },
    ]);
  });

  it('G20 G91 accumulates inch steps exactly enough', () => {
    const g = interp();
    run(g, 'G20 G91 G0 X0.1', 'X0.1', 'X0.1');
    expect(g.positionMm().x).toBeCloseTo(7.62, 12);
  });

  it('accepts G91.1, G40, G61, G17..G19 and reflects them where Grbl reports', () => {
    const g = interp();
    expect(run(g, 'G91.1 G40 G61 G19')).toEqual([]);
    expect(g.modalReport()).toBe('G0 G54 G19 G21 G90 G94 M5 M9 T0 F0 S0');
  });

  it('takes G64 P as the corner tolerance (converted from inches)', () => {
    const g = interp();
    expect(run(g, 'G64 P0.01')).toEqual([]);
    expect(g.modal().pathControl).toBe(64);
    expect(g.modal().pathToleranceMm).toBe(0.01);
    run(g, 'G20 G64 P0.001');
    expect(g.modal().pathToleranceMm).toBeCloseTo(0.0254, 12);
    run(g, 'G61');
    expect(g.modal().pathControl).toBe(61);
    expect(g.modal().pathToleranceMm).toBe(0);
  });
});

describe('work offsets', () => {
  it('G10 L2 sets a coordinate system; G54..G59 select it', () => {
    const g = interp();
    run(g, 'G10 L2 P1 X10 Y20', 'G10 L2 P2 X5 Z-3', 'G10 L2 P6 X1 Y1 Z1');
    const p = g.parameters();
    expect(p.wcs.G54).toEqual({ x: 10, y: 20, z: 0 });
    expect(p.wcs.G55).toEqual({ x: 5, y: 0, z: -3 });
    expect(p.wcs.G59).toEqual({ x: 1, y: 1, z: 1 });
    expect(moves(run(g, 'G0 X0 Y0'))[0].targetMm).toEqual({ x: 10, y: 20, z: 0 });
    expect(moves(run(g, 'G55 X1 Y1 Z1'))[0].targetMm).toEqual({ x: 6, y: 1, z: -2 });
    expect(g.workPositionMm()).toEqual({ x: 1, y: 1, z: 1 });
    expect(g.modalReport()).toContain(' G55 ');
  });

  it('G10 L2 P0 and L20 P0 change the active system; L20 makes the current point the value', () => {
    const g = interp({ x: 3, y: 4, z: 5 });
    run(g, 'G56', 'G10 L2 P0 Y7');
    expect(g.parameters().wcs.G56).toEqual({ x: 0, y: 7, z: 0 });
    run(g, 'G10 L20 P0 X1 Z0');
    expect(g.parameters().wcs.G56).toEqual({ x: 2, y: 7, z: 5 });
    expectNear(g.workPositionMm(), { x: 1, y: -3, z: 0 });
    run(g, 'G10 L20 P1 X0 Y0');
    expect(g.parameters().wcs.G54).toEqual({ x: 3, y: 4, z: 0 });
  });

  it('G10 in inches stores mm', () => {
    const g = interp();
    run(g, 'G20 G10 L2 P1 X1');
    expect(g.parameters().wcs.G54.x).toBeCloseTo(25.4, 12);
  });

  it('refuses bad G10 forms: 26 no axis, 28 no P/L, 29 P7, 20 other L or L2 R', () => {
    const g = interp();
    expectRefused(g, 'G10 L2 P1', 26);
    expectRefused(g, 'G10 X1', 28);
    expectRefused(g, 'G10 L2 P7 X1', 29);
    expectRefused(g, 'G10 L3 P1 X1', 20);
    expectRefused(g, 'G10 P1 X1', 20);
    expectRefused(g, 'G10 L2 P1 R1 X1', 20);
  });

  it('G92 shifts the work position to the value; G92.1 clears it', () => {
    const g = interp({ x: 10, y: 0, z: 0 });
    run(g, 'G10 L2 P1 X2', 'G92 X0 Y5');
    expect(g.parameters().g92).toEqual({ x: 8, y: -5, z: 0 });
    expectNear(g.workPositionMm(), { x: 0, y: 5, z: 0 });
    expect(moves(run(g, 'G0 X1 Y0'))[0].targetMm).toEqual({ x: 11, y: -5, z: 0 });
    run(g, 'G92.1');
    expect(g.parameters().g92).toEqual({ x: 0, y: 0, z: 0 });
    expectNear(g.workPositionMm(), { x: 9, y: -5, z: 0 });
    expectRefused(g, 'G92', 26);
  });

  it('G43.1 Z offsets Z targets by the tool length; G49 cancels', () => {
    const g = interp();
    run(g, 'G43.1 Z-2');
    expect(g.parameters().toolLengthMm).toBe(-2);
    expect(g.workPositionMm()).toEqual({ x: 0, y: 0, z: 2 });
    expect(moves(run(g, 'G0 Z1'))[0].targetMm.z).toBe(-1);
    run(g, 'G49');
    expect(g.parameters().toolLengthMm).toBe(0);
    expect(moves(run(g, 'G0 Z1'))[0].targetMm.z).toBe(1);
    expectRefused(g, 'G43.1 X1', 37);
    expectRefused(g, 'G43.1 Z1 X1', 37);
    expectRefused(g, 'G43.1', 37);
  });

  it('G53 moves in machine coordinates for one block, and only with G0/G1', () => {
    const g = interp();
    run(g, 'G10 L2 P1 X100 Y100', 'G91');
    expect(moves(run(g, 'G53 G0 X1 Y2'))[0].targetMm).toEqual({ x: 1, y: 2, z: 0 });
    expect(moves(run(g, 'G90 X1'))[0].targetMm.x).toBe(101);
    run(g, 'G91 F100 G2 X0 Y0 I1');
    expectRefused(g, 'G53 X0', 30);
    expectRefused(g, 'G53 G2 X0 I1', 30);
  });
});

describe('G28/G30 and G28.1/G30.1', () => {
  it('G28.1/G30.1 store the machine position; G28/G30 rapid there', () => {
    const g = interp({ x: 1, y: 2, z: 3 });
    run(g, 'G28.1', 'G0 X50 Y60 Z70', 'G30.1', 'G0 X0 Y0 Z0');
    expect(g.parameters().g28).toEqual({ x: 1, y: 2, z: 3 });
    expect(g.parameters().g30).toEqual({ x: 50, y: 60, z: 70 });
    const home = moves(run(g, 'G28'));
    expect(home.map((m) => [m.rapid, m.targetMm])).toEqual([[true, { x: 1, y: 2, z: 3 }]]);
    expect(moves(run(g, 'G30'))[0].targetMm).toEqual({ x: 50, y: 60, z: 70 });
  });

  it('G28 X.. goes through the intermediate point (work coordinates), then homes only X', () => {
    const g = interp();
    run(g, 'G10 L2 P1 X10', 'G28.1', 'G0 X20 Y5');
    const m = moves(run(g, 'G28 X4'));
    expect(m.map((x) => x.targetMm)).toEqual([
      { x: 14, y: 5, z: 0 },
      { x: 0, y: 5, z: 0 },
    ]);
    expect(m.every((x) => x.rapid)).toBe(true);
  });

  it('G28 G91 Z0 lifts only Z home and leaves G91 active (as Fusion posts rely on)', () => {
    const g = interp({ x: 5, y: 5, z: -2 });
    run(g, 'G28.1');
    run(g, 'G0 X7 Y8 Z-10');
    const m = moves(run(g, 'G28 G91 Z0'));
    expect(m.map((x) => x.targetMm)).toEqual([{ x: 7, y: 8, z: -2 }]);
    expect(g.modalReport()).toContain(' G91 ');
    expect(moves(run(g, 'G28 G91 X0 Y0')).map((x) => x.targetMm)).toEqual([{ x: 5, y: 5, z: -2 }]);
  });
});

describe('probing G38.2..G38.5', () => {
  it('emits a probe move with the mode, and needs axis words and a target elsewhere', () => {
    const g = interp();
    const cases: [string, boolean, boolean][] = [
      ['G38.2 Z-10 F50', true, true],
      ['G38.3 Z-20', true, false],
      ['G38.4 Z-10', false, true],
      ['G38.5 Z-30', false, false],
    ];
    for (const [text, towards, errorOnFail] of cases) {
      const [m] = moves(run(g, text));
      expect(m.probe).toEqual({ towards, errorOnFail });
      expect(m.rapid).toBe(false);
      expect(m.feedMmMin).toBe(50);
    }
    expect(g.positionMm().z).toBe(-30);
    expectRefused(g, 'G38.2', 26);
    expectRefused(g, 'G38.2 Z-30', 33);
    expect(moves(run(g, 'Z-40'))[0].probe).toEqual({ towards: false, errorOnFail: false });
  });
});

describe('dwell, spindle, coolant, tool change, program flow', () => {
  it('G4 P emits a dwell in seconds; P is required (28)', () => {
    const g = interp();
    expect(run(g, 'G4 P1.5')).toEqual([{ kind: 'dwell', line: 1, timeS: 1.5 }]);
    expectRefused(g, 'G4', 28);
  });

  it('M3/M4/M5 and S emit spindle actions on change and moves carry the state', () => {
    const g = interp();
    const a = run(g, 'S19000M3', 'G1 X1 F100', 'S12000', 'M4', 'M5', 'S500', 'G1 X2', 'M3');
    expect(
      a.map((x) => (x.kind === 'spindle' ? x.spindle : x.kind === 'move' ? x.spindle : x.kind)),
    ).toEqual([
      { mode: 'cw', speedRpm: 19000 },
      { mode: 'cw', speedRpm: 19000 },
      { mode: 'cw', speedRpm: 12000 },
      { mode: 'ccw', speedRpm: 12000 },
      { mode: 'off', speedRpm: 12000 },
      { mode: 'off', speedRpm: 500 },
      { mode: 'cw', speedRpm: 500 },
    ]);
    expect(a[0].line).toBe(1);
    expect(run(g, 'M3', 'S500')).toEqual([]);
  });

  it('a line that changes S and moves announces the spindle first, then the move carries it', () => {
    const g = interp();
    run(g, 'M4 S0 F1000');
    const a = run(g, 'G1 X1 S65');
    expect(a.map((x) => x.kind)).toEqual(['spindle', 'move']);
    expect(a[1].kind === 'move' && a[1].spindle).toEqual({ mode: 'ccw', speedRpm: 65 });
  });

  it('M7/M8/M9 emit coolant on change', () => {
    const g = interp();
    expect(run(g, 'M7', 'M8', 'M8', 'M9', 'M9')).toEqual([
      { kind: 'coolant', line: 1, mist: true, flood: false },
      { kind: 'coolant', line: 2, mist: true, flood: true },
      { kind: 'coolant', line: 4, mist: false, flood: false },
    ]);
  });

  it('M6 pauses for a manual change with the tool; T alone only selects', () => {
    const g = interp();
    expect(run(g, 'T1')).toEqual([]);
    expect(run(g, 'M6')).toEqual([{ kind: 'pause', line: 1, reason: 'M6', tool: 1 }]);
    expect(run(g, 'T4 M6')).toEqual([{ kind: 'pause', line: 1, reason: 'M6', tool: 4 }]);
    expect(g.modalReport()).toContain(' T4 ');
  });

  it('M0 and M1 pause after the motion of their line', () => {
    const g = interp();
    expect(run(g, 'G0 X1 M0').map((x) => x.kind)).toEqual(['move', 'pause']);
    expect(run(g, 'M1')).toEqual([{ kind: 'pause', line: 1, reason: 'M1' }]);
  });

  it('M2/M30 end the program and reset G1 G17 G90 G94 G54 M5 M9, keeping units, offsets, F, S, T', () => {
    const g = interp();
    run(g, 'G10 L2 P2 X3', 'G92 Y1', 'G20 G55 G18 G91 T2 M3 S1000 M8 F10', 'M7');
    const a = run(g, 'G0 X1 M30');
    expect(a.map((x) => x.kind)).toEqual(['move', 'spindle', 'coolant', 'end']);
    expect(a[1]).toEqual({ kind: 'spindle', line: 1, spindle: { mode: 'off', speedRpm: 1000 } });
    expect(a[2]).toEqual({ kind: 'coolant', line: 1, mist: false, flood: false });
    expect(a[3]).toEqual({ kind: 'end', line: 1, reason: 'M30' });
    expect(g.modalReport()).toBe('G1 G54 G17 G20 G90 G94 M5 M9 T2 F254 S1000');
    expect(g.parameters().g92.y).toBe(-1);
    expect(run(g, 'M2')).toEqual([{ kind: 'end', line: 1, reason: 'M2' }]);
  });
});

describe('G93 inverse time', () => {
  it('G1 takes 60/F seconds and F is required on every feed-motion line', () => {
    const g = interp();
    const [m] = moves(run(g, 'G93 G1 X10 F30'));
    expect(m.inverseTimeS).toBe(2);
    expect(m.feedMmMin).toBeCloseTo(300, 12);
    expectRefused(g, 'X20', 22);
    expect(moves(run(g, 'G0 X0'))[0].inverseTimeS).toBeUndefined();
    expect(run(g, 'S100')).toEqual([]);
  });

  it('arc chords share 60/F in proportion to their lengths', () => {
    const g = interp();
    const m = moves(run(g, 'G93 G2 X10 Y0 Z2 I5 F6'));
    expect(m.length).toBeGreaterThan(10);
    const total = m.reduce((s, x) => s + (x.inverseTimeS ?? 0), 0);
    expect(total).toBeCloseTo(10, 9);
    let prev = { x: 0, y: 0, z: 0 };
    for (const x of m) {
      const len = Math.hypot(x.targetMm.x - prev.x, x.targetMm.y - prev.y, x.targetMm.z - prev.z);
      expect((x.feedMmMin * (x.inverseTimeS ?? 0)) / 60).toBeCloseTo(len, 9);
      prev = x.targetMm;
    }
  });

  it('G94 after G93 needs a new F', () => {
    const g = interp();
    run(g, 'G93 G1 X1 F2', 'G94');
    expectRefused(g, 'G1 X2', 22);
    expect(moves(run(g, 'G1 X2 F100'))[0].feedMmMin).toBe(100);
  });
});

describe('reports and reset', () => {
  it('modalReport is Grbl $G at power-on and follows the state', () => {
    const g = interp();
    expect(g.modalReport()).toBe('G0 G54 G17 G21 G90 G94 M5 M9 T0 F0 S0');
    run(g, 'G1 G56 G18 G91 M4 M7 T3 F123.4 S300.6 X1', 'G38.3 Z-1');
    expect(g.modalReport()).toBe('G38.3 G56 G18 G21 G91 G94 M4 M7 T3 F123 S301');
    run(g, 'G93 M8 G1 X1 F2');
    expect(g.modalReport()).toBe('G1 G56 G18 G21 G91 G93 M4 M7 M8 T3 F2 S301');
  });

  it('resetModal restores power-on modes but keeps offsets and position', () => {
    const g = interp();
    run(g, 'G10 L2 P1 X1', 'G92 Y2', 'G43.1 Z3', 'G1 G55 G20 G91 G93 M3 S100 M8 T5 F10 X1');
    const params = g.parameters();
    const pos = g.positionMm();
    g.resetModal();
    expect(g.modalReport()).toBe('G0 G54 G17 G21 G90 G94 M5 M9 T0 F0 S0');
    expect(g.parameters()).toEqual(params);
    expect(g.positionMm()).toEqual(pos);
    g.clearVolatileOffsets();
    expect(g.parameters().g92).toEqual({ x: 0, y: 0, z: 0 });
    expect(g.parameters().toolLengthMm).toBe(0);
  });

  it('setPositionMm re-syncs the start of the next move', () => {
    const g = interp();
    g.setPositionMm({ x: 3, y: 4, z: 5 });
    expect(moves(run(g, 'G91 G0 X1'))[0].targetMm).toEqual({ x: 4, y: 4, z: 5 });
  });
});

describe('a refused line changes nothing', () => {
  it('leaves modes, feed, offsets and position as they were, whatever the error', () => {
    const g = interp();
    run(g, 'G10 L2 P1 X1 Y2', 'G92 Z1', 'G1 G91 X1 F100 S10 M3');
    const bad = [
      ['G0 G20 G90 X1 X2', 25],
      ['G21 G55 G10 L2 P9 X1', 29],
      ['G90 G18 F5 G2 X1', 35],
      ['G92 G93 G1 X0', 24],
      ['M5 M9 G4', 28],
      ['S1 T9 G54 P3', 36],
      ['G43.1 Z5 X1', 37],
    ] as const;
    for (const [text, code] of bad) expectRefused(g, text, code);
  });
});

describe('the motors step range', () => {
  it('refuses a target beyond reachMm with 33 and changes nothing; at the edge it moves', () => {
    const g = new Interpreter({ arcToleranceMm: 0.002, reachMm: { x: 1000, y: 1000, z: 100 } });
    expectRefused(g, 'G1 X1000.001 F100', 33);
    expectRefused(g, 'G0 Z-100.5', 33);
    run(g, 'G28.1');
    expectRefused(g, 'G28 X2000', 33);
    const m = moves(run(g, 'G1 X1000 Y-1000 F100'));
    expect(m.map((x) => x.targetMm)).toEqual([{ x: 1000, y: -1000, z: 0 }]);
    expectRefused(g, 'G91 G1 X0.5', 33);
  });

  it('stepRangeMm keeps every motor within int32 steps, CoreXY sharing a and b', () => {
    const axes = {
      x: { stepsPerMm: 80, maxRateMmMin: 6000, accelMmS2: 500, travelMm: 300 },
      y: { stepsPerMm: 100, maxRateMmMin: 6000, accelMmS2: 500, travelMm: 300 },
      z: { stepsPerMm: 400, maxRateMmMin: 600, accelMmS2: 50, travelMm: 80 },
    };
    const base = { axes, junctionDeviationMm: 0.01, arcToleranceMm: 0.002 };
    const cartesian = stepRangeMm({ ...base, kinematics: 'cartesian' });
    expect(cartesian.x * 80).toBeCloseTo(2 ** 31 - 1, 3);
    expect(cartesian.z * 400).toBeCloseTo(2 ** 31 - 1, 3);
    const corexy = stepRangeMm({ ...base, kinematics: 'corexy' });
    expect(corexy.x * 80 + corexy.y * 100).toBeCloseTo(2 ** 31 - 1, 3);
  });
});
