// A job file is read only from inside jobsDir, even while another process swaps a folder on
// its path for a symbolic link that leads outside (a check-then-open race).
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveJob } from '../../src/mqtt/jobs.js';

describe('jobsDir against a racing symlink swap', () => {
  it('never returns the text of a file outside jobsDir', async () => {
    const root = mkdtempSync(join(tmpdir(), 'minifactory-race-'));
    const jobsDir = join(root, 'jobs');
    const outside = join(root, 'outside');
    mkdirSync(join(jobsDir, 'sub'), { recursive: true });
    mkdirSync(outside);
    writeFileSync(join(jobsDir, 'sub', 'job.nc'), 'G0 X1 (inside)\n');
    writeFileSync(join(outside, 'job.nc'), 'G0 X2 (OUTSIDE)\n');
    symlinkSync(outside, join(jobsDir, 'link'));
    // Swaps jobs/sub between the real folder and the link to outside, as fast as it can.
    const swapper = spawn(
      'sh',
      [
        '-c',
        'cd "$1" && while :; do mv sub real; mv link sub; mv sub link; mv real sub; done',
        'swap',
        jobsDir,
      ],
      { stdio: 'ignore' },
    );
    const outcomes = { inside: 0, refused: 0, outside: 0 };
    try {
      for (let i = 0; i < 3000; i++) {
        const result = await resolveJob({ file: 'sub/job.nc' }, jobsDir);
        if (!result.ok) outcomes.refused++;
        else if (String(result.value.gcode).includes('OUTSIDE')) outcomes.outside++;
        else outcomes.inside++;
      }
    } finally {
      swapper.kill('SIGKILL');
      rmSync(root, { recursive: true, force: true });
    }
    expect(outcomes.outside).toBe(0);
    // The race was real: some reads found the folder, some found the link.
    expect(outcomes.inside).toBeGreaterThan(0);
  });
});
