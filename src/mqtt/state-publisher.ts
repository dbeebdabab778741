// Publishes the `state` snapshot on every change, but never more often than the configured
// rate: a burst of changes inside one interval collapses into one message with the latest
// snapshot, sent when the interval ends. A periodic sample catches motion between events.

/** What the publisher needs: a fresh snapshot as JSON, and a way to send it. */
export interface StatePublisherDeps {
  snapshot(): string;
  send(json: string): void;
  /** Milliseconds, monotonic; performance.now by default (tests pass a fake). */
  nowMs?: () => number;
}

/** Throttled, de-duplicated publisher of the retained state. */
export class StatePublisher {
  private readonly minIntervalMs: number;
  private readonly nowMs: () => number;
  private lastSentMs = -Infinity;
  private lastJson: string | null = null;
  private pending: NodeJS.Timeout | null = null;
  private readonly sampler: NodeJS.Timeout;
  private enabled = true;

  constructor(
    rateHz: number,
    private readonly deps: StatePublisherDeps,
  ) {
    this.minIntervalMs = 1000 / rateHz;
    // Not Date.now: a Pi without a clock chip steps its wall clock when NTP syncs, and a step
    // back would hold every state message until the wall clock caught up again.
    this.nowMs = deps.nowMs ?? (() => performance.now());
    // Sampling at the rate publishes motion even when the machine emits no position events;
    // an unchanged snapshot is not sent again, so an idle machine stays quiet.
    this.sampler = setInterval(() => this.request(), this.minIntervalMs);
    this.sampler.unref();
  }

  /** Publishes the current snapshot now if the rate allows, else at the end of the interval. */
  request(): void {
    if (!this.enabled || this.pending !== null) return;
    const waitMs = this.lastSentMs + this.minIntervalMs - this.nowMs();
    if (waitMs <= 0) {
      this.publish();
      return;
    }
    this.pending = setTimeout(() => {
      this.pending = null;
      this.publish();
    }, waitMs);
    this.pending.unref();
  }

  /** Sends the snapshot again even if unchanged (after a reconnect), still within the rate. */
  republish(): void {
    this.lastJson = null;
    this.request();
  }

  /** Stops or resumes sending (while disconnected there is no point in producing messages). */
  setEnabled(enabled: boolean): void {
    this.enabled = enabled;
    if (!enabled && this.pending !== null) {
      clearTimeout(this.pending);
      this.pending = null;
    }
  }

  /** Stops every timer. */
  close(): void {
    this.setEnabled(false);
    clearInterval(this.sampler);
  }

  private publish(): void {
    const json = this.deps.snapshot();
    if (json === this.lastJson) return;
    this.lastJson = json;
    this.lastSentMs = this.nowMs();
    this.deps.send(json);
  }
}
