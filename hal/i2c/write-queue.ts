// Serialises I2C writes issued from synchronous callers (an output's write(), a step): one
// transaction at a time, in order; the first failure is kept for the board to report.

/** An ordered queue of asynchronous bus operations. */
export class WriteQueue {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  /** The first error any queued operation threw, if any. */
  error: Error | undefined;

  /** Queues op after every earlier one. */
  run(op: () => Promise<void>): void {
    this.pending++;
    this.tail = this.tail
      .then(op)
      .catch((err: unknown) => {
        this.error ??= err instanceof Error ? err : new Error(String(err));
      })
      .finally(() => {
        this.pending--;
      });
  }

  /** Operations queued and not yet finished. */
  backlog(): number {
    return this.pending;
  }

  /** Resolves once every queued operation has finished. */
  flush(): Promise<void> {
    return this.tail;
  }
}
