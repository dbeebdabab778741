// The modal G-code interpreter for the Grbl 1.1 dialect (plus %, M6, G64 as CAM posts emit
// them). Each line is parsed, fully checked against the current state, and only then
// committed: a rejected line changes nothing. Output is in machine millimetres.
import type {
  GcodeError,
  LineResult,
  LinearMove,
  MachineAction,
  ProbeMode,
  SpindleState,
  VecMm,
} from '../types.js';
import { arcChords as arcChordsImported } from './arc.js';
import {
  AXIS_CMD,
  Block,
  GROUP,
  MOTION,
  NON_MODAL,
  PLANE_XY as PLANE_XY_IMPORTED,
  PLANE_ZX as PLANE_ZX_IMPORTED,
  WORD,
} from './block.js';
import { ERR, gcodeError } from './errors.js';
import { LineBytes } from './line-bytes.js';
import {
  BlockParser,
  SKIP_LINE as SKIP_LINE_IMPORTED,
  blankFrom,
  nextLineStart,
} from './parser.js';

// Module-local copies of the shared constants. Not for a getter (tsx runs this as native
// ESM, no getters): the optimizer treats a module's own consts as constants, while reading
// through an imported object loads on each use. Measured 2-3% of plan-only throughput.
const {
  motion: GROUP_MOTION,
  plane: GROUP_PLANE,
  distance: GROUP_DISTANCE,
  feedMode: GROUP_FEED_MODE,
  units: GROUP_UNITS,
  wcs: GROUP_WCS,
  pathControl: GROUP_PATH_CONTROL,
  flow: GROUP_FLOW,
  spindle: GROUP_SPINDLE,
  coolant: GROUP_COOLANT,
  toolChange: GROUP_TOOL_CHANGE,
} = GROUP;
const {
  f: WORD_F,
  l: WORD_L,
  n: WORD_N,
  p: WORD_P,
  r: WORD_R,
  s: WORD_S,
  t: WORD_T,
  x: WORD_X,
  y: WORD_Y,
  z: WORD_Z,
  i: WORD_I,
  j: WORD_J,
  k: WORD_K,
} = WORD;
const { none: AXIS_CMD_NONE, motion: AXIS_CMD_MOTION, toolLength: AXIS_CMD_TOOL_LENGTH } = AXIS_CMD;
const {
  dwell: NON_MODAL_DWELL,
  setCoordData: NON_MODAL_SET_COORD_DATA,
  goHome0: NON_MODAL_GO_HOME0,
  setHome0: NON_MODAL_SET_HOME0,
  goHome1: NON_MODAL_GO_HOME1,
  setHome1: NON_MODAL_SET_HOME1,
  absoluteOverride: NON_MODAL_ABSOLUTE_OVERRIDE,
  setOffset: NON_MODAL_SET_OFFSET,
  resetOffset: NON_MODAL_RESET_OFFSET,
} = NON_MODAL;
const {
  rapid: MOTION_RAPID,
  linear: MOTION_LINEAR,
  cw: MOTION_CW,
  ccw: MOTION_CCW,
  probeToward: MOTION_PROBE_TOWARD,
  probeTowardNoError: MOTION_PROBE_TOWARD_NO_ERROR,
  probeAway: MOTION_PROBE_AWAY,
  probeAwayNoError: MOTION_PROBE_AWAY_NO_ERROR,
  none: MOTION_NONE,
} = MOTION;
const PLANE_XY = PLANE_XY_IMPORTED;
const PLANE_ZX = PLANE_ZX_IMPORTED;
const SKIP_LINE = SKIP_LINE_IMPORTED;
const arcChords = arcChordsImported;

/** Settings the interpreter needs from the machine config. */
export interface InterpreterSettings {
  arcToleranceMm: number;
  /** Machine position at start (default 0,0,0). */
  startMm?: VecMm;
  /** Block delete switch: when on, lines starting with `/` are skipped (default off, as Grbl). */
  blockDelete?: boolean;
  /** Largest |machine position| per axis a move may reach (the motors' step range); error 33 beyond. */
  reachMm?: VecMm;
}

/** The modal state a jog or a report needs, read-only. */
export interface ModalView {
  inches: boolean;
  incremental: boolean;
  inverseTime: boolean;
  /** Feed in mm/min (G94), or the last inverse-time F (G93). */
  feedMmMin: number;
  spindle: SpindleState;
  mist: boolean;
  flood: boolean;
  tool: number;
  /** Active work coordinate system, 0 = G54 .. 5 = G59. */
  wcsIndex: number;
  /** 61 (exact path) or 64 (blending within pathToleranceMm). */
  pathControl: number;
  /** G64 P, in mm; 0 when none was given. */
  pathToleranceMm: number;
}

export type WcsName = 'G54' | 'G55' | 'G56' | 'G57' | 'G58' | 'G59';
const WCS_NAMES: readonly WcsName[] = ['G54', 'G55', 'G56', 'G57', 'G58', 'G59'];

const MM_PER_INCH = 25.4;
/** The words a plain G0/G1 line (see plainMove) may have. */
const PLAIN_WORDS = WORD_F | WORD_S | WORD_X | WORD_Y | WORD_Z;
/** Grbl's largest N word. */
const MAX_LINE_NUMBER = 10_000_000;
/** Start/target radius mismatch Grbl tolerates on IJK arcs (mm), and as a share of r. */
const ARC_RADIUS_SLACK_MM = 0.005;
const ARC_RADIUS_MAX_ERROR_MM = 0.5;
const ARC_RADIUS_MAX_ERROR_RATIO = 0.001;

