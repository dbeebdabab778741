import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { StatePublisher } from '../../src/mqtt/state-publisher.js';

describe('StatePublisher', () => {
  let value: string;
  let sent: { atMs: number; json: string }[];
  let publisher: StatePublisher;

  beforeEach(() => {
    vi.useFakeTimers();
    value = 'a';
    sent = [];
    publisher = new StatePublisher(10, {
      snapshot: () => value,
      send: (json) => sent.push({ atMs: Date.now(), json }),
    });
  });

  afterEach(() => {
    publisher.close();
    vi.useRealTimers();
  });

  it('publishes the first change at once and collapses a burst into the latest snapshot', () => {
    const startMs = Date.now();
    publisher.request();
    expect(sent).toEqual([{ atMs: startMs, json: 'a' }]);
    vi.advanceTimersByTime(10);
    value = 'b';
    publisher.request();
    value = 'c';
    publisher.request();
    expect(sent).toHaveLength(1);
    vi.advanceTimersByTime(90);
    expect(sent).toEqual([
      { atMs: startMs, json: 'a' },
      { atMs: startMs + 100, json: 'c' },
    ]);
  });

  it('samples while the value keeps changing, never faster than the rate', () => {
    publisher.request();
    for (let i = 0; i < 100; i++) {
      value = `v${i}`;
      publisher.request();
      vi.advanceTimersByTime(10);
    }
    // 1 s of changes every 10 ms at 10 Hz: one message per 100 ms.
    const gapsMs = sent.slice(1).map((s, i) => s.atMs - sent[i].atMs);
    expect(sent.length).toBeGreaterThanOrEqual(10);
    expect(sent.length).toBeLessThanOrEqual(11);
    expect(Math.min(...gapsMs)).toBeGreaterThanOrEqual(100);
  });

  it('sends nothing while the snapshot is unchanged, and catches changes without events', () => {
    publisher.request();
    vi.advanceTimersByTime(1000);
    expect(sent).toHaveLength(1);
    value = 'moved';
    vi.advanceTimersByTime(100);
    expect(sent.map((s) => s.json)).toEqual(['a', 'moved']);
  });

  it('republishes an unchanged snapshot on demand and stays silent while disabled', () => {
    publisher.request();
    publisher.setEnabled(false);
    value = 'b';
    vi.advanceTimersByTime(500);
    expect(sent.map((s) => s.json)).toEqual(['a']);
    value = 'a';
    publisher.setEnabled(true);
    publisher.republish();
    expect(sent.map((s) => s.json)).toEqual(['a', 'a']);
  });
});
