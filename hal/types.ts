// The hardware abstraction: the one table of entry points through which the machine sees
// hardware. Backends live in hal/<name>/ and import their native packages lazily.
//
// Each entry point says when it takes effect and how it fails, as grblHAL's hal.h does:
// "at once" means the hardware level has changed when the call returns; "queued" means the
// call returns before the hardware has acted (an I2C or serial write, a chunk of steps), and
// a failure arrives later as the board's 'fault' event. No entry point throws on a hardware
// failure once the board is open: faults are reported, never swallowed, and the machine turns
// each one into an Alarm with every output off.
//
// | entry point            | must / may | when it acts, how it fails                            |
// |------------------------|------------|-------------------------------------------------------|
// | open()                 | must       | rejects with a clear message (missing library, busy   |
// |                        |            | pin, no permission, no MCU on the port)               |
// | close()                | must       | outputs to their safe level, motion stopped, resources |
// |                        |            | released; never rejects                               |
// | outputsOff()           | must       | every output safe, ahead of queued writes; resolves   |
// |                        |            | when the hardware has taken it; never rejects         |
// | 'fault' event          | must       | link lost, bus error, MCU reset, step-train gap       |
// | stepStream()           | must       | push() queued; stop() and cut() at once (see below)    |
// | input(role)            | may        | undefined when the board has no such input; the first |
// |                        |            | level read from hardware counts (an e-stop held at    |
// |                        |            | power-on)                                             |
// | output(role), pwm(role)| may        | write()/setDuty(): at once on GPIO backends, queued on |
// |                        |            | I2C and Firmata (failure: 'fault')                    |
// | clock                  | must       | real on hardware, virtual or real in the simulator    |
//
// Step chunks are defined in motion/types.ts; hal/ repeats their shape structurally
// (hal may not import motion) so the two stay assignable to each other.

import type { EventEmitter } from 'node:events';

/** A monotonic clock in µs, with timers; real on hardware, virtual in the simulator. */
export interface Clock {
  nowUs(): number;
  /** Calls fn after delayUs of this clock's time. */
  setTimer(delayUs: number, fn: () => void): TimerHandle;
  clearTimer(handle: TimerHandle): void;
}

export interface TimerHandle {
  readonly id: number;
}

/** Same shape as motion's StepChunk (see motion/types.ts). */
export interface StepChunk {
  startUs: number;
  durationUs: number;
  count: number;
  timeUs: Uint32Array;
  motor: Uint8Array;
  dir: Int8Array;
  endsAtRest: boolean;
}

export interface StepStreamEvents {
  /** Queued time fell below the low-water mark: push more. */
  drain: [];
  /** Everything pushed has been emitted. */
  idle: [];
  /**
   * The step train had a gap while motion was not at rest: the queue ran dry, a chunk started
   * late, or a step was later than the backend's tolerance. The motors may have stopped dead
   * at speed, so the machine treats the position as unknown.
   */
  underrun: [];
}

/** Where motion ends after StepStream.cut(). */
export interface StreamCut {
  /**
   * End of the kept motion on the chunks' own timeline (the StepChunk.startUs of the pushed
   * chunks), µs: the step generator continues from this time.
   */
  endUs: number;
  /** Motor positions once the kept motion has been emitted, steps. */
  steps: Int32Array;
}

/** Hardware-timed step output for all motors. */
export interface StepStream extends EventEmitter<StepStreamEvents> {
  readonly motorCount: number;
  /** Queue a chunk; it starts when the previous one ends (or now if the stream is idle). */
  push(chunk: StepChunk): void;
  /** Time of pushed motion not yet emitted, µs. */
  queuedUs(): number;
  /** Net emitted position per motor, in steps, since the board opened. */
  positionSteps(): Int32Array;
  /** Stop at once, drop what is queued; returns the emitted position per motor in steps. */
  stop(): Int32Array;
  /**
   * At once: drops queued motion the hardware has not committed to, keeping at least keepUs
   * from now (time for the caller to compute and push what follows, e.g. a braking ramp), or
   * more where the hardware cannot cut finer (a pigpio wave on air). Returns where the kept
   * motion ends, or null when nothing was dropped (the queue ends within keepUs anyway).
   * Pushing after a cut continues exactly from the cut's end.
   */
  cut(keepUs: number): StreamCut | null;
  /** Overwrite the position counters (after homing or a G92-free re-sync). */
  setPositionSteps(steps: ArrayLike<number>): void;
}

