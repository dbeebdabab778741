// Exact step timing: turns planned moves into time-sliced step events.
//
// Within a move every motor's ideal position is linear in path distance s (both kinematics
// are linear maps): p(s) = p0 + s·rate. A motor at integer position n steps forward when p
// reaches n + 0.5 and back when p falls below n − 0.5 (round to nearest), so its position is
// always floor(p + 0.5). The distance of each half-step crossing is exact; its time comes
// from the closed-form inverse of the trapezoid. Times are kept as float µs from the
// generator start and rounded only when written into a chunk, so nothing drifts.
import { maxAccelAlongMmS2 } from './axis-limits.js';
import { createKinematics, type Kinematics } from './kinematics.js';
import { distanceAtS, durationS, profileTrapezoid, speedAtS } from './trapezoid.js';
import type { LinearMove, MotionSettings, PlannedMove, StepChunk, VecMm } from './types.js';

const MOTORS = 3;
const US_PER_S = 1e6;
/** Path pieces shorter than this are treated as points. */
const MIN_PIECE_MM = 1e-9;

/** A move in the generator's queue, with everything the inner loop needs precomputed. */
interface QueuedMove {
  move: PlannedMove;
  startUs: number;
  endUs: number;
  distMm: number;
  /**
   * Per motor m: [3m] position (float steps) at the start, [3m + 1] mm of path per step (0 for
   * a motor that does not move), [3m + 2] integer position at the end, floor(p_end + 0.5).
   * One plain array: cheaper to allocate than typed arrays for the many short moves.
   */
  motorData: number[];
  v0: number;
  vc: number;
  accelMmS2: number;
  cruiseStartMm: number;
  decelStartMm: number;
  accelTimeS: number;
  decelStartTimeS: number;
}

/** Options of a StepGenerator. */
export interface StepGeneratorOptions {
  /** Chunk length and boundary grid, µs (default 10 000). */
  chunkUs?: number;
  /** Motor positions (steps) at the start; default: those of the first move's start. */
  startSteps?: ArrayLike<number>;
}

/** A path sample: the move, the distance along it, and the speed there. */
interface PathPoint {
  index: number;
  distMm: number;
  speedMmS: number;
}

/** Computes exact step times for queued planned moves and slices them into StepChunks. */
export class StepGenerator {
  private readonly kin: Kinematics;
  private readonly settings: MotionSettings;
  private readonly chunkUs: number;
  private readonly pos = new Float64Array(MOTORS);
  private readonly totals = new Float64Array(MOTORS);
  private positionKnown: boolean;
  private queue: QueuedMove[] = [];
  /** First queued move with steps still to emit. */
  private qHead = 0;
  /** First queued move whose time is not yet fully generated (≤ qHead). */
  private timeHead = 0;
  private queueEndUs = 0;
  /** Queued motion exists whose time is not fully generated. */
  private open = false;
  /** The queued motion ends at rest. */
  private endsAtRestQueued = false;
  private genUs = 0;
  private holding = false;
  /** Path after the hold's stop point, kept for takeRemainder. */
  private holdRemainder: LinearMove[] = [];
  // Scratch buffers, reused between chunks (never handed out).
  private motorTimes: Float64Array[] = [0, 1, 2].map(() => new Float64Array(256));
  private outTime = new Uint32Array(1024);
  private outMotor = new Uint8Array(1024);
  private outDir = new Int8Array(1024);
  private readonly prepStart = new Float64Array(MOTORS);
  private readonly prepEnd = new Float64Array(MOTORS);
  private readonly counts = [0, 0, 0];
  private readonly dirs = [0, 0, 0];
  /** End of the last queued move (mm, and motor steps), for continuity and positionMm. */
  private lastEndMm: VecMm | null = null;
  private readonly lastEndSteps = new Float64Array(MOTORS);

  /** Creates a generator at time 0. */
  constructor(settings: MotionSettings, options: StepGeneratorOptions = {}) {
    this.settings = settings;
    this.kin = createKinematics(settings);
    this.chunkUs = options.chunkUs ?? 10_000;
    if (!Number.isInteger(this.chunkUs) || this.chunkUs < 1) {
      throw new RangeError(`chunkUs must be a positive integer, got ${this.chunkUs}`);
    }
    this.positionKnown = options.startSteps !== undefined;
    if (options.startSteps) {
      for (let m = 0; m < MOTORS; m++) this.pos[m] = Math.round(options.startSteps[m] ?? 0);
    }
  }

