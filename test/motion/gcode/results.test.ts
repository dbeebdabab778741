// What interpretLine hands back may be kept: each result owns its array and its moves,
// while spindle states are shared (frozen) between equal (mode, speed) pairs.
import { describe, expect, it } from 'vitest';
import type { LineResult, MachineAction } from '../../../motion/types.js';
import { interp } from './helpers.js';

function actionsOf(r: LineResult): MachineAction[] {
  if (!r.ok) throw new Error(`error ${r.error.code}`);
  return r.actions;
}

describe('line results', () => {
  it('stay as they were after later lines, one array and one move each', () => {
    const g = interp();
    const lines = ['M4 S0', 'G1 X1 F600 S4', 'G1 X2 S0', 'G1 X3', 'G2 X5 Y0 I1', 'G1 X6 S4'];
    const results = lines.map((text, k) => g.interpretLine(text, k + 1));
    const kinds = results.map((r) => actionsOf(r).map((a) => a.kind));
    expect(kinds[0]).toEqual(['spindle']);
    expect(kinds[1]).toEqual(['spindle', 'move']);
    expect(kinds[2]).toEqual(['spindle', 'move']);
    expect(kinds[3]).toEqual(['move']);
    expect(kinds[4].length).toBeGreaterThan(3);
    expect(kinds[4].every((k) => k === 'move')).toBe(true);
    expect(kinds[5]).toEqual(['spindle', 'move']);
    const arrays = new Set(results.map(actionsOf));
    expect(arrays.size).toBe(lines.length);
    const targetsX = results.map((r) =>
      actionsOf(r).flatMap((a) => (a.kind === 'move' ? [a.targetMm.x] : [])),
    );
    expect(targetsX[1]).toEqual([1]);
    expect(targetsX[2]).toEqual([2]);
    expect(targetsX[3]).toEqual([3]);
    expect(targetsX[4][targetsX[4].length - 1]).toBeCloseTo(5, 9);
    expect(targetsX[5]).toEqual([6]);
    const moveObjects = new Set(
      results.flatMap((r) => actionsOf(r).filter((a) => a.kind === 'move')),
    );
    expect(moveObjects.size).toBe(
      results.reduce((n, r) => n + actionsOf(r).filter((a) => a.kind === 'move').length, 0),
    );
  });

  it('share one frozen spindle state per mode and speed, with the speed each line set', () => {
    const g = interp();
    const lines = ['M3 S100', 'G1 X1 F600 S200', 'G1 X2 S100', 'M4', 'G1 X3 S200'];
    const spindles = lines.map((text, k) => {
      const a = actionsOf(g.interpretLine(text, k + 1)).find((x) => x.kind === 'spindle');
      if (a?.kind !== 'spindle') throw new Error(`line ${k + 1} set no spindle`);
      return a.spindle;
    });
    expect(spindles).toEqual([
      { mode: 'cw', speedRpm: 100 },
      { mode: 'cw', speedRpm: 200 },
      { mode: 'cw', speedRpm: 100 },
      { mode: 'ccw', speedRpm: 100 },
      { mode: 'ccw', speedRpm: 200 },
    ]);
    expect(spindles[2]).toBe(spindles[0]);
    expect(spindles[3]).not.toBe(spindles[0]);
    expect(spindles.every((s) => Object.isFrozen(s))).toBe(true);
    expect(g.modal().spindle).toBe(spindles[4]);
  });
});
