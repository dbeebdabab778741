// The toolpath as a decimated polyline for drawing: points closer than a tolerance are
// merged, and the tolerance doubles whenever the point budget is exceeded, so a job of any
// length yields a picture of bounded size.
import type { VecMm } from '../../motion/types.js';

/** Kind of the segment that ends at a point: a feed, a rapid, or a feed with the laser off. */
export const FEED = 0;
export const RAPID = 1;
export const TOOL_OFF = 2;
export type SegmentKind = typeof FEED | typeof RAPID | typeof TOOL_OFF;

/** A toolpath polyline: point i ends a segment of kind[i] (point 0 is the start). */
export interface Trace {
  count: number;
  xMm: Float64Array;
  yMm: Float64Array;
  zMm: Float64Array;
  kind: Uint8Array;
}

const DEFAULT_MAX_POINTS = 60_000;
const START_TOLERANCE_MM = 0.005;

/** Records a toolpath with at most maxPoints points. */
export class ToolpathTrace {
  private xMm: Float64Array;
  private yMm: Float64Array;
  private zMm: Float64Array;
  private kind: Uint8Array;
  private count = 0;
  private toleranceMm = START_TOLERANCE_MM;
  /** The last point seen but not kept (it ends the current run if the kind changes). */
  private pending: { x: number; y: number; z: number; kind: number } | null = null;

  constructor(private readonly maxPoints = DEFAULT_MAX_POINTS) {
    this.xMm = new Float64Array(maxPoints + 2);
    this.yMm = new Float64Array(maxPoints + 2);
    this.zMm = new Float64Array(maxPoints + 2);
    this.kind = new Uint8Array(maxPoints + 2);
  }

  /** Adds a straight move from startMm to endMm. */
  addMove(startMm: VecMm, endMm: VecMm, kind: SegmentKind): void {
    if (this.count === 0) this.keep(startMm.x, startMm.y, startMm.z, FEED);
    const last = this.count - 1;
    if (this.kind[last] !== kind && this.count > 1) {
      this.flushPending();
      this.keep(endMm.x, endMm.y, endMm.z, kind);
      return;
    }
    const dx = endMm.x - this.xMm[this.count - 1];
    const dy = endMm.y - this.yMm[this.count - 1];
    const dz = endMm.z - this.zMm[this.count - 1];
    const tol = this.toleranceMm;
    if (dx * dx + dy * dy > tol * tol || Math.abs(dz) > tol || this.count === 1) {
      this.pending = null;
      this.keep(endMm.x, endMm.y, endMm.z, kind);
    } else {
      this.pending = { x: endMm.x, y: endMm.y, z: endMm.z, kind };
    }
  }

  /** The recorded polyline (the last point included). */
  trace(): Trace {
    this.flushPending();
    return {
      count: this.count,
      xMm: this.xMm.subarray(0, this.count),
      yMm: this.yMm.subarray(0, this.count),
      zMm: this.zMm.subarray(0, this.count),
      kind: this.kind.subarray(0, this.count),
    };
  }

  /** The current merge tolerance, mm. */
  tolerance(): number {
    return this.toleranceMm;
  }

  private flushPending(): void {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    this.keep(p.x, p.y, p.z, p.kind);
  }

  private keep(x: number, y: number, z: number, kind: number): void {
    if (this.count >= this.maxPoints) this.coarsen();
    const i = this.count++;
    this.xMm[i] = x;
    this.yMm[i] = y;
    this.zMm[i] = z;
    this.kind[i] = kind;
  }

  /** Doubles the tolerance and thins the points kept so far with it. */
  private coarsen(): void {
    do {
      const before = this.count;
      this.toleranceMm *= 2;
      this.thin(this.toleranceMm);
      // Mostly rapid/feed alternations (which thinning keeps): drop every other point.
      if (this.count > before * 0.9) this.halve();
    } while (this.count > this.maxPoints * 0.75);
  }

  private thin(tolMm: number): void {
    let out = 1;
    for (let i = 1; i < this.count; i++) {
      const last = out - 1;
      const kindChanges = i + 1 < this.count && this.kind[i + 1] !== this.kind[i];
      const dx = this.xMm[i] - this.xMm[last];
      const dy = this.yMm[i] - this.yMm[last];
      const far =
        dx * dx + dy * dy > tolMm * tolMm || Math.abs(this.zMm[i] - this.zMm[last]) > tolMm;
      // Points where the kind changes stay, so rapids and feeds keep their ends.
      if (far || kindChanges || this.kind[i] !== this.kind[last] || i === this.count - 1) {
        this.move(i, out++);
      }
    }
    this.count = out;
  }

  private halve(): void {
    let out = 1;
    for (let i = 2; i < this.count; i += 2) this.move(i, out++);
    if ((this.count - 1) % 2 === 1) this.move(this.count - 1, out++);
    this.count = out;
  }

  private move(from: number, to: number): void {
    this.xMm[to] = this.xMm[from];
    this.yMm[to] = this.yMm[from];
    this.zMm[to] = this.zMm[from];
    this.kind[to] = this.kind[from];
  }
}
