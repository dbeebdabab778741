// Streams a G-code file through the motion pipeline: the file is read in large chunks of
// bytes whose lines are parsed in place, so a job of any length plans in bounded memory.
import { createReadStream } from 'node:fs';
import { MotionPipeline, type PipelineOptions, type PipelineStats } from '../../motion/pipeline.js';
import type { MotionSettings } from '../../motion/types.js';

const READ_CHUNK_BYTES = 1 << 18;
/** A line longer than this is not G-code; refusing it keeps memory bounded. */
const MAX_LINE_BYTES = 1 << 20;
const CH_LF = 10;
const CH_CR = 13;
const encoder = new TextEncoder();

/** What to do with the job besides planning it. */
export interface PlanFileOptions extends PipelineOptions {
  /** Awaited between read chunks, so a slow output (the step log) holds the reading back. */
  backpressure?: () => Promise<void> | undefined;
}

/** Texts up to this many UTF-16 units are encoded into a kept buffer; longer ones get their own. */
const REUSED_UNITS = 1 << 22;
/** The kept encoding buffer (grown to the longest text so far), or null while in use. */
let reusedBytes: Uint8Array | null = new Uint8Array(0);

/** Feeds every line of a text to a pipeline; returns the number of lines fed. */
export function feedText(pipeline: MotionPipeline, text: string, firstLineNo = 1): number {
  // The parser reads bytes, several times faster than a string's char codes: one encoding
  // pass over the whole text pays for itself many times over. Into a kept buffer, that
  // pass costs a fifth of encoding into a new one.
  const reused = reusedBytes;
  if (reused === null || text.length > REUSED_UNITS) {
    return feedBytes(pipeline, encoder.encode(text), firstLineNo);
  }
  // ASCII takes one byte per unit; a text beyond it that does not fit is encoded anew.
  const bytes = reused.length >= text.length ? reused : new Uint8Array(text.length);
  const { read, written } = encoder.encodeInto(text, bytes);
  if (read < text.length) return feedBytes(pipeline, encoder.encode(text), firstLineNo);
  reusedBytes = null;
  try {
    return feedBytes(pipeline, bytes, firstLineNo, written);
  } finally {
    reusedBytes = bytes;
  }
}

/**
 * Feeds every line of a job's UTF-8 bytes (up to end) to a pipeline, numbering them from
 * firstLineNo; returns the number of lines fed. LF, CR LF and lone CR end lines.
 */
export function feedBytes(
  pipeline: MotionPipeline,
  bytes: Uint8Array,
  firstLineNo = 1,
  end = bytes.length,
): number {
  // Each line is read in place and its parse finds where the next one starts: the bytes
  // are walked once, and no line is cut out of them.
  let lineNo = firstLineNo;
  // A trailing line end does not make an extra (empty) line: the loop stops at end.
  for (let start = 0; start < end; lineNo++) start = pipeline.feedLineAt(bytes, start, end, lineNo);
  return lineNo - firstLineNo;
}

/** The index after the last LF or CR before end, or 0 when there is none. */
function wholeLinesEnd(bytes: Uint8Array, end: number): number {
  let i = end;
  while (i > 0 && bytes[i - 1] !== CH_LF && bytes[i - 1] !== CH_CR) i--;
  return i;
}

/** Plans a G-code file line by line (line numbers from 1); resolves with the job's statistics. */
export async function planFile(
  file: string,
  settings: MotionSettings,
  options: PlanFileOptions = {},
): Promise<PipelineStats> {
  const pipeline = new MotionPipeline(settings, options);
  let tail: Uint8Array = new Uint8Array(0);
  let lineNo = 1;
  for await (const chunk of createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })) {
    const read = chunk as Buffer;
    const bytes = tail.length === 0 ? read : Buffer.concat([tail, read]);
    // A CR at the end may be the first half of a CR LF: it waits for the next chunk.
    const heldCr = bytes.length > 0 && bytes[bytes.length - 1] === CH_CR;
    // Whole lines only: the last one may go on in the next chunk.
    const end = wholeLinesEnd(bytes, heldCr ? bytes.length - 1 : bytes.length);
    lineNo += feedBytes(pipeline, bytes, lineNo, end);
    tail = bytes.subarray(end);
    if (tail.length > MAX_LINE_BYTES) {
      throw new Error(`line ${lineNo} is longer than ${MAX_LINE_BYTES} bytes`);
    }
    const wait = options.backpressure?.();
    if (wait !== undefined) await wait;
  }
  feedBytes(pipeline, tail, lineNo);
  pipeline.finish();
  return pipeline.snapshot();
}
