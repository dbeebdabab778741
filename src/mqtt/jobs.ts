// Starting a job received over MQTT (a command or a fleet queue message): resolve its G-code,
// then wait until the machine has either started it or refused it.
import { constants } from 'node:fs';
import { open, readlink, realpath, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import type { CommandError, CommandResult, JobEvent, MachineApi } from '../machine/types.js';
import { MAX_JOB_PAYLOAD_BYTES, MqttErrorCode, type JobRequest, type Parsed } from './commands.js';

/** A job ready to hand to the machine. */
export interface ResolvedJob {
  name: string;
  /** The whole text, or the lines of a file too large to hold in memory. */
  gcode: string | AsyncIterable<string>;
}

type Refusal = { ok: false; error: CommandError };

function refusal(code: number, message: string): Refusal {
  return { ok: false, error: { code, message } };
}

/**
 * Resolves a job's G-code. A `{file}` job names a file inside `jobsDir` (unset: such jobs are
 * refused), so that whoever may publish a job cannot make the daemon read any other file.
 * An unnamed job is named after its file or the time. A file larger than a job payload may be
 * is streamed line by line instead of read whole. Never throws: every failure is a refusal.
 */
export async function resolveJob(
  request: JobRequest,
  jobsDir: string | undefined,
): Promise<Parsed<ResolvedJob>> {
  if ('gcode' in request) {
    return { ok: true, value: { name: request.name ?? defaultJobName(), gcode: request.gcode } };
  }
  if (jobsDir === undefined) {
    return refusal(
      MqttErrorCode.notAllowed,
      'jobs by file name are disabled: set mqtt.jobsDir to submit jobs by file name',
    );
  }
  const name = request.name ?? path.basename(request.file);
  const gcode = await readJobFile(request.file, jobsDir);
  return gcode.ok ? { ok: true, value: { name, gcode: gcode.value } } : gcode;
}

/** True when `target` is `dir` or lies below it (both absolute and normalised). */
export function isInsideDir(dir: string, target: string): boolean {
  const relative = path.relative(dir, target);
  // A plain prefix test would let `/jobs2` pass for `/jobs`; path.relative says `../jobs2`.
  return (
    relative === '' ||
    (relative !== '..' && !relative.startsWith(`..${path.sep}`) && !path.isAbsolute(relative))
  );
}

/** A short reason for a failed file system call, without the absolute paths Node puts in. */
function fsReason(err: unknown, what: 'file' | 'folder'): string {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return `no such ${what}`;
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    default:
      return code ?? 'cannot be read';
  }
}

/** The text (or lines) of `file`, a path relative to `jobsDir` that must stay inside it. */
async function readJobFile(
  file: string,
  jobsDir: string,
): Promise<Parsed<string | AsyncIterable<string>>> {
  const quoted = JSON.stringify(file);
  if (path.isAbsolute(file)) {
    return refusal(
      MqttErrorCode.notAllowed,
      `job file ${quoted} is an absolute path: name it relative to mqtt.jobsDir`,
    );
  }
  const dir = path.resolve(jobsDir);
  const target = path.resolve(dir, file);
  if (!isInsideDir(dir, target)) {
    return refusal(MqttErrorCode.notAllowed, `job file ${quoted} is outside mqtt.jobsDir`);
  }
  let realDir: string;
  try {
    realDir = await realpath(dir);
  } catch (err) {
    return refusal(
      MqttErrorCode.fileUnreadable,
      `cannot read mqtt.jobsDir: ${fsReason(err, 'folder')}`,
    );
  }
  const unreadable = (reason: string): Refusal =>
    refusal(MqttErrorCode.fileUnreadable, `cannot read job file ${quoted}: ${reason}`);
  const outside = (): Refusal =>
    refusal(
      MqttErrorCode.notAllowed,
      `job file ${quoted} leads outside mqtt.jobsDir through a symbolic link`,
    );
  let realFile: string;
  try {
    realFile = await realpath(target);
  } catch (err) {
    return unreadable(fsReason(err, 'file'));
  }
  // Symbolic links (the file's or a folder's on the way) may point anywhere: a path that ends
  // outside is refused before anything there is opened (a device may act on open).
  if (!isInsideDir(realDir, realFile)) return outside();
  let handle: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO does not wait for a writer (refused below). O_NOFOLLOW: the
    // file itself was not swapped for a link since the check.
    handle = await open(realFile, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    return unreadable(fsReason(err, 'file'));
  }
  // A folder on the way may have been swapped for a link since the check: the file actually
  // opened must lie inside jobsDir too.
  let openedPath: string;
  try {
    openedPath = await openedFilePath(handle, target);
  } catch (err) {
    await handle.close().catch(() => {});
    return unreadable(fsReason(err, 'file'));
  }
  if (!isInsideDir(realDir, openedPath)) {
    await handle.close().catch(() => {});
    return outside();
  }
  try {
    const info = await handle.stat();
    // Devices and pipes (/dev/zero) never end: only regular files are jobs.
    if (!info.isFile()) {
      await handle.close();
      return unreadable('not a regular file');
    }
    if (info.size > MAX_JOB_PAYLOAD_BYTES) {
      // The stream closes the handle when it ends.
      const lines = createInterface({ input: handle.createReadStream(), crlfDelay: Infinity });
      return { ok: true, value: lines };
    }
    const text = await handle.readFile('utf8');
    await handle.close();
    return { ok: true, value: text };
  } catch (err) {
    await handle.close().catch(() => {});
    return unreadable(fsReason(err, 'file'));
  }
}

/**
 * The real path of the file an open handle refers to. On Linux, /proc/self/fd names the very
 * file opened, whatever has been renamed since; elsewhere, the path resolved after opening.
 */
async function openedFilePath(handle: FileHandle, openedAs: string): Promise<string> {
  try {
    return await readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return realpath(openedAs);
  }
}

function defaultJobName(): string {
  return `mqtt-${new Date().toISOString()}`;
}

/**
 * Starts a job and resolves as soon as the machine reports it started (ok) or refused it.
 * `startJob` may resolve only when the job ends, so its `started` event settles the answer.
 */
export function startJobConfirmed(machine: MachineApi, job: ResolvedJob): Promise<CommandResult> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (result: CommandResult): void => {
      if (settled) return;
      settled = true;
      machine.off('job', onJob);
      resolve(result);
    };
    const onJob = (event: JobEvent): void => {
      if (event.name !== job.name) return;
      if (event.kind === 'started') settle({ ok: true });
      else if (event.kind === 'failed') settle({ ok: false, error: event.error });
    };
    machine.on('job', onJob);
    machine.startJob(job.name, job.gcode).then(settle, (err: unknown) =>
      settle({
        ok: false,
        error: { code: MqttErrorCode.internal, message: `job not started: ${String(err)}` },
      }),
    );
  });
}