  /** Queue planned moves (in order). Returns the move's absolute start time, µs from the start. */
  add(move: PlannedMove): number {
    const startUs = this.open ? this.queueEndUs : Math.max(this.queueEndUs, this.genUs);
    const q = this.prepare(move, startUs);
    const p0 = this.prepStart;
    if (!this.positionKnown) {
      for (let m = 0; m < MOTORS; m++) this.pos[m] = Math.floor(p0[m] + 0.5);
      this.positionKnown = true;
    }
    // A jump in the path would make a burst of steps at the move's start: refuse it.
    for (let m = 0; m < MOTORS; m++) {
      const gap = this.open
        ? Math.abs(p0[m] - this.lastEndSteps[m])
        : Math.abs(Math.floor(p0[m] + 0.5) - this.pos[m]);
      if (gap > (this.open ? 0.5 : 1)) {
        throw new RangeError(
          `line ${move.line}: move starts ${gap.toFixed(1)} steps away from motor ${m}'s position`,
        );
      }
    }
    this.queue.push(q);
    this.queueEndUs = q.endUs;
    this.open = true;
    this.endsAtRestQueued = move.endSpeedMmS === 0;
    this.lastEndMm = move.endMm;
    this.lastEndSteps.set(this.prepEnd);
    return startUs;
  }

