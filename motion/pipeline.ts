// The motion core end to end: G-code lines in, planned moves and exact step chunks out,
// with the job's statistics accumulated on the way. Streams: memory stays bounded however
// long the job (only the planner's lookahead window and one step chunk are held).
import { Interpreter } from './gcode/interpreter.js';
import { createKinematics, stepRangeMm } from './kinematics.js';
import { Planner } from './planner.js';
import { StepGenerator } from './stepper.js';
import type {
  GcodeError,
  LinearMove,
  LineResult,
  MachineAction,
  MotionSettings,
  PlannedMove,
  StepChunk,
  VecMm,
} from './types.js';

/** How the pipeline runs and who listens to it. */
export interface PipelineOptions {
  /** Machine position at the start of the job, mm (default: origin). */
  startMm?: VecMm;
  /** Compute step times (default true); off, only interpretation and planning run. */
  stepTiming?: boolean;
  /** Length of the step chunks handed to onChunk, µs (default 250,000: a dry run wants few). */
  chunkUs?: number;
  /**
   * Stop motion at spindle changes (default true): Grbl waits for the planner to empty
   * before M3/M4/M5 or a new S while the spindle runs, except in laser mode.
   */
  stopOnSpindleChange?: boolean;
  /** Keep at most this many errors (the count goes on); default 1,000. */
  maxErrorsKept?: number;
  /** Every step chunk; jobStartUs is the chunk's start from the job start (dwells included). */
  onChunk?: (chunk: StepChunk, jobStartUs: number) => void;
  /** Every move as the interpreter produced it, with the point it starts from. */
  onMove?: (move: LinearMove, startMm: VecMm) => void;
  /** Every move once its speeds are final, with its start time from the job start. */
  onPlanned?: (move: PlannedMove, jobStartS: number) => void;
}

/** An axis-aligned box, mm. */
export interface BoundsMm {
  min: VecMm;
  max: VecMm;
}

/** What a job amounts to, so far or in total. */
export interface PipelineStats {
  /** Lines fed. */
  lines: number;
  /** Straight moves of non-zero length (arcs count once per chord). */
  moves: number;
  rapidMoves: number;
  feedMoves: number;
  /** Lines that produced at least one move (an arc counts once here). */
  motionLines: number;
  /** Sum of move lengths, rapids included, mm. */
  pathLengthMm: number;
  feedLengthMm: number;
  rapidLengthMm: number;
  /** Box around the toolpath (start point and every move end), or null without moves. */
  boundsMm: BoundsMm | null;
  /** Job time: motion plus dwells, s (pauses count as zero). */
  durationS: number;
  motionTimeS: number;
  dwellS: number;
  /** Highest speed actually reached along the path, mm/s. */
  peakSpeedMmS: number;
  /** Machine position after the last move, mm. */
  finalPositionMm: VecMm;
  /** Work position (after offsets) after the last line, mm. */
  finalWorkPositionMm: VecMm;
  /** Net motor position per motor, steps (zero without step timing). */
  steps: [number, number, number];
  /** Step events emitted (each motor's step counts once). */
  stepEvents: number;
  /** Lines rejected, in total (errors keeps the first few). */
  errorCount: number;
  errors: GcodeError[];
  /** Spindle (or laser) changes: M3/M4/M5, or a new S while it runs. */
  spindleChanges: number;
  /** M0/M1/M6 holds, in all; pauses lists the first few, in order. */
  pauseCount: number;
  pauses: { line: number; reason: 'M0' | 'M1' | 'M6' }[];
  /** M2/M30 program ends, in all; ends lists the first few, in order. */
  endCount: number;
  ends: { line: number; reason: 'M2' | 'M30' }[];
}

// Long chunks: the plan has no hardware to feed, and each chunk has a fixed cost.
const DEFAULT_CHUNK_US = 250_000;
/** Errors, pauses and ends listed in the statistics (they are all counted). */
const MAX_LISTED = 1000;
const US_PER_S = 1e6;

/** Motor positions (steps, rounded to nearest) at a machine position. */
function startSteps(settings: MotionSettings, positionMm: VecMm): number[] {
  const steps = new Float64Array(3);
  createKinematics(settings).toMotorSteps(positionMm, steps);
  return Array.from(steps, (s) => Math.floor(s + 0.5));
}

