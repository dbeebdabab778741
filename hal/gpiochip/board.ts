// The gpiochip board: any Linux GPIO controller (a Raspberry Pi 5, where pigpio cannot run,
// or another single-board computer), through onoff and the kernel's sysfs GPIO interface.
//
// Why onoff (sysfs) and not libgpiod's gpioset/gpiomon: every pin write here is an
// in-process write to an open value file (tens of µs), and inputs arrive through epoll in
// the same process; gpioset/gpiomon are separate processes, one spawn or one pipe hop per
// change (milliseconds), and node-libgpiod does not build against libgpiod 2. The price of
// sysfs: it is deprecated (still built into Raspberry Pi OS kernels), it has no pull-ups
// (set them in config.txt, e.g. `gpio=5,6,13=ip,pu`) and no edge timestamps, and since
// kernel 6.6 its numbers start at the controller's base (handled: see chip.ts).
//
// Steps are timed by the host: a timer wakes every millisecond or so and writes the steps
// that are due (direction, dirSetupUs, step on, pulseUs, step off), so pulses come in bursts
// up to a millisecond late. maxStepRateHz (default 2000, aggregate) is what that carries
// without losing steps; it is not smooth motion. A Pi 5 that needs speed should drive an
// MCU that times the steps: the firmata backend (boards/arduino-cnc-shield-firmata.yaml).
//
// Board options: chipLabel (default: the Pi header controller), maxStepRateHz, pwmChip and
// pwmChannel (sysfs PWM, found from the GPIO by default).
import { EventEmitter } from 'node:events';
import { BoardIo } from '../board-io.js';
import type { BinaryValue, Direction, Edge, Options as OnoffOptions, ValueCallback } from 'onoff';
import { RealClock, VirtualClock } from '../clock.js';
import { HardwareUnavailableError, hardwareUnavailable, loadNative } from '../native.js';
import { ClockedStepStream as HostTimedStepStream } from '../clocked-stream.js';
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
  StepStream,
} from '../types.js';
import { listGpioChips, pickGpioChip, type GpioChipInfo } from './chip.js';
import { SysfsPwm, findPwmChannel } from './pwm.js';

const INSTALL_HINT =
  'Install it with `npm install onoff` on the board (a native addon: needs build-essential).';

/** The part of onoff's Gpio the backend uses. */
export interface OnoffGpio {
  readSync(): BinaryValue;
  writeSync(value: BinaryValue): void;
  watch(callback: ValueCallback): void;
  unwatchAll(): void;
  unexport(): void;
}

export interface OnoffModule {
  Gpio: {
    new (gpio: number, direction: Direction, edge?: Edge, options?: OnoffOptions): OnoffGpio;
    readonly accessible: boolean;
  };
}

/** Extra settings for tests: a clock, sysfs roots in a temporary directory, a no-op spin. */
export interface GpiochipBoardExtras {
  clock?: Clock;
  sysfsGpioRoot?: string;
  sysfsPwmRoot?: string;
  /** Busy-waits us µs (pulse width, direction setup); default spins on process.hrtime. */
  spinUs?: (us: number) => void;
}

function spinUs(us: number): void {
  if (us <= 0) return;
  const end = process.hrtime.bigint() + BigInt(Math.ceil(us * 1000));
  while (process.hrtime.bigint() < end) {
    // busy-wait: a few µs, below what any timer can do
  }
}

function level(active: boolean, pin: PinDef): BinaryValue {
  return active !== pin.activeLow ? 1 : 0;
}

class SysfsInput extends EventEmitter<DigitalInputEvents> implements DigitalInput {
  private value: BinaryValue;

  constructor(
    readonly role: InputRole,
    private readonly def: InputDef,
    private readonly gpio: OnoffGpio,
    clock: Clock,
  ) {
    super();
    this.value = gpio.readSync();
    gpio.watch((err, value) => {
      if (err !== null && err !== undefined) return;
      if (value === this.value) return;
      this.value = value;
      this.emit('change', this.read(), clock.nowUs());
    });
  }

  read(): boolean {
    return this.def.activeLow ? this.value === 0 : this.value === 1;
  }
}

class SysfsOutput implements DigitalOutput {
  private active = false;

  constructor(
    readonly role: OutputRole,
    private readonly pins: PinDef[],
    private readonly gpios: OnoffGpio[],
  ) {
    this.write(false);
  }

  write(active: boolean): void {
    this.active = active;
    this.pins.forEach((p, i) => this.gpios[i].writeSync(level(active, p)));
  }

  read(): boolean {
    return this.active;
  }
}

/** A Linux GPIO controller through sysfs. */
export class GpiochipBoard extends BoardIo<SysfsInput, SysfsOutput, SysfsPwm> implements Board {
  readonly name: string;
  readonly capabilities: BoardCapabilities;
  readonly clock: Clock;
  private chip: GpioChipInfo | undefined;
  private readonly exported: OnoffGpio[] = [];
  private stream: HostTimedStepStream | undefined;

  constructor(
    private readonly def: BoardDefinition,
    private readonly options: BoardOptions,
    private readonly onoff: OnoffModule,
    private readonly extras: GpiochipBoardExtras = {},
  ) {
    super();
    this.name = def.name;
    this.clock =
      extras.clock ?? (options.clock === 'virtual' ? new VirtualClock() : new RealClock());
    const maxRate = def.options.maxStepRateHz;
    this.capabilities = {
      stepTiming: 'host',
      maxStepRateHz: typeof maxRate === 'number' ? maxRate : 2000,
    };
  }

  /** The controller in use and its sysfs base (after open). */
  gpioChip(): GpioChipInfo | undefined {
    return this.chip;
  }

