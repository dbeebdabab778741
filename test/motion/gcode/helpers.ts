// Shared helpers for the G-code interpreter tests.
import { expect } from 'vitest';
import { Interpreter } from '../../../motion/gcode/interpreter.js';
import type { LinearMove, MachineAction, VecMm } from '../../../motion/types.js';

/** A fresh interpreter with Grbl's default arc tolerance. */
export function interp(startMm?: VecMm): Interpreter {
  return new Interpreter({ arcToleranceMm: 0.002, startMm });
}

/** Run lines (1-based numbering) and return all actions; fails the test on any error. */
export function run(it: Interpreter, ...lines: string[]): MachineAction[] {
  const out: MachineAction[] = [];
  lines.forEach((text, k) => {
    const r = it.interpretLine(text, k + 1);
    if (!r.ok) throw new Error(`line ${k + 1} '${text}': error ${r.error.code} ${r.error.message}`);
    out.push(...r.actions);
  });
  return out;
}

/** The moves among actions. */
export function moves(actions: MachineAction[]): LinearMove[] {
  return actions.filter((a): a is LinearMove => a.kind === 'move');
}

/** Expect a line to be refused with code, and to leave every observable state unchanged. */
export function expectRefused(it: Interpreter, text: string, code: number): void {
  const before = snapshot(it);
  const r = it.interpretLine(text, 42);
  expect(r.ok, `'${text}' should be refused`).toBe(false);
  if (!r.ok) {
    expect(r.error.code, `'${text}': ${r.error.message}`).toBe(code);
    expect(r.error.line).toBe(42);
    expect(r.actions).toEqual([]);
  }
  expect(snapshot(it)).toEqual(before);
}

/** Everything an interpreter exposes about its state. */
export function snapshot(it: Interpreter): unknown {
  return {
    pos: it.positionMm(),
    work: it.workPositionMm(),
    report: it.modalReport(),
    params: it.parameters(),
    modal: it.modal(),
  };
}

/** Expect a point to equal another within tolMm on every axis. */
export function expectNear(actual: VecMm, expected: VecMm, tolMm = 1e-9): void {
  expect(Math.abs(actual.x - expected.x), `x ${actual.x} vs ${expected.x}`).toBeLessThanOrEqual(
    tolMm,
  );
  expect(Math.abs(actual.y - expected.y), `y ${actual.y} vs ${expected.y}`).toBeLessThanOrEqual(
    tolMm,
  );
  expect(Math.abs(actual.z - expected.z), `z ${actual.z} vs ${expected.z}`).toBeLessThanOrEqual(
    tolMm,
  );
}
