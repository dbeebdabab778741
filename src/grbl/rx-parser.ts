// Splits the bytes a sender writes into Grbl's two streams: realtime commands, taken out
// wherever they appear, and lines (ended by \n, \r or \r\n) for the ordered ok/error protocol.
import { isOutOfBand, realtimeCommand, type RealtimeCommand } from './realtime.js';

export type RxItem =
  | { kind: 'realtime'; command: RealtimeCommand }
  /** bytes: what the line took of the sender's buffer, its terminator included. */
  | { kind: 'line'; text: string; bytes: number }
  /** A line longer than the limit: answered with error:11, never executed. */
  | { kind: 'overflow'; bytes: number };

const LF = 0x0a;
const CR = 0x0d;
const TAB = 0x09;
const SPACE = 0x20;
const DEL = 0x7f;

/** Incremental parser of a sender's byte stream; one per connection. */
export class RxParser {
  private chars: number[] = [];
  private lineBytes = 0;
  private overflow = false;
  private afterCr = false;

  /** maxLineChars: longest line accepted (terminator and realtime bytes not counted). */
  constructor(private readonly maxLineChars: number) {}

  /** Parses a chunk; returns the realtime commands and complete lines in stream order. */
  push(chunk: Uint8Array): RxItem[] {
    const items: RxItem[] = [];
    for (const byte of chunk) {
      const wasAfterCr = this.afterCr;
      this.afterCr = false;
      if (isOutOfBand(byte)) {
        const command = realtimeCommand(byte);
        if (command === null) continue;
        // A soft reset empties Grbl's receive buffer: the line being received is dropped.
        if (command.kind === 'reset') this.clear();
        items.push({ kind: 'realtime', command });
        continue;
      }
      if (byte === LF && wasAfterCr) continue; // the \n of a \r\n: one line, one answer
      if (byte === LF || byte === CR) {
        items.push(this.endLine());
        this.afterCr = byte === CR;
        continue;
      }
      this.lineBytes++;
      // Control characters carry nothing in G-code; Grbl drops them too.
      if ((byte < SPACE && byte !== TAB) || byte === DEL) continue;
      if (this.chars.length >= this.maxLineChars) this.overflow = true;
      else this.chars.push(byte);
    }
    return items;
  }

  /** Drops a partial line. */
  clear(): void {
    this.chars = [];
    this.lineBytes = 0;
    this.overflow = false;
    this.afterCr = false;
  }

  /** Bytes of the line being received, not yet complete. */
  partialBytes(): number {
    return this.lineBytes;
  }

  private endLine(): RxItem {
    const bytes = this.lineBytes + 1;
    const item: RxItem = this.overflow
      ? { kind: 'overflow', bytes }
      : { kind: 'line', text: String.fromCharCode(...this.chars), bytes };
    this.clear();
    return item;
  }
}
