// The firmata board: an Arduino (e.g. Uno + CNC shield) running ConfigurableFirmata, through
// johnny-five and its Firmata IO. Digital inputs (Firmata port reports, pull-ups), outputs,
// PWM (analogWrite, at the MCU core's fixed frequency), and steps:
//   - AccelStepperFirmata when the firmware reports the STEPPER pin mode on every step pin:
//     MCU-timed, constant speed per chunk (accel-stream.ts), up to options.maxStepRateHz
//     (default 4000 aggregate, an estimate for a 16 MHz AVR);
//   - otherwise host-timed digital writes: each step is two 3-byte DIGITAL_MESSAGEs (plus one
//     on a reversal), so at 57600 baud the link carries at most ~960 steps/s; with the host's
//     millisecond timer bursts the backend states half of that.
// johnny-five is always given the port (without one it probes with udevadm and crashes when
// that is missing), never the REPL, and no SIGINT handler (the daemon owns shutdown).
//
// Board options: port (required), baudRate (default 57600, for the host-timed limit),
// maxStepRateHz, timeoutMs (connection, default 10000).
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
  TimerHandle,
} from '../types.js';
import { AccelStepperStream } from './accel-stream.js';
import type { FirmataIo, JohnnyFiveBoard, JohnnyFiveModule } from './io.js';

const INSTALL_HINT =
  'Install it with `npm install johnny-five` (it brings firmata and serialport), and flash ' +
  'ConfigurableFirmata with AccelStepperFirmata onto the board.';

/** Extra settings for tests: a clock and an already-made Firmata IO instead of a port. */
export interface FirmataBoardExtras {
  clock?: Clock;
  io?: FirmataIo;
}

/** Host-timed step rate a serial link carries: two 3-byte messages per step, halved. */
export function hostTimedStepRateHz(baudRate: number): number {
  return Math.floor(baudRate / 10 / 6 / 2);
}

/**
 * A digital input from Firmata's port reports. Firmata has no glitch filter, so one is kept
 * here: a new level counts once it has held for debounceUs on the host clock (the event
 * carries the time it was first seen).
 */
class FirmataInput extends EventEmitter<DigitalInputEvents> implements DigitalInput {
  /** The accepted level; -1 until the first report. */
  private value = -1;
  private pending: TimerHandle | undefined;

  constructor(
    readonly role: InputRole,
    private readonly def: InputDef,
    io: FirmataIo,
    private readonly clock: Clock,
  ) {
    super();
    io.pinMode(def.pin, def.pullUp ? io.MODES.PULLUP : io.MODES.INPUT);
    io.digitalRead(def.pin, (value) => this.report(value));
  }

  read(): boolean {
    if (this.value < 0) return false; // no report yet
    return this.def.activeLow ? this.value === 0 : this.value === 1;
  }

  private report(value: number): void {
    if (this.pending !== undefined) this.clock.clearTimer(this.pending);
    this.pending = undefined;
    if (value === this.value) return;
    if (this.value < 0) {
      this.value = value;
      return;
    }
    const seenUs = this.clock.nowUs();
    const accept = (): void => {
      this.pending = undefined;
      this.value = value;
      this.emit('change', this.read(), seenUs);
    };
    if (this.def.debounceUs <= 0) accept();
    else this.pending = this.clock.setTimer(this.def.debounceUs, accept);
  }
}

class FirmataOutput implements DigitalOutput {
  private active = false;

  constructor(
    readonly role: OutputRole,
    private readonly def: PinDef,
    private readonly io: FirmataIo,
  ) {
    io.pinMode(def.pin, io.MODES.OUTPUT);
    this.write(false);
  }

  write(active: boolean): void {
    this.active = active;
    this.io.digitalWrite(this.def.pin, active !== this.def.activeLow ? 1 : 0);
  }

  read(): boolean {
    return this.active;
  }
}

/** analogWrite PWM; the frequency is the MCU core's (Firmata cannot change it). */
class FirmataPwm implements PwmOutput {
  private ratio = 0;
  private readonly max: number;