  /**
   * Next time slice of step events (at most maxDurationUs long, ending at a chunk boundary,
   * at rest, or where the queued motion ends while still moving), or null when nothing can
   * be generated from what is queued (nothing queued, or more moves are needed first).
   */
  nextChunk(maxDurationUs: number = this.chunkUs): StepChunk | null {
    if (!this.open) return null;
    const startUs = this.genUs;
    const maxUs = Number.isFinite(maxDurationUs)
      ? Math.max(1, Math.floor(maxDurationUs))
      : this.chunkUs;
    const limitUs = startUs + maxUs;
    const boundaryUs = Math.floor(limitUs / this.chunkUs) * this.chunkUs;
    let endUs = boundaryUs > startUs ? boundaryUs : limitUs;
    let endsAtRest = false;
    if (this.endsAtRestQueued) {
      // Every event of the queue rounds to at most round(queueEnd), so this end holds them all.
      const restUs = Math.floor(this.queueEndUs + 0.5) + 1;
      if (restUs <= endUs) {
        endUs = Math.max(restUs, startUs + 1);
        endsAtRest = true;
      }
    } else {
      // Events rounding below this are certainly known; later ones may need the next move.
      const knownUs = Math.floor(this.queueEndUs + 0.5);
      if (knownUs < endUs) endUs = knownUs;
      if (endUs <= startUs) return null;
    }
    const count = this.generate(startUs, endUs);
    this.genUs = endUs;
    if (endsAtRest) {
      this.dropQueue();
    } else {
      while (this.timeHead < this.qHead && this.queue[this.timeHead].endUs <= endUs) {
        this.timeHead++;
      }
      if (this.timeHead > 64 && this.timeHead * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.timeHead);
        this.qHead -= this.timeHead;
        this.timeHead = 0;
      }
    }
    return {
      startUs,
      durationUs: endUs - startUs,
      count,
      timeUs: this.outTime.slice(0, count),
      motor: this.outMotor.slice(0, count),
      dir: this.outDir.slice(0, count),
      endsAtRest,
    };
  }

  /** Time already generated (end of the last chunk), µs. */
  generatedUs(): number {
    return this.genUs;
  }

  /** Queued motion not yet generated, µs. */
  queuedUs(): number {
    return this.open ? Math.max(0, this.queueEndUs - this.genUs) : 0;
  }

  /** Motor positions (integer steps) at the end of what has been generated. */
  positionSteps(): Int32Array {
    return Int32Array.from(this.pos);
  }

  /** Overwrites the motor positions (e.g. with the stream's emitted count after a stop). */
  setPositionSteps(steps: ArrayLike<number>): void {
    if (this.open) throw new RangeError('cannot set the position while motion is queued');
    for (let m = 0; m < MOTORS; m++) this.pos[m] = Math.round(steps[m] ?? 0);
    this.positionKnown = true;
    this.lastEndMm = null;
  }

  /**
   * Ideal (unrounded) axes position at the end of what has been generated, in mm: where a
   * re-plan after a hold or stop starts.
   */
  positionMm(): VecMm {
    const here = this.pointAt(this.genUs);
    if (here) return this.pointMm(here);
    return this.lastEndMm ? { ...this.lastEndMm } : this.kin.toAxesMm(this.pos);
  }

  /** Total steps generated per motor (absolute counts, both directions), for statistics. */
  totalSteps(): Float64Array {
    return Float64Array.from(this.totals);
  }

  /** Whether a hold is in progress (from hold() until takeRemainder() or clear()). */
  isHolding(): boolean {
    return this.holding;
  }

  /**
   * Feed hold: from the end of what is already generated, decelerate along the remaining path
   * (at each move's accel) to rest; nextChunk then yields that deceleration and returns null
   * when stopped. followingMoves is the path beyond the queue (the planner's pending moves,
   * Planner.takePending()); braking may need it, since the queue's last move need not end at
   * rest. Without enough path the motion ends abruptly at the end of the known path.
   */
  hold(followingMoves: readonly LinearMove[] = []): void {
    if (this.holding) return;
    this.holding = true;
    const here = this.pointAt(this.genUs);
    if (!here) {
      // Nothing queued: the machine is at rest already; keep the following path for resume.
      this.holdRemainder = [...followingMoves];
      return;
    }
    const path = this.pathFrom(here, followingMoves);
    const pieces: PlannedMove[] = [];
    let speedMmS = here.speedMmS;
    let remainder: LinearMove[] = [];
    for (let i = 0; i < path.length; i++) {
      const seg = path[i];
      const stopDistMm = (speedMmS * speedMmS) / (2 * seg.accelMmS2);
      if (stopDistMm < seg.distMm || i === path.length - 1) {
        const brakeMm = Math.min(stopDistMm, seg.distMm);
        const exitSq = Math.max(0, speedMmS * speedMmS - 2 * seg.accelMmS2 * brakeMm);
        const exitMmS = stopDistMm <= seg.distMm ? 0 : Math.sqrt(exitSq);
        if (brakeMm > MIN_PIECE_MM) pieces.push(this.brakePiece(seg, brakeMm, speedMmS, exitMmS));
        remainder = [];
        if (seg.distMm - brakeMm > MIN_PIECE_MM) remainder.push(partialSource(seg, brakeMm));
        for (let j = i + 1; j < path.length; j++) remainder.push(path[j].source);
        break;
      }
      const exitMmS = Math.sqrt(Math.max(0, speedMmS * speedMmS - 2 * seg.accelMmS2 * seg.distMm));
      pieces.push(this.brakePiece(seg, seg.distMm, speedMmS, exitMmS));
      speedMmS = exitMmS;
    }
    this.holdRemainder = remainder;
    const stopMm = pieces.length > 0 ? pieces[pieces.length - 1].endMm : this.pointMm(here);
    // Restart the queue at the generated time; a zero-length piece settles any step that
    // was due before it but rounds into the next chunk. Without enough path to brake on,
    // the motion ends where the path does, at whatever speed is left: nothing else is possible.
    this.dropQueue();
    if (pieces.length === 0) pieces.push(pointMove(stopMm));
    for (const piece of pieces) {
      const q = this.prepare(piece, this.queueEndUs);
      this.queue.push(q);
      this.queueEndUs = q.endUs;
    }
    this.lastEndMm = pieces[pieces.length - 1].endMm;
    this.kin.toMotorSteps(this.lastEndMm, this.lastEndSteps);
    this.open = true;
    this.endsAtRestQueued = true;
  }

  /**
   * After a hold came to rest (or a stop): the unexecuted path as LinearMoves starting at the
   * stop point (the first one a partial move), to re-plan from rest on resume. Clears the
   * queue. Called while still moving, the path starts at the last generated point.
   */
  takeRemainder(): LinearMove[] {
    const here = this.pointAt(this.genUs);
    const rest: LinearMove[] = [];
    if (here) {
      const path = this.pathFrom(here, []);
      for (const seg of path) rest.push(seg.source);
    }
    rest.push(...this.holdRemainder);
    this.clear();
    return rest;
  }

  /** Drop everything queued (reset); position stays at what was generated. */
  clear(): void {
    this.lastEndMm = this.positionMm();
    this.dropQueue();
    this.holding = false;
    this.holdRemainder = [];
  }

  private dropQueue(): void {
    this.queue = [];
    this.qHead = 0;
    this.timeHead = 0;
    this.queueEndUs = this.genUs;
    this.open = false;
    this.endsAtRestQueued = false;
  }

  private prepare(move: PlannedMove, startUs: number): QueuedMove {
    const p0 = this.prepStart;
    const pEnd = this.prepEnd;
    this.kin.toMotorSteps(move.startMm, p0);
    this.kin.toMotorSteps(move.endMm, pEnd);
    const motorData = [0, 0, 0, 0, 0, 0, 0, 0, 0];
    for (let m = 0; m < MOTORS; m++) {
      const deltaSteps = pEnd[m] - p0[m];
      motorData[3 * m] = p0[m];
      motorData[3 * m + 1] = deltaSteps !== 0 && move.distMm > 0 ? move.distMm / deltaSteps : 0;
      motorData[3 * m + 2] = Math.floor(pEnd[m] + 0.5);
    }
    const v0 = move.startSpeedMmS;
    const vc = move.cruiseSpeedMmS;
    const cruiseStartMm = 0.5 * (v0 + vc) * move.accelTimeS;
    const decelStartMm = move.distMm - 0.5 * (vc + move.endSpeedMmS) * move.decelTimeS;
    return {
      move,
      startUs,
      endUs: startUs + durationS(move) * US_PER_S,
      distMm: move.distMm,
      motorData,
      v0,
      vc,
      accelMmS2: move.accelMmS2,
      cruiseStartMm,
      decelStartMm,
      accelTimeS: move.accelTimeS,
      decelStartTimeS: move.accelTimeS + move.cruiseTimeS,
    };
  }

  /** Writes every event with round(t) < endUs into the output buffers; returns the count. */
  private generate(chunkStartUs: number, endUs: number): number {
    const limitUs = endUs - 0.5;
    const pos = this.pos;
    let count = 0;
    const counts = this.counts;
    const dirs = this.dirs;
    while (this.qHead < this.queue.length) {
      const q = this.queue[this.qHead];
      if (q.startUs >= limitUs) break;
      let done = true;
      for (let m = 0; m < MOTORS; m++) {
        counts[m] = 0;
        const data = q.motorData;
        const targetSteps = data[3 * m + 2];
        let n = pos[m];
        if (n === targetSteps) continue;
        const dir = targetSteps > n ? 1 : -1;
        dirs[m] = dir;
        const half = 0.5 * dir;
        const p0 = data[3 * m];
        const mmPerStep = data[3 * m + 1];
        let buf = this.motorTimes[m];
        let k = 0;
        while (n !== targetSteps) {
          let sMm = (n + half - p0) * mmPerStep;
          if (!(sMm > 0)) sMm = 0;
          else if (sMm > q.distMm) sMm = q.distMm;
          const tUs = q.startUs + timeAtDistS(q, sMm) * US_PER_S;
          if (tUs >= limitUs) break;
          if (k === buf.length) {
            const grown = new Float64Array(buf.length * 2);
            grown.set(buf);
            buf = grown;
            this.motorTimes[m] = grown;
          }
          buf[k++] = tUs;
          n += dir;
        }
        pos[m] = n;
        this.totals[m] += k;
        counts[m] = k;
        if (n !== targetSteps) done = false;
      }
      const added = counts[0] + counts[1] + counts[2];
      if (added > 0) {
        this.ensureOut(count + added);
        count = this.merge(chunkStartUs, count, counts, dirs);
      }
      if (!done) break;
      this.qHead++;
    }
    return count;
  }

  /** Merges the per-motor time lists (each sorted) into the output, rounding to µs. */
  private merge(chunkStartUs: number, count: number, counts: number[], dirs: number[]): number {
    const outTime = this.outTime;
    const outMotor = this.outMotor;
    const outDir = this.outDir;
    const [t0, t1, t2] = this.motorTimes;
    const n0 = counts[0];
    const n1 = counts[1];
    const n2 = counts[2];
    let i0 = 0;
    let i1 = 0;
    let i2 = 0;
    let c = count;
    while (i0 < n0 || i1 < n1 || i2 < n2) {
      const a = i0 < n0 ? t0[i0] : Infinity;
      const b = i1 < n1 ? t1[i1] : Infinity;
      const d = i2 < n2 ? t2[i2] : Infinity;
      let tUs: number;
      let motor: number;
      if (a <= b && a <= d) {
        tUs = a;
        motor = 0;
        i0++;
      } else if (b <= d) {
        tUs = b;
        motor = 1;
        i1++;
      } else {
        tUs = d;
        motor = 2;
        i2++;
      }
      const rel = Math.floor(tUs + 0.5) - chunkStartUs;
      outTime[c] = rel > 0 ? rel : 0;
      outMotor[c] = motor;
      outDir[c] = dirs[motor];
      c++;
    }
    return c;
  }

  private ensureOut(size: number): void {
    if (size <= this.outTime.length) return;
    let cap = this.outTime.length;
    while (cap < size) cap *= 2;
    const time = new Uint32Array(cap);
    time.set(this.outTime);
    const motor = new Uint8Array(cap);
    motor.set(this.outMotor);
    const dir = new Int8Array(cap);
    dir.set(this.outDir);
    this.outTime = time;
    this.outMotor = motor;
    this.outDir = dir;
  }

  /** Where the queued path is at an absolute time; null when nothing is queued. */
  private pointAt(timeUs: number): PathPoint | null {
    if (!this.open) return null;
    for (let i = this.timeHead; i < this.queue.length; i++) {
      const q = this.queue[i];
      if (timeUs < q.endUs || i === this.queue.length - 1) {
        const tS = Math.max(0, (timeUs - q.startUs) / US_PER_S);
        return { index: i, distMm: distanceAtS(q.move, tS), speedMmS: speedAtS(q.move, tS) };
      }
    }
    return null;
  }

  private pointMm(here: PathPoint): VecMm {
    return pointAlong(this.queue[here.index].move, here.distMm);
  }

  /** The queued path from a point on, then the following moves, as brakeable segments. */
  private pathFrom(here: PathPoint | null, following: readonly LinearMove[]): PathSegment[] {
    const path: PathSegment[] = [];
    let lastEnd: VecMm | null = null;
    if (here) {
      for (let i = here.index; i < this.queue.length; i++) {
        const move = this.queue[i].move;
        const fromMm = i === here.index ? here.distMm : 0;
        const distMm = move.distMm - fromMm;
        lastEnd = move.endMm;
        if (distMm <= MIN_PIECE_MM) continue;
        path.push({
          startMm: pointAlong(move, fromMm),
          endMm: move.endMm,
          unit: move.unit,
          distMm,
          accelMmS2: move.accelMmS2,
          source: partialSource(
            {
              source: sourceOf(move),
              startMm: move.startMm,
              endMm: move.endMm,
              distMm: move.distMm,
            },
            fromMm,
          ),
        });
      }
    }
    for (const next of following) {
      if (!lastEnd) break;
      const startMm: VecMm = lastEnd;
      const endMm = next.targetMm;
      const dx = endMm.x - startMm.x;
      const dy = endMm.y - startMm.y;
      const dz = endMm.z - startMm.z;
      const distMm = Math.sqrt(dx * dx + dy * dy + dz * dz);
      lastEnd = endMm;
      if (distMm <= MIN_PIECE_MM) continue;
      const unit = { x: dx / distMm, y: dy / distMm, z: dz / distMm };
      path.push({
        startMm,
        endMm,
        unit,
        distMm,
        accelMmS2: maxAccelAlongMmS2(this.settings, unit),
        source: next,
      });
    }
    return path;
  }

  /** A pure deceleration over the first distMm of a segment. */
  private brakePiece(
    seg: PathSegment,
    distMm: number,
    fromMmS: number,
    toMmS: number,
  ): PlannedMove {
    const endMm = distMm >= seg.distMm ? seg.endMm : offset(seg.startMm, seg.unit, distMm);
    const source = seg.source;
    const timing = profileTrapezoid({
      distMm,
      accelMmS2: seg.accelMmS2,
      startSpeedMmS: fromMmS,
      maxSpeedMmS: fromMmS,
      endSpeedMmS: toMmS,
    });
    const piece: PlannedMove = {
      line: source.line,
      startMm: seg.startMm,
      endMm,
      distMm,
      unit: seg.unit,
      accelMmS2: seg.accelMmS2,
      ...timing,
      requestedSpeedMmS: fromMmS,
      rapid: source.rapid,
      spindle: source.spindle,
      source: partialSource(seg, 0, distMm),
    };
    if (source.probe) piece.probe = source.probe;
    return piece;
  }
}

