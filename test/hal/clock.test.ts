import { describe, expect, it, vi } from 'vitest';
import { RealClock, VirtualClock } from '../../hal/clock.js';

describe('VirtualClock', () => {
  it('runs timers in time order, same-time timers in insertion order', () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    const at = (label: string) => () => seen.push(`${label}@${clock.nowUs()}`);
    clock.setTimer(300, at('c'));
    clock.setTimer(100, at('a1'));
    clock.setTimer(200, at('b'));
    clock.setTimer(100, at('a2'));
    clock.advanceTo(1000);
    expect(seen).toEqual(['a1@100', 'a2@100', 'b@200', 'c@300']);
    expect(clock.nowUs()).toBe(1000);
  });

  it('runs events scheduled during an advance when they fall at or before the target', () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimer(10, () => {
      seen.push(clock.nowUs());
      clock.setTimer(0, () => seen.push(clock.nowUs()));
      clock.setTimer(40, () => seen.push(clock.nowUs())); // at 50: the target
      clock.setTimer(41, () => seen.push(clock.nowUs())); // at 51: next advance
    });
    clock.advanceUs(50);
    expect(seen).toEqual([10, 10, 50]);
    clock.advanceUs(1);
    expect(seen).toEqual([10, 10, 50, 51]);
  });

  it('a timer scheduled at 0 delay from a timer runs after same-time timers already queued', () => {
    const clock = new VirtualClock();
    const seen: string[] = [];
    clock.setTimer(5, () => {
      seen.push('first');
      clock.setTimer(0, () => seen.push('nested'));
    });
    clock.setTimer(5, () => seen.push('second'));
    clock.advanceTo(5);
    expect(seen).toEqual(['first', 'second', 'nested']);
  });

  it('clearTimer cancels a pending timer', () => {
    const clock = new VirtualClock();
    let fired = 0;
    const handle = clock.setTimer(10, () => fired++);
    clock.setTimer(20, () => fired++);
    clock.clearTimer(handle);
    expect(clock.pendingTimers()).toBe(1);
    expect(clock.nextEventUs()).toBe(20);
    clock.advanceTo(100);
    expect(fired).toBe(1);
  });

  it('runUntil stops at the event that makes the predicate true', () => {
    const clock = new VirtualClock();
    let count = 0;
    const tick = () => {
      count++;
      clock.setTimer(100, tick);
    };
    clock.setTimer(100, tick);
    expect(clock.runUntil(() => count === 7, 10_000)).toBe(true);
    expect(clock.nowUs()).toBe(700);
    expect(clock.runUntil(() => count === 1000, 550)).toBe(false);
    expect(clock.nowUs()).toBe(1250);
    expect(count).toBe(12);
  });

  it('runUntil returns at the last event when nothing is left to happen', () => {
    const clock = new VirtualClock();
    clock.setTimer(250, () => undefined);
    expect(clock.runUntil(() => false, 10_000)).toBe(false);
    expect(clock.nowUs()).toBe(250);
  });

  it('runNext runs exactly one event, within the limit', () => {
    const clock = new VirtualClock();
    const seen: number[] = [];
    clock.setTimer(10, () => seen.push(1));
    clock.setTimer(10, () => seen.push(2));
    clock.setTimer(50, () => seen.push(3));
    expect(clock.runNext()).toBe(true);
    expect(seen).toEqual([1]);
    expect(clock.runNext()).toBe(true);
    expect(clock.runNext(39)).toBe(false);
    expect(clock.nowUs()).toBe(10);
    expect(clock.runNext(40)).toBe(true);
    expect(seen).toEqual([1, 2, 3]);
    expect(clock.runNext()).toBe(false);
  });

  it('runUntilIdle stops at the last event, or at the limit while timers keep coming', () => {
    const clock = new VirtualClock();
    clock.setTimer(30, () => clock.setTimer(40, () => undefined));
    expect(clock.runUntilIdle(1000)).toBe(true);
    expect(clock.nowUs()).toBe(70);
    const forever = () => clock.setTimer(10, forever);
    clock.setTimer(10, forever);
    expect(clock.runUntilIdle(95)).toBe(false);
    expect(clock.nowUs()).toBe(165);
  });

  it('refuses to go back in time or to advance from inside a timer', () => {
    const clock = new VirtualClock(500);
    expect(() => clock.advanceTo(499)).toThrow(RangeError);
    clock.setTimer(1, () => clock.advanceUs(1));
    expect(() => clock.advanceUs(10)).toThrow(/inside one of its timers/);
  });
});

describe('RealClock', () => {
  it('is monotonic and fires timers (no speed assertion)', async () => {
    const clock = new RealClock();
    const t0 = clock.nowUs();
    const firedAt = await new Promise<number>((resolve) => {
      clock.setTimer(2000, () => resolve(clock.nowUs()));
    });
    expect(firedAt).toBeGreaterThanOrEqual(t0 + 1000);
    const handle = clock.setTimer(1000, () => {
      throw new Error('cleared timer fired');
    });
    clock.clearTimer(handle);
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('RealClock long timers', () => {
  // Node's setTimeout takes at most 2^31-1 ms (24.8 days) and fires a longer one after 1 ms
  // (lib/internal/timers.js, TIMEOUT_MAX): a long G4 dwell must last what it says.
  it('a timer of 30 days fires after 30 days, not at once', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const clock = new RealClock();
      const dayMs = 24 * 3600 * 1000;
      let fired = false;
      clock.setTimer(30 * dayMs * 1000, () => {
        fired = true;
      });
      vi.advanceTimersByTime(1000);
      expect(fired).toBe(false);
      vi.advanceTimersByTime(30 * dayMs - 1000 - 1);
      expect(fired).toBe(false);
      expect(clock.pendingTimers()).toBe(1);
      vi.advanceTimersByTime(1);
      expect(fired).toBe(true);
      expect(clock.pendingTimers()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });

  it('a long timer cleared between its hops never fires', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const clock = new RealClock();
      const dayMs = 24 * 3600 * 1000;
      let fired = false;
      const handle = clock.setTimer(60 * dayMs * 1000, () => {
        fired = true;
      });
      vi.advanceTimersByTime(40 * dayMs);
      clock.clearTimer(handle);
      vi.advanceTimersByTime(40 * dayMs);
      expect(fired).toBe(false);
      expect(clock.pendingTimers()).toBe(0);
    } finally {
      vi.useRealTimers();
    }
  });
});
