// The i2c board: chips on a Linux I2C bus through i2c-bus. Coil-driven steppers on PCA9685s
// (Adafruit's DC+Stepper Motor HAT), spindle/laser PWM on a PCA9685 channel, and inputs and
// outputs on an optional MCP23017. Steps are host-timed I2C writes: slow, and capped in
// capabilities.maxStepRateHz by what the bus carries (see coil-stepper.ts).
//
// Board options: bus (default 1), address (the PCA9685, default 0x40), pwmFrequencyHz
// (default 1600), stepMode 'full' | 'half' (default 'full'), busHz (default 100000),
// maxStepRateHz (a lower cap), mcp23017Address (inputs/outputs by expander pin 0..15),
// pollUs (input polling, default 5000).
import { EventEmitter } from 'node:events';
import { RealClock, VirtualClock } from '../clock.js';
import { HardwareUnavailableError, hardwareUnavailable, loadNative } from '../native.js';
import { ClockedStepStream as HostTimedStepStream } from '../clocked-stream.js';
import { BoardIo } from '../board-io.js';
import type {
  Board,
  BoardCapabilities,
  BoardDefinition,
  BoardFactory,
  BoardOptions,
  Clock,
  CoilDef,
  DigitalInput,
  DigitalInputEvents,
  DigitalOutput,
  InputDef,
  InputRole,
  OutputRole,
  PinDef,
  PwmOutput,
  PwmRole,
  StepStream,
} from '../types.js';
import { I2cBusAdapter, type I2cBusModule } from './bus.js';
import { CoilStepper, maxCoilStepRateHz, type CoilStepMode } from './coil-stepper.js';
import { Mcp23017 } from './mcp23017.js';
import { Pca9685, type Delay } from './pca9685.js';
import { WriteQueue } from './write-queue.js';

const INSTALL_HINT =
  'Install it with `npm install i2c-bus` (it builds a native addon: needs build-essential), ' +
  'and enable I2C on the Pi (`sudo raspi-config nonint do_i2c 0`).';

/** Extra settings for tests: a shared clock and a delay that does not wait. */
export interface I2cBoardExtras {
  clock?: Clock;
  delay?: Delay;
}

function option<T extends string | number | boolean>(
  def: BoardDefinition,
  key: string,
  type: 'number' | 'string',
  fallback: T,
): T {
  const value = def.options[key];
  if (value === undefined) return fallback;
  if (typeof value !== type) {
    throw new RangeError(
      `board ${def.name}: option ${key} must be a ${type}, got ${String(value)}`,
    );
  }
  return value as T;
}

/** A PWM output on one PCA9685 channel (the chip has one frequency for all channels). */
class PcaPwm implements PwmOutput {
  private ratio = 0;

  constructor(
    readonly role: PwmRole,
    private readonly pca: Pca9685,
    private readonly channel: number,
    private readonly queue: WriteQueue,
  ) {}

  setDuty(ratio: number): void {
    if (Number.isNaN(ratio)) throw new RangeError('PWM duty is NaN');
    this.ratio = Math.min(1, Math.max(0, ratio));
    const r = this.ratio;
    this.queue.run(() => this.pca.setDuty(this.channel, r));
  }

  /** Changes the whole chip's frequency (the coil channels are full on/off, unaffected). */
  setFrequency(hz: number): void {
    this.queue.run(() => this.pca.setFrequency(hz));
  }

  duty(): number {
    return this.ratio;
  }

  frequencyHz(): number {
    return this.pca.frequencyHz();
  }
}

/** An input on an MCP23017 pin, from its polled changes (clock time as the timestamp). */
class ExpanderInput extends EventEmitter<DigitalInputEvents> implements DigitalInput {
  constructor(
    readonly role: InputRole,
    private readonly def: InputDef,
    private readonly mcp: Mcp23017,
  ) {
    super();
    mcp.on('change', (pin, level, timeUs) => {
      if (pin === def.pin) this.emit('change', this.activeFor(level), timeUs);
    });
  }

