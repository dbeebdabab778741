// A move of billions of steps is timed chunk by chunk: memory follows the chunk, not the move.
import { describe, expect, it } from 'vitest';
import { Planner } from '../../../motion/planner.js';
import { StepGenerator } from '../../../motion/stepper.js';
import { durationS } from '../../../motion/trapezoid.js';
import { millSettings, rapidTo } from '../planner/fixtures.js';

describe('a very long move', () => {
  it('times 10 km of X (8e8 steps) chunk by chunk at the rapid rate', () => {
    const settings = millSettings();
    const planner = new Planner(settings);
    const planned = [...planner.push(rapidTo(10_000_000, 0, 0)), ...planner.flush()];
    expect(planned).toHaveLength(1);
    const gen = new StepGenerator(settings, { chunkUs: 10_000 });
    const arrayBytesBefore = process.memoryUsage().arrayBuffers;
    gen.add(planned[0]);
    // 100 mm/s at 80 steps/mm: 8 steps per ms once at speed (after 0.2 s of acceleration).
    let steps = 0;
    let chunks = 0;
    while (chunks < 100) {
      const chunk = gen.nextChunk();
      if (chunk === null) break;
      steps += chunk.count;
      chunks++;
      for (let e = 0; e < chunk.count; e++) expect(chunk.motor[e]).toBe(0);
    }
    expect(chunks).toBe(100);
    // Buffers sized for the chunks (kilobytes), not for the move (8e8 steps, gigabytes).
    expect(process.memoryUsage().arrayBuffers - arrayBytesBefore).toBeLessThan(16 * 2 ** 20);
    // After 1 s: 0.2 s accelerating to 100 mm/s (10 mm), 0.8 s cruising (80 mm): 90 mm.
    expect(Math.abs(steps - 90 * 80)).toBeLessThanOrEqual(1);
    expect(gen.positionSteps()[0]).toBe(steps);
    expect(durationS(planned[0])).toBeGreaterThan(100_000);
  });
});
