// A slow board's step-rate limit becomes the machine's speed limit: it never queues steps
// faster than the board can emit them.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { drive, rig } from './helpers.js';

const root = path.resolve(import.meta.dirname, '../..');

describe("the board's maxStepRateHz", () => {
  it('caps an X rapid at 400 steps/s (5 mm/s at 80 steps/mm)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'minifactory-step-rate-'));
    const boardFile = path.join(dir, 'slow-sim.yaml');
    writeFileSync(
      boardFile,
      readFileSync(path.join(root, 'boards/sim.yaml'), 'utf8').replace(
        'maxStepRateHz: 1000000',
        'maxStepRateHz: 400',
      ),
    );
    const r = await rig({ board: boardFile });
    expect(r.machine.board.capabilities.maxStepRateHz).toBe(400);
    const startUs = r.clock.nowUs();
    await r.machine.gcode('G0 X10');
    await drive(r.clock, r.machine.idle());
    expect(r.sim.axesMm()[0]).toBeCloseTo(10, 9);
    // 2 s at 5 mm/s, plus 5 ms each to accelerate and brake at 500 mm/s².
    expect((r.clock.nowUs() - startUs) / 1e6).toBeCloseTo(2.01, 2);
  });
});