  read(): boolean {
    return this.activeFor((this.mcp.lastLevels() >> this.def.pin) & 1);
  }

  private activeFor(level: number): boolean {
    return this.def.activeLow ? level === 0 : level === 1;
  }
}

/** An output on an MCP23017 pin. */
class ExpanderOutput implements DigitalOutput {
  private active = false;

  constructor(
    readonly role: OutputRole,
    private readonly def: PinDef,
    private readonly mcp: Mcp23017,
    private readonly queue: WriteQueue,
  ) {}

  write(active: boolean): void {
    this.active = active;
    const level = active !== this.def.activeLow ? 1 : 0;
    this.queue.run(() => this.mcp.write(this.def.pin, level));
  }

  read(): boolean {
    return this.active;
  }
}

/** Chips on an I2C bus. */
export class I2cBoard extends BoardIo<ExpanderInput, ExpanderOutput, PcaPwm> implements Board {
  readonly name: string;
  readonly capabilities: BoardCapabilities;
  readonly clock: Clock;
  /** Every bus write from outputs and steps, in order. */
  readonly queue = new WriteQueue();
  private bus: I2cBusAdapter | undefined;
  private readonly pcas = new Map<number, Pca9685>();
  private steppers: CoilStepper[] = [];
  private stream: HostTimedStepStream | undefined;
  private mcp: Mcp23017 | undefined;
  private readonly coils: CoilDef[];
  private readonly address: number;
  private readonly mode: CoilStepMode;

  constructor(
    private readonly def: BoardDefinition,
    private readonly options: BoardOptions,
    private readonly i2c: I2cBusModule,
    private readonly extras: I2cBoardExtras = {},
  ) {
    super();
    this.name = def.name;
    this.clock =
      extras.clock ?? (options.clock === 'virtual' ? new VirtualClock() : new RealClock());
    this.address = option(def, 'address', 'number', 0x40);
    const mode = option(def, 'stepMode', 'string', 'full');
    if (mode !== 'full' && mode !== 'half') {
      throw new RangeError(`board ${def.name}: stepMode must be full or half, got ${mode}`);
    }
    this.mode = mode;
    this.coils = def.motors.map((m, i) => {
      if (m.coils === undefined) {
        throw new RangeError(
          `board ${def.name}: motor ${i} has no coils: the i2c backend drives coil steppers only`,
        );
      }
      return m.coils;
    });
    const busHz = option(def, 'busHz', 'number', 100_000);
    const busLimit = this.coils.length > 0 ? maxCoilStepRateHz(busHz, this.coils) : 0;
    this.capabilities = {
      stepTiming: 'host',
      maxStepRateHz: Math.min(busLimit, option(def, 'maxStepRateHz', 'number', Infinity)),
      // Steps leave on host timers: within about a millisecond of their time.
    };
  }

  async open(): Promise<void> {
    if (this.bus !== undefined) return;
    const { def } = this;
    const busNumber = option(def, 'bus', 'number', 1);
    try {
      this.bus = new I2cBusAdapter(await this.i2c.openPromisified(busNumber));
    } catch (err) {
      throw this.unavailable(`I2C bus ${busNumber} could not be opened`, err);
    }
    const frequencyHz = option(def, 'pwmFrequencyHz', 'number', 1600);
    const addresses = new Set([this.address, ...this.coils.map((c) => c.address ?? this.address)]);
    for (const address of addresses) {
      const pca = new Pca9685(this.bus, address, this.extras.delay);
      try {
        await pca.init(frequencyHz);
      } catch (err) {
        throw this.unavailable(
          `no PCA9685 answered at 0x${address.toString(16)} on I2C bus ${busNumber}`,
          err,
        );
      }
      this.pcas.set(address, pca);
    }
    this.steppers = this.coils.map(
      (c) => new CoilStepper(this.pcas.get(c.address ?? this.address)!, c, this.mode),
    );
    for (const s of this.steppers) await s.energize();
    this.stream = new HostTimedStepStream({
      clock: this.clock,
      motorCount: this.steppers.length,
      startSteps: new Array<number>(this.steppers.length).fill(0),
      onStep: (motor, dir) => this.queue.run(() => this.steppers[motor].step(dir)),
      minWakeUs: this.clock instanceof VirtualClock ? 0 : 1000,
    });
    const spindle = def.pwm.spindle;
    if (spindle?.channel !== undefined) {
      this.pwms.set(
        'spindle',
        new PcaPwm('spindle', this.pcas.get(this.address)!, spindle.channel, this.queue),
      );
    }
    await this.openExpander();
  }

