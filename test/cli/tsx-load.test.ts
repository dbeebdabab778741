// `npm start` and the `minifactory` bin run the sources through tsx (esbuild), while vitest
// transforms them with vite: a file that one accepts and the other rejects would pass every
// test and still fail for users. Load every source module through tsx in a real process.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '../..');

function sources(dir: string): string[] {
  return readdirSync(path.join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `./${path.join(dir, f)}`);
}

describe('every source module loads through tsx', () => {
  it('motion/, hal/ and src/ (but the CLI entry, which runs) import without error', () => {
    const files = [...sources('motion'), ...sources('hal'), ...sources('src')].filter(
      (f) => f !== './src/cli.ts',
    );
    expect(files.length).toBeGreaterThan(50);
    const script =
      `const files = ${JSON.stringify(files)};\n` +
      'for (const f of files) await import(f);\n' +
      'console.log(`loaded ${files.length}`);';
    const result = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: root,
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(result.stderr).not.toMatch(/Transform failed|SyntaxError/);
    expect(result.stdout).toContain(`loaded ${files.length}`);
    expect(result.status).toBe(0);
  });
});
