// Streams a G-code file through the motion pipeline: the file is read in large chunks and
// cut into lines here, so a job of any length plans in bounded memory.
import { createReadStream } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { MotionPipeline, type PipelineOptions, type PipelineStats } from '../../motion/pipeline.js';
import type { MotionSettings } from '../../motion/types.js';

const READ_CHUNK_BYTES = 1 << 18;
/** A line longer than this is not G-code; refusing it keeps memory bounded. */
const MAX_LINE_CHARS = 1 << 20;

/** What to do with the job besides planning it. */
export interface PlanFileOptions extends PipelineOptions {
  /** Awaited between read chunks, so a slow output (the step log) holds the reading back. */
  backpressure?: () => Promise<void> | undefined;
}

/** Line ends as Grbl takes them: LF, CR LF, or a lone CR. */
const LINE_BREAK = /\r\n|\r|\n/;

/** Feeds every line of a text to a pipeline; returns the number of lines fed. */
export function feedText(pipeline: MotionPipeline, text: string, firstLineNo = 1): number {
  // Cut as we go rather than split(): an array of every line of a big job outlives the
  // young generation and makes the collector copy it; a line cut here dies young.
  const len = text.length;
  let lineNo = firstLineNo;
  let start = 0;
  // The next LF and CR at or after start; -1 once there are no more.
  let nextLf = text.indexOf('\n');
  let nextCr = text.indexOf('\r');
  while (start < len) {
    if (nextLf !== -1 && nextLf < start) nextLf = text.indexOf('\n', start);
    if (nextCr !== -1 && nextCr < start) nextCr = text.indexOf('\r', start);
    let end = len;
    let next = len;
    if (nextCr !== -1 && (nextLf === -1 || nextCr < nextLf)) {
      end = nextCr;
      next = nextLf === nextCr + 1 ? nextCr + 2 : nextCr + 1;
    } else if (nextLf !== -1) {
      end = nextLf;
      next = nextLf + 1;
    }
    // A trailing line end does not make an extra (empty) line: the loop stops at len.
    pipeline.feedLine(text.slice(start, end), lineNo++);
    start = next;
  }
  return lineNo - firstLineNo;
}

/** Plans a G-code file line by line (line numbers from 1); resolves with the job's statistics. */
export async function planFile(
  file: string,
  settings: MotionSettings,
  options: PlanFileOptions = {},
): Promise<PipelineStats> {
  const pipeline = new MotionPipeline(settings, options);
  const decoder = new StringDecoder('utf8');
  let tail = '';
  let lineNo = 1;
  for await (const bytes of createReadStream(file, { highWaterMark: READ_CHUNK_BYTES })) {
    let text = tail + decoder.write(bytes as Buffer);
    // A CR at the end may be the first half of a CR LF: keep it for the next chunk.
    const heldCr = text.endsWith('\r');
    if (heldCr) text = text.slice(0, -1);
    const lines = text.split(LINE_BREAK);
    tail = (lines.pop() ?? '') + (heldCr ? '\r' : '');
    if (tail.length > MAX_LINE_CHARS) {
      throw new Error(`line ${lineNo + lines.length} is longer than ${MAX_LINE_CHARS} characters`);
    }
    for (let i = 0; i < lines.length; i++) pipeline.feedLine(lines[i], lineNo++);
    const wait = options.backpressure?.();
    if (wait !== undefined) await wait;
  }
  feedText(pipeline, tail + decoder.end(), lineNo);
  pipeline.finish();
  return pipeline.snapshot();
}