const EMPTY_ACTIONS: MachineAction[] = Object.freeze([]) as unknown as MachineAction[];
/** Shared result for lines that produce nothing; its actions array is frozen. */
const EMPTY_OK: LineResult = Object.freeze({ ok: true, actions: EMPTY_ACTIONS }) as LineResult;

const PROBE_MODES: Record<number, ProbeMode> = {
  [MOTION_PROBE_TOWARD]: Object.freeze({ towards: true, errorOnFail: true }),
  [MOTION_PROBE_TOWARD_NO_ERROR]: Object.freeze({ towards: true, errorOnFail: false }),
  [MOTION_PROBE_AWAY]: Object.freeze({ towards: false, errorOnFail: true }),
  [MOTION_PROBE_AWAY_NO_ERROR]: Object.freeze({ towards: false, errorOnFail: false }),
};

const SPINDLE_MODES: Record<number, SpindleState['mode']> = { 3: 'cw', 4: 'ccw', 5: 'off' };
/** Distinct S values kept per spindle mode; a raster job has a few hundred at most. */
const MAX_CACHED_SPEEDS = 1024;
/** Whole speeds below this are kept in arrays (laser power S0..S1000 fits; 3 x 8 KB). */
const SMALL_SPEEDS = 1024;
/** Actions a line may leave in the reused buffer; a longer arc's are let go. */
const KEPT_ACTIONS = 16;

function motionWord(motion: number): string {
  return motion >= 380 ? `G38.${motion - 380}` : `G${motion}`;
}

/** A Grbl-dialect G-code interpreter: lines in, machine actions (mm) out. */
export class Interpreter {
  private readonly toleranceMm: number;
  private readonly blockDelete: boolean;
  private readonly parser = new BlockParser();
  private readonly lineBytes = new LineBytes();
  private readonly block = new Block();

  // Modal state.
  private motion: number = MOTION_RAPID;
  private plane = PLANE_XY;
  private inches = false;
  private incremental = false;
  private inverseTime = false;
  private wcsIndex = 0;
  private toolLengthDynamic = false;
  private pathControl = 61;
  private pathToleranceMm = 0;
  private spindleCode = 5;
  private mist = false;
  private flood = false;
  /** mm/min in G94; the last block's F (1/min) in G93. */
  private feed = 0;
  private speedRpm = 0;
  private tool = 0;
  /** One frozen state per (M3/M4/M5, S): raster jobs switch S on nearly every line. */
  private readonly spindleStates: Map<number, SpindleState>[] = [new Map(), new Map(), new Map()];
  /** The states of whole speeds below SMALL_SPEEDS, at (code - 3) * SMALL_SPEEDS + speed. */
  private readonly smallSpindleStates = new Array<SpindleState | undefined>(3 * SMALL_SPEEDS).fill(
    undefined,
  );
  /** Shared by every move until the spindle state changes; never mutated. */
  private spindle: SpindleState = this.spindleState(5, 0);

  // Position and offsets, machine mm, index 0 = x, 1 = y, 2 = z.
  private readonly pos = new Float64Array(3);
  private readonly wcs = new Float64Array(18);
  private readonly g92 = new Float64Array(3);
  private toolLengthMm = 0;
  private readonly g28 = new Float64Array(3);
  private readonly g30 = new Float64Array(3);
  private readonly reachMm = new Float64Array([Infinity, Infinity, Infinity]);

  // Per-line scratch, filled by check() and used by commit().
  private readonly xyzMm = new Float64Array(3);
  private readonly target = new Float64Array(3);
  private readonly secondTarget = new Float64Array(3);
  private readonly arcOffsetMm = new Float64Array(3);
  private lineAxisCommand = 0;
  private lineMotion = 0;
  private linePlane = 0;
  private lineInches = false;
  private lineIncremental = false;
  private lineInverseTime = false;
  private lineWcsIndex = 0;
  private lineFeed = 0;
  private lineSpeedRpm = 0;
  private lineTool = 0;
  private lineCoordIndex = 0;
  /** Where the line after the one read in place starts. */
  private nextStart = 0;
  /** The refusal interpretInPlace() reported last. */
  private errorCode = 0;
  private errorLine = 0;
  /** This line's actions so far (the first outCount entries); copied out, then reused. */
  private readonly out: MachineAction[] = [];
  private outCount = 0;

  constructor(settings: InterpreterSettings) {
    this.toleranceMm = settings.arcToleranceMm;
    this.blockDelete = settings.blockDelete ?? false;
    if (settings.reachMm !== undefined) {
      this.reachMm[0] = settings.reachMm.x;
      this.reachMm[1] = settings.reachMm.y;
      this.reachMm[2] = settings.reachMm.z;
    }
    if (settings.startMm !== undefined) this.setPositionMm(settings.startMm);
  }

  /**
   * Interpret one line; on error nothing changes (modal state, position, offsets) and
   * actions is []. Lines that produce nothing share one result whose array is frozen, and
   * moves share their SpindleState: treat results as read-only. A line break may only end
   * the text: more words after one are refused (error 1), as they would be another line.
   */
  interpretLine(text: string, line: number): LineResult {
    const lineBytes = this.lineBytes;
    const len = lineBytes.encode(text);
    const bytes = lineBytes.bytes;
    const b = this.block;
    const parser = this.parser;
    let code = parser.parse(bytes, 0, len, b, this.blockDelete);
    if (code === 0 && !blankFrom(bytes, parser.lineEnd, len)) code = ERR.expectedCommandLetter;
    return this.result(b, code, line);
  }

