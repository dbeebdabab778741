// The two clocks behind the Clock interface: wall time for hardware, and a discrete-event
// scheduler for the simulator, so a homing cycle or a long job runs in milliseconds in a test.
import type { Clock, TimerHandle } from './types.js';

/** Node's setTimeout limit, ms: a longer delay fires after 1 ms (lib/internal/timers.js). */
const TIMEOUT_MAX_MS = 2 ** 31 - 1;

/** Wall-clock time in µs since construction (process.hrtime), timers on setTimeout. */
export class RealClock implements Clock {
  private readonly originNs = process.hrtime.bigint();
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;

  /** µs since this clock was created, integer, monotonic. */
  nowUs(): number {
    return Number((process.hrtime.bigint() - this.originNs) / 1000n);
  }

  /**
   * Calls fn after delayUs; Node's timers round up to whole milliseconds. A delay beyond
   * Node's limit (24.8 days: a long G4) is chained in hops, so it lasts what it says.
   */
  setTimer(delayUs: number, fn: () => void): TimerHandle {
    const id = this.nextId++;
    this.arm(id, Math.max(0, delayUs) / 1000, fn);
    return { id };
  }

  /** One hop of at most TIMEOUT_MAX_MS towards a timer's end. */
  private arm(id: number, remainingMs: number, fn: () => void): void {
    const hopMs = Math.min(remainingMs, TIMEOUT_MAX_MS);
    const timeout = setTimeout(() => {
      if (remainingMs > hopMs) {
        this.arm(id, remainingMs - hopMs, fn);
        return;
      }
      this.timers.delete(id);
      fn();
    }, hopMs);
    this.timers.set(id, timeout);
  }

  clearTimer(handle: TimerHandle): void {
    const timeout = this.timers.get(handle.id);
    if (timeout === undefined) return;
    clearTimeout(timeout);
    this.timers.delete(handle.id);
  }

  /** Number of timers not yet fired or cleared. */
  pendingTimers(): number {
    return this.timers.size;
  }
}

interface VirtualEvent {
  timeUs: number;
  /** Insertion order: breaks ties so same-time timers run first-in first-out. */
  seq: number;
  id: number;
  fn: () => void;
}

function before(a: VirtualEvent, b: VirtualEvent): boolean {
  return a.timeUs < b.timeUs || (a.timeUs === b.timeUs && a.seq < b.seq);
}

/**
 * Simulated time: nothing happens until the caller advances it. Events run strictly in time
 * order, same-time events in the order they were scheduled; events scheduled while advancing
 * that fall at or before the target run in the same advance.
 */
export class VirtualClock implements Clock {
  private timeUs: number;
  private readonly heap: VirtualEvent[] = [];
  /** Live (scheduled, not fired, not cleared) timers by id. */
  private readonly live = new Map<number, VirtualEvent>();
  private nextId = 1;
  private nextSeq = 0;
  private advancing = false;

  constructor(startUs = 0) {
    this.timeUs = startUs;
  }

  nowUs(): number {
    return this.timeUs;
  }

  /** Schedules fn at now + delayUs (negative delays count as 0). */
  setTimer(delayUs: number, fn: () => void): TimerHandle {
    if (Number.isNaN(delayUs)) throw new RangeError('VirtualClock.setTimer: delayUs is NaN');
    const event: VirtualEvent = {
      timeUs: this.timeUs + Math.max(0, delayUs),
      seq: this.nextSeq++,
      id: this.nextId++,
      fn,
    };
    this.live.set(event.id, event);
    this.heapPush(event);
    return { id: event.id };
  }

  clearTimer(handle: TimerHandle): void {
    // Removal is lazy: the event stays in the heap and is skipped when it surfaces.
    this.live.delete(handle.id);
  }

  /** Number of timers not yet fired or cleared. */
  pendingTimers(): number {
    return this.live.size;
  }

