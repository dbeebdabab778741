// `minifactory run` as a real child process, given hardware that is not there.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function runWith(configYaml: string, files: Record<string, string> = {}) {
  const dir = mkdtempSync(path.join(tmpdir(), 'minifactory-run-errors-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const config = path.join(dir, 'machine.yaml');
  writeFileSync(config, configYaml);
  return spawnSync(
    process.execPath,
    ['--import', 'tsx', 'src/cli.ts', 'run', '--json', '--config', config],
    { cwd: root, encoding: 'utf8', timeout: 20_000 },
  );
}

describe('minifactory run without its hardware', () => {
  it('a Firmata board on a missing port: one clear line, exit 1, no crash after the timeout', () => {
    const board = readFileSync(path.join(root, 'boards/arduino-cnc-shield-firmata.yaml'), 'utf8')
      .replace(/port: \S+/, 'port: /dev/ttyMINIFACTORY-NONE')
      .replace(/options:\n/, 'options:\n  timeoutMs: 300\n');
    const result = runWith(
      'board: ./firmata.yaml\nmqtt: { enabled: false }\ngrbl: { enabled: false }\n',
      { 'firmata.yaml': board },
    );
    const output = result.stdout + result.stderr;
    expect(result.status).toBe(1);
    expect(output).toContain('could not connect on /dev/ttyMINIFACTORY-NONE');
    expect(output).not.toContain('ERR_UNHANDLED_ERROR');
    expect(output).not.toMatch(/\n\s+at /); // no stack trace
  });

  it('pigpio without its C library names the package and what to install, exit 1', () => {
    const result = runWith(
      'board: rpi-stepstick\nmqtt: { enabled: false }\ngrbl: { enabled: false }\n',
    );
    const output = result.stdout + result.stderr;
    expect(result.status).toBe(1);
    expect(output).toMatch(/board \S*rpi-stepstick\.yaml: pigpio/);
    expect(output).toContain('sudo apt install pigpio');
    expect(output).not.toMatch(/\n\s+at /);
  });
});