  constructor(
    readonly role: PwmRole,
    private readonly pin: number,
    private readonly hz: number,
    private readonly io: FirmataIo,
  ) {
    this.max = io.RESOLUTION.PWM ?? 255;
    io.pinMode(pin, io.MODES.PWM);
    this.setDuty(0);
  }

  setDuty(ratio: number): void {
    if (Number.isNaN(ratio)) throw new RangeError('PWM duty is NaN');
    this.ratio = Math.min(1, Math.max(0, ratio));
    this.io.pwmWrite(this.pin, Math.round(this.ratio * this.max));
  }

  /** Ignored: the frequency is fixed by the firmware (see the board file). */
  setFrequency(hz: number): void {
    if (!(hz > 0)) throw new RangeError(`PWM frequency ${hz} Hz is not > 0`);
  }

  duty(): number {
    return this.ratio;
  }

  frequencyHz(): number {
    return this.hz;
  }
}

/** An Arduino running Firmata. */
export class FirmataBoard
  extends BoardIo<FirmataInput, FirmataOutput, FirmataPwm>
  implements Board
{
  readonly name: string;
  capabilities: BoardCapabilities;
  readonly clock: Clock;
  private j5: JohnnyFiveBoard | undefined;
  private stream: StepStream | undefined;
  /** The last error johnny-five reported after the board was ready. */
  lastError: Error | undefined;

  constructor(
    private readonly def: BoardDefinition,
    private readonly options: BoardOptions,
    private readonly five: JohnnyFiveModule,
    private readonly extras: FirmataBoardExtras = {},
  ) {
    super();
    this.name = def.name;
    this.clock =
      extras.clock ?? (options.clock === 'virtual' ? new VirtualClock() : new RealClock());
    this.capabilities = {
      stepTiming: 'mcu',
      maxStepRateHz: 0,
    };
  }

  async open(): Promise<void> {
    if (this.j5 !== undefined) return;
    const { def, options } = this;
    const port = def.options.port;
    if (this.extras.io === undefined && (typeof port !== 'string' || port === '')) {
      throw new RangeError(
        `board ${options.boardFile}: the firmata backend needs options.port (e.g. /dev/ttyACM0)`,
      );
    }
    const timeout = typeof def.options.timeoutMs === 'number' ? def.options.timeoutMs : 10_000;
    const j5 = await new Promise<JohnnyFiveBoard>((resolve, reject) => {
      let board: JohnnyFiveBoard;
      try {
        board = new this.five.Board({
          ...(this.extras.io !== undefined ? { io: this.extras.io } : { port: port as string }),
          repl: false,
          debug: false,
          sigint: false,
          timeout,
        });
      } catch (err) {
        reject(this.unavailable(`could not open ${String(port)}`, err));
        return;
      }
      const onError = (err: unknown): void =>
        reject(this.unavailable(`could not connect on ${String(port)}`, err));
      board.once('error', onError);
      // johnny-five goes on emitting (its connect timeout fires later even after a failed
      // open); with no listener left, Node would turn that into an uncaught exception.
      board.on('error', () => undefined);
      board.once('ready', () => {
        board.off('error', onError);
        // Later errors must not crash the process: keep them for the machine to see.
        board.on('error', (err: unknown) => {
          this.lastError = err instanceof Error ? err : new Error(String(err));
        });
        resolve(board);
      });
    });
    this.j5 = j5;
    const io = j5.io;
    const accel = def.motors.every((m) =>
      io.pins[m.step.pin]?.supportedModes.includes(io.MODES.STEPPER),
    );
    const baud = typeof def.options.baudRate === 'number' ? def.options.baudRate : 57_600;
    const maxOption =
      typeof def.options.maxStepRateHz === 'number' ? def.options.maxStepRateHz : 4000;
    if (accel) {
      def.motors.forEach((m, i) => {
        const invert = [m.step, m.dir].filter((p) => p.activeLow).map((p) => p.pin);
        io.accelStepperConfig({
          deviceNum: i,
          type: io.STEPPER.TYPE.DRIVER,
          stepSize: io.STEPPER.STEP_SIZE.WHOLE,
          motorPin1: m.step.pin,
          motorPin2: m.dir.pin,
          ...(invert.length > 0 ? { invertPins: invert } : {}),
        });
        io.accelStepperAcceleration(i, 0);
      });
      this.stream = new AccelStepperStream(io, this.clock, def.motors.length);
      this.capabilities = { ...this.capabilities, stepTiming: 'mcu', maxStepRateHz: maxOption };
    } else {
      const motors = def.motors.map((m) => {
        io.pinMode(m.step.pin, io.MODES.OUTPUT);
        io.pinMode(m.dir.pin, io.MODES.OUTPUT);
        io.digitalWrite(m.step.pin, m.step.activeLow ? 1 : 0);
        io.digitalWrite(m.dir.pin, m.dir.activeLow ? 0 : 1);
        return { def: m, dirState: 1 };
      });
      this.stream = new HostTimedStepStream({
        clock: this.clock,
        motorCount: motors.length,
        startSteps: new Array<number>(motors.length).fill(0),
        onStep: (index, dir) => {
          const m = motors[index];
          if (dir !== m.dirState) {
            io.digitalWrite(m.def.dir.pin, dir > 0 !== m.def.dir.activeLow ? 1 : 0);
            m.dirState = dir;
          }
          io.digitalWrite(m.def.step.pin, m.def.step.activeLow ? 0 : 1);
          io.digitalWrite(m.def.step.pin, m.def.step.activeLow ? 1 : 0);
        },
        minWakeUs: this.clock instanceof VirtualClock ? 0 : 1000,
      });
      this.capabilities = {
        ...this.capabilities,
        stepTiming: 'host',
        maxStepRateHz: Math.min(maxOption, hostTimedStepRateHz(baud)),
      };
    }
    for (const [role, input] of Object.entries(def.inputs) as Array<
      [InputRole, InputDef | undefined]
    >) {
      if (input !== undefined) this.inputs.set(role, new FirmataInput(role, input, io, this.clock));
    }
    for (const [role, pin] of Object.entries(def.outputs) as Array<
      [OutputRole, PinDef | undefined]
    >) {
      if (pin !== undefined) this.outputs.set(role, new FirmataOutput(role, pin, io));
    }
    const spindle = def.pwm.spindle;
    if (spindle !== undefined) {
      this.pwms.set('spindle', new FirmataPwm('spindle', spindle.pin, spindle.frequencyHz, io));
    }
  }

  async close(): Promise<void> {
    if (this.j5 === undefined) return;
    this.stream?.stop();
    this.allOff();
    const transport = this.j5.io.transport;
    this.j5 = undefined;
    await new Promise<void>((resolve) => {
      if (typeof transport?.close !== 'function') resolve();
      else transport.close(() => resolve());
    });
  }

  stepStream(): StepStream {
    if (this.stream === undefined) throw new Error(`board ${this.name} is not open`);
    return this.stream;
  }

  private unavailable(what: string, err: unknown): HardwareUnavailableError {
    return hardwareUnavailable(
      this.options.boardFile,
      'johnny-five',
      what,
      err,
      'Check the cable and the port, and that the board runs ConfigurableFirmata.',
    );
  }
}

/** Opens a firmata board with a given johnny-five module (and, in tests, a Firmata IO). */
export async function openFirmataBoard(
  def: BoardDefinition,
  options: BoardOptions,
  five: JohnnyFiveModule,
  extras: FirmataBoardExtras = {},
): Promise<FirmataBoard> {
  const board = new FirmataBoard(def, options, five, extras);
  await board.open();
  return board;
}

export const openBoard: BoardFactory = async (def, options) => {
  const five = await loadNative<JohnnyFiveModule>('johnny-five', options.boardFile, INSTALL_HINT);
  return openFirmataBoard(def, options, five);
};
