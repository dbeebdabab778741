// The step log: one CSV row per step (`timeUs,motor,dir`), written through a buffer so a
// job of millions of steps costs a few large writes, not millions of small ones.
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { StepChunk } from '../../motion/types.js';

const FLUSH_CHARS = 1 << 16;

/** Motor names for the step log and the report: axis letters, or a/b/z for CoreXY. */
export function motorNames(kinematics: 'cartesian' | 'corexy'): [string, string, string] {
  return kinematics === 'corexy' ? ['a', 'b', 'z'] : ['x', 'y', 'z'];
}

/** Writes step chunks as CSV rows; time is from the job start, dir is 1 or -1. */
export class StepLogWriter {
  private buffer = 'timeUs,motor,dir\n';
  /** Row endings per motor and direction: index motor * 2 + (dir > 0 ? 1 : 0). */
  private readonly suffixes: string[];
  private rowCount = 0;

  constructor(
    private readonly out: Writable,
    names: readonly string[],
  ) {
    this.suffixes = names.flatMap((name) => [`,${name},-1\n`, `,${name},1\n`]);
  }

  /** Steps written so far. */
  rows(): number {
    return this.rowCount;
  }

  /** Appends every step of a chunk; jobStartUs is the chunk's start from the job start. */
  writeChunk(chunk: StepChunk, jobStartUs: number): void {
    const { timeUs, motor, dir, count } = chunk;
    let buf = this.buffer;
    for (let i = 0; i < count; i++) {
      buf += jobStartUs + timeUs[i] + this.suffixes[motor[i] * 2 + (dir[i] > 0 ? 1 : 0)];
      if (buf.length >= FLUSH_CHARS) {
        this.out.write(buf);
        buf = '';
      }
    }
    this.buffer = buf;
    this.rowCount += count;
  }

  /** True when the stream's buffer is full: wait for drain before writing more. */
  needsDrain(): boolean {
    return this.out.writableNeedDrain;
  }

  /** Resolves once the stream has room again. */
  async drained(): Promise<void> {
    if (this.out.writableNeedDrain) await once(this.out, 'drain');
  }

  /** Writes what is buffered and closes the stream. */
  async close(): Promise<void> {
    if (this.buffer.length > 0) this.out.write(this.buffer);
    this.buffer = '';
    const finished = once(this.out, 'finish');
    this.out.end();
    await finished;
  }
}
