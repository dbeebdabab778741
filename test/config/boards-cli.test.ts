import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { listBoards } from '../../src/config/board.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));

/** Runs `minifactory ...args` as a child process; resolves with stdout, stderr and exit code. */
async function minifactory(
  ...args: string[]
): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run('npx', ['tsx', 'src/cli.ts', ...args], { cwd: root });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('minifactory boards (child process)', () => {
  it('prints one line per bundled board: name, backend, description', async () => {
    const { stdout, code } = await minifactory('boards');
    expect(code).toBe(0);
    const lines = stdout.trimEnd().split('\n');
    const boards = listBoards();
    expect(lines).toHaveLength(boards.length);
    for (const [i, board] of boards.entries()) {
      expect(lines[i].split(/\s{2,}/)).toEqual([board.name, board.backend, board.description]);
    }
  });

  it('prints a board pin map, and refuses an unknown board with exit code 2', async () => {
    const { stdout } = await minifactory('boards', 'rpi-stepstick');
    expect(stdout).toContain('backend: pigpio');
    expect(stdout).toMatch(
      /0 \(x\/a\): step 17 \(active high\), dir 27; pulse 5 µs, dir setup 5 µs/,
    );
    expect(stdout).toMatch(/limitX\s+pin 5\s+active low, pull-up, debounce 500 µs/);
    const bad = await minifactory('boards', 'no-such-board');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('unknown board "no-such-board"');
  });
});
