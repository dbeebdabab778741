// `minifactory send FILE`: streams a G-code job to a running machine over MQTT and follows it
// to the end, with a progress bar on a terminal and JSON lines otherwise.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { SingleBar } from 'cli-progress';
import type { Command } from 'commander';
import { ConfigError } from '../config/errors.js';
import { loadMachineConfig } from '../config/load.js';
import type { MachineConfig } from '../config/schema.js';
import { sendJob, type SendOutcome, type SendProgress } from '../mqtt/sender.js';
import { machinePrefix } from '../mqtt/topics.js';

interface SendCliOptions {
  url?: string;
  id?: string;
  prefix?: string;
  config?: string;
  username?: string;
  password?: string;
  ca?: string;
  name?: string;
  timeoutS: string;
}

/** Exit code when the machine refused or failed the job. */
const EXIT_JOB_FAILED = 1;
/** Exit code when the file, the config or the command line is unusable. */
const EXIT_USAGE = 2;

/** Adds the `send` subcommand. */
export function registerSend(program: Command): void {
  program
    .command('send')
    .argument('<file>', 'G-code file')
    .description('stream a job to a running machine over MQTT and follow it to the end')
    .option('--url <url>', "broker URL (default: the config's, else mqtt://127.0.0.1:1883)")
    .option('--id <id>', "machine id (default: the config's, else minifactory)")
    .option('--prefix <prefix>', 'topic prefix (default: minifactory/<id>/)')
    .option('--config <file>', 'take url, id and prefix from this machine config')
    .option('--username <name>', 'broker user name')
    .option('--password <password>', 'broker password')
    .option('--ca <file>', 'CA certificate (PEM) for an mqtts:// broker')
    .option('--name <name>', 'job name (default: the file name)')
    .option('--timeout-s <seconds>', 'wait this long for the machine to answer', '10')
    .action(async (file: string, options: SendCliOptions) => {
      process.exitCode = await runSend(file, options);
    });
}

async function runSend(file: string, options: SendCliOptions): Promise<number> {
  let gcode: string;
  try {
    gcode = readFileSync(file, 'utf8');
  } catch (err) {
    console.error(`minifactory send: cannot read ${file}: ${(err as Error).message}`);
    return EXIT_USAGE;
  }
  const timeoutS = Number(options.timeoutS);
  if (!Number.isFinite(timeoutS) || timeoutS <= 0) {
    console.error(`minifactory send: --timeout-s must be a positive number`);
    return EXIT_USAGE;
  }
  let config: MachineConfig | undefined;
  try {
    config = options.config === undefined ? undefined : loadMachineConfig(options.config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    return EXIT_USAGE;
  }
  const id = options.id ?? config?.id ?? 'minifactory';
  const url =
    options.url ??
    config?.mqtt.url ??
    `mqtt://127.0.0.1:${config === undefined ? 1883 : config.mqtt.embeddedPort}`;
  const prefix = machinePrefix(id, options.prefix ?? config?.mqtt.prefix);
  const name = options.name ?? basename(file);
  const tlsPaths = { ...config?.mqtt.tls, ...(options.ca === undefined ? {} : { ca: options.ca }) };
  const tls: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const key of ['ca', 'cert', 'key'] as const) {
    const path = tlsPaths[key];
    if (path === undefined) continue;
    try {
      tls[key] = readFileSync(path);
    } catch (err) {
      console.error(`minifactory send: cannot read ${path}: ${(err as Error).message}`);
      return EXIT_USAGE;
    }
  }
  const display = process.stdout.isTTY === true ? new BarDisplay() : new JsonDisplay();

  const outcome = await sendJob(
    {
      url,
      prefix,
      name,
      gcode,
      username: options.username ?? config?.mqtt.username,
      password: options.password ?? config?.mqtt.password,
      tls,
      answerTimeoutMs: timeoutS * 1000,
    },
    (progress) => display.progress(progress),
  );
  display.done(outcome);
  return outcome.ok ? 0 : EXIT_JOB_FAILED;
}

interface Display {
  progress(progress: SendProgress): void;
  done(outcome: SendOutcome): void;
}

/** One JSON object per line, for scripts and CI logs. */
class JsonDisplay implements Display {
  progress(progress: SendProgress): void {
    process.stdout.write(`${JSON.stringify(progress)}\n`);
  }

  done(outcome: SendOutcome): void {
    const line = outcome.ok
      ? { kind: 'finished', name: outcome.name, durationS: outcome.durationS }
      : { kind: 'failed', name: outcome.name, error: outcome.error };
    process.stdout.write(`${JSON.stringify(line)}\n`);
    if (!outcome.ok) {
      console.error(
        `${outcome.name}: failed: error ${outcome.error.code}: ${outcome.error.message}`,
      );
    }
  }
}

/** A live bar: lines done, percent, and the machine's estimate of the time left. */
class BarDisplay implements Display {
  private readonly bar = new SingleBar({
    format: '{name} [{bar}] {percentage}% | line {value}/{total} | ETA {remaining}',
    hideCursor: true,
  });
  private started = false;

  progress(progress: SendProgress): void {
    if (progress.kind === 'accepted') return;
    const remaining = progress.remainingS === null ? '--:--' : formatDuration(progress.remainingS);
    if (!this.started) {
      this.started = true;
      this.bar.start(progress.totalLines, progress.line, { name: progress.name, remaining });
      return;
    }
    this.bar.setTotal(progress.totalLines);
    this.bar.update(progress.line, { remaining });
  }

  done(outcome: SendOutcome): void {
    if (this.started) {
      if (outcome.ok) this.bar.update(this.bar.getTotal(), { remaining: '0:00' });
      this.bar.stop();
    }
    if (outcome.ok) {
      console.log(`${outcome.name}: finished in ${formatDuration(outcome.durationS)}`);
    } else {
      console.error(
        `${outcome.name}: failed: error ${outcome.error.code}: ${outcome.error.message}`,
      );
    }
  }
}

function formatDuration(timeS: number): string {
  const totalS = Math.max(0, Math.round(timeS));
  const minutes = Math.floor(totalS / 60);
  const seconds = totalS % 60;
  return `${minutes}:${seconds.toString().padStart(2, '0')}`;
}
