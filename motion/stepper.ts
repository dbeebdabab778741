// Exact step timing: turns planned moves into time-sliced step events.
//
// Within a move every motor's ideal position is linear in path distance s (both kinematics
// are linear maps): p(s) = p0 + s·rate. A motor at integer position n steps forward when p
// reaches n + 0.5 and back when p falls below n − 0.5 (round to nearest), so its position is
// always floor(p + 0.5). The distance of each half-step crossing is exact; its time comes
// from the closed-form inverse of the trapezoid. Times are kept as float µs from the
// generator start and rounded only when written into a chunk, so nothing drifts.
import { DirectionLimits } from './direction-limits.js';
import { createKinematics, type Kinematics } from './kinematics.js';
import {
  MoveQueue,
  Q_CRUISE_BASE_US,
  Q_CRUISE_START_MM,
  Q_CRUISE_US_PER_MM,
  Q_DECEL_BASE_US,
  Q_DECEL_START_MM,
  Q_DIST_MM,
  Q_END_US,
  Q_MOTOR,
  Q_START_US,
  Q_STRIDE,
  Q_TWO_ACCEL_FIRST_MM_S2,
  Q_TWO_ACCEL_MM_S2,
  Q_V0_MM_S,
  Q_V0_SQ,
  Q_VC_MM_S,
  Q_VC_SQ,
} from './move-queue.js';
import { distanceAtS, profileTrapezoid, speedAtS } from './trapezoid.js';
import type { LinearMove, MotionSettings, PlannedMove, StepChunk, VecMm } from './types.js';

const MOTORS = 3;
const US_PER_S = 1e6;
const TWO_US_PER_S = 2 * US_PER_S;
/** Path pieces shorter than this are treated as points. */
const MIN_PIECE_MM = 1e-9;
/**
 * Ends a motor's time list for the merge: later than any event (times stay below chunkUs,
 * at most MAX_CHUNK_US), and positive as an int32 (merge2 subtracts times).
 */
const NO_EVENT = 0x7fffffff;
/** The longest chunk: event times (µs from its start) stay below NO_EVENT. */
const MAX_CHUNK_US = NO_EVENT - 1;
/** A move with fewer steps left than this is sized whole when cut at a chunk's end. */
const WINDOW_MIN_STEPS = 4096;
/** Initial size of the output buffers (events); they grow by doubling. */
const MIN_OUT_CAPACITY = 1024;

/** Options of a StepGenerator. */
export interface StepGeneratorOptions {
  /** Chunk length and boundary grid, µs (default 10 000). */
  chunkUs?: number;
  /** Motor positions (steps) at the start; default: those of the first move's start. */
  startSteps?: ArrayLike<number>;
}

/** The path not yet generated, handed back by cutAhead to be planned again. */
export interface PathCut {
  /** Where the cut is (the end of what is generated), mm. */
  fromMm: VecMm;
  /** The path from there, the first move partial. */
  moves: LinearMove[];
  /** Indices into moves after which the path comes to rest (a stop inside it). */
  stopsAfter: number[];
  /** Speed along the path at the cut, mm/s, and the direction there. */
  speedMmS: number;
  unit: VecMm;
  /** The path ends at rest. */
  endsAtRest: boolean;
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
  private readonly limits: DirectionLimits;
  private readonly chunkUs: number;
  private readonly pos = new Float64Array(MOTORS);
  private readonly totals = new Float64Array(MOTORS);
  private positionKnown: boolean;
  private readonly queue = new MoveQueue();
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
  /** The chunk grid point nextChunk last computed (a multiple of chunkUs), µs. */
  private gridUs = 0;
  private holding = false;
  /** Path after the hold's stop point, kept for takeRemainder. */
  private holdRemainder: LinearMove[] = [];
  // Scratch buffers, reused between chunks (never handed out).
  /** Per motor, its step times in the current move (µs from the chunk start), for the merge. */
  private motorTimes: Uint32Array[] = [0, 1, 2].map(() => new Uint32Array(256));
  private outTime: Uint32Array = new Uint32Array(MIN_OUT_CAPACITY);
  private outMotor: Uint8Array = new Uint8Array(MIN_OUT_CAPACITY);
  private outDir: Int8Array = new Int8Array(MIN_OUT_CAPACITY);
  /** outMotor and outDir as 32-bit words (null when not 4-byte aligned): labels 4 at a time. */
  private outMotorWords: Int32Array | null = wordView(this.outMotor);
  private outDirWords: Int32Array | null = wordView(this.outDir);
  /** The label arrays before the last swap, with their views: recycled chunks alternate. */
  private prevMotor: Uint8Array | null = null;
  private prevDir: Int8Array | null = null;
  private prevMotorWords: Int32Array | null = null;
  private prevDirWords: Int32Array | null = null;
  /** Arrays of a chunk handed back by recycle(): the next chunk's events are written there. */
  private spare: StepChunk | null = null;
  /** Set by the first recycle(): chunks then carry the output buffers themselves. */
  private recycling = false;
  private readonly prepStart = new Float64Array(MOTORS);
  private readonly prepEnd = new Float64Array(MOTORS);
  private readonly dirs = new Int32Array(MOTORS);
  /** End of the last queued move (mm, and motor steps), for continuity and positionMm. */
  private lastEndMm: VecMm | null = null;
  private readonly lastEndSteps = new Float64Array(MOTORS);