  /**
   * Interpret the line of a job's UTF-8 bytes that starts at `start` and ends at its first
   * line break (LF, CR or CR LF) or at `end`, without cutting it out; as interpretLine
   * otherwise. nextLineStart() then tells where the following line starts.
   */
  interpretAt(bytes: Uint8Array, start: number, end: number, line: number): LineResult {
    const b = this.block;
    const code = this.parser.parse(bytes, start, end, b, this.blockDelete);
    this.nextStart = nextLineStart(bytes, this.parser.lineEnd, end);
    return this.result(b, code, line);
  }

  /**
   * interpretAt for a caller that acts on a line's actions at once, with no result built:
   * returns how many actions the line produced, to be read with actionAt(0 .. n - 1) before
   * the next line, or -1 when the line was refused (nothing changed; lastError() says why).
   */
  interpretInPlace(bytes: Uint8Array, start: number, end: number, line: number): number {
    const b = this.block;
    const code = this.parser.parse(bytes, start, end, b, this.blockDelete);
    this.nextStart = nextLineStart(bytes, this.parser.lineEnd, end);
    this.clearActions();
    if (code === SKIP_LINE) return 0;
    if (code === 0 && this.plainMove(b, line)) return this.outCount;
    const err = code === 0 ? this.check(b) : code;
    if (err !== 0) {
      this.errorCode = err;
      this.errorLine = line;
      return -1;
    }
    this.commit(b, line);
    return this.outCount;
  }

  /** Action k of the line interpretInPlace() read last. */
  actionAt(k: number): MachineAction {
    return this.out[k];
  }

  /** Why interpretInPlace() refused its line, when it returned -1. */
  lastError(): GcodeError {
    return gcodeError(this.errorLine, this.errorCode);
  }

  /** Where the line after the one interpretAt()/interpretInPlace() read last starts. */
  nextLineStart(): number {
    return this.nextStart;
  }

  private result(b: Block, code: number, line: number): LineResult {
    if (code === SKIP_LINE) return EMPTY_OK;
    if (code === 0) {
      this.clearActions();
      if (this.plainMove(b, line)) return this.takeResult();
      const err = this.check(b);
      if (err !== 0) return fail(line, err);
      this.clearActions();
      this.commit(b, line);
      return this.takeResult();
    }
    return fail(line, code);
  }

  /** Current machine position (mm) as the interpreter believes it (end of the last move). */
  positionMm(): VecMm {
    return { x: this.pos[0], y: this.pos[1], z: this.pos[2] };
  }

  /** Re-sync after the machine moved on its own (homing, jog, probe, hold/reset). */
  setPositionMm(pos: VecMm): void {
    this.pos[0] = pos.x;
    this.pos[1] = pos.y;
    this.pos[2] = pos.z;
  }

  /** Work position = machine position minus active offsets (WCS + G92 + tool length). */
  workPositionMm(): VecMm {
    const off = this.activeOffsetMm();
    return { x: this.pos[0] - off.x, y: this.pos[1] - off.y, z: this.pos[2] - off.z };
  }

  /** The sum of the active offsets (WCS + G92 + tool length on Z), mm. */
  activeOffsetMm(): VecMm {
    const w = this.wcsIndex * 3;
    return {
      x: this.wcs[w] + this.g92[0],
      y: this.wcs[w + 1] + this.g92[1],
      z: this.wcs[w + 2] + this.g92[2] + this.toolLengthMm,
    };
  }

  /** The modal state a jog or a status report needs. */
  modal(): ModalView {
    return {
      inches: this.inches,
      incremental: this.incremental,
      inverseTime: this.inverseTime,
      feedMmMin: this.feed,
      spindle: this.spindle,
      mist: this.mist,
      flood: this.flood,
      tool: this.tool,
      wcsIndex: this.wcsIndex,
      pathControl: this.pathControl,
      pathToleranceMm: this.pathToleranceMm,
    };
  }

  /** Grbl's `$G` report body, e.g. `G0 G54 G17 G21 G90 G94 M5 M9 T0 F0 S0`. */
  modalReport(): string {
    const coolant =
      this.mist || this.flood
        ? [this.mist ? 'M7' : '', this.flood ? 'M8' : ''].join(' ').trim()
        : 'M9';
    return [
      motionWord(this.motion),
      WCS_NAMES[this.wcsIndex],
      `G${17 + this.plane}`,
      this.inches ? 'G20' : 'G21',
      this.incremental ? 'G91' : 'G90',
      this.inverseTime ? 'G93' : 'G94',
      `M${this.spindleCode}`,
      coolant,
      `T${this.tool}`,
      `F${Math.round(this.feed)}`,
      `S${Math.round(this.speedRpm)}`,
    ].join(' ');
  }

  /** Grbl's `$#` parameters (G54..G59, G28, G30, G92, tool length) as data, mm. */
  parameters(): {
    wcs: Record<WcsName, VecMm>;
    g28: VecMm;
    g30: VecMm;
    g92: VecMm;
    toolLengthMm: number;
  } {
    const wcs = {} as Record<WcsName, VecMm>;
    WCS_NAMES.forEach((name, k) => {
      wcs[name] = vec(this.wcs, k * 3);
    });
    return {
      wcs,
      g28: vec(this.g28, 0),
      g30: vec(this.g30, 0),
      g92: vec(this.g92, 0),
      toolLengthMm: this.toolLengthMm,
    };
  }

