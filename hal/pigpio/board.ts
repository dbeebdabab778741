// The pigpio board (Raspberry Pi 1-4): steps as DMA waveforms, inputs as alerts, spindle
// PWM as DMA software PWM. Board options (boards/*.yaml `options:`):
//   sampleUs           pigpio's sample clock, 1/2/4/5/8/10 µs (default 5): input sampling
//                      and software PWM timing; 1 µs costs ~25% of a core, 5 µs ~10%
//   stepResolutionUs   step times are multiples of this (default 1: waves run on pigpio's
//                      separate 1 µs waveform clock, whatever the sample clock)
//   pollUs             wave bookkeeping interval (default 2000)
//   wavePinPulses, waveDelayPulses   the fixed wave shape (see limits.ts)
//   maxStepRateHz      aggregate step rate to advertise (default 200000)
import { RealClock, VirtualClock } from '../clock.js';
import { HardwareUnavailableError, loadNative } from '../native.js';
import { BoardIo } from '../board-io.js';
import type {
  Board,
  BoardCapabilities,
  BoardDefinition,
  BoardFactory,
  BoardOptions,
  Clock,
  InputDef,
  InputRole,
  OutputRole,
  PinDef,
  StepStream,
} from '../types.js';
import { WaveEncoder, type WaveMotor } from './encoder.js';
import { PigpioInput, PigpioOutput, PigpioPwm, TickUnwrapper } from './io.js';
import {
  DEFAULT_WAVE_SHAPE,
  MAX_PULSES_PER_WAVE,
  SAMPLE_CLOCKS_US,
  controlBlocksPerWave,
  wavesInFlight,
  type WaveShape,
} from './limits.js';
import type { PigpioGpio, PigpioModule } from './module.js';
import { PigpioStepStream } from './stream.js';

const INSTALL_HINT =
  'On a Raspberry Pi 1-4: `sudo apt install pigpio` (the C library), then `npm install pigpio`, ' +
  'and run as root with the pigpiod daemon stopped. A Raspberry Pi 5 cannot run pigpio: use a ' +
  'gpiochip or firmata board.';

/** Extra settings for tests: a shared clock. */
export interface PigpioBoardExtras {
  clock?: Clock;
}

interface PigpioSettings {
  sampleUs: number;
  resolutionUs: number;
  pollUs: number;
  shape: WaveShape;
  maxStepRateHz: number;
}

function numberOption(def: BoardDefinition, key: string, fallback: number): number {
  const value = def.options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`board ${def.name}: option ${key} must be a number, got ${String(value)}`);
  }
  return value;
}

/** Reads and checks the pigpio options of a board definition. */
export function pigpioSettings(def: BoardDefinition): PigpioSettings {
  const sampleUs = numberOption(def, 'sampleUs', 5);
  if (!(SAMPLE_CLOCKS_US as readonly number[]).includes(sampleUs)) {
    throw new RangeError(
      `board ${def.name}: sampleUs ${sampleUs} is not one of ${SAMPLE_CLOCKS_US.join(', ')}`,
    );
  }
  const shape: WaveShape = {
    pinPulses: numberOption(def, 'wavePinPulses', DEFAULT_WAVE_SHAPE.pinPulses),
    delayPulses: numberOption(def, 'waveDelayPulses', DEFAULT_WAVE_SHAPE.delayPulses),
  };
  if (
    !(shape.pinPulses >= 8 && shape.delayPulses >= 8) ||
    shape.pinPulses + shape.delayPulses > MAX_PULSES_PER_WAVE ||
    wavesInFlight(shape) < 2
  ) {
    throw new RangeError(
      `board ${def.name}: wave shape ${shape.pinPulses}+${shape.delayPulses} pulses must be ` +
        `>= 8 each, <= ${MAX_PULSES_PER_WAVE} together, and leave room for 2 waves in flight`,
    );
  }
  return {
    sampleUs,
    resolutionUs: numberOption(def, 'stepResolutionUs', 1),
    pollUs: numberOption(def, 'pollUs', 2000),
    shape,
    maxStepRateHz: numberOption(def, 'maxStepRateHz', 200_000),
  };
}

/** A Raspberry Pi driven through pigpio. */
export class PigpioBoard extends BoardIo<PigpioInput, PigpioOutput, PigpioPwm> implements Board {
  readonly name: string;
  readonly capabilities: BoardCapabilities;
  readonly clock: Clock;
  private readonly settings: PigpioSettings;
  private stream: PigpioStepStream | undefined;
  private readonly motorPins = new Map<number, PigpioGpio>();
  private opened = false;