  /** Creates a generator at time 0. */
  constructor(settings: MotionSettings, options: StepGeneratorOptions = {}) {
    this.limits = new DirectionLimits(settings);
    this.kin = createKinematics(settings);
    this.chunkUs = options.chunkUs ?? 10_000;
    if (!Number.isInteger(this.chunkUs) || this.chunkUs < 1 || this.chunkUs > MAX_CHUNK_US) {
      throw new RangeError(
        `chunkUs must be a positive integer up to ${MAX_CHUNK_US}, got ${this.chunkUs}`,
      );
    }
    this.positionKnown = options.startSteps !== undefined;
    if (options.startSteps) {
      for (let m = 0; m < MOTORS; m++) this.pos[m] = Math.round(options.startSteps[m] ?? 0);
    }
  }

  /** Queue planned moves (in order). Returns the move's absolute start time, µs from the start. */
  add(move: PlannedMove): number {
    const startUs = this.open ? this.queueEndUs : Math.max(this.queueEndUs, this.genUs);
    const ends = this.lastEndSteps;
    // A move that starts where the last one ended (the planner shares the point) starts at
    // the motor positions already computed for that end: no gap to check.
    let p0 = ends;
    if (!this.open || move.startMm !== this.lastEndMm) {
      p0 = this.prepStart;
      this.kin.toMotorSteps(move.startMm, p0);
      if (!this.positionKnown) {
        for (let m = 0; m < MOTORS; m++) this.pos[m] = Math.floor(p0[m] + 0.5);
        this.positionKnown = true;
      }
      this.checkStart(move, p0);
    }
    const pEnd = this.prepEnd;
    this.kin.toMotorSteps(move.endMm, pEnd);
    const index = this.queue.push(move, startUs, p0, pEnd);
    this.queueEndUs = this.queue.endUs(index);
    this.open = true;
    this.endsAtRestQueued = move.endSpeedMmS === 0;
    this.lastEndMm = move.endMm;
    // Unrolled: per move, a loop costs more than its three copies.
    ends[0] = pEnd[0];
    ends[1] = pEnd[1];
    ends[2] = pEnd[2];
    return startUs;
  }

  /** Refuses a move whose start is off the path so far: it would make a burst of steps. */
  private checkStart(move: PlannedMove, p0: Float64Array): void {
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
  }