  /** Time of the earliest pending timer, or undefined when none is pending. */
  nextEventUs(): number | undefined {
    return this.peekLive()?.timeUs;
  }

  /** Advances by us, running every event due on the way. */
  advanceUs(us: number): void {
    if (!(us >= 0)) throw new RangeError(`VirtualClock.advanceUs: ${us} is not >= 0`);
    this.advanceTo(this.timeUs + us);
  }

  /** Advances to targetUs (>= now), running every event due at or before it. */
  advanceTo(targetUs: number): void {
    if (!(targetUs >= this.timeUs)) {
      throw new RangeError(`VirtualClock.advanceTo: ${targetUs} is before now (${this.timeUs})`);
    }
    this.run(targetUs, () => false);
    this.timeUs = targetUs;
  }

  /**
   * Runs events in order until predicate() holds (checked first, then after every event), for
   * at most limitUs of simulated time. Returns whether the predicate held. The clock stays at
   * the time of the event that made it true; when it never did, at now + limitUs if events
   * remain beyond that, or at the last event when none remains (nothing left to happen: the
   * caller, e.g. async code waiting on promises, gets control back without time jumping).
   */
  runUntil(predicate: () => boolean, limitUs: number): boolean {
    const endUs = this.timeUs + limitUs;
    if (predicate()) return true;
    if (this.run(endUs, predicate)) return true;
    if (this.live.size > 0) this.timeUs = endUs;
    return predicate();
  }

  /**
   * Runs the earliest pending event if it falls within limitUs (default: any time); returns
   * whether one ran. For callers that must do work (e.g. let promises settle) between events.
   */
  runNext(limitUs = Infinity): boolean {
    const event = this.peekLive();
    if (event === undefined || event.timeUs > this.timeUs + limitUs) return false;
    let ran = false;
    this.run(event.timeUs, () => (ran = true));
    return ran;
  }

  /**
   * Runs events until none is pending, for at most limitUs of simulated time. Returns true when
   * idle (the clock stays at the last event's time), false when the limit was reached first.
   */
  runUntilIdle(limitUs: number): boolean {
    const endUs = this.timeUs + limitUs;
    this.run(endUs, () => false);
    if (this.live.size === 0) return true;
    this.timeUs = endUs;
    return false;
  }

  /** Runs due events up to endUs; stops early (returning true) once predicate holds. */
  private run(endUs: number, predicate: () => boolean): boolean {
    if (this.advancing) throw new Error('VirtualClock: advanced from inside one of its timers');
    this.advancing = true;
    try {
      for (;;) {
        const event = this.peekLive();
        if (event === undefined || event.timeUs > endUs) return false;
        this.heapPop();
        this.live.delete(event.id);
        this.timeUs = event.timeUs;
        event.fn();
        if (predicate()) return true;
      }
    } finally {
      this.advancing = false;
    }
  }

  private peekLive(): VirtualEvent | undefined {
    while (this.heap.length > 0) {
      const top = this.heap[0];
      if (this.live.get(top.id) === top) return top;
      this.heapPop();
    }
    return undefined;
  }

  private heapPush(event: VirtualEvent): void {
    const heap = this.heap;
    let i = heap.length;
    heap.push(event);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(event, heap[parent])) break;
      heap[i] = heap[parent];
      i = parent;
    }
    heap[i] = event;
  }

  private heapPop(): void {
    const heap = this.heap;
    const last = heap.pop();
    if (last === undefined || heap.length === 0) return;
    let i = 0;
    const n = heap.length;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && before(heap[right], heap[left]) ? right : left;
      if (!before(heap[child], last)) break;
      heap[i] = heap[child];
      i = child;
    }
    heap[i] = last;
  }
}

/** The virtual clock behind a Clock, or undefined when it is a real one. */
export function asVirtualClock(clock: Clock): VirtualClock | undefined {
  return clock instanceof VirtualClock ? clock : undefined;
}
