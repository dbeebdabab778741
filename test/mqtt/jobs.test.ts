// Jobs by file name: only regular files inside mqtt.jobsDir, checked on real files in a
// temporary folder (links, a FIFO, a sibling folder sharing the jobs folder's name as prefix).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_JOB_PAYLOAD_BYTES, MqttErrorCode } from '../../src/mqtt/commands.js';
import { isInsideDir, resolveJob } from '../../src/mqtt/jobs.js';

describe('resolveJob with {file}', () => {
  let root: string;
  let jobsDir: string;

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'minifactory-jobsdir-'));
    jobsDir = join(root, 'jobs');
    mkdirSync(join(jobsDir, 'sub'), { recursive: true });
    writeFileSync(join(jobsDir, 'part.nc'), 'G0 X1\nG0 Y2\n');
    writeFileSync(join(jobsDir, 'sub', 'deep.nc'), 'G0 Z3\n');
    writeFileSync(join(root, 'secret.txt'), 'not a job\n');
    // Same name as the jobs folder plus a suffix: a plain string-prefix test would accept it.
    mkdirSync(join(root, 'jobs2'));
    writeFileSync(join(root, 'jobs2', 'other.nc'), 'G0 X9\n');
    symlinkSync(join(root, 'secret.txt'), join(jobsDir, 'escape.nc'));
    symlinkSync(root, join(jobsDir, 'up'));
    symlinkSync(join(jobsDir, 'part.nc'), join(jobsDir, 'alias.nc'));
  });

  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  /** The error code and message of a refused `{file}` job. */
  const refusal = async (file: string, dir: string | undefined) => {
    const result = await resolveJob({ file }, dir);
    if (result.ok) throw new Error(`${file}: expected a refusal`);
    return result.error;
  };

  it('reads a file inside the jobs folder, named after the file', async () => {
    expect(await resolveJob({ file: 'part.nc' }, jobsDir)).toEqual({
      ok: true,
      value: { name: 'part.nc', gcode: 'G0 X1\nG0 Y2\n' },
    });
    expect(await resolveJob({ file: 'sub/deep.nc', name: 'deep' }, jobsDir)).toEqual({
      ok: true,
      value: { name: 'deep', gcode: 'G0 Z3\n' },
    });
  });

  it('follows links that stay inside, and `..` that stays inside', async () => {
    const alias = await resolveJob({ file: 'alias.nc' }, jobsDir);
    expect(alias).toEqual({ ok: true, value: { name: 'alias.nc', gcode: 'G0 X1\nG0 Y2\n' } });
    const back = await resolveJob({ file: 'sub/../part.nc' }, jobsDir);
    expect(back).toEqual({ ok: true, value: { name: 'part.nc', gcode: 'G0 X1\nG0 Y2\n' } });
  });

  it('takes a jobs folder that is itself a link, and a relative jobs folder', async () => {
    const linkedDir = join(root, 'jobs-link');
    symlinkSync(jobsDir, linkedDir);
    expect(await resolveJob({ file: 'sub/deep.nc' }, linkedDir)).toEqual({
      ok: true,
      value: { name: 'deep.nc', gcode: 'G0 Z3\n' },
    });
    expect((await refusal('escape.nc', linkedDir)).code).toBe(MqttErrorCode.notAllowed);
    const relativeDir = relative(process.cwd(), jobsDir);
    expect(await resolveJob({ file: 'part.nc' }, relativeDir)).toMatchObject({ ok: true });
  });

  it('refuses every file while mqtt.jobsDir is unset, and still takes G-code', async () => {
    expect(await refusal('part.nc', undefined)).toEqual({
      code: MqttErrorCode.notAllowed,
      message: 'jobs by file name are disabled: set mqtt.jobsDir to submit jobs by file name',
    });
    expect(await resolveJob({ gcode: 'G0 X1', name: 'inline' }, undefined)).toEqual({
      ok: true,
      value: { name: 'inline', gcode: 'G0 X1' },
    });
  });

  it('refuses an absolute path, even one inside the jobs folder', async () => {
    expect(await refusal('/etc/passwd', jobsDir)).toEqual({
      code: MqttErrorCode.notAllowed,
      message: 'job file "/etc/passwd" is an absolute path: name it relative to mqtt.jobsDir',
    });
    expect((await refusal(join(jobsDir, 'part.nc'), jobsDir)).code).toBe(MqttErrorCode.notAllowed);
  });

  it('refuses `..` that leaves the folder, into a sibling with a common prefix too', async () => {
    expect(await refusal('../secret.txt', jobsDir)).toEqual({
      code: MqttErrorCode.notAllowed,
      message: 'job file "../secret.txt" is outside mqtt.jobsDir',
    });
    expect(await refusal('sub/../../jobs2/other.nc', jobsDir)).toEqual({
      code: MqttErrorCode.notAllowed,
      message: 'job file "sub/../../jobs2/other.nc" is outside mqtt.jobsDir',
    });
    expect((await refusal('..', jobsDir)).code).toBe(MqttErrorCode.notAllowed);
  });

  it('refuses a link inside the folder that points outside it, without naming the target', async () => {
    expect(await refusal('escape.nc', jobsDir)).toEqual({
      code: MqttErrorCode.notAllowed,
      message: 'job file "escape.nc" leads outside mqtt.jobsDir through a symbolic link',
    });
    expect(await refusal('up/jobs2/other.nc', jobsDir)).toEqual({
      code: MqttErrorCode.notAllowed,
      message: 'job file "up/jobs2/other.nc" leads outside mqtt.jobsDir through a symbolic link',
    });
  });

  it('refuses a folder, a missing file and a FIFO as unreadable', async () => {
    expect(await refusal('sub', jobsDir)).toEqual({
      code: MqttErrorCode.fileUnreadable,
      message: 'cannot read job file "sub": not a regular file',
    });
    expect(await refusal('.', jobsDir)).toEqual({
      code: MqttErrorCode.fileUnreadable,
      message: 'cannot read job file ".": not a regular file',
    });
    expect(await refusal('missing.nc', jobsDir)).toEqual({
      code: MqttErrorCode.fileUnreadable,
      message: 'cannot read job file "missing.nc": no such file',
    });
    // A FIFO never ends; opening it must not block either (nobody writes to it here).
    execFileSync('mkfifo', [join(jobsDir, 'pipe.nc')]);
    expect(await refusal('pipe.nc', jobsDir)).toEqual({
      code: MqttErrorCode.fileUnreadable,
      message: 'cannot read job file "pipe.nc": not a regular file',
    });
  });

  it('refuses every file while the jobs folder does not exist', async () => {
    expect(await refusal('part.nc', join(root, 'not-yet'))).toEqual({
      code: MqttErrorCode.fileUnreadable,
      message: 'cannot read mqtt.jobsDir: no such folder',
    });
  });

  it('streams a file larger than a job payload line by line', async () => {
    const big = join(jobsDir, 'big.nc');
    const line = `G1 X1 Y1 ; ${'-'.repeat(1000)}\n`;
    const lineCount = Math.ceil(MAX_JOB_PAYLOAD_BYTES / line.length) + 1;
    writeFileSync(big, line.repeat(lineCount));
    try {
      const result = await resolveJob({ file: 'big.nc' }, jobsDir);
      if (!result.ok || typeof result.value.gcode === 'string') throw new Error('not streamed');
      let count = 0;
      for await (const text of result.value.gcode) {
        if (text !== line.slice(0, -1)) throw new Error(`line ${count}: ${text.slice(0, 40)}`);
        count++;
      }
      expect(count).toBe(lineCount);
    } finally {
      rmSync(big);
    }
  });
});

describe('isInsideDir', () => {
  it('takes the folder itself and what lies below it, nothing beside or above', () => {
    expect(isInsideDir('/srv/jobs', '/srv/jobs')).toBe(true);
    expect(isInsideDir('/srv/jobs', '/srv/jobs/a/b.nc')).toBe(true);
    expect(isInsideDir('/srv/jobs', '/srv/jobs/..nc')).toBe(true);
    expect(isInsideDir('/srv/jobs', '/srv/jobs2/b.nc')).toBe(false);
    expect(isInsideDir('/srv/jobs', '/srv')).toBe(false);
    expect(isInsideDir('/srv/jobs', '/etc/passwd')).toBe(false);
  });
});