  /**
   * Next time slice of step events (at most maxDurationUs long, ending at a chunk boundary,
   * at rest, or where the queued motion ends while still moving), or null when nothing can
   * be generated from what is queued (nothing queued, or more moves are needed first).
   */
  nextChunk(maxDurationUs: number = this.chunkUs): StepChunk | null {
    if (!this.open) return null;
    const startUs = this.genUs;
    const chunkUs = this.chunkUs;
    const maxUs =
      maxDurationUs === chunkUs
        ? chunkUs
        : Number.isFinite(maxDurationUs)
          ? Math.max(1, Math.floor(maxDurationUs))
          : chunkUs;
    const limitUs = startUs + maxUs;
    // The last grid point at or before limitUs. Chunks mostly end one grid step after the
    // last one: test that first (exact: all are integers far below 2^53), divide otherwise.
    let boundaryUs = this.gridUs;
    if (limitUs - boundaryUs >= chunkUs) boundaryUs += chunkUs;
    if (!(boundaryUs <= limitUs && limitUs - boundaryUs < chunkUs)) {
      boundaryUs = Math.floor(limitUs / chunkUs) * chunkUs;
    }
    this.gridUs = boundaryUs;
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
      while (this.timeHead < this.qHead && this.queue.endUs(this.timeHead) <= endUs) {
        this.timeHead++;
      }
      if (this.timeHead > 64 && this.timeHead * 2 > this.queue.length) {
        this.queue.dropFront(this.timeHead);
        this.qHead -= this.timeHead;
        this.timeHead = 0;
      }
    }
    if (!this.recycling) {
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
    // The caller recycles chunks: hand out the filled buffers themselves (no copy) and write
    // the following events into recycled ones (or fresh ones, if none came back yet).
    const spare = this.spare;
    if (spare === null) {
      const chunk: StepChunk = {
        startUs,
        durationUs: endUs - startUs,
        count,
        timeUs: this.outTime,
        motor: this.outMotor,
        dir: this.outDir,
        endsAtRest,
      };
      const size = this.outTime.length;
      this.outTime = new Uint32Array(size);
      this.setLabelArrays(new Uint8Array(size), new Int8Array(size));
      return chunk;
    }
    // The recycled chunk object carries this chunk too: the caller is done with it.
    const spareTime = spare.timeUs;
    const spareMotor = spare.motor;
    const spareDir = spare.dir;
    spare.startUs = startUs;
    spare.durationUs = endUs - startUs;
    spare.count = count;
    spare.timeUs = this.outTime;
    spare.motor = this.outMotor;
    spare.dir = this.outDir;
    spare.endsAtRest = endsAtRest;
    this.outTime = spareTime;
    this.setLabelArrays(spareMotor, spareDir);
    this.spare = null;
    return spare;
  }