  async open(): Promise<void> {
    if (this.chip !== undefined) return;
    const { def } = this;
    const root = this.extras.sysfsGpioRoot ?? '/sys/class/gpio';
    if (this.extras.sysfsGpioRoot === undefined && !this.onoff.Gpio.accessible) {
      throw this.unavailable(`the sysfs GPIO interface (${root}) is not accessible`, undefined);
    }
    let chip: GpioChipInfo;
    try {
      const label = def.options.chipLabel;
      chip = pickGpioChip(await listGpioChips(root), typeof label === 'string' ? label : undefined);
    } catch (err) {
      throw this.unavailable(`no usable GPIO controller in ${root}`, err);
    }
    const spin = this.extras.spinUs ?? spinUs;
    const exportPin = (
      pin: number,
      direction: Direction,
      edge?: Edge,
      opts?: OnoffOptions,
    ): OnoffGpio => {
      if (!(Number.isInteger(pin) && pin >= 0 && pin < chip.ngpio)) {
        throw new RangeError(
          `board ${def.name}: GPIO ${pin} is not on ${chip.name} (0..${chip.ngpio - 1})`,
        );
      }
      const gpio = new this.onoff.Gpio(chip.base + pin, direction, edge, opts);
      this.exported.push(gpio);
      return gpio;
    };
    const motors = def.motors.map((m) => {
      const step = exportPin(m.step.pin, 'out');
      const dir = exportPin(m.dir.pin, 'out');
      step.writeSync(level(false, m.step));
      dir.writeSync(level(true, m.dir)); // +1 = direction pin active
      return { def: m, step, dir, dirState: 1 };
    });
    this.stream = new HostTimedStepStream({
      clock: this.clock,
      motorCount: motors.length,
      startSteps: new Array<number>(motors.length).fill(0),
      onStep: (index, dir) => {
        const m = motors[index];
        if (dir !== m.dirState) {
          m.dir.writeSync(level(dir > 0, m.def.dir));
          m.dirState = dir;
          spin(m.def.dirSetupUs);
        }
        m.step.writeSync(level(true, m.def.step));
        spin(m.def.pulseUs);
        m.step.writeSync(level(false, m.def.step));
      },
      minWakeUs: this.clock instanceof VirtualClock ? 0 : 1000,
    });
    for (const [role, input] of Object.entries(def.inputs) as Array<
      [InputRole, InputDef | undefined]
    >) {
      if (input === undefined) continue;
      const gpio = exportPin(input.pin, 'in', 'both', {
        debounceTimeout: Math.ceil(input.debounceUs / 1000),
      });
      this.inputs.set(role, new SysfsInput(role, input, gpio, this.clock));
    }
    for (const [role, pin] of Object.entries(def.outputs) as Array<
      [OutputRole, PinDef | undefined]
    >) {
      if (pin !== undefined)
        this.outputs.set(role, new SysfsOutput(role, [pin], [exportPin(pin.pin, 'out')]));
    }
    // One GPIO per distinct pin: CNC HATs share one enable line between drivers.
    const enables = [
      ...new Map(
        def.motors.flatMap((m) =>
          m.enable !== undefined ? [[m.enable.pin, m.enable] as const] : [],
        ),
      ).values(),
    ];
    if (!this.outputs.has('enable') && enables.length > 0) {
      this.outputs.set(
        'enable',
        new SysfsOutput(
          'enable',
          enables,
          enables.map((p) => exportPin(p.pin, 'out')),
        ),
      );
    }
    const spindle = def.pwm.spindle;
    if (spindle !== undefined) {
      const pwmRoot = this.extras.sysfsPwmRoot ?? '/sys/class/pwm';
      const chipOption = def.options.pwmChip;
      const channelOption = def.options.pwmChannel;
      try {
        const { chipDir, channel } = await findPwmChannel(
          pwmRoot,
          spindle.pin,
          typeof chipOption === 'number' ? chipOption : undefined,
          typeof channelOption === 'number' ? channelOption : undefined,
        );
        this.pwms.set(
          'spindle',
          await SysfsPwm.open('spindle', chipDir, channel, spindle.frequencyHz),
        );
      } catch (err) {
        throw this.unavailable(`spindle PWM on GPIO ${spindle.pin} is not available`, err);
      }
    }
    this.chip = chip;
  }

  async close(): Promise<void> {
    if (this.chip === undefined) return;
    this.stream?.stop();
    for (const pwm of this.pwms.values()) await pwm.close();
    for (const out of this.outputs.values()) out.write(false);
    for (const gpio of this.exported) {
      gpio.unwatchAll();
      gpio.unexport();
    }
    this.exported.length = 0;
    this.chip = undefined;
  }

  stepStream(): StepStream {
    if (this.stream === undefined) throw new Error(`board ${this.name} is not open`);
    return this.stream;
  }

  private unavailable(what: string, err: unknown): HardwareUnavailableError {
    return hardwareUnavailable(
      this.options.boardFile,
      'onoff',
      what,
      err,
      'The gpiochip backend needs Linux with sysfs GPIO (CONFIG_GPIO_SYSFS) and the user in the gpio group.',
    );
  }
}

/** Opens a gpiochip board on a given onoff module (the real one, or a test's fake). */
export async function openGpiochipBoard(
  def: BoardDefinition,
  options: BoardOptions,
  onoff: OnoffModule,
  extras: GpiochipBoardExtras = {},
): Promise<GpiochipBoard> {
  const board = new GpiochipBoard(def, options, onoff, extras);
  await board.open();
  return board;
}

export const openBoard: BoardFactory = async (def, options) => {
  const onoff = await loadNative<OnoffModule>('onoff', options.boardFile, INSTALL_HINT);
  return openGpiochipBoard(def, options, onoff);
};
