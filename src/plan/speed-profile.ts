// Speed over time for the picture: a fixed number of time bins, each holding the lowest
// and highest speed reached in it. When the job outgrows the bins, neighbours merge and
// the bin width doubles, so memory stays fixed however long the job.
import type { PlannedMove } from '../../motion/types.js';

const DEFAULT_BINS = 1024;
const START_BIN_S = 0.005;

/** The recorded profile: bin i covers [i * binS, (i + 1) * binS). Empty bins hold -1. */
export interface SpeedBins {
  binS: number;
  count: number;
  minMmS: Float64Array;
  maxMmS: Float64Array;
  /** True where the bin's highest speed was reached on a rapid. */
  rapid: Uint8Array;
}

/** Records min/max speed per time bin from planned moves. */
export class SpeedProfile {
  private binS = START_BIN_S;
  private readonly minMmS: Float64Array;
  private readonly maxMmS: Float64Array;
  private readonly rapid: Uint8Array;
  private usedBins = 0;

  constructor(private readonly binCount = DEFAULT_BINS) {
    this.minMmS = new Float64Array(binCount).fill(-1);
    this.maxMmS = new Float64Array(binCount).fill(-1);
    this.rapid = new Uint8Array(binCount);
  }

  /** Adds a planned move that starts at startS from the job start. */
  addMove(move: PlannedMove, startS: number): void {
    const t1 = startS + move.accelTimeS;
    const t2 = t1 + move.cruiseTimeS;
    const t3 = t2 + move.decelTimeS;
    const rapid = move.rapid;
    this.addRamp(startS, move.startSpeedMmS, t1, move.cruiseSpeedMmS, rapid);
    this.addRamp(t1, move.cruiseSpeedMmS, t2, move.cruiseSpeedMmS, rapid);
    this.addRamp(t2, move.cruiseSpeedMmS, t3, move.endSpeedMmS, rapid);
  }

  /** The bins recorded so far. */
  bins(): SpeedBins {
    return {
      binS: this.binS,
      count: this.usedBins,
      minMmS: this.minMmS.subarray(0, this.usedBins),
      maxMmS: this.maxMmS.subarray(0, this.usedBins),
      rapid: this.rapid.subarray(0, this.usedBins),
    };
  }

  /** A linear change of speed from (t0, v0) to (t1, v1). */
  private addRamp(t0S: number, v0MmS: number, t1S: number, v1MmS: number, rapid: boolean): void {
    if (t1S <= t0S) return;
    while (t1S > this.binS * this.binCount) this.merge();
    const first = Math.floor(t0S / this.binS);
    // Bins the ramp covers for a positive time: one ending on a boundary stops before it.
    const last = Math.min(Math.max(first, Math.ceil(t1S / this.binS) - 1), this.binCount - 1);
    const slope = (v1MmS - v0MmS) / (t1S - t0S);
    for (let i = first; i <= last; i++) {
      const a = Math.max(t0S, i * this.binS);
      const b = Math.min(t1S, (i + 1) * this.binS);
      const va = v0MmS + slope * (a - t0S);
      const vb = v0MmS + slope * (b - t0S);
      const lo = Math.min(va, vb);
      const hi = Math.max(va, vb);
      if (this.minMmS[i] < 0 || lo < this.minMmS[i]) this.minMmS[i] = lo;
      if (hi > this.maxMmS[i]) {
        this.maxMmS[i] = hi;
        this.rapid[i] = rapid ? 1 : 0;
      }
    }
    if (last + 1 > this.usedBins) this.usedBins = last + 1;
  }

  /** Merges neighbouring bins pairwise; the bin width doubles. */
  private merge(): void {
    const n = this.binCount;
    for (let i = 0; i < n / 2; i++) {
      const a = 2 * i;
      const b = a + 1;
      const minA = this.minMmS[a];
      const minB = this.minMmS[b];
      this.minMmS[i] = minA < 0 ? minB : minB < 0 ? minA : Math.min(minA, minB);
      const takeB = this.maxMmS[b] > this.maxMmS[a];
      this.maxMmS[i] = takeB ? this.maxMmS[b] : this.maxMmS[a];
      this.rapid[i] = takeB ? this.rapid[b] : this.rapid[a];
    }
    this.minMmS.fill(-1, n / 2);
    this.maxMmS.fill(-1, n / 2);
    this.rapid.fill(0, n / 2);
    this.usedBins = Math.ceil(this.usedBins / 2);
    this.binS *= 2;
  }
}
