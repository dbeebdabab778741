// Runs `minifactory send` as a real child process (stdout not a TTY: JSON progress lines).
import { spawn } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** What one run of `send` produced. */
export interface SendRun {
  code: number | null;
  lines: Record<string, unknown>[];
  stderr: string;
}

/** Runs `minifactory send ARGS` to completion (killed after 25 s), stdout parsed as JSON lines. */
export function runSend(args: string[]): Promise<SendRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'send', ...args], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`send did not exit in time\nstdout:\n${stdout}\nstderr:\n${stderr}`));
    }, 25_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const lines = stdout
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      resolve({ code, lines, stderr });
    });
  });
}
