// Logging never takes the machine down: the daemon with its log on a full disk (/dev/full)
// runs a job to the end, and the log destination drops what it cannot write.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { createLogger } from '../../src/log.js';
import { DroppingLogDestination } from '../../src/log-destination.js';
import { connectProbe, type Probe } from '../mqtt/helpers/client.js';
import { freePort } from '../mqtt/helpers/free-port.js';

const ROOT = resolve(import.meta.dirname, '../..');

describe('log writes that fail', () => {
  it('are dropped, counted, and reported once writes work again', () => {
    let diskFull = true;
    const written: string[] = [];
    const reports: unknown[] = [];
    const destination = new DroppingLogDestination(
      (data, offset) => {
        if (diskFull) throw Object.assign(new Error('no space'), { code: 'ENOSPC' });
        written.push(data.subarray(offset).toString());
        return data.length - offset;
      },
      (report) => reports.push(report),
    );
    destination.write('one\n');
    destination.write('two\n');
    expect(destination.dropped()).toBe(2);
    expect(written).toEqual([]);
    diskFull = false;
    destination.write('three\n');
    expect(written).toEqual(['three\n']);
    expect(reports).toEqual([{ droppedLines: 2, reason: 'ENOSPC' }]);
    expect(destination.dropped()).toBe(0);
  });

  it('do not throw from the logger, in JSON or pretty mode', () => {
    for (const pretty of [false, true]) {
      const log = createLogger('full', { fd: openSync('/dev/full', 'w'), pretty });
      expect(() => {
        for (let i = 0; i < 20; i++) log.info({ i }, 'a line that cannot be written');
      }).not.toThrow();
    }
  });
});

describe('the daemon logging to /dev/full', () => {
  let child: ChildProcess | undefined;
  let probe: Probe | undefined;
  let dir: string | undefined;

  afterEach(async () => {
    await probe?.close();
    child?.kill('SIGKILL');
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a job to the end and exits cleanly on SIGTERM', async () => {
    dir = mkdtempSync(join(tmpdir(), 'minifactory-logfull-'));
    const port = await freePort();
    const configPath = join(dir, 'machine.yaml');
    writeFileSync(
      configPath,
      stringify({
        id: 'logfull',
        board: 'sim',
        maxQueuedMs: 500,
        grbl: { enabled: false },
        mqtt: { embeddedPort: port },
      }),
    );
    const full = openSync('/dev/full', 'w');
    child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        'src/cli.ts',
        'run',
        '--json',
        '--log-level',
        'debug',
        '--config',
        configPath,
      ],
      { cwd: ROOT, stdio: ['ignore', full, 'pipe'] },
    );
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((done) => child?.once('exit', (code) => done(code)));
    const url = `mqtt://127.0.0.1:${port}`;
    for (let attempt = 0; probe === undefined; attempt++) {
      try {
        probe = await connectProbe(url, 4);
      } catch (err) {
        if (attempt > 100 || child.exitCode !== null)
          throw new Error(`${String(err)}\n${stderr}`, { cause: err });
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    await probe.subscribe('minifactory/logfull/#');
    await probe.next('minifactory/logfull/status', (m) => m.text === 'online', {
      timeoutMs: 20_000,
    });
    const since = probe.mark();
    const gcode = 'G91\nG1 X5 F3000\nG1 Y5\nG1 X-5\nG1 Y-5\n';
    await probe.publish('minifactory/logfull/cmd/job', JSON.stringify({ name: 'square', gcode }));
    const finished = await probe.next(
      'minifactory/logfull/event',
      (m) => /"kind":"job(Finished|Failed)"/.test(m.text),
      { since, timeoutMs: 30_000 },
    );
    expect(JSON.parse(finished.text)).toMatchObject({ kind: 'jobFinished', name: 'square' });
    expect(child.exitCode).toBe(null);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
