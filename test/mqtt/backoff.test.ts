import { describe, expect, it } from 'vitest';
import { Backoff } from '../../src/mqtt/backoff.js';

describe('Backoff', () => {
  it('doubles from the minimum up to the ceiling and starts over after a reset', () => {
    const backoff = new Backoff(500, 5000, () => 0);
    expect([1, 2, 3, 4, 5, 6].map(() => backoff.nextMs())).toEqual([
      500, 1000, 2000, 4000, 5000, 5000,
    ]);
    backoff.reset();
    expect(backoff.nextMs()).toBe(500);
  });

  it('spreads each delay by at most 20% and never past the ceiling', () => {
    const backoff = new Backoff(1000, 3000, () => 0.999);
    expect([1, 2, 3].map(() => backoff.nextMs())).toEqual([1200, 2400, 3000]);
  });
});
