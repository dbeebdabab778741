// Shared shapes of the motion core. Pure data: no I/O, no timers, no Node APIs.
// Lengths are millimetres, times seconds (µs where a hardware clock is involved).

/** The Cartesian axes minifactory drives. */
export const AXES = ['x', 'y', 'z'] as const;
export type Axis = (typeof AXES)[number];

/** A point or vector in millimetres, one value per axis. */
export interface VecMm {
  x: number;
  y: number;
  z: number;
}

/** Per-axis machine limits, as configured. */
export interface AxisLimits {
  stepsPerMm: number;
  maxRateMmMin: number;
  accelMmS2: number;
  travelMm: number;
}

export type KinematicsName = 'cartesian' | 'corexy';

/** Everything the interpreter, planner and step timing need to know about the machine. */
export interface MotionSettings {
  axes: Record<Axis, AxisLimits>;
  kinematics: KinematicsName;
  junctionDeviationMm: number;
  arcToleranceMm: number;
  /**
   * Aggregate motor steps per second the output can emit (a host-timed or I2C board's
   * limit); moves are slowed so the sum over motors stays within it. Absent: no limit.
   */
  maxStepRateHz?: number;
}

/** Spindle (or laser) state carried on every move so power can follow motion. */
export interface SpindleState {
  mode: 'off' | 'cw' | 'ccw';
  speedRpm: number;
}

/** A G-code error, with Grbl's numeric code. */
export interface GcodeError {
  line: number;
  code: number;
  message: string;
}

/**
 * One straight move in machine coordinates (mm), as the interpreter hands it to the planner.
 * Arcs arrive already cut into chords within arcToleranceMm.
 */
export interface LinearMove {
  kind: 'move';
  /** Source line number (1-based, in the file or stream). */
  line: number;
  targetMm: VecMm;
  /** G0: at the axes' max rate, laser off. */
  rapid: boolean;
  /** Requested feed in mm/min (G94); ignored when rapid or when inverseTimeS is set. */
  feedMmMin: number;
  /** G93 inverse time: the move must take this long (s). */
  inverseTimeS?: number;
  spindle: SpindleState;
  /** A probing move (G38.x): the machine stops it at the probe's touch. */
  probe?: ProbeMode;
  /** The line's N word, when it had one (Grbl reports it as `Ln:` while the move runs). */
  lineNumber?: number;
  /** A jog (`$J=`) or homing move: as in Grbl, feed overrides do not change its speed. */
  noFeedOverride?: boolean;
}

export interface ProbeMode {
  /** G38.2/G38.3 move towards contact; G38.4/G38.5 away from it. */
  towards: boolean;
  /** G38.2/G38.4 raise an alarm when the probe never triggers. */
  errorOnFail: boolean;
}

/** Non-motion actions in program order; the machine acts on them between moves. */
export type MachineAction =
  | LinearMove
  | { kind: 'dwell'; line: number; timeS: number }
  | { kind: 'spindle'; line: number; spindle: SpindleState }
  | { kind: 'coolant'; line: number; mist: boolean; flood: boolean }
  /** M0, M1 (optional stop) and M6 (manual tool change): the machine holds until resumed. */
  | { kind: 'pause'; line: number; reason: 'M0' | 'M1' | 'M6'; tool?: number }
  | { kind: 'end'; line: number; reason: 'M2' | 'M30' };

/** What interpreting one line produced: actions, or an error that changed nothing. */
export type LineResult =
  { ok: true; actions: MachineAction[] } | { ok: false; error: GcodeError; actions: [] };

/**
 * The timing of a trapezoid: from startSpeedMmS to cruiseSpeedMmS in accelTimeS (braking
 * instead when it starts above the cruise speed), cruise, then to endSpeedMmS in decelTimeS.
 */
export interface ProfileTiming {
  startSpeedMmS: number;
  cruiseSpeedMmS: number;
  endSpeedMmS: number;
  accelTimeS: number;
  cruiseTimeS: number;
  decelTimeS: number;
}

/** A planned move: its speeds are final, its timing a trapezoid. */
export interface PlannedMove extends ProfileTiming {
  line: number;
  startMm: VecMm;
  endMm: VecMm;
  distMm: number;
  /** Unit vector of the move in Cartesian space. */
  unit: VecMm;
  accelMmS2: number;
  /**
   * The line's programmed speed (F, capped by the axes; no overrides, no lookahead): laser M4
   * power scales with actual/programmed, so a feed override keeps the energy per mm, as in Grbl.
   */
  requestedSpeedMmS: number;
  rapid: boolean;
  spindle: SpindleState;
  probe?: ProbeMode;
  /** The move as pushed to the planner, so the unexecuted rest can be re-planned after a hold. */
  source?: LinearMove;
}

/**
 * A time slice of step events for all motors, compact for the HAL. Events are sorted by
 * time; simultaneous steps of several motors are separate events with the same time.
 */
export interface StepChunk {
  /** Time of the chunk start from the stream start, µs. */
  startUs: number;
  /** Chunk length, µs; the next chunk starts at startUs + durationUs. */
  durationUs: number;
  /** Number of valid events in the arrays below (the arrays may be longer). */
  count: number;
  /** Per event: time from the chunk start, µs, non-decreasing, < durationUs. */
  timeUs: Uint32Array;
  /** Per event: motor index (0 = x or CoreXY a, 1 = y or b, 2 = z). */
  motor: Uint8Array;
  /** Per event: direction of this step, +1 or -1. */
  dir: Int8Array;
  /** True when the motion is at rest at the chunk's end (no underrun if nothing follows). */
  endsAtRest: boolean;
}
