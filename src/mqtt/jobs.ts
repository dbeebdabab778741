// Starting a job received over MQTT (a command or a fleet queue message): resolve its G-code,
// then wait until the machine has either started it or refused it.
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { createInterface } from 'node:readline';
import type { CommandError, CommandResult, JobEvent, MachineApi } from '../machine/types.js';
import { MAX_JOB_PAYLOAD_BYTES, MqttErrorCode, type JobRequest, type Parsed } from './commands.js';

/** A job ready to hand to the machine. */
export interface ResolvedJob {
  name: string;
  /** The whole text, or the lines of a file too large to hold in memory. */
  gcode: string | AsyncIterable<string>;
}

/**
 * Reads a `{file}` job from the device's disk; names an unnamed job after its file or the time.
 * A file larger than a job payload may be is streamed line by line instead of read whole.
 */
export async function resolveJob(request: JobRequest): Promise<Parsed<ResolvedJob>> {
  if ('gcode' in request) {
    return { ok: true, value: { name: request.name ?? defaultJobName(), gcode: request.gcode } };
  }
  const name = request.name ?? basename(request.file);
  const unreadable = (message: string): { ok: false; error: CommandError } => ({
    ok: false,
    error: {
      code: MqttErrorCode.fileUnreadable,
      message: `cannot read ${request.file}: ${message}`,
    },
  });
  try {
    const info = await stat(request.file);
    // Devices and pipes (/dev/zero) never end: only regular files are jobs.
    if (!info.isFile()) return unreadable('not a regular file');
    if (info.size > MAX_JOB_PAYLOAD_BYTES) {
      const lines = createInterface({ input: createReadStream(request.file), crlfDelay: Infinity });
      return { ok: true, value: { name, gcode: lines } };
    }
    return { ok: true, value: { name, gcode: await readFile(request.file, 'utf8') } };
  } catch (err) {
    return unreadable((err as Error).message);
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