/** Names of inputs a board may wire, by what they do. */
export const INPUT_ROLES = [
  'limitX',
  'limitY',
  'limitZ',
  'probe',
  'estop',
  'door',
  'hold',
  'resume',
  'reset',
] as const;
export type InputRole = (typeof INPUT_ROLES)[number];

/** Names of on/off outputs a board may wire. */
export type OutputRole = 'enable' | 'spindleEnable' | 'spindleDir' | 'mist' | 'flood';

/** Names of PWM outputs a board may wire; a laser uses the spindle channel, as in Grbl. */
export type PwmRole = 'spindle';

export interface DigitalInputEvents {
  /** active: after active-low inversion; tickUs: the backend's hardware timestamp if any, else clock time. */
  change: [active: boolean, tickUs: number];
}

export interface DigitalInput extends EventEmitter<DigitalInputEvents> {
  readonly role: InputRole;
  /** Current level, true = active (already inverted for active-low wiring). */
  read(): boolean;
}

export interface DigitalOutput {
  readonly role: OutputRole;
  /**
   * true = active (the backend applies active-low wiring). At once on GPIO backends, queued on
   * I2C and Firmata; a failed write is a board 'fault'.
   */
  write(active: boolean): void;
  read(): boolean;
}

export interface PwmOutput {
  readonly role: PwmRole;
  /** Duty ratio 0..1; at once or queued as DigitalOutput.write. */
  setDuty(ratio: number): void;
  setFrequency(hz: number): void;
  duty(): number;
  frequencyHz(): number;
}