/** A straight piece of path that a hold can brake along. */
interface PathSegment {
  startMm: VecMm;
  endMm: VecMm;
  unit: VecMm;
  distMm: number;
  accelMmS2: number;
  /** The LinearMove for exactly this piece (target = endMm). */
  source: LinearMove;
}

/** Time (s) at which a queued move has covered sMm (closed-form inverse of its trapezoid). */
function timeAtDistS(q: QueuedMove, sMm: number): number {
  if (sMm < q.cruiseStartMm) {
    return (2 * sMm) / (q.v0 + Math.sqrt(q.v0 * q.v0 + 2 * q.accelMmS2 * sMm));
  }
  if (sMm < q.decelStartMm) return q.accelTimeS + (sMm - q.cruiseStartMm) / q.vc;
  const intoMm = sMm - q.decelStartMm;
  if (intoMm <= 0) return q.decelStartTimeS;
  const rootSq = q.vc * q.vc - 2 * q.accelMmS2 * intoMm;
  return q.decelStartTimeS + (2 * intoMm) / (q.vc + Math.sqrt(rootSq > 0 ? rootSq : 0));
}

function pointAlong(move: PlannedMove, distMm: number): VecMm {
  if (distMm >= move.distMm) return { ...move.endMm };
  return offset(move.startMm, move.unit, distMm);
}

