// A real Mosquitto broker on a free loopback port, as a child process the test owns: started
// with a throwaway config, killed (and restarted on the same port) at will.
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** Where Mosquitto is: on PATH, or Debian's /usr/sbin (not on every user's PATH). */
export function mosquittoPath(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':').concat(['/usr/sbin', '/usr/local/sbin'])) {
    const candidate = join(dir, 'mosquitto');
    if (dir !== '' && existsSync(candidate)) return candidate;
  }
  return null;
}

export interface Mosquitto {
  port: number;
  /** The broker's temporary folder (its config and any prepared files). */
  dir: string;
  url: string;
  /** Kills the broker at once (SIGKILL): clients see a dropped connection. */
  kill(): Promise<void>;
  /** Starts it again on the same port. */
  start(): Promise<void>;
  /** Kills it and removes its files. */
  stop(): Promise<void>;
}

function portAccepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export interface MosquittoOptions {
  /**
   * Config lines after the listener line, instead of `allow_anonymous true`; `{dir}` in them
   * stands for the broker's own temporary folder (where `prepare` may write files).
   */
  settings?: string[];
  /** Writes files (certificates, a password file) into the broker's folder before start. */
  prepare?: (dir: string) => void;
  /** URL scheme clients use (`mqtts` for a TLS listener). */
  scheme?: 'mqtt' | 'mqtts';
}

/** Brokers still running; killed when the test process exits, whatever the way out. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const proc of running) proc.kill('SIGKILL');
});

/** Starts Mosquitto on a free loopback port (anonymous access, no persistence by default). */
export async function startMosquitto(options: MosquittoOptions = {}): Promise<Mosquitto> {
  const binary = mosquittoPath();
  if (binary === null) throw new Error('mosquitto is not installed (apt-get install mosquitto)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'minifactory-mosquitto-'));
  options.prepare?.(dir);
  // Started as root, Mosquitto drops to its own user before reading certificates and the
  // password file: let it read this throwaway folder.
  chmodSync(dir, 0o755);
  for (const file of readdirSync(dir)) chmodSync(join(dir, file), 0o644);
  const confPath = join(dir, 'mosquitto.conf');
  const settings = (options.settings ?? ['allow_anonymous true']).map((line) =>
    line.replaceAll('{dir}', dir),
  );
  writeFileSync(
    confPath,
    [`listener ${port} 127.0.0.1`, ...settings, 'persistence false', 'log_dest stderr', ''].join(
      '\n',
    ),
  );
  let child: ChildProcess | null = null;
  let output = '';

  const start = async (): Promise<void> => {
    const proc = spawn(binary, ['-c', confPath], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    running.add(proc);
    proc.once('exit', () => running.delete(proc));
    proc.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    proc.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    let exited = false;
    proc.once('exit', () => (exited = true));
    await waitUntil(
      async () => {
        if (exited) throw new Error(`mosquitto exited at start:\n${output}`);
        return portAccepts(port);
      },
      10_000,
      `mosquitto on port ${port}`,
    );
  };

  const kill = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (proc === null || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill('SIGKILL');
    await exited;
  };

  try {
    await start();
  } catch (err) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  return {
    port,
    dir,
    url: `${options.scheme ?? 'mqtt'}://127.0.0.1:${port}`,
    kill,
    start,
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
