// The simulated board: a step stream on a virtual or real clock, the plant it moves, inputs
// a test can drive, outputs and PWM recorded with their times. `board: sim` everywhere by
// default, and the board every layer above tests against.
import { RealClock, VirtualClock, asVirtualClock } from '../clock.js';
import { BoardIo } from '../board-io.js';
import type {
  Board,
  BoardCapabilities,
  BoardDefinition,
  BoardFactory,
  BoardOptions,
  Clock,
  InputRole,
  OutputRole,
  PwmRole,
} from '../types.js';
import { SimPlant, type TimingViolation } from './plant.js';
import { PulseRecorder, type SimPulse } from './pulses.js';
import { SignalLog, SimInput, SimOutput, SimPwm, type SimSignalRecord } from './signals.js';
import { ClockedStepStream } from '../clocked-stream.js';

/** Settings a test may add beyond BoardOptions. */
export interface SimBoardExtras {
  /** Use this clock instead of a new one (e.g. one VirtualClock shared with other fakes). */
  clock?: Clock;
  /** Real clock only: least interval between step emissions, µs (default: options.pollUs or 2000). */
  pollUs?: number;
  /** Fixed drain low-water mark, µs (default: options.lowWaterUs, else half the queued time). */
  lowWaterUs?: number;
}

const DEFAULT_POLL_US = 2000;

function numberOption(def: BoardDefinition, key: string): number | undefined {
  const value = def.options[key];
  return typeof value === 'number' ? value : undefined;
}

/** A simulated board; asSimBoard(board) gives tests this class's controls. */
export class SimBoard extends BoardIo<SimInput, SimOutput, SimPwm> implements Board {
  readonly name: string;
  readonly capabilities: BoardCapabilities;
  readonly clock: Clock;
  /** The clock as a VirtualClock, when the board runs on simulated time. */
  readonly virtualClock: VirtualClock | undefined;
  private readonly plant: SimPlant;
  private readonly stream: ClockedStepStream;
  private readonly log = new SignalLog();
  private readonly pulseRecord = new PulseRecorder();
  private emittedPulses = 0;
  private opened = false;

  constructor(def: BoardDefinition, options: BoardOptions, extras: SimBoardExtras = {}) {
    super();
    const plantOptions = options.plant;
    if (plantOptions === undefined) {
      throw new Error(
        `board ${options.boardFile} (sim) needs the machine's geometry (BoardOptions.plant)`,
      );
    }
    this.name = def.name;
    this.clock =
      extras.clock ?? (options.clock === 'virtual' ? new VirtualClock() : new RealClock());
    this.virtualClock = asVirtualClock(this.clock);
    this.capabilities = {
      stepTiming: this.virtualClock !== undefined ? 'virtual' : 'host',
      maxStepRateHz: numberOption(def, 'maxStepRateHz') ?? 1_000_000,
    };
    for (const role of Object.keys(def.inputs) as InputRole[]) {
      this.inputs.set(role, new SimInput(role, this.log));
    }
    for (const role of Object.keys(def.outputs) as OutputRole[]) {
      this.outputs.set(role, new SimOutput(role, this.clock, this.log));
    }
    for (const [role, pwm] of Object.entries(def.pwm) as [PwmRole, { frequencyHz: number }][]) {
      this.pwms.set(role, new SimPwm(role, pwm.frequencyHz, this.clock, this.log));
    }
    this.plant = new SimPlant(plantOptions, def.motors, this.inputs, this.clock.nowUs());
    const pollUs = extras.pollUs ?? numberOption(def, 'pollUs') ?? DEFAULT_POLL_US;
    this.stream = new ClockedStepStream({
      clock: this.clock,
      motorCount: def.motors.length,
      startSteps: this.plant.startSteps(),
      minWakeUs: this.virtualClock !== undefined ? 0 : pollUs,
      lowWaterUs: extras.lowWaterUs ?? numberOption(def, 'lowWaterUs'),
      onStep: (motor, dir, timeUs) => {
        this.emittedPulses++;
        this.pulseRecord.add(motor, dir, timeUs);
        this.plant.onStep(motor, dir, timeUs);
      },
    });
  }

  async open(): Promise<void> {
    this.opened = true;
  }

  /** Stops motion and sets every output inactive and every PWM to 0 (recorded). */
  async close(): Promise<void> {
    this.stream.stop();
    for (const output of this.outputs.values()) output.write(false);
    for (const pwm of this.pwms.values()) pwm.setDuty(0);
    this.opened = false;
  }

  /** Whether open() was called and close() not since. */
  isOpen(): boolean {
    return this.opened;
  }

  stepStream(): ClockedStepStream {
    return this.stream;
  }

  // ---- test controls ----

  /** Drives an input as a switch or button would (any role the board wires), now. */
  setInput(role: InputRole, active: boolean): void {
    const input = this.inputs.get(role);
    if (input === undefined) throw new Error(`sim board ${this.name} has no input ${role}`);
    input.set(active, this.clock.nowUs());
  }

  /** Physical axis positions, mm, after every step emitted so far. */
  axesMm(): [number, number, number] {
    this.stream.positionSteps(); // emit what is due first
    return this.plant.axesMm();
  }

  /** Physical motor positions, steps (not affected by setPositionSteps). */
  motorSteps(): Int32Array {
    this.stream.positionSteps();
    return this.plant.motorSteps();
  }

  /** Starts or stops recording pulses; at most maxPulses are kept (default 1,000,000). */
  recordPulses(enabled: boolean, maxPulses?: number): void {
    this.pulseRecord.setRecording(enabled, maxPulses);
  }

  /** The recorded pulses, in emission (time) order. */
  pulses(): SimPulse[] {
    return this.pulseRecord.list();
  }

  /** Pulses emitted while recording that did not fit. */
  missedPulses(): number {
    return this.pulseRecord.missedCount();
  }

  clearPulses(): void {
    this.pulseRecord.clear();
  }

  /** Every step emitted since the board was created, recorded or not. */
  pulseCount(): number {
    return this.emittedPulses;
  }

  /** Output, PWM and input changes with their times (at most 100,000 kept). */
  signalLog(): readonly SimSignalRecord[] {
    return this.log.list();
  }

  /** Output and PWM writes only, with their times. */
  outputLog(): SimSignalRecord[] {
    return this.log.list().filter((r) => r.kind !== 'input');
  }

  clearSignalLog(): void {
    this.log.clear();
  }

  /** Pulses that broke a driver's minimum pulse period or direction setup time. */
  timingViolations(): readonly TimingViolation[] {
    return this.plant.timingViolations();
  }
}

/** Opens the simulated board (BoardFactory of the sim backend). */
export const openBoard: BoardFactory = async (def, options) => {
  const board = new SimBoard(def, options);
  await board.open();
  return board;
};

/** The simulator's controls behind a Board, or undefined when it is real hardware. */
export function asSimBoard(board: Board): SimBoard | undefined {
  return board instanceof SimBoard ? board : undefined;
}