function offset(p: VecMm, unit: VecMm, distMm: number): VecMm {
  return { x: p.x + unit.x * distMm, y: p.y + unit.y * distMm, z: p.z + unit.z * distMm };
}

/** The LinearMove a planned move came from, rebuilt from its fields when not recorded. */
function sourceOf(move: PlannedMove): LinearMove {
  if (move.source) return { ...move.source, targetMm: move.endMm };
  const rebuilt: LinearMove = {
    kind: 'move',
    line: move.line,
    targetMm: move.endMm,
    rapid: move.rapid,
    feedMmMin: move.requestedSpeedMmS * 60,
    spindle: move.spindle,
  };
  if (move.probe) rebuilt.probe = move.probe;
  return rebuilt;
}

/**
 * The LinearMove for the part of a segment between fromMm and toMm (default: its end);
 * inverse time (G93) is scaled to the part's share of the segment.
 */
function partialSource(
  seg: { source: LinearMove; startMm: VecMm; endMm: VecMm; distMm: number },
  fromMm: number,
  toMm: number = seg.distMm,
): LinearMove {
  const targetMm =
    toMm >= seg.distMm
      ? { ...seg.endMm }
      : lerp(seg.startMm, seg.endMm, seg.distMm > 0 ? toMm / seg.distMm : 1);
  const part: LinearMove = { ...seg.source, targetMm };
  if (seg.source.inverseTimeS !== undefined && seg.distMm > 0) {
    part.inverseTimeS = (seg.source.inverseTimeS * (toMm - fromMm)) / seg.distMm;
  }
  return part;
}

function lerp(a: VecMm, b: VecMm, ratio: number): VecMm {
  return {
    x: a.x + (b.x - a.x) * ratio,
    y: a.y + (b.y - a.y) * ratio,
    z: a.z + (b.z - a.z) * ratio,
  };
}

/** A zero-length, zero-time move at a point: lets pending half-steps settle there. */
function pointMove(p: VecMm): PlannedMove {
  return {
    line: 0,
    startMm: { ...p },
    endMm: { ...p },
    distMm: 0,
    unit: { x: 1, y: 0, z: 0 },
    accelMmS2: 1,
    startSpeedMmS: 0,
    cruiseSpeedMmS: 0,
    endSpeedMmS: 0,
    accelTimeS: 0,
    cruiseTimeS: 0,
    decelTimeS: 0,
    requestedSpeedMmS: 0,
    rapid: false,
    spindle: { mode: 'off', speedRpm: 0 },
  };
}