  /**
   * Modal state back to power-on defaults, like Grbl's soft reset: G0 G54 G17 G21 G90 G94
   * M5 M9 T0 F0 S0. Stored offsets (G10, G28.1/G30.1, G92, tool length) and position stay.
   */
  resetModal(): void {
    this.motion = MOTION_RAPID;
    this.plane = PLANE_XY;
    this.inches = false;
    this.incremental = false;
    this.inverseTime = false;
    this.wcsIndex = 0;
    this.pathControl = 61;
    this.pathToleranceMm = 0;
    this.spindleCode = 5;
    this.mist = false;
    this.flood = false;
    this.feed = 0;
    this.speedRpm = 0;
    this.tool = 0;
    this.spindle = this.spindleState(5, 0);
  }

  /** Clear the offsets Grbl forgets on reset (G92 and the G43.1 tool length). */
  clearVolatileOffsets(): void {
    this.g92.fill(0);
    this.toolLengthMm = 0;
    this.toolLengthDynamic = false;
  }

  /**
   * check() and commit() at once for the common line: G0/G1 (given or modal) with axis
   * words and at most F and S, in mm, G94, no other command. Most of a job is such lines,
   * and all of check()'s and commit()'s other cases cost branches on each of them. Returns
   * false, having changed nothing, for any other line or any line that would be refused;
   * the general path then handles it (with the same arithmetic, so the same results).
   */
  private plainMove(b: Block, line: number): boolean {
    const cb = b.commandBits;
    const vb = b.valueBits;
    if ((vb & ~PLAIN_WORDS) !== 0 || b.axisBits === 0 || this.inches || this.inverseTime) {
      return false;
    }
    let motion = this.motion;
    if (cb !== 0) {
      if (cb !== GROUP_MOTION) return false;
      motion = b.motion;
    }
    if (motion !== MOTION_LINEAR && motion !== MOTION_RAPID) return false;
    const feed = (vb & WORD_F) !== 0 ? b.f : this.feed;
    if (feed === 0 && motion === MOTION_LINEAR) return false;
    const pos = this.pos;
    const xyz = b.xyz;
    const axisBits = b.axisBits;
    let x = pos[0];
    let y = pos[1];
    let z = pos[2];
    if (this.incremental) {
      if ((axisBits & 1) !== 0) x += xyz[0];
      if ((axisBits & 2) !== 0) y += xyz[1];
      if ((axisBits & 4) !== 0) z += xyz[2];
    } else {
      const wcsBase = this.wcsIndex * 3;
      if ((axisBits & 1) !== 0) x = this.absoluteTargetMm(0, xyz[0], wcsBase);
      if ((axisBits & 2) !== 0) y = this.absoluteTargetMm(1, xyz[1], wcsBase);
      if ((axisBits & 4) !== 0) z = this.absoluteTargetMm(2, xyz[2], wcsBase);
    }
    const reach = this.reachMm;
    if (!(Math.abs(x) <= reach[0] && Math.abs(y) <= reach[1] && Math.abs(z) <= reach[2])) {
      return false;
    }

    // Committed from here on: commit()'s steps for this case, in its order.
    this.feed = feed;
    if ((vb & WORD_S) !== 0) {
      const speedRpm = b.s;
      if (speedRpm !== this.speedRpm) {
        this.speedRpm = speedRpm;
        this.spindle = this.spindleState(this.spindleCode, speedRpm);
        if (this.spindleCode !== 5) this.push({ kind: 'spindle', line, spindle: this.spindle });
      }
    }
    this.motion = motion;
    // moveTo() in G94.
    if (x === pos[0] && y === pos[1] && z === pos[2]) return true;
    this.pushMove(line, x, y, z, motion === MOTION_RAPID, feed, undefined, undefined);
    pos[0] = x;
    pos[1] = y;
    pos[2] = z;
    return true;
  }

  /**
   * Machine position of axis k for an absolute (G90) programmed value, mm: plus the work
   * offset at wcsBase, G92 and, on Z, the tool length (+ 0 on X and Y turns -0 into 0).
   */
  private absoluteTargetMm(k: number, programmedMm: number, wcsBase: number): number {
    return programmedMm + this.wcs[wcsBase + k] + this.g92[k] + (k === 2 ? this.toolLengthMm : 0);
  }

