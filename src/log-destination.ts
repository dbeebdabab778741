// Where log lines go: a file descriptor written synchronously (nothing is lost when the
// process exits), where a failed write drops the line instead of throwing. A full disk, a
// closed pipe or /dev/full must never take the machine down mid-job (pino's own destination
// emits an 'error' that kills the process).
import { writeSync } from 'node:fs';
import { Writable } from 'node:stream';

/** How log writes are going: lines dropped since the last failure began, and why. */
export interface LogDropReport {
  droppedLines: number;
  reason: string;
}

/** Writes bytes from offset on; returns how many were written; throws on failure. */
export type WriteBytes = (data: Buffer, offset: number) => number;

/** A synchronous writer that drops what it cannot write and reports it once recovered. */
export class DroppingLogDestination extends Writable {
  private droppedLines = 0;
  private reason = '';
  private readonly writeBytes: WriteBytes;

  constructor(
    /** A file descriptor, or the write call itself. */
    target: number | WriteBytes,
    /** Called when writes work again after drops (e.g. to log how many were lost). */
    private readonly onRecovered: (report: LogDropReport) => void = () => {},
  ) {
    super({ decodeStrings: false });
    this.writeBytes =
      typeof target === 'number' ? (data, offset) => writeSync(target, data, offset) : target;
  }

  /** Lines dropped since writes began failing (0 while they work). */
  dropped(): number {
    return this.droppedLines;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.writeNow(chunk);
    done();
  }

  /** pino calls write() directly and expects it to act at once. */
  override write(chunk: Buffer | string): boolean {
    this.writeNow(chunk);
    return true;
  }

  private writeNow(chunk: Buffer | string): void {
    try {
      const data = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      let offset = 0;
      while (offset < data.length) offset += this.writeBytes(data, offset);
    } catch (err) {
      this.droppedLines++;
      this.reason = (err as NodeJS.ErrnoException).code ?? String(err);
      return;
    }
    if (this.droppedLines > 0) {
      const report = { droppedLines: this.droppedLines, reason: this.reason };
      this.droppedLines = 0;
      this.onRecovered(report);
    }
  }
}
