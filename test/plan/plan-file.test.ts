// planFile reads a file in 256 KB chunks and its lines in place: whatever the chunk
// boundaries cut (a CR LF, a number, a line), it plans exactly what feedText plans from the
// whole text. feedLineAt, under both, reads one line of a larger text.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MotionPipeline } from '../../motion/pipeline.js';
import { loadMachineConfig } from '../../src/config/load.js';
import { motionSettingsFromConfig } from '../../src/config/motion-settings.js';
import { feedText, planFile } from '../../src/plan/plan-file.js';

const settings = motionSettingsFromConfig(loadMachineConfig());
const CHUNK_BYTES = 1 << 18;
const dir = mkdtempSync(join(tmpdir(), 'minifactory-plan-file-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('feedLineAt', () => {
  it('feeds the line at start, returns where the next starts, and numbers errors', () => {
    const pipeline = new MotionPipeline(settings, { stepTiming: false });
    const bytes = new TextEncoder().encode('G0 X1\r\nBAD\rG0 X2');
    expect(pipeline.feedLineAt(bytes, 0, bytes.length, 7)).toBe(7);
    expect(pipeline.feedLineAt(bytes, 7, bytes.length, 8)).toBe(11);
    expect(pipeline.feedLineAt(bytes, 11, bytes.length, 9)).toBe(bytes.length);
    pipeline.finish();
    const stats = pipeline.snapshot();
    expect(stats.lines).toBe(3);
    expect(stats.errors.map((e) => [e.line, e.code])).toEqual([[8, 2]]);
    expect(stats.finalPositionMm).toEqual({ x: 2, y: 0, z: 0 });
  });
});

describe('feedText', () => {
  it('reads texts beyond ASCII, after longer ones and from within another feedText', () => {
    const plan = (text: string, onMove?: () => void) => {
      const pipeline = new MotionPipeline(settings, { stepTiming: false, onMove });
      const lines = feedText(pipeline, text);
      pipeline.finish();
      const stats = pipeline.snapshot();
      return {
        lines,
        errors: stats.errors.map((e) => [e.line, e.code]),
        x: stats.finalPositionMm.x,
      };
    };
    expect(plan(`G0 X1\n${'(padding)\n'.repeat(100)}G0 X2`)).toEqual({
      lines: 102,
      errors: [],
      x: 2,
    });
    expect(plan('G0 X3 (∅ 5°)\r\nG0 X4 é\nG0 X5')).toEqual({ lines: 3, errors: [[2, 1]], x: 5 });
    let inner: ReturnType<typeof plan> | undefined;
    const outer = plan('G0 X6\nG0 X7', () => {
      inner ??= plan('G0 X8\nG0 X9');
    });
    expect(outer).toEqual({ lines: 2, errors: [], x: 7 });
    expect(inner).toEqual({ lines: 2, errors: [], x: 9 });
  });
});

describe('planFile', () => {
  it('plans what feedText plans, with a CR LF, a number and a line cut by chunk ends', async () => {
    // Moves of 0.001 mm steps in x, with a mix of line ends; errors sprinkled in.
    const ends = ['\n', '\r\n', '\r'];
    let text = 'G21 G90 G1 F3000\n';
    for (let k = 1; text.length < 3 * CHUNK_BYTES; k++) {
      const line = k % 997 === 0 ? 'G1 X1 *' : `G1 X${(k / 1000).toFixed(3)} Y${k % 7}`;
      text += line + ends[k % 3];
    }
    // The first chunk ends between the CR and LF of a CR LF; the second inside a number.
    const crLf = text.indexOf('\r\n', CHUNK_BYTES - 200);
    text = text.slice(0, crLf) + ' '.repeat(CHUNK_BYTES - 1 - crLf) + text.slice(crLf);
    expect(text.slice(CHUNK_BYTES - 1, CHUNK_BYTES + 1)).toBe('\r\n');
    const number = text.indexOf('X', 2 * CHUNK_BYTES - 100);
    text = text.slice(0, number) + ' '.repeat(2 * CHUNK_BYTES - 3 - number) + text.slice(number);
    expect(text.slice(2 * CHUNK_BYTES - 3, 2 * CHUNK_BYTES + 1)).toMatch(/^X[\d.]{3}$/);
    const file = join(dir, 'job.gcode');
    writeFileSync(file, text);

    const streamed = await planFile(file, settings, { stepTiming: false });
    const whole = new MotionPipeline(settings, { stepTiming: false });
    const lineCount = feedText(whole, text);
    whole.finish();
    const expected = whole.snapshot();
    expect(streamed.lines).toBe(lineCount);
    expect(streamed.errors).toEqual(expected.errors);
    expect(streamed.errorCount).toBeGreaterThan(0);
    expect(streamed.moves).toBe(expected.moves);
    expect(streamed.pathLengthMm).toBe(expected.pathLengthMm);
    expect(streamed.finalPositionMm).toEqual(expected.finalPositionMm);
  });
});