  /**
   * Check a parsed block against the current state without changing it (Grbl's step 3).
   * Returns 0 or an error code; on success the line* scratch fields hold what to commit.
   */
  private check(b: Block): number {
    const cb = b.commandBits;
    const vb = b.valueBits;
    const axisBits = b.axisBits;
    let axisCommand = b.axisCommand;
    if (axisBits !== 0 && axisCommand === AXIS_CMD_NONE) axisCommand = AXIS_CMD_MOTION;
    if ((vb & WORD_N) !== 0 && b.n > MAX_LINE_NUMBER) return ERR.invalidLineNumber;

    const motion = (cb & GROUP_MOTION) !== 0 ? b.motion : this.motion;
    const inverseTime = (cb & GROUP_FEED_MODE) !== 0 ? b.inverseTime : this.inverseTime;
    const inches = (cb & GROUP_UNITS) !== 0 ? b.inches : this.inches;
    const plane = (cb & GROUP_PLANE) !== 0 ? b.plane : this.plane;
    const incremental = (cb & GROUP_DISTANCE) !== 0 ? b.incremental : this.incremental;
    const wcsIndex = (cb & GROUP_WCS) !== 0 ? b.wcsIndex : this.wcsIndex;
    // Single-meaning words are always used; the rest must be claimed below.
    let unused = vb & ~(WORD_N | WORD_F | WORD_S | WORD_T | WORD_X | WORD_Y | WORD_Z);

    // Feed: G93 wants F on every feed-motion block; G94 keeps the last F (not across G93).
    const hasF = (vb & WORD_F) !== 0;
    let feed: number;
    if (inverseTime) {
      if (
        axisCommand === AXIS_CMD_MOTION &&
        motion !== MOTION_NONE &&
        motion !== MOTION_RAPID &&
        !hasF
      ) {
        return ERR.undefinedFeedRate;
      }
      feed = hasF ? b.f : 0;
    } else if (hasF) {
      feed = inches ? b.f * MM_PER_INCH : b.f;
    } else {
      feed = this.inverseTime ? 0 : this.feed;
    }
    const nonModal = b.nonModal;
    if (nonModal === NON_MODAL_DWELL) {
      if ((vb & WORD_P) === 0) return ERR.valueWordMissing;
      unused &= ~WORD_P;
    }
    if ((cb & GROUP_PATH_CONTROL) !== 0 && b.pathControl === 64) unused &= ~WORD_P;

    let axis0 = 0;
    let axis1 = 1;
    if (plane === PLANE_ZX) {
      axis0 = 2;
      axis1 = 0;
    } else if (plane !== PLANE_XY) {
      axis0 = 1;
      axis1 = 2;
    }

    const xyz = this.xyzMm;
    const scale = inches ? MM_PER_INCH : 1;
    for (let k = 0; k < 3; k++) if ((axisBits & (1 << k)) !== 0) xyz[k] = b.xyz[k] * scale;

    if (axisCommand === AXIS_CMD_TOOL_LENGTH && b.toolLengthDynamic && axisBits !== 4) {
      return ERR.g43DynamicAxisError;
    }

    const pos = this.pos;
    const wcsBase = wcsIndex * 3;
    const target = this.target;
    const second = this.secondTarget;
    switch (nonModal) {
      case NON_MODAL_SET_COORD_DATA: {
        if (axisBits === 0) return ERR.noAxisWords;
        if ((vb & (WORD_P | WORD_L)) === 0) return ERR.valueWordMissing;
        const pIndex = (vb & WORD_P) !== 0 ? Math.trunc(b.p) : 0;
        if (pIndex > 6) return ERR.unsupportedCoordSys;
        const l = (vb & WORD_L) !== 0 ? b.l : 0;
        if (l === 2) {
          if ((vb & WORD_R) !== 0) return ERR.unsupportedCommand;
        } else if (l !== 20) {
          return ERR.unsupportedCommand;
        }
        unused &= ~(WORD_L | WORD_P);
        const index = pIndex > 0 ? pIndex - 1 : wcsIndex;
        this.lineCoordIndex = index;
        for (let k = 0; k < 3; k++) {
          if ((axisBits & (1 << k)) === 0) second[k] = this.wcs[index * 3 + k];
          else if (l === 20)
            second[k] = pos[k] - this.g92[k] - xyz[k] - (k === 2 ? this.toolLengthMm : 0);
          else second[k] = xyz[k];
        }
        break;
      }
      case NON_MODAL_SET_OFFSET:
        if (axisBits === 0) return ERR.noAxisWords;
        for (let k = 0; k < 3; k++) {
          if ((axisBits & (1 << k)) === 0) second[k] = this.g92[k];
          else
            second[k] = pos[k] - this.wcs[wcsBase + k] - xyz[k] - (k === 2 ? this.toolLengthMm : 0);
        }
        break;
      default:
        if (axisCommand !== AXIS_CMD_TOOL_LENGTH && axisBits !== 0) {
          for (let k = 0; k < 3; k++) {
            if ((axisBits & (1 << k)) === 0) target[k] = pos[k];
            else if (nonModal === NON_MODAL_ABSOLUTE_OVERRIDE) target[k] = xyz[k];
            else if (incremental) target[k] = pos[k] + xyz[k];
            else target[k] = this.absoluteTargetMm(k, xyz[k], wcsBase);
          }
        }
        if (nonModal === NON_MODAL_GO_HOME0 || nonModal === NON_MODAL_GO_HOME1) {
          // Only the axes named go home; with no axis words all of them do, directly.
          const home = nonModal === NON_MODAL_GO_HOME0 ? this.g28 : this.g30;
          for (let k = 0; k < 3; k++) {
            second[k] = axisBits === 0 || (axisBits & (1 << k)) !== 0 ? home[k] : pos[k];
          }
          if (axisBits === 0) axisCommand = AXIS_CMD_NONE;
        } else if (nonModal === NON_MODAL_ABSOLUTE_OVERRIDE) {
          if (motion !== MOTION_RAPID && motion !== MOTION_LINEAR) return ERR.g53InvalidMotionMode;
        }
    }

    if (motion === MOTION_NONE) {
      // G80: no axis words at all, even for commands that would otherwise use them.
      if (axisBits !== 0) return ERR.axisWordsExist;
    } else if (axisCommand === AXIS_CMD_MOTION) {
      if (motion === MOTION_RAPID) {
        if (axisBits === 0) axisCommand = AXIS_CMD_NONE;
      } else {
        if (feed === 0) return ERR.undefinedFeedRate;
        if (motion === MOTION_LINEAR) {
          if (axisBits === 0) axisCommand = AXIS_CMD_NONE;
        } else if (motion === MOTION_CW || motion === MOTION_CCW) {
          const err = this.checkArc(b, motion === MOTION_CW, axis0, axis1, scale);
          if (err !== 0) return err;
          // The R form claims R only, the centre form I/J/K only.
          unused &= (vb & WORD_R) !== 0 ? ~WORD_R : ~(WORD_I | WORD_J | WORD_K);
        } else {
          if (axisBits === 0) return ERR.noAxisWords;
          if (target[0] === pos[0] && target[1] === pos[1] && target[2] === pos[2]) {
            return ERR.invalidTarget;
          }
        }
      }
    }
    if (unused !== 0) return ERR.unusedWords;
    // A target beyond the motors' step counters would wrap them: refuse it, like any bad target.
    if (axisCommand === AXIS_CMD_MOTION && this.beyondReach(target)) return ERR.invalidTarget;
    if (
      (nonModal === NON_MODAL_GO_HOME0 || nonModal === NON_MODAL_GO_HOME1) &&
      ((axisBits !== 0 && this.beyondReach(target)) || this.beyondReach(second))
    ) {
      return ERR.invalidTarget;
    }

    this.lineAxisCommand = axisCommand;
    this.lineMotion = motion;
    this.linePlane = plane;
    this.lineInches = inches;
    this.lineIncremental = incremental;
    this.lineInverseTime = inverseTime;
    this.lineWcsIndex = wcsIndex;
    this.lineFeed = feed;
    this.lineSpeedRpm = (vb & WORD_S) !== 0 ? b.s : this.speedRpm;
    this.lineTool = (vb & WORD_T) !== 0 ? b.t : this.tool;
    return 0;
  }