/** Interprets, plans and times a G-code job line by line, keeping its statistics. */
export class MotionPipeline {
  private readonly interpreter: Interpreter;
  private readonly planner: Planner;
  private readonly stepper: StepGenerator | null;
  private readonly options: PipelineOptions;
  private readonly stopOnSpindleChange: boolean;
  private readonly maxErrorsKept: number;
  private readonly chunkUs: number;
  /** End of the last move: the move's own target (positions are never mutated once made). */
  private lastEndMm: VecMm;
  /** Box around the path so far: min x, y, z then max x, y, z (unboxed, unlike object fields). */
  private readonly boxMm = new Float64Array(6);
  private hasMoves = false;
  private lastMotionLine = -1;
  /** Job time minus step-generator time, µs: dwells, and the generator's rests (see alignTimeline). */
  private timelineOffsetUs = 0;
  private motionTimeS = 0;
  private finished = false;
  private readonly stats: PipelineStats;

  constructor(settings: MotionSettings, options: PipelineOptions = {}) {
    const startMm = options.startMm ?? { x: 0, y: 0, z: 0 };
    this.options = options;
    this.stopOnSpindleChange = options.stopOnSpindleChange ?? true;
    this.maxErrorsKept = options.maxErrorsKept ?? MAX_LISTED;
    this.chunkUs = options.chunkUs ?? DEFAULT_CHUNK_US;
    this.interpreter = new Interpreter({
      arcToleranceMm: settings.arcToleranceMm,
      startMm,
      reachMm: stepRangeMm(settings),
    });
    this.planner = new Planner(settings, startMm);
    this.stepper =
      options.stepTiming === false
        ? null
        : new StepGenerator(settings, {
            chunkUs: this.chunkUs,
            startSteps: startSteps(settings, startMm),
          });
    this.lastEndMm = { ...startMm };
    this.boxMm.set([startMm.x, startMm.y, startMm.z, startMm.x, startMm.y, startMm.z]);
    this.stats = {
      lines: 0,
      moves: 0,
      rapidMoves: 0,
      feedMoves: 0,
      motionLines: 0,
      pathLengthMm: 0,
      feedLengthMm: 0,
      rapidLengthMm: 0,
      boundsMm: null,
      durationS: 0,
      motionTimeS: 0,
      dwellS: 0,
      peakSpeedMmS: 0,
      finalPositionMm: { ...startMm },
      finalWorkPositionMm: { ...startMm },
      steps: [0, 0, 0],
      stepEvents: 0,
      errorCount: 0,
      errors: [],
      spindleChanges: 0,
      pauseCount: 0,
      pauses: [],
      endCount: 0,
      ends: [],
    };
  }

  /** Interprets one line and pushes what it produced down the pipeline. */
  feedLine(text: string, lineNo: number): LineResult {
    if (this.finished) throw new Error('MotionPipeline: feedLine after finish');
    this.stats.lines++;
    const result = this.interpreter.interpretLine(text, lineNo);
    if (!result.ok) {
      this.recordError(result.error);
      return result;
    }
    for (const action of result.actions) this.act(action);
    return result;
  }

  /**
   * feedLine for the line of a job's UTF-8 bytes that starts at `start` and ends at its
   * first line break or at `end`, read in place; returns where the next line starts.
   */
  feedLineAt(bytes: Uint8Array, start: number, end: number, lineNo: number): number {
    if (this.finished) throw new Error('MotionPipeline: feedLineAt after finish');
    this.stats.lines++;
    const interpreter = this.interpreter;
    const count = interpreter.interpretInPlace(bytes, start, end, lineNo);
    if (count < 0) this.recordError(interpreter.lastError());
    for (let k = 0; k < count; k++) this.act(interpreter.actionAt(k));
    return interpreter.nextLineStart();
  }

  /** Counts a rejected line; keeps its error while fewer than maxErrorsKept are kept. */
  private recordError(error: GcodeError): void {
    this.stats.errorCount++;
    if (this.stats.errors.length < this.maxErrorsKept) this.stats.errors.push(error);
  }

  /** Ends the job: the last moves decelerate to rest and their steps are timed. */
  finish(): void {
    if (this.finished) return;
    this.stopMotion();
    this.finished = true;
  }

  /** The statistics so far (complete after finish()). */
  snapshot(): PipelineStats {
    const s = this.stats;
    s.motionTimeS = this.motionTimeS;
    s.durationS = this.motionTimeS + s.dwellS;
    const box = this.boxMm;
    s.boundsMm = this.hasMoves
      ? { min: { x: box[0], y: box[1], z: box[2] }, max: { x: box[3], y: box[4], z: box[5] } }
      : null;
    s.finalPositionMm = this.interpreter.positionMm();
    s.finalWorkPositionMm = this.interpreter.workPositionMm();
    if (this.stepper !== null) {
      const steps = this.stepper.positionSteps();
      s.steps = [steps[0], steps[1], steps[2]];
    }
    return { ...s, errors: [...s.errors], pauses: [...s.pauses], ends: [...s.ends] };
  }

