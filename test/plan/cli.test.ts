// `minifactory plan` as a user runs it: a real child process, its stdout, files and exit code.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { PlanJson } from '../../src/plan/report.js';
import { runCli } from './cli-run.js';

const dir = mkdtempSync(join(tmpdir(), 'minifactory-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

// Default machine: x 80 steps/mm, 6000 mm/min (100 mm/s) max, 500 mm/s² accel.
// 100 mm at F6000: accelerate 0.2 s over 10 mm, cruise 80 mm in 0.8 s, decelerate 0.2 s.
const ONE_MOVE = 'G21 G90 G94\nG1 X100 F6000\n';

// Each test spawns its own process on its own files: run them side by side.
describe.concurrent('minifactory plan', () => {
  it('reports a single 100 mm move exactly (--json)', async () => {
    const job = file('one.gcode', ONE_MOVE);
    const { code, stdout } = await runCli(['plan', job, '--json']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const report = JSON.parse(lines[0]) as PlanJson;
    expect(report.durationS).toBeCloseTo(1.2, 9);
    expect(report.lines).toBe(2);
    expect(report.moves).toBe(1);
    expect(report.pathLengthMm).toBeCloseTo(100, 9);
    expect(report.finalPositionMm).toEqual({ x: 100, y: 0, z: 0 });
    expect(report.steps).toEqual({ x: 8000, y: 0, z: 0 });
    expect(report.boundsMm).toEqual({ min: { x: 0, y: 0, z: 0 }, max: { x: 100, y: 0, z: 0 } });
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual([]);
  });

  it('writes one step-log row per step, timed against the analytic trapezoid', async () => {
    const job = file('one-log.gcode', ONE_MOVE);
    const log = join(dir, 'one.csv');
    const { code } = await runCli(['plan', job, '--json', '--step-log', log]);
    expect(code).toBe(0);
    const rows = readFileSync(log, 'utf8').trim().split('\n');
    expect(rows[0]).toBe('timeUs,motor,dir');
    expect(rows).toHaveLength(8001);
    // Step k fires where the ideal position crosses k - 0.5 steps: the first at 0.00625 mm,
    // t = sqrt(2 d / a) = 5 ms; the last 0.00625 mm before the end, 5 ms before 1.2 s.
    const at = (row: string) => {
      const [timeUs, motor, dir] = row.split(',');
      expect([motor, dir]).toEqual(['x', '1']);
      return Number(timeUs);
    };
    expect(Math.abs(at(rows[1]) - 5000)).toBeLessThanOrEqual(1);
    expect(Math.abs(at(rows[8000]) - 1_195_000)).toBeLessThanOrEqual(1);
    // Mid-cruise: step 4000 at 49.99375 mm, 0.2 s + (49.99375 - 10) / 100 = 0.5999375 s.
    expect(Math.abs(at(rows[4000]) - 599_937.5)).toBeLessThanOrEqual(1);
  });

  it('step log sums to the final motor positions, reversals included', async () => {
    const job = file(
      'zigzag.gcode',
      'G21 G90\nG1 X10 Y5 F3000\nX2 Y1\nG0 Z3\nG1 X7.3 Y-0.5 Z1\nG2 X9.3 Y-0.5 I1 J0\nG0 X0 Y0 Z0\n',
    );
    const log = join(dir, 'zigzag.csv');
    const { code, stdout } = await runCli(['plan', job, '--json', '--step-log', log]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as PlanJson;
    const rows = readFileSync(log, 'utf8').trim().split('\n').slice(1);
    expect(rows).toHaveLength(report.stepEvents);
    const net: Record<string, number> = { x: 0, y: 0, z: 0 };
    let lastUs = -1;
    let backwards = 0;
    for (const row of rows) {
      const [timeUs, motor, dir] = row.split(',');
      net[motor] += Number(dir);
      if (Number(timeUs) < lastUs) backwards++;
      lastUs = Number(timeUs);
    }
    expect(backwards).toBe(0);
    expect(net).toEqual(report.steps);
    expect(report.steps).toEqual({ x: 0, y: 0, z: 0 });
    // Every step of x out and back: 10 + 8 + 5.3 + 2 (arc chord ends) + 9.3 mm at 80 steps/mm.
    expect(rows.filter((r) => r.includes(',x,')).length).toBe(2768);
    expect(report.warnings).toEqual(['y reaches -0.500 mm, below 0 (travel 0..300 mm)']);
  });

  it('names CoreXY motors a/b/z in the step log and the steps', async () => {
    const config = file('corexy.yaml', 'kinematics: corexy\n');
    const job = file('corexy.gcode', 'G21 G90\nG1 X10 Y5 F600\nG1 X0\n');
    const log = join(dir, 'corexy.csv');
    const { code, stdout } = await runCli([
      'plan',
      job,
      '--config',
      config,
      '--json',
      '--step-log',
      log,
    ]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as PlanJson;
    // a = (x + y) * 80, b = (x - y) * 80 steps; at X0 Y5: a = 400, b = -400.
    expect(report.steps).toEqual({ a: 400, b: -400, z: 0 });
    const rows = readFileSync(log, 'utf8').trim().split('\n').slice(1);
    const net: Record<string, number> = { a: 0, b: 0, z: 0 };
    for (const row of rows) {
      const [, motor, dir] = row.split(',');
      net[motor] += Number(dir);
    }
    expect(net).toEqual({ a: 400, b: -400, z: 0 });
    // Out: a 1200 steps, b 400; back along x: a and b 800 each.
    expect(rows).toHaveLength(1200 + 400 + 800 + 800);
  });

  it('reports rejected lines with their numbers and exits 1, planning the rest', async () => {
    // Line 2: no feed rate yet (error 22); line 4: G5 is not supported (error 20).
    const job = file('errors.gcode', 'G21 G90\nG1 X10\nG1 X10 F600\nG5 X1\nG1 Y10\n');
    const { code, stdout } = await runCli(['plan', job, '--json']);
    expect(code).toBe(1);
    const report = JSON.parse(stdout) as PlanJson;
    expect(report.errors.map((e) => [e.line, e.code])).toEqual([
      [2, 22],
      [4, 20],
    ]);
    expect(report.finalPositionMm).toEqual({ x: 10, y: 10, z: 0 });
    expect(report.moves).toBe(2);

    const text = await runCli(['plan', job]);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^error: line 2: error:22 /m);
    expect(text.stdout).toMatch(/^error: line 4: error:20 /m);
  });

  it('draws a valid SVG with the toolpath (rapids dashed) and the speed profile', async () => {
    const job = file(
      'square.gcode',
      'G21 G90\nG0 X10 Y10\nG1 X40 F1200\nY40\nX10\nY10\nG0 X0 Y0\n',
    );
    const svg = join(dir, 'square.svg');
    const { code, stdout } = await runCli(['plan', job, '--svg', svg]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/job time\s+0:00:\d\d/);
    const text = readFileSync(svg, 'utf8');
    expect(text.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(text.trimEnd().endsWith('</svg>')).toBe(true);
    expect(text).toMatch(/<path d="M[^"]+" fill="none" stroke="#8a8a8a"[^>]*stroke-dasharray/);
    expect(text).toMatch(/<path d="M[^"]+" fill="none" stroke="#414487" stroke-width="1"/);
    expect(text).toContain('Speed along the path');
    // Every element opened is closed: count tags.
    const opened = (text.match(/<(svg|text)\b/g) ?? []).length;
    const closed = (text.match(/<\/(svg|text)>/g) ?? []).length;
    expect(closed).toBe(opened);
  });

  it('draws feeds with the laser off as travel in laser mode', async () => {
    const config = file('laser.yaml', 'spindle: { laserMode: true }\n');
    const job = file('raster.gcode', 'G21 G90\nM4 S0\nG1 X5 F3000\nX10 S500\nX15 S0\nM5\n');
    const svg = join(dir, 'raster.svg');
    const { code } = await runCli(['plan', job, '--config', config, '--svg', svg]);
    expect(code).toBe(0);
    const text = readFileSync(svg, 'utf8');
    // Laser off: X0..5 and X10..15 (one grey path); on: X5..10 (one coloured path).
    const off = /<path d="([^"]+)" fill="none" stroke="#c8c8c8"/.exec(text);
    const on = /<path d="([^"]+)" fill="none" stroke="#414487"/.exec(text);
    expect(off?.[1].match(/M/g)).toHaveLength(2);
    expect(on?.[1].match(/M/g)).toHaveLength(1);
    expect(text).toContain('feed, laser off');
  });

  it('refuses a bad config with exit 2, naming the file and key', async () => {
    const config = file('bad.yaml', 'axes:\n  x: { stepsPerMm: -80 }\nplanner: { lookahead: 4 }\n');
    const job = file('ok.gcode', ONE_MOVE);
    const { code, stderr, stdout } = await runCli(['plan', job, '--config', config]);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(config);
    expect(stderr).toContain('axes.x.stepsPerMm');
    expect(stderr).toContain('planner.lookahead: unknown key');
  });

  it('exits 2 for a missing job file or a missing argument', async () => {
    const missing = await runCli(['plan', join(dir, 'nope.gcode')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nope.gcode');
    const noArg = await runCli(['plan']);
    expect(noArg.code).toBe(2);
    expect(noArg.stderr).toContain("missing required argument 'file'");
  });
});
