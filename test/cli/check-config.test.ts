// `minifactory check-config` as a real child process on real files.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = path.resolve(import.meta.dirname, '../..');

function checkConfig(files: Record<string, string>) {
  const dir = mkdtempSync(path.join(tmpdir(), 'minifactory-check-config-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const file = path.join(dir, 'machine.yaml');
  const result = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'check-config', file],
    { cwd: root, encoding: 'utf8', timeout: 20_000 },
  );
  return { ...result, file, dir };
}

describe('minifactory check-config', () => {
  it('prints the config with every default filled in and exits 0', () => {
    const r = checkConfig({ 'machine.yaml': 'id: mill-7\naxes: { z: { travelMm: 60 } }\n' });
    expect(r.status).toBe(0);
    const config = parse(r.stdout) as {
      id: string;
      axes: { x: { stepsPerMm: number }; z: { travelMm: number; stepsPerMm: number } };
    };
    expect(config.id).toBe('mill-7');
    expect(config.axes.z.travelMm).toBe(60);
    expect(config.axes.z.stepsPerMm).toBe(400);
    expect(config.axes.x.stepsPerMm).toBe(80);
    expect(r.stderr).toContain('ok (board sim, backend sim)');
  });

  it('refuses an unknown key and a wrong type, naming the file and each key path', () => {
    const r = checkConfig({ 'machine.yaml': 'axes: { x: { stepsPerMm: fast } }\nspeed: 3\n' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${r.file}: invalid config`);
    expect(r.stderr).toMatch(/axes\.x\.stepsPerMm: .*expected number/);
    expect(r.stderr).toContain('speed: unknown key');
  });

  it('checks the board file too: a pin used twice is refused with the board file and key', () => {
    const board = readFileSync(path.join(root, 'boards/rpi-stepstick.yaml'), 'utf8').replace(
      'step: { pin: 22 }',
      'step: { pin: 17 }',
    );
    const r = checkConfig({ 'machine.yaml': 'board: ./board.yaml\n', 'board.yaml': board });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`${path.join(r.dir, 'board.yaml')}: invalid config`);
    expect(r.stderr).toContain('motors.1.step.pin: pin 17 is already used by motors.0.step.pin');
  });
});