  async close(): Promise<void> {
    if (this.bus === undefined) return;
    this.stream?.stop();
    this.mcp?.stopPolling();
    this.allOff();
    for (const s of this.steppers) this.queue.run(() => s.release());
    await this.queue.flush();
    await this.bus.close();
    this.bus = undefined;
  }

  stepStream(): StepStream {
    if (this.stream === undefined) throw new Error(`board ${this.name} is not open`);
    return this.stream;
  }

  /** The coil steppers, in motor order (tests and diagnostics). */
  coilSteppers(): readonly CoilStepper[] {
    return this.steppers;
  }

  private async openExpander(): Promise<void> {
    const { def } = this;
    const address = def.options.mcp23017Address;
    const inputs = Object.entries(def.inputs) as Array<[InputRole, InputDef | undefined]>;
    const outputs = Object.entries(def.outputs) as Array<[OutputRole, PinDef | undefined]>;
    if (address === undefined) {
      if (inputs.length + outputs.length > 0) {
        throw new RangeError(
          `board ${def.name}: inputs and outputs on the i2c backend need options.mcp23017Address`,
        );
      }
      return;
    }
    if (typeof address !== 'number')
      throw new RangeError(`board ${def.name}: mcp23017Address must be a number`);
    const mcp = new Mcp23017(this.bus!, address);
    let inputMask = 0;
    let pullUpMask = 0;
    let outputLevels = 0;
    for (const [, input] of inputs) {
      if (input === undefined) continue;
      inputMask |= 1 << input.pin;
      if (input.pullUp) pullUpMask |= 1 << input.pin;
    }
    for (const [, output] of outputs) {
      if (output?.activeLow) outputLevels |= 1 << output.pin; // inactive
    }
    try {
      await mcp.configure(inputMask, pullUpMask, outputLevels);
    } catch (err) {
      throw this.unavailable(`no MCP23017 answered at 0x${address.toString(16)}`, err);
    }
    for (const [role, input] of inputs) {
      if (input !== undefined) this.inputs.set(role, new ExpanderInput(role, input, mcp));
    }
    for (const [role, out] of outputs) {
      if (out !== undefined) this.outputs.set(role, new ExpanderOutput(role, out, mcp, this.queue));
    }
    mcp.startPolling(this.clock, option(def, 'pollUs', 'number', 5000));
    this.mcp = mcp;
  }

  private unavailable(what: string, err: unknown): HardwareUnavailableError {
    return hardwareUnavailable(
      this.options.boardFile,
      'i2c-bus',
      what,
      err,
      'Check the wiring, the address and `i2cdetect -y <bus>`.',
    );
  }
}

/** Opens an i2c board on a given i2c-bus module (the real one, or a test's fake). */
export async function openI2cBoard(
  def: BoardDefinition,
  options: BoardOptions,
  i2c: I2cBusModule,
  extras: I2cBoardExtras = {},
): Promise<I2cBoard> {
  const board = new I2cBoard(def, options, i2c, extras);
  await board.open();
  return board;
}

export const openBoard: BoardFactory = async (def, options) => {
  const i2c = await loadNative<I2cBusModule>('i2c-bus', options.boardFile, INSTALL_HINT);
  return openI2cBoard(def, options, i2c);
};