  constructor(
    private readonly def: BoardDefinition,
    private readonly options: BoardOptions,
    private readonly pigpio: PigpioModule,
    extras: PigpioBoardExtras = {},
  ) {
    super();
    this.name = def.name;
    this.settings = pigpioSettings(def);
    this.clock =
      extras.clock ?? (options.clock === 'virtual' ? new VirtualClock() : new RealClock());
    this.capabilities = {
      stepTiming: 'hardware',
      maxStepRateHz: this.settings.maxStepRateHz,
    };
  }

  async open(): Promise<void> {
    if (this.opened) return;
    const { pigpio, settings } = this;
    try {
      pigpio.configureClock(settings.sampleUs, pigpio.CLOCK_PCM);
      pigpio.initialize();
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      throw new HardwareUnavailableError(
        `board ${this.options.boardFile}: pigpio could not start (${reason}). ${INSTALL_HINT}`,
        'pigpio',
        this.options.boardFile,
        { cause: err },
      );
    }
    pigpio.waveClear();
    const motors: WaveMotor[] = this.def.motors.map((m) => ({
      stepPin: m.step.pin,
      stepActiveLow: m.step.activeLow,
      dirPin: m.dir.pin,
      dirActiveLow: m.dir.activeLow,
      pulseUs: m.pulseUs,
      dirSetupUs: m.dirSetupUs,
    }));
    const encoder = new WaveEncoder(motors, {
      resolutionUs: settings.resolutionUs,
      shape: settings.shape,
    });
    for (const m of motors) {
      for (const pin of [m.stepPin, m.dirPin]) {
        this.motorPins.set(pin, new pigpio.Gpio(pin, { mode: pigpio.Gpio.OUTPUT }));
      }
    }
    const writePin = (gpio: number, level: number): void => {
      this.motorPins.get(gpio)?.digitalWrite(level);
    };
    for (const [gpio, level] of encoder.reset()) writePin(gpio, level);
    const maxCbs = pigpio.waveGetMaxCbs();
    this.stream = new PigpioStepStream({
      pigpio,
      encoder,
      clock: this.clock,
      pollUs: settings.pollUs,
      maxWaves: wavesInFlight(settings.shape, maxCbs),
      writePin,
    });
    const ticks = new TickUnwrapper();
    for (const [role, input] of Object.entries(this.def.inputs) as Array<
      [InputRole, InputDef | undefined]
    >) {
      if (input !== undefined) this.inputs.set(role, new PigpioInput(role, input, pigpio, ticks));
    }
    for (const [role, pin] of Object.entries(this.def.outputs) as [
      OutputRole,
      PinDef | undefined,
    ][]) {
      if (pin !== undefined) this.outputs.set(role, new PigpioOutput(role, [pin], pigpio));
    }
    // Motor enable pins without an explicit 'enable' output switch together as one.
    // One GPIO per distinct pin: CNC HATs share one enable line between drivers.
    const enables = [
      ...new Map(
        this.def.motors.flatMap((m) =>
          m.enable !== undefined ? [[m.enable.pin, m.enable] as const] : [],
        ),
      ).values(),
    ];
    if (!this.outputs.has('enable') && enables.length > 0) {
      this.outputs.set('enable', new PigpioOutput('enable', enables, pigpio));
    }
    const spindle = this.def.pwm.spindle;
    if (spindle !== undefined) {
      this.pwms.set('spindle', new PigpioPwm('spindle', spindle.pin, spindle.frequencyHz, pigpio));
    }
    this.opened = true;
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.stream?.stop();
    this.stream?.dispose();
    this.allOff();
    for (const input of this.inputs.values()) input.release();
    this.pigpio.terminate();
    this.opened = false;
  }

  stepStream(): StepStream {
    if (this.stream === undefined) throw new Error(`board ${this.name} is not open`);
    return this.stream;
  }

  /** Control blocks one wave uses (diagnostics). */
  controlBlocksPerWave(): number {
    return controlBlocksPerWave(this.settings.shape);
  }
}

/** Opens a pigpio board on a given pigpio module (the real one, or a test's fake). */
export async function openPigpioBoard(
  def: BoardDefinition,
  options: BoardOptions,
  pigpio: PigpioModule,
  extras: PigpioBoardExtras = {},
): Promise<PigpioBoard> {
  const board = new PigpioBoard(def, options, pigpio, extras);
  await board.open();
  return board;
}

export const openBoard: BoardFactory = async (def, options) => {
  const pigpio = await loadNative<PigpioModule>('pigpio', options.boardFile, INSTALL_HINT);
  return openPigpioBoard(def, options, pigpio);
};