  private beyondReach(t: Float64Array): boolean {
    const r = this.reachMm;
    return !(Math.abs(t[0]) <= r[0] && Math.abs(t[1]) <= r[1] && Math.abs(t[2]) <= r[2]);
  }

  /** Arc checks; leaves the centre offset (mm) in arcOffsetMm. Claims R or I/J/K. */
  private checkArc(
    b: Block,
    clockwise: boolean,
    axis0: number,
    axis1: number,
    scale: number,
  ): number {
    const axisBits = b.axisBits;
    if (axisBits === 0) return ERR.noAxisWords;
    if ((axisBits & ((1 << axis0) | (1 << axis1))) === 0) return ERR.noAxisWordsInPlane;
    const pos = this.pos;
    const target = this.target;
    const off = this.arcOffsetMm;
    const dx = target[axis0] - pos[axis0];
    const dy = target[axis1] - pos[axis1];
    if ((b.valueBits & WORD_R) !== 0) {
      // R form: the centre is on the perpendicular bisector of start-target; R < 0 picks
      // the centre on the far side (more than 180 degrees of travel).
      if (target[0] === pos[0] && target[1] === pos[1] && target[2] === pos[2]) {
        return ERR.invalidTarget;
      }
      if (dx === 0 && dy === 0) return ERR.invalidTarget;
      const radiusMm = b.r * scale;
      const h4 = 4 * radiusMm * radiusMm - dx * dx - dy * dy;
      if (h4 < 0) return ERR.arcRadiusError;
      let hOverD = -Math.sqrt(h4) / Math.hypot(dx, dy);
      if (!clockwise) hOverD = -hOverD;
      if (radiusMm < 0) hOverD = -hOverD;
      off.fill(0);
      off[axis0] = 0.5 * (dx - dy * hOverD);
      off[axis1] = 0.5 * (dy + dx * hOverD);
      // Astronomical radii overflow; such a centre cannot be traced.
      if (!Number.isFinite(off[axis0]) || !Number.isFinite(off[axis1])) return ERR.invalidTarget;
      return 0;
    }
    if ((b.ijkBits & ((1 << axis0) | (1 << axis1))) === 0) return ERR.noOffsetsInPlane;
    for (let k = 0; k < 3; k++) off[k] = (b.ijkBits & (1 << k)) !== 0 ? b.ijk[k] * scale : 0;
    const targetRadiusMm = Math.hypot(dx - off[axis0], dy - off[axis1]);
    const radiusMm = Math.hypot(off[axis0], off[axis1]);
    const deltaMm = Math.abs(targetRadiusMm - radiusMm);
    if (!Number.isFinite(deltaMm)) return ERR.invalidTarget;
    if (
      deltaMm > ARC_RADIUS_SLACK_MM &&
      (deltaMm > ARC_RADIUS_MAX_ERROR_MM || deltaMm > ARC_RADIUS_MAX_ERROR_RATIO * radiusMm)
    ) {
      return ERR.invalidTarget;
    }
    return 0;
  }