  /** Moves handed to the planner and not yet final (its lookahead window). */
  pendingMoves(): number {
    return this.planner.pendingCount();
  }

  private act(action: MachineAction): void {
    switch (action.kind) {
      case 'move':
        this.move(action);
        break;
      case 'dwell':
        // Grbl's G4 waits for the planner to empty, then waits the dwell.
        this.stopMotion();
        this.stats.dwellS += action.timeS;
        this.alignTimeline();
        break;
      case 'pause':
        this.stopMotion();
        if (this.stats.pauseCount++ < MAX_LISTED) {
          this.stats.pauses.push({ line: action.line, reason: action.reason });
        }
        break;
      case 'end':
        this.stopMotion();
        if (this.stats.endCount++ < MAX_LISTED) {
          this.stats.ends.push({ line: action.line, reason: action.reason });
        }
        break;
      case 'spindle':
        this.stats.spindleChanges++;
        if (this.stopOnSpindleChange) this.stopMotion();
        break;
      case 'coolant':
        break;
    }
  }

  private move(move: LinearMove): void {
    // The planner measures the move (one square root per move, not two); the moves it
    // finalizes reach their listeners after this move's onMove, as they always did.
    const planned = this.planner.push(move);
    const distMm = this.planner.lastPushedDistMm();
    // A move that goes nowhere is no move (Grbl drops zero-step blocks; so does the planner).
    if (distMm === 0) {
      this.takePlanned(planned);
      return;
    }
    const p = this.lastEndMm;
    const t = move.targetMm;
    const s = this.stats;
    s.moves++;
    if (move.rapid) {
      s.rapidMoves++;
      s.rapidLengthMm += distMm;
    } else {
      s.feedMoves++;
      s.feedLengthMm += distMm;
    }
    s.pathLengthMm += distMm;
    if (move.line !== this.lastMotionLine) {
      s.motionLines++;
      this.lastMotionLine = move.line;
    }
    this.options.onMove?.(move, { x: p.x, y: p.y, z: p.z });
    this.hasMoves = true;
    const box = this.boxMm;
    const x = t.x;
    const y = t.y;
    const z = t.z;
    if (x < box[0]) box[0] = x;
    if (y < box[1]) box[1] = y;
    if (z < box[2]) box[2] = z;
    if (x > box[3]) box[3] = x;
    if (y > box[4]) box[4] = y;
    if (z > box[5]) box[5] = z;
    this.lastEndMm = t;
    this.takePlanned(planned);
  }

  /** Lets the planner bring everything to rest, then times what is left. */
  private stopMotion(): void {
    this.takePlanned(this.planner.flush());
    this.drainSteps(true);
    this.alignTimeline();
  }

  /**
   * At rest, maps the step generator's clock onto the job's: the next motion starts at the
   * job time so far (motion and dwells), to the µs. The generator's own clock runs a µs or
   * so ahead at each stop (it ends a rest chunk after the last step's rounded time).
   */
  private alignTimeline(): void {
    if (this.stepper === null) return;
    const jobUs = Math.round((this.motionTimeS + this.stats.dwellS) * US_PER_S);
    this.timelineOffsetUs = jobUs - this.stepper.generatedUs();
  }

  private takePlanned(planned: readonly PlannedMove[]): void {
    const count = planned.length;
    if (count === 0) return;
    const onPlanned = this.options.onPlanned;
    for (let i = 0; i < count; i++) {
      const pm = planned[i];
      if (onPlanned !== undefined) onPlanned(pm, this.motionTimeS + this.stats.dwellS);
      this.motionTimeS += pm.accelTimeS + pm.cruiseTimeS + pm.decelTimeS;
      if (pm.cruiseSpeedMmS > this.stats.peakSpeedMmS) this.stats.peakSpeedMmS = pm.cruiseSpeedMmS;
      this.stepper?.add(pm);
    }
    this.drainSteps(false);
  }

  /**
   * Takes step chunks from the generator: only full chunks while moving (asking after every
   * move would cut one short chunk per move), everything once the motion is at rest.
   */
  private drainSteps(toRest: boolean): void {
    const stepper = this.stepper;
    if (stepper === null) return;
    const onChunk = this.options.onChunk;
    while (toRest || stepper.queuedUs() >= this.chunkUs) {
      const chunk = stepper.nextChunk();
      if (chunk === null) break;
      this.stats.stepEvents += chunk.count;
      // Nobody else sees the chunk without a listener: its arrays can serve the next one.
      if (onChunk !== undefined) onChunk(chunk, chunk.startUs + this.timelineOffsetUs);
      else stepper.recycle(chunk);
    }
  }
}