/** Byte-level I2C access, as i2c-bus's promise API offers it. */
export interface I2cBus {
  writeByte(address: number, register: number, value: number): Promise<void>;
  readByte(address: number, register: number): Promise<number>;
  writeBlock(address: number, register: number, data: Uint8Array): Promise<void>;
  readBlock(address: number, register: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

export type StepTiming = 'hardware' | 'mcu' | 'host' | 'virtual';

export interface BoardCapabilities {
  /** Who times the step pulses. */
  stepTiming: StepTiming;
  /**
   * Highest aggregate step rate the backend emits reliably, as measured (the planner keeps
   * every move within it).
   */
  maxStepRateHz: number;
}

/** What went wrong in hardware; each kind becomes an Alarm with outputs off. */
export type BoardFaultKind =
  /** The link to an MCU or daemon is gone: serial error, unplugged cable, closed port. */
  | 'link'
  /** The MCU restarted: its outputs and step counters are at their power-on values. */
  | 'mcuReset'
  /** A bus error (I2C) that persisted after the bounded retries. */
  | 'bus'
  /** A gap in the step train mid-motion (the host was late): see StepStreamEvents.underrun. */
  | 'underrun'
  /** An output write failed: its level is not known. */
  | 'output';

export interface BoardFault {
  kind: BoardFaultKind;
  /** One line for the user: what failed, where, and what to check. */
  message: string;
  /** False when motor positions can no longer be trusted (steps may have been lost). */
  positionKnown: boolean;
}

export interface BoardEvents {
  /** A hardware fault, raised as soon as the backend sees it (never thrown, never kept). */
  fault: [fault: BoardFault];
}

/** An opened board: the machine's only view of hardware. */
export interface Board extends EventEmitter<BoardEvents> {
  readonly name: string;
  readonly capabilities: BoardCapabilities;
  readonly clock: Clock;
  open(): Promise<void>;
  /** Outputs to safe levels, motion stopped, resources released; never rejects. */
  close(): Promise<void>;
  /**
   * Every output and PWM channel to its safe level, ahead of any queued writes (safety writes
   * jump the queue); resolves once the hardware has taken them. Never rejects: a failure is
   * a 'fault'. The machine calls it on every alarm, e-stop, reset and exit.
   */
  outputsOff(): Promise<void>;
  stepStream(): StepStream;
  input(role: InputRole): DigitalInput | undefined;
  output(role: OutputRole): DigitalOutput | undefined;
  pwm(role: PwmRole): PwmOutput | undefined;
}

// ---- Board definitions (data in boards/*.yaml, validated in src/config) ----

export type BackendName = 'sim' | 'pigpio' | 'gpiochip' | 'i2c' | 'firmata';

/** A GPIO line, with its active level. */
export interface PinDef {
  pin: number;
  activeLow: boolean;
}

/**
 * A bipolar stepper driven coil by coil through an H-bridge (TB6612) whose inputs are PCA9685
 * channels, as on Adafruit's DC+Stepper Motor HAT: the host sequences the coils.
 */
export interface CoilDef {
  /** I2C address of the PCA9685 driving this motor (default: the board's options.address). */
  address?: number;
  pwmA: number;
  ain1: number;
  ain2: number;
  pwmB: number;
  bin1: number;
  bin2: number;
}

export interface MotorDef {
  /** Step input of a step/dir driver; pin -1 on coil-driven motors (see coils). */
  step: PinDef;
  /** Direction input of a step/dir driver; pin -1 on coil-driven motors. */
  dir: PinDef;
  enable?: PinDef;
  /** Minimum step pulse width, µs (coil-driven: half the least step period). */
  pulseUs: number;
  /** Direction setup time before a step edge, µs. */
  dirSetupUs: number;
  /** Coil-driven motors only (backend i2c): the H-bridge channels; step and dir are unused. */
  coils?: CoilDef;
}

export interface InputDef extends PinDef {
  pullUp: boolean;
  /** Glitch filter: a level must hold this long to count, µs. */
  debounceUs: number;
}

export interface PwmDef {
  pin: number;
  frequencyHz: number;
  /** Channel on an I2C PWM chip (PCA9685), when the backend is i2c. */
  channel?: number;
}

export interface BoardDefinition {
  name: string;
  description: string;
  backend: BackendName;
  /** Motors in kinematic order (x/a, y/b, z). */
  motors: MotorDef[];
  inputs: Partial<Record<InputRole, InputDef>>;
  outputs: Partial<Record<OutputRole, PinDef>>;
  pwm: Partial<Record<PwmRole, PwmDef>>;
  /** Backend-specific settings (pigpio sampleUs, i2c bus/address, firmata port...). */
  options: Record<string, string | number | boolean>;
}

// ---- Opening a board ----

/** The simulated plant's geometry (board: sim): where switches close and the probe touches. */
export interface SimPlantOptions {
  /** Axis positions (mm, x/y/z) from motor positions (steps); supplied by the motion layer. */
  motorsToAxesMm: (steps: ArrayLike<number>) => [number, number, number];
  /** Motor positions (steps) from axis positions (mm): to place the machine at startMm. */
  axesToMotorsSteps: (mm: [number, number, number]) => number[];
  /** Travel per axis (x, y, z), mm: the machine lives in [0, travel]. */
  travelMm: [number, number, number];
  /** Each axis's limit switch closes this far beyond either end of travel, mm. */
  limitMarginMm: number;
  /** Position at power-on, mm. */
  startMm: [number, number, number];
  /** The probe is active while z <= this, mm. */
  probeZMm: number;
}

export interface BoardOptions {
  /** The board file's path or name, for error messages. */
  boardFile: string;
  /** 'virtual': a simulated clock advanced by the caller (tests); 'real': wall time. */
  clock: 'real' | 'virtual';
  /** Required for the sim backend. */
  plant?: SimPlantOptions;
}

/** Every backend's entry point: hal/<backend>/board.ts exports `openBoard` of this type. */
export type BoardFactory = (def: BoardDefinition, options: BoardOptions) => Promise<Board>;
