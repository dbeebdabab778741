// Exponential reconnect delays: short after a first drop, doubling up to a ceiling, so a long
// broker outage costs a retry every few seconds rather than a tight loop.

/** Doubling delay between `minMs` and `maxMs`, with up to 20% random spread. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt, in ms; each call doubles the base. */
  nextMs(): number {
    const baseMs = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    // Spread so that a fleet dropped by one broker restart does not reconnect in lockstep.
    return Math.round(Math.min(this.maxMs, baseMs * (1 + 0.2 * this.random())));
  }

  /** Back to the shortest delay (after a successful connection). */
  reset(): void {
    this.attempt = 0;
  }
}