  /** Apply a checked block in Grbl's order of execution; its actions go to the buffer. */
  private commit(b: Block, line: number): void {
    const cb = b.commandBits;
    const axisCommand = this.lineAxisCommand;

    this.inverseTime = this.lineInverseTime;
    this.feed = this.lineFeed;
    const speedRpm = this.lineSpeedRpm;
    const speedChanged = speedRpm !== this.speedRpm;
    this.speedRpm = speedRpm;
    this.tool = this.lineTool;

    if ((cb & GROUP_TOOL_CHANGE) !== 0) {
      this.push({ kind: 'pause', line, reason: 'M6', tool: this.tool });
    }
    const spindleCode = (cb & GROUP_SPINDLE) !== 0 ? b.spindle : this.spindleCode;
    if (spindleCode !== this.spindleCode || speedChanged) {
      // A new S for a stopped spindle is remembered but switches nothing.
      const announce = spindleCode !== this.spindleCode || spindleCode !== 5;
      this.spindleCode = spindleCode;
      this.spindle = this.spindleState(spindleCode, speedRpm);
      if (announce) this.push({ kind: 'spindle', line, spindle: this.spindle });
    }
    if ((cb & GROUP_COOLANT) !== 0) {
      const mist = b.coolant === 7 ? true : b.coolant === 9 ? false : this.mist;
      const flood = b.coolant === 8 ? true : b.coolant === 9 ? false : this.flood;
      this.setCoolant(mist, flood, line);
    }
    if (b.nonModal === NON_MODAL_DWELL) this.push({ kind: 'dwell', line, timeS: b.p });

    this.plane = this.linePlane;
    this.inches = this.lineInches;
    if (axisCommand === AXIS_CMD_TOOL_LENGTH) {
      this.toolLengthDynamic = b.toolLengthDynamic;
      this.toolLengthMm = b.toolLengthDynamic ? this.xyzMm[2] : 0;
    }
    this.wcsIndex = this.lineWcsIndex;
    this.incremental = this.lineIncremental;
    if ((cb & GROUP_PATH_CONTROL) !== 0) {
      this.pathControl = b.pathControl;
      const hasP = b.pathControl === 64 && (b.valueBits & WORD_P) !== 0;
      this.pathToleranceMm = hasP ? b.p * (this.inches ? MM_PER_INCH : 1) : 0;
    }

    const pos = this.pos;
    const second = this.secondTarget;
    switch (b.nonModal) {
      case NON_MODAL_SET_COORD_DATA:
        this.wcs.set(second, this.lineCoordIndex * 3);
        break;
      case NON_MODAL_GO_HOME0:
      case NON_MODAL_GO_HOME1:
        if (axisCommand !== AXIS_CMD_NONE) this.moveTo(this.target, line, true, null);
        this.moveTo(second, line, true, null);
        break;
      case NON_MODAL_SET_HOME0:
        this.g28.set(pos);
        break;
      case NON_MODAL_SET_HOME1:
        this.g30.set(pos);
        break;
      case NON_MODAL_SET_OFFSET:
        this.g92.set(second);
        break;
      case NON_MODAL_RESET_OFFSET:
        this.g92.fill(0);
        break;
    }

    const motion = this.lineMotion;
    this.motion = motion;
    if (motion !== MOTION_NONE && axisCommand === AXIS_CMD_MOTION) {
      if (motion === MOTION_RAPID) this.moveTo(this.target, line, true, null);
      else if (motion === MOTION_LINEAR) this.moveTo(this.target, line, false, null);
      else if (motion === MOTION_CW || motion === MOTION_CCW)
        this.arcTo(line, motion === MOTION_CW);
      else this.moveTo(this.target, line, false, PROBE_MODES[motion]);
    }

    if ((cb & GROUP_FLOW) !== 0) {
      if (b.flow === 0) this.push({ kind: 'pause', line, reason: 'M0' });
      else if (b.flow === 1) this.push({ kind: 'pause', line, reason: 'M1' });
      else this.programEnd(line, b.flow === 2 ? 'M2' : 'M30');
    }
  }

  /** Empties the action buffer for a new line (whichever entry point read the last one). */
  private clearActions(): void {
    // Do not hold a long arc's chords until the next long line overwrites them.
    if (this.outCount > KEPT_ACTIONS) this.out.length = 0;
    this.outCount = 0;
  }

  /** The result of a committed line: its actions, copied out of the reused buffer. */
  private takeResult(): LineResult {
    // Each result gets its own array, exactly sized: callers may keep it past the next line.
    const n = this.outCount;
    if (n === 0) return EMPTY_OK;
    this.outCount = 0;
    const out = this.out;
    if (n === 1) return { ok: true, actions: [out[0]] };
    if (n === 2) return { ok: true, actions: [out[0], out[1]] };
    const actions = out.slice(0, n);
    // Do not hold a long arc's chords until the next long line overwrites them.
    out.length = 0;
    return { ok: true, actions };
  }

  /** The shared frozen state for a spindle code (3, 4, 5) and speed. */
  private spindleState(spindleCode: number, speedRpm: number): SpindleState {
    // Whole small speeds (a laser's S0..S1000) index an array: cheaper than a Map lookup.
    if (isArraySpeed(speedRpm)) {
      const state = this.smallSpindleStates[(spindleCode - 3) * SMALL_SPEEDS + speedRpm];
      if (state !== undefined) return state;
    }
    return this.newSpindleState(spindleCode, speedRpm);
  }

  /** spindleState() for a state not in the array: from the map, or made (and kept). */
  private newSpindleState(spindleCode: number, speedRpm: number): SpindleState {
    const mode = SPINDLE_MODES[spindleCode];
    // Map keys equate -0 and 0; S-0 keeps its own (uncached) state, as before.
    if (speedRpm === 0 && 1 / speedRpm < 0) return Object.freeze({ mode, speedRpm });
    if (isArraySpeed(speedRpm)) {
      const state = Object.freeze({ mode, speedRpm });
      this.smallSpindleStates[(spindleCode - 3) * SMALL_SPEEDS + speedRpm] = state;
      return state;
    }
    const states = this.spindleStates[spindleCode - 3];
    let state = states.get(speedRpm);
    if (state === undefined) {
      state = Object.freeze({ mode, speedRpm });
      if (states.size >= MAX_CACHED_SPEEDS) states.clear();
      states.set(speedRpm, state);
    }
    return state;
  }

