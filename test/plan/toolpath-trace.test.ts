// The picture's toolpath stays within its point budget and keeps what matters: the ends of
// every rapid and feed run, and the shape to within the merge tolerance.
import { describe, expect, it } from 'vitest';
import { FEED, RAPID, ToolpathTrace } from '../../src/plan/toolpath-trace.js';

const at = (x: number, y: number, z = 0) => ({ x, y, z });

describe('ToolpathTrace', () => {
  it('merges points closer than the tolerance but keeps the last one', () => {
    const trace = new ToolpathTrace(100);
    let x = 0;
    for (let i = 0; i < 10; i++) {
      trace.addMove(at(x, 0), at(x + 0.001, 0), FEED);
      x += 0.001;
    }
    const t = trace.trace();
    expect(Array.from(t.xMm)).toEqual([0, 0.001, 0.007, x]);
    expect(t.kind[t.count - 1]).toBe(FEED);
  });

  it('keeps both ends of a rapid between feeds', () => {
    const trace = new ToolpathTrace(100);
    trace.addMove(at(0, 0), at(0.001, 0), FEED);
    trace.addMove(at(0.001, 0), at(0.002, 0), FEED);
    trace.addMove(at(0.002, 0), at(10, 0), RAPID);
    trace.addMove(at(10, 0), at(10.001, 0), FEED);
    const t = trace.trace();
    expect(Array.from(t.xMm)).toEqual([0, 0.001, 0.002, 10, 10.001]);
    expect(Array.from(t.kind)).toEqual([FEED, FEED, FEED, RAPID, FEED]);
  });

  it('stays within its budget on a long job and keeps the path within the tolerance', () => {
    const maxPoints = 1000;
    const trace = new ToolpathTrace(maxPoints);
    // A spiral of 100,000 short moves.
    let prev = at(0, 0);
    for (let i = 1; i <= 100_000; i++) {
      const angle = i * 0.001;
      const next = at(angle * Math.cos(angle), angle * Math.sin(angle));
      trace.addMove(prev, next, FEED);
      prev = next;
    }
    const t = trace.trace();
    expect(t.count).toBeLessThanOrEqual(maxPoints + 1);
    expect(t.count).toBeGreaterThan(maxPoints / 4);
    expect(t.xMm[t.count - 1]).toBe(prev.x);
    expect(t.yMm[t.count - 1]).toBe(prev.y);
    // Consecutive kept points are never further apart than the spiral allows plus tolerance:
    // no stretch of the path was dropped wholesale.
    let longestMm = 0;
    for (let i = 1; i < t.count; i++) {
      longestMm = Math.max(longestMm, Math.hypot(t.xMm[i] - t.xMm[i - 1], t.yMm[i] - t.yMm[i - 1]));
    }
    expect(longestMm).toBeLessThan(4 * trace.tolerance() + 0.2);
  });

  it('halves a trace made only of rapid/feed alternations instead of growing', () => {
    const trace = new ToolpathTrace(100);
    for (let i = 0; i < 10_000; i++) {
      trace.addMove(at(i, 0), at(i + 1, 0), i % 2 === 0 ? FEED : RAPID);
    }
    const t = trace.trace();
    expect(t.count).toBeLessThanOrEqual(101);
    expect(t.xMm[0]).toBe(0);
    expect(t.xMm[t.count - 1]).toBe(10_000);
  });
});
