// mqtt.jobsDir in a machine config file: its type is checked, and a relative path is taken
// from the config file's folder, not from where the daemon was started.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadMachineConfig } from '../../src/config/load.js';

const dir = mkdtempSync(path.join(tmpdir(), 'minifactory-jobsdir-config-'));
mkdirSync(path.join(dir, 'etc'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(name: string, yaml: string): string {
  const file = path.join(dir, 'etc', name);
  writeFileSync(file, yaml);
  return file;
}

describe('mqtt.jobsDir', () => {
  it('resolves a relative folder against the config file, and keeps an absolute one', () => {
    const relative = writeConfig('relative.yaml', 'mqtt: { jobsDir: ../gcode/jobs }\n');
    expect(loadMachineConfig(relative).mqtt.jobsDir).toBe(path.join(dir, 'gcode', 'jobs'));
    const absolute = writeConfig('absolute.yaml', 'mqtt: { jobsDir: /srv/jobs }\n');
    expect(loadMachineConfig(absolute).mqtt.jobsDir).toBe('/srv/jobs');
  });

  it('is unset by default', () => {
    expect(loadMachineConfig().mqtt.jobsDir).toBeUndefined();
    expect(loadMachineConfig(writeConfig('none.yaml', 'id: mill1\n')).mqtt.jobsDir).toBe(undefined);
  });

  it('refuses a value that is not a path, naming the file and the key', () => {
    const file = writeConfig('wrong.yaml', 'mqtt: { jobsDir: 42 }\n');
    let error: unknown;
    try {
      loadMachineConfig(file);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const refused = error as ConfigError;
    expect(refused.file).toBe(file);
    expect(refused.problems.map((p) => p.key)).toEqual(['mqtt.jobsDir']);
    expect(refused.message).toContain(`${file}: invalid config`);
    expect(refused.message).toMatch(/mqtt\.jobsDir: .*string/);
  });
});