  /** M2/M30: Grbl resets G1 G17 G90 G94 G54 M5 M9 (not units, offsets, F, S, T). */
  private programEnd(line: number, reason: 'M2' | 'M30'): void {
    this.motion = MOTION_LINEAR;
    this.plane = PLANE_XY;
    this.incremental = false;
    this.inverseTime = false;
    this.wcsIndex = 0;
    if (this.spindleCode !== 5) {
      this.spindleCode = 5;
      this.spindle = this.spindleState(5, this.speedRpm);
      this.push({ kind: 'spindle', line, spindle: this.spindle });
    }
    this.setCoolant(false, false, line);
    this.push({ kind: 'end', line, reason });
  }

  private setCoolant(mist: boolean, flood: boolean, line: number): void {
    if (mist === this.mist && flood === this.flood) return;
    this.mist = mist;
    this.flood = flood;
    this.push({ kind: 'coolant', line, mist, flood });
  }

  /** A straight move to t (machine mm) from the current position; nothing if zero length. */
  private moveTo(t: Float64Array, line: number, rapid: boolean, probe: ProbeMode | null): void {
    const pos = this.pos;
    const x = t[0];
    const y = t[1];
    const z = t[2];
    if (x === pos[0] && y === pos[1] && z === pos[2]) return;
    let inverseTimeS: number | undefined;
    let feedMmMin = this.feed;
    if (this.inverseTime && !rapid) {
      inverseTimeS = 60 / this.feed;
      feedMmMin = Math.hypot(x - pos[0], y - pos[1], z - pos[2]) * this.feed;
    }
    this.pushMove(line, x, y, z, rapid, feedMmMin, inverseTimeS, probe ?? undefined);
    pos[0] = x;
    pos[1] = y;
    pos[2] = z;
  }

  /** G2/G3 from the current position to target as chords; G93 time split by chord length. */
  private arcTo(line: number, clockwise: boolean): void {
    const plane = this.plane;
    const axis0 = plane === PLANE_XY ? 0 : plane === PLANE_ZX ? 2 : 1;
    const axis1 = plane === PLANE_XY ? 1 : plane === PLANE_ZX ? 0 : 2;
    const axisLinear = 3 - axis0 - axis1;
    const pts = arcChords(
      this.pos,
      this.target,
      this.arcOffsetMm,
      axis0,
      axis1,
      axisLinear,
      clockwise,
      this.toleranceMm,
    );
    const pos = this.pos;
    let totalMm = 0;
    if (this.inverseTime) {
      let px = pos[0];
      let py = pos[1];
      let pz = pos[2];
      for (let o = 0; o < pts.length; o += 3) {
        totalMm += Math.hypot(pts[o] - px, pts[o + 1] - py, pts[o + 2] - pz);
        px = pts[o];
        py = pts[o + 1];
        pz = pts[o + 2];
      }
    }
    const arcTimeS = this.inverseTime ? 60 / this.feed : 0;
    for (let o = 0; o < pts.length; o += 3) {
      const x = pts[o];
      const y = pts[o + 1];
      const z = pts[o + 2];
      if (x === pos[0] && y === pos[1] && z === pos[2]) continue;
      let inverseTimeS: number | undefined;
      let feedMmMin = this.feed;
      if (this.inverseTime) {
        const chordMm = Math.hypot(x - pos[0], y - pos[1], z - pos[2]);
        inverseTimeS = (arcTimeS * chordMm) / totalMm;
        feedMmMin = (chordMm / inverseTimeS) * 60;
      }
      this.pushMove(line, x, y, z, false, feedMmMin, inverseTimeS, undefined);
      pos[0] = x;
      pos[1] = y;
      pos[2] = z;
    }
  }

  private pushMove(
    line: number,
    x: number,
    y: number,
    z: number,
    rapid: boolean,
    feedMmMin: number,
    inverseTimeS: number | undefined,
    probe: ProbeMode | undefined,
  ): void {
    // Every move has the same property set, so consumers see one object shape.
    const move: LinearMove = {
      kind: 'move',
      line,
      targetMm: { x, y, z },
      rapid,
      feedMmMin,
      inverseTimeS,
      spindle: this.spindle,
      probe,
      lineNumber: (this.block.valueBits & WORD_N) !== 0 ? this.block.n : undefined,
    };
    this.push(move);
  }

  private push(action: MachineAction): void {
    this.out[this.outCount++] = action;
  }
}

function fail(line: number, code: number): LineResult {
  const error: GcodeError = gcodeError(line, code);
  return { ok: false, error, actions: [] };
}

function vec(a: Float64Array, offset: number): VecMm {
  return { x: a[offset], y: a[offset + 1], z: a[offset + 2] };
}

/** Whether a speed's states live in the array: a whole S below SMALL_SPEEDS, but not S-0. */
function isArraySpeed(speedRpm: number): boolean {
  return (
    speedRpm >= 0 &&
    speedRpm < SMALL_SPEEDS &&
    Math.trunc(speedRpm) === speedRpm &&
    (speedRpm !== 0 || 1 / speedRpm > 0)
  );
}
