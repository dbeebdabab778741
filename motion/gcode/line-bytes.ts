// One line of text as UTF-8 bytes for the parser (which reads bytes), encoded into a reused
// buffer: a line handed over as a string needs no new buffer.
const encoder = new TextEncoder();
/** Texts up to this many UTF-16 units fit the reused buffer (UTF-8 takes at most 3 bytes each). */
const REUSED_UNITS = 1024;

/** The UTF-8 bytes of one text at a time; they stay valid until the next encode(). */
export class LineBytes {
  private readonly reused = new Uint8Array(REUSED_UNITS * 3);
  /** The bytes of the text encode() last took (the reused buffer, or a long text's own). */
  bytes: Uint8Array = this.reused;

  /** Encodes text into bytes; returns how many bytes it took. */
  encode(text: string): number {
    if (text.length <= REUSED_UNITS) {
      this.bytes = this.reused;
      return encoder.encodeInto(text, this.reused).written;
    }
    this.bytes = encoder.encode(text);
    return this.bytes.length;
  }
}