  /**
   * Opt-in: hands a chunk from nextChunk back once the caller is done with it. From the first
   * call on, chunks carry the generator's own buffers (their arrays may be longer than count)
   * and a recycled chunk's arrays take the next chunk's events (the object itself is handed
   * out again), so nothing is allocated or copied per chunk. The caller must not read a chunk
   * after recycling it.
   */
  recycle(chunk: StepChunk): void {
    this.recycling = true;
    const size = chunk.timeUs.length;
    // Arrays too small to be worth keeping, of mismatched sizes, or already ours are ignored.
    if (size < MIN_OUT_CAPACITY || chunk.motor.length !== size || chunk.dir.length !== size) {
      return;
    }
    if (chunk.timeUs === this.outTime || this.spare?.timeUs === chunk.timeUs) return;
    this.spare = chunk;
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
      this.kin.toMotorSteps(piece.startMm, this.prepStart);
      this.kin.toMotorSteps(piece.endMm, this.prepEnd);
      const index = this.queue.push(piece, this.queueEndUs, this.prepStart, this.prepEnd);
      this.queueEndUs = this.queue.endUs(index);
    }
    this.lastEndMm = pieces[pieces.length - 1].endMm;
    this.kin.toMotorSteps(this.lastEndMm, this.lastEndSteps);
    this.open = true;
    this.endsAtRestQueued = true;
  }

  /**
   * For a re-plan while moving (an override changed): the queued path not yet generated, as
   * LinearMoves from the generated point on (the first one partial), with the speed and
   * direction there; the queue is then cleared, and generation goes on from the same time and
   * position with whatever is added next. Null (and nothing changes) while holding, when
   * nothing is left ahead, or when a probing move is under way. endsAtRest: the path ends at
   * rest; stopsAfter: indices into moves after which the path stops inside (a stop the
   * planner made, e.g. when the input ran dry, must stay a stop: re-plan each part on its own).
   */
  cutAhead(): PathCut | null {
    if (this.holding) return null;
    const here = this.pointAt(this.genUs);
    if (here === null) return null;
    const queue = this.queue;
    const stopsAfter: number[] = [];
    // pathFrom keeps a queued move iff this much of it is left: the same test maps the stops.
    let kept = 0;
    for (let i = here.index; i < queue.length; i++) {
      const move = queue.moves[i];
      if (move.probe) return null;
      const leftMm = move.distMm - (i === here.index ? here.distMm : 0);
      if (leftMm > MIN_PIECE_MM) kept++;
      const last = stopsAfter[stopsAfter.length - 1];
      if (i < queue.length - 1 && move.endSpeedMmS === 0 && kept > 0 && last !== kept - 1) {
        stopsAfter.push(kept - 1);
      }
    }
    const path = this.pathFrom(here, []);
    if (path.length === 0) return null;
    const fromMm = this.pointMm(here);
    const cut = {
      fromMm,
      moves: path.map((seg) => seg.source),
      stopsAfter: stopsAfter.filter((k) => k < path.length - 1),
      speedMmS: here.speedMmS,
      unit: path[0].unit,
      endsAtRest: this.endsAtRestQueued,
    };
    this.dropQueue();
    this.lastEndMm = fromMm;
    return cut;
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
    this.queue.clear();
    this.qHead = 0;
    this.timeHead = 0;
    this.queueEndUs = this.genUs;
    this.open = false;
    this.endsAtRestQueued = false;
  }

  /** Writes every event with round(t) < endUs into the output buffers; returns the count. */
  private generate(chunkStartUs: number, endUs: number): number {
    const limitUs = endUs - 0.5;
    let count = 0;
    const queue = this.queue;
    const pos = this.pos;
    while (this.qHead < queue.length) {
      const data = queue.data;
      const base = this.qHead * Q_STRIDE;
      if (data[base + Q_START_US] >= limitUs) break;
      const target0 = data[base + Q_MOTOR + 2];
      const target1 = data[base + Q_MOTOR + 5];
      const target2 = data[base + Q_MOTOR + 8];
      const moving =
        (pos[0] !== target0 ? 1 : 0) + (pos[1] !== target1 ? 2 : 0) + (pos[2] !== target2 ? 4 : 0);
      if (moving === 1 || moving === 2 || moving === 4) {
        // One motor (axis-parallel moves, raster lines): its times go straight to the output.
        const m = moving >> 1;
        const k = this.fillMotor(data, base, m, limitUs, chunkStartUs, count);
        if (k > 0) {
          this.labelRun(count, count + k, m, this.dirs[m]);
          count += k;
        }
        if (pos[m] !== data[base + Q_MOTOR + 3 * m + 2]) break;
      } else if (moving === 7) {
        let added = 0;
        for (let m = 0; m < MOTORS; m++) {
          added += this.fillMotor(data, base, m, limitUs, chunkStartUs, -1);
        }
        if (added > 0) {
          this.ensureOut(count + added);
          count = this.merge(count, added);
        }
        if (pos[0] !== target0 || pos[1] !== target1 || pos[2] !== target2) break;
      } else if (moving !== 0) {
        // Two motors (an XY diagonal): their lists merge pairwise.
        const ma = moving === 6 ? 1 : 0;
        const mb = moving === 3 ? 1 : 2;
        const countA = this.fillMotor(data, base, ma, limitUs, chunkStartUs, -1);
        const countB = this.fillMotor(data, base, mb, limitUs, chunkStartUs, -1);
        if (countA + countB > 0) {
          this.ensureOut(count + countA + countB);
          count = this.merge2(count, countA, countB, ma, mb);
        }
        if (pos[ma] !== data[base + Q_MOTOR + 3 * ma + 2]) break;
        if (pos[mb] !== data[base + Q_MOTOR + 3 * mb + 2]) break;
      }
      this.qHead++;
    }
    return count;
  }

  /**
   * Times motor m's steps in the move at data[base], up to limitUs, as µs from chunkStartUs
   * rounded to nearest: into the output at outAt (outAt ≥ 0), else into motorTimes[m]
   * followed by a NO_EVENT sentinel for the merge. Returns how many.
   *
   * Step i is at path distance s_i = (n_i ± 0.5 − p0) · mmPerStep. When the motor runs with
   * the path, s grows by a fixed stepMm per step, so the steps that certainly lie inside one
   * phase (accel, cruise, decel), on the move and before limitUs can be counted up front and
   * timed in a tight loop with that phase's closed form and no tests: cruise is linear in s
   * (no root), accel and decel take one sqrt. The steps near a boundary, and degenerate
   * moves, go one by one through timeAtUs, which routes and clamps each step exactly.
   *
   * Times are computed absolute (float µs) and rounded only when stored: a Uint32Array store
   * truncates, so storing t − chunkStartUs + 0.5 rounds to nearest. Every event left has
   * round(t) ≥ chunkStartUs (the last chunk took the ones before), so nothing wraps below 0.
   */
  private fillMotor(
    data: Float64Array,
    base: number,
    m: number,
    limitUs: number,
    chunkStartUs: number,
    outAt: number,
  ): number {
    const at = base + Q_MOTOR + 3 * m;
    const targetSteps = data[at + 2];
    let n = this.pos[m];
    if (n === targetSteps) {
      this.motorTimes[m][0] = NO_EVENT;
      return 0;
    }
    const dir = targetSteps > n ? 1 : -1;
    this.dirs[m] = dir;
    const half = 0.5 * dir;
    const p0 = data[at];
    const mmPerStep = data[at + 1];
    let total = (targetSteps - n) * dir;
    const moveStartUs = data[base + Q_START_US];
    const wholeMove = data[base + Q_END_US] < limitUs;
    if (!wholeMove && total > WINDOW_MIN_STEPS) {
      // Only the steps before limitUs are timed in this pass (none before the chunk start
      // remain): size the buffer by what the move's top speed covers in that window, not by
      // the whole move, which may be billions of steps long. (The phase loops stop at limitUs
      // anyway; for a short move the window is not worth its divisions.)
      const fromUs = moveStartUs > chunkStartUs - 1 ? moveStartUs : chunkStartUs - 1;
      const v0MmS = data[base + Q_V0_MM_S];
      const vcMmS = data[base + Q_VC_MM_S];
      const topMmS = v0MmS > vcMmS ? v0MmS : vcMmS;
      const windowSteps =
        Math.ceil((topMmS * (limitUs - fromUs)) / US_PER_S / Math.abs(mmPerStep)) + 2;
      if (windowSteps < total) total = windowSteps;
    }
    let buf: Uint32Array;
    let first: number;
    if (outAt >= 0) {
      this.ensureOut(outAt + total);
      buf = this.outTime;
      first = outAt;
    } else {
      buf = this.motorTimes[m];
      if (buf.length <= total) {
        let cap = buf.length;
        while (cap <= total) cap *= 2;
        buf = new Uint32Array(cap);
        this.motorTimes[m] = buf;
      }
      first = 0;
    }
    const roundUs = 0.5 - chunkStartUs;
    const distMm = data[base + Q_DIST_MM];
    const cruiseStartMm = data[base + Q_CRUISE_START_MM];
    const decelStartMm = data[base + Q_DECEL_START_MM];
    const stepMm = mmPerStep * dir;
    const fast = stepMm > 0;
    // Path distance reached at limitUs, per phase (a bound for the tight loops); NaN until
    // needed, and no bound when the whole move lies before limitUs.
    let accelLimitMm = wholeMove ? Infinity : NaN;
    let cruiseLimitMm = accelLimitMm;
    let decelLimitMm = accelLimitMm;
    let k = first;
    const end = first + total;
    // What a step at or after limitUs stores (µs from the chunk start): the chunk's length.
    const durationUs = limitUs + 0.5 - chunkStartUs;
    while (k < end) {
      let sMm = (n + half - p0) * mmPerStep;
      if (fast && sMm > 0 && sMm < distMm) {
        // The steps j = k, k+1, … with s + j·stepMm < endMm (the phase's end, or where the
        // move reaches limitUs) all take this phase's closed form. A step that rounding puts
        // an ulp across a phase boundary is still timed right: the phases meet continuously.
        let endMm: number;
        let limited: boolean;
        const kBefore = k;
        if (sMm < cruiseStartMm) {
          if (accelLimitMm !== accelLimitMm) accelLimitMm = this.accelDistAtMm(data, base, limitUs);
          limited = accelLimitMm < cruiseStartMm;
          endMm = limited ? accelLimitMm : cruiseStartMm;
          const count = endMm <= sMm ? 0 : Math.ceil((endMm - sMm) / stepMm);
          const stop = count < end - k ? k + count : end;
          const startUs = moveStartUs + roundUs;
          const v0 = data[base + Q_V0_MM_S];
          const v0Sq = data[base + Q_V0_SQ];
          const twoA = data[base + Q_TWO_ACCEL_FIRST_MM_S2];
          for (; k < stop; k++) {
            const s = (n + half - p0) * mmPerStep;
            const rootSq = v0Sq + twoA * s;
            buf[k] = startUs + (TWO_US_PER_S * s) / (v0 + Math.sqrt(rootSq > 0 ? rootSq : 0));
            n += dir;
          }
        } else if (sMm < decelStartMm) {
          const baseUs = data[base + Q_CRUISE_BASE_US];
          const usPerMm = data[base + Q_CRUISE_US_PER_MM];
          if (cruiseLimitMm !== cruiseLimitMm) cruiseLimitMm = (limitUs - baseUs) / usPerMm;
          limited = cruiseLimitMm < decelStartMm;
          endMm = limited ? cruiseLimitMm : decelStartMm;
          // Past the limit already (the step after a limited run): no division for a count ≤ 0.
          const count = endMm <= sMm ? 0 : Math.ceil((endMm - sMm) / stepMm);
          const stop = count < end - k ? k + count : end;
          const fromUs = baseUs + roundUs;
          // Two steps per turn on two position chains (n and n + dir, exact integers): the
          // loop is bound by the latency of the float add that advances the position.
          const dir2 = dir + dir;
          let nNext = n + dir;
          for (; k + 1 < stop; k += 2) {
            buf[k] = fromUs + (n + half - p0) * mmPerStep * usPerMm;
            buf[k + 1] = fromUs + (nNext + half - p0) * mmPerStep * usPerMm;
            n += dir2;
            nNext += dir2;
          }
          if (k < stop) {
            buf[k++] = fromUs + (n + half - p0) * mmPerStep * usPerMm;
            n += dir;
          }
        } else {
          if (decelLimitMm !== decelLimitMm) decelLimitMm = this.decelDistAtMm(data, base, limitUs);
          limited = decelLimitMm < distMm;
          endMm = limited ? decelLimitMm : distMm;
          const count = endMm <= sMm ? 0 : Math.ceil((endMm - sMm) / stepMm);
          const stop = count < end - k ? k + count : end;
          const baseUs = data[base + Q_DECEL_BASE_US] + roundUs;
          const vc = data[base + Q_VC_MM_S];
          const vcSq = data[base + Q_VC_SQ];
          const twoA = data[base + Q_TWO_ACCEL_MM_S2];
          for (; k < stop; k++) {
            const intoMm = (n + half - p0) * mmPerStep - decelStartMm;
            const rootSq = vcSq - twoA * intoMm;
            buf[k] = baseUs + (TWO_US_PER_S * intoMm) / (vc + Math.sqrt(rootSq > 0 ? rootSq : 0));
            n += dir;
          }
        }
        if (k > kBefore) {
          if (limited && buf[k - 1] >= durationUs) {
            // Rounding let a step at or past limitUs in: it belongs to the next chunk.
            do {
              k--;
              n -= dir;
            } while (k > kBefore && buf[k - 1] >= durationUs);
            break;
          }
          continue;
        }
      }
      // One step, checked: clamped onto the move, routed to its phase, cut at limitUs.
      if (!(sMm > 0)) sMm = 0;
      else if (sMm > distMm) sMm = distMm;
      const tUs = timeAtUs(data, base, sMm);
      if (tUs >= limitUs) break;
      buf[k++] = tUs + roundUs;
      n += dir;
    }
    const stepCount = k - first;
    if (outAt < 0) buf[k] = NO_EVENT;
    this.pos[m] = n;
    this.totals[m] += stepCount;
    return stepCount;
  }

  /**
   * Path distance (mm) a move's first phase reaches at timeUs; Infinity when that phase ends
   * before (its parabola is no bound there: a braking one turns back).
   */
  private accelDistAtMm(data: Float64Array, base: number, timeUs: number): number {
    const tS = (timeUs - data[base + Q_START_US]) / US_PER_S;
    if (!(tS > 0)) return 0;
    const twoA = data[base + Q_TWO_ACCEL_FIRST_MM_S2];
    const phaseS = (2 * (data[base + Q_VC_MM_S] - data[base + Q_V0_MM_S])) / twoA;
    if (tS >= phaseS) return Infinity;
    return data[base + Q_V0_MM_S] * tS + 0.25 * twoA * tS * tS;
  }

  /** Path distance (mm) a move's decel reaches at timeUs; Infinity when the move ends before. */
  private decelDistAtMm(data: Float64Array, base: number, timeUs: number): number {
    if (timeUs >= data[base + Q_END_US]) return Infinity;
    const tS = (timeUs - data[base + Q_DECEL_BASE_US]) / US_PER_S;
    const decelStartMm = data[base + Q_DECEL_START_MM];
    if (!(tS > 0)) return decelStartMm;
    return (
      decelStartMm + data[base + Q_VC_MM_S] * tS - 0.25 * data[base + Q_TWO_ACCEL_MM_S2] * tS * tS
    );
  }
  /**
   * Merges the per-motor time lists (each sorted, NO_EVENT-terminated, already µs from the
   * chunk start) into the output; returns the new count.
   */
  private merge(count: number, added: number): number {
    const outTime = this.outTime;
    const outMotor = this.outMotor;
    const outDir = this.outDir;
    const t0 = this.motorTimes[0];
    const t1 = this.motorTimes[1];
    const t2 = this.motorTimes[2];
    const dirs = this.dirs;
    const end = count + added;
    let i0 = 0;
    let i1 = 0;
    let i2 = 0;
    let a = t0[0];
    let b = t1[0];
    let d = t2[0];
    for (let c = count; c < end; c++) {
      if (a <= b && a <= d) {
        outTime[c] = a;
        outMotor[c] = 0;
        outDir[c] = dirs[0];
        a = t0[++i0];
      } else if (b <= d) {
        outTime[c] = b;
        outMotor[c] = 1;
        outDir[c] = dirs[1];
        b = t1[++i1];
      } else {
        outTime[c] = d;
        outMotor[c] = 2;
        outDir[c] = dirs[2];
        d = t2[++i2];
      }
    }
    return end;
  }

  /**
   * merge() for two motors' lists of countA and countB events, ma's first at equal times. It
   * works from both ends at once, the smallest events forward and the largest backward, each
   * step without a branch (a sign mask picks the list): the two chains of dependent loads
   * overlap, and no unpredictable branch is taken (the order of a diagonal's steps is).
   */
  private merge2(count: number, countA: number, countB: number, ma: number, mb: number): number {
    const outTime = this.outTime;
    const outMotor = this.outMotor;
    const outDir = this.outDir;
    const ta = this.motorTimes[ma];
    const tb = this.motorTimes[mb];
    const dirA = this.dirs[ma];
    const dirB = this.dirs[mb];
    const motorSwap = ma ^ mb;
    const dirSwap = dirA ^ dirB;
    let c = count;
    let back = count + countA + countB - 1;
    // Forward, the lists end in NO_EVENT (above every time); backward, an exhausted list
    // reads as -1 (below every time). Times are below 2^31: read as int32 (| 0), their
    // differences fit in int32 too.
    let ia = 0;
    let ib = 0;
    let ja = countA - 1;
    let jb = countB - 1;
    while (c < back) {
      const a = ta[ia] | 0;
      const b = tb[ib] | 0;
      // -1 when b comes first (b < a), else 0.
      const takeB = (b - a) >> 31;
      outTime[c] = a ^ ((a ^ b) & takeB);
      outMotor[c] = ma ^ (motorSwap & takeB);
      outDir[c] = dirA ^ (dirSwap & takeB);
      ia += 1 + takeB;
      ib -= takeB;
      c++;
      const lastA = ja >= 0 ? ta[ja] | 0 : -1;
      const lastB = jb >= 0 ? tb[jb] | 0 : -1;
      // -1 when a goes last (a > b), else 0: at equal times b goes after a.
      const takeA = (lastB - lastA) >> 31;
      outTime[back] = lastB ^ ((lastA ^ lastB) & takeA);
      outMotor[back] = mb ^ (motorSwap & takeA);
      outDir[back] = dirB ^ (dirSwap & takeA);
      ja += takeA;
      jb -= 1 + takeA;
      back--;
    }
    if (c === back) {
      // An odd count: the middle event is the next one forward.
      const a = ta[ia] | 0;
      const b = tb[ib] | 0;
      const takeB = (b - a) >> 31;
      outTime[c] = a ^ ((a ^ b) & takeB);
      outMotor[c] = ma ^ (motorSwap & takeB);
      outDir[c] = dirA ^ (dirSwap & takeB);
    }
    return count + countA + countB;
  }

  /**
   * Labels events from..end-1 with motor m and direction dir: byte by byte up to a word
   * boundary, then four events per 32-bit store (every byte of the word is the same).
   */
  private labelRun(from: number, end: number, m: number, dir: number): void {
    const outMotor = this.outMotor;
    const outDir = this.outDir;
    const motorWords = this.outMotorWords;
    const dirWords = this.outDirWords;
    let c = from;
    if (motorWords !== null && dirWords !== null) {
      const headEnd = (c + 3) & ~3;
      for (; c < headEnd && c < end; c++) {
        outMotor[c] = m;
        outDir[c] = dir;
      }
      const wordsEnd = end >> 2;
      const motorWord = m * 0x01010101;
      // -1 in every byte is the word -1 (not -1 · 0x01010101).
      const dirWord = dir < 0 ? -1 : 0x01010101;
      for (let w = c >> 2; w < wordsEnd; w++) {
        motorWords[w] = motorWord;
        dirWords[w] = dirWord;
      }
      if (wordsEnd << 2 > c) c = wordsEnd << 2;
    }
    for (; c < end; c++) {
      outMotor[c] = m;
      outDir[c] = dir;
    }
  }

  private setLabelArrays(motor: Uint8Array, dir: Int8Array): void {
    // Making a view costs more than a chunk's labels: reuse the previous pair's when it returns.
    const reuse = motor === this.prevMotor && dir === this.prevDir;
    const motorWords = reuse ? this.prevMotorWords : wordView(motor);
    const dirWords = reuse ? this.prevDirWords : wordView(dir);
    this.prevMotor = this.outMotor;
    this.prevDir = this.outDir;
    this.prevMotorWords = this.outMotorWords;
    this.prevDirWords = this.outDirWords;
    this.outMotor = motor;
    this.outDir = dir;
    this.outMotorWords = motorWords;
    this.outDirWords = dirWords;
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
    this.setLabelArrays(motor, dir);
  }

  /** Where the queued path is at an absolute time; null when nothing is queued. */
  private pointAt(timeUs: number): PathPoint | null {
    if (!this.open) return null;
    const queue = this.queue;
    for (let i = this.timeHead; i < queue.length; i++) {
      if (timeUs < queue.endUs(i) || i === queue.length - 1) {
        const tS = Math.max(0, (timeUs - queue.startUs(i)) / US_PER_S);
        const move = queue.moves[i];
        return { index: i, distMm: distanceAtS(move, tS), speedMmS: speedAtS(move, tS) };
      }
    }
    return null;
  }

  private pointMm(here: PathPoint): VecMm {
    return pointAlong(this.queue.moves[here.index], here.distMm);
  }

  /** The queued path from a point on, then the following moves, as brakeable segments. */
  private pathFrom(here: PathPoint | null, following: readonly LinearMove[]): PathSegment[] {
    const path: PathSegment[] = [];
    let lastEnd: VecMm | null = null;
    if (here) {
      for (let i = here.index; i < this.queue.length; i++) {
        const move = this.queue.moves[i];
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
        accelMmS2: this.limits.accelAlongMmS2(unit.x, unit.y, unit.z),
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

/**
 * Absolute time (µs) at which the move at data[base] has covered sMm (within [0, distMm]):
 * the closed-form inverse of its trapezoid, in the cancellation-free form of each root.
 */
function timeAtUs(data: Float64Array, base: number, sMm: number): number {
  if (sMm < data[base + Q_CRUISE_START_MM]) {
    const v0 = data[base + Q_V0_MM_S];
    const rootSq = data[base + Q_V0_SQ] + data[base + Q_TWO_ACCEL_FIRST_MM_S2] * sMm;
    return (
      data[base + Q_START_US] + (TWO_US_PER_S * sMm) / (v0 + Math.sqrt(rootSq > 0 ? rootSq : 0))
    );
  }
  const decelStartMm = data[base + Q_DECEL_START_MM];
  if (sMm < decelStartMm) {
    return data[base + Q_CRUISE_BASE_US] + sMm * data[base + Q_CRUISE_US_PER_MM];
  }
  const intoMm = sMm - decelStartMm;
  if (intoMm <= 0) return data[base + Q_DECEL_BASE_US];
  const rootSq = data[base + Q_VC_SQ] - data[base + Q_TWO_ACCEL_MM_S2] * intoMm;
  const rootMmS = Math.sqrt(rootSq > 0 ? rootSq : 0);
  return (
    data[base + Q_DECEL_BASE_US] + (TWO_US_PER_S * intoMm) / (data[base + Q_VC_MM_S] + rootMmS)
  );
}

/** The whole 32-bit words of a byte array, or null when it does not start on a word boundary. */
function wordView(bytes: Uint8Array | Int8Array): Int32Array | null {
  if (bytes.byteOffset % 4 !== 0) return null;
  return new Int32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
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
