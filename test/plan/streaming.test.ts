// A 1,000,000-line job plans in bounded memory: the CLI runs as a child process whose heap
// is capped far below what holding the job's lines or moves would take (the file alone is
// ~12 MB of text; a million moves held as objects would need several hundred MB).
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlanJson } from '../../src/plan/report.js';
import { runCli } from './cli-run.js';

const LINES = 1_000_000;
const dir = mkdtempSync(join(tmpdir(), 'minifactory-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Zigzag rows of 0.1 mm segments: 500 segments (50 mm) per row, rows 0.1 mm apart. */
async function writeJob(path: string): Promise<void> {
  const out = createWriteStream(path);
  out.write('G21 G90 G94\nG1 F3000\n');
  let written = 2;
  let buf = '';
  for (let i = 0; written < LINES; i++, written++) {
    const row = Math.floor(i / 500);
    const col = i % 500;
    const xMm = (row % 2 === 0 ? col + 1 : 499 - col) / 10;
    buf += `X${xMm.toFixed(1)} Y${(row / 10).toFixed(1)}\n`;
    if (buf.length > 1 << 16) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

describe('minifactory plan on a 1,000,000-line job', () => {
  it('streams it with a 64 MB heap and draws it in under 2 MB', async () => {
    const job = join(dir, 'million.gcode');
    const svg = join(dir, 'million.svg');
    await writeJob(job);
    const { code, stdout, stderr } = await runCli(
      ['plan', job, '--json', '--svg', svg],
      ['--max-old-space-size=64'],
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as PlanJson;
    expect(report.lines).toBe(LINES);
    // Every line after the first two moves: along a row or one step up to the next.
    expect(report.moves).toBe(LINES - 2);
    const rows = Math.ceil((LINES - 2) / 500);
    const lastRow = rows - 1;
    expect(report.finalPositionMm.y).toBeCloseTo(lastRow / 10, 9);
    expect(report.steps.y).toBe(Math.round(lastRow * 8));
    expect(report.errors).toEqual([]);
    // The picture is decimated: small enough to open, and still a drawing of the job.
    const svgBytes = statSync(svg).size;
    expect(svgBytes).toBeLessThan(2_000_000);
    expect(readFileSync(svg, 'utf8')).toMatch(
      /<path d="M[^"]{10000,}" fill="none" stroke="#414487"/,
    );
  }, 60_000);
});
