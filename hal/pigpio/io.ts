// pigpio inputs, outputs and PWM. Inputs are pigpio alerts (level changes sampled by the DMA
// engine every sampleUs, stamped with pigpio's µs tick) behind pigpio's glitch filter.
// Spindle/laser PWM is pigpio's DMA software PWM (pwmWrite), not hardwarePwmWrite: starting
// a wave cancels hardware PWM on GPIO 12/13/18/19, and software PWM keeps running while
// waves play, between them and when the stream is idle. The price: its frequencies are a
// fixed table per sample clock (1 kHz at 5 µs gives 200 steps of duty), and power follows
// motion per chunk (as the machine sets it), not per step.
import { EventEmitter } from 'node:events';
import type {
  DigitalInput,
  DigitalInputEvents,
  DigitalOutput,
  InputDef,
  InputRole,
  OutputRole,
  PinDef,
  PwmOutput,
  PwmRole,
} from '../types.js';
import type { PigpioGpio, PigpioModule } from './module.js';

/** pigpio's glitch filter accepts at most this steady time, µs. */
export const MAX_GLITCH_FILTER_US = 300_000;

/** Extends pigpio's uint32 µs ticks (they wrap every 71.6 minutes) to a monotonic count. */
export class TickUnwrapper {
  private lastTick = -1;
  private highUs = 0;

  unwrap(tick: number): number {
    const t = tick >>> 0;
    if (this.lastTick >= 0 && t < this.lastTick && this.lastTick - t > 0x80000000) {
      this.highUs += 0x100000000;
    }
    this.lastTick = t;
    return this.highUs + t;
  }
}

/** A limit/probe/e-stop input: pigpio alerts with their ticks, active-low applied. */
export class PigpioInput extends EventEmitter<DigitalInputEvents> implements DigitalInput {
  private level: number;
  private readonly gpio: PigpioGpio;

  constructor(
    readonly role: InputRole,
    private readonly def: InputDef,
    pigpio: PigpioModule,
    ticks: TickUnwrapper,
  ) {
    super();
    const { Gpio } = pigpio;
    this.gpio = new Gpio(def.pin, {
      mode: Gpio.INPUT,
      pullUpDown: def.pullUp ? Gpio.PUD_UP : Gpio.PUD_OFF,
    });
    this.gpio.glitchFilter(Math.min(MAX_GLITCH_FILTER_US, Math.max(0, Math.round(def.debounceUs))));
    this.level = this.gpio.digitalRead();
    this.gpio.on('alert', (level: number, tick: number) => {
      if (level === this.level) return;
      this.level = level;
      this.emit('change', this.read(), ticks.unwrap(tick));
    });
    this.gpio.enableAlert();
  }

  read(): boolean {
    return this.def.activeLow ? this.level === 0 : this.level === 1;
  }

  /** Stops the alerts (board close). */
  release(): void {
    this.gpio.disableAlert();
    this.removeAllListeners();
  }
}

/** An on/off output on one or more GPIOs (several: every motor's enable pin). */
export class PigpioOutput implements DigitalOutput {
  private active = false;
  private readonly gpios: PigpioGpio[];

  constructor(
    readonly role: OutputRole,
    private readonly pins: PinDef[],
    pigpio: PigpioModule,
  ) {
    this.gpios = pins.map((p) => new pigpio.Gpio(p.pin, { mode: pigpio.Gpio.OUTPUT }));
    this.write(false);
  }

  write(active: boolean): void {
    this.active = active;
    this.pins.forEach((p, i) => this.gpios[i].digitalWrite(active !== p.activeLow ? 1 : 0));
  }

  read(): boolean {
    return this.active;
  }
}

/** Spindle or laser PWM through pigpio's DMA software PWM. */
export class PigpioPwm implements PwmOutput {
  private readonly gpio: PigpioGpio;
  private ratio = 0;
  private range = 255;
  private actualHz = 0;

  constructor(
    readonly role: PwmRole,
    pin: number,
    frequencyHz: number,
    pigpio: PigpioModule,
  ) {
    this.gpio = new pigpio.Gpio(pin, { mode: pigpio.Gpio.OUTPUT });
    this.setFrequency(frequencyHz);
  }

  /** pigpio picks the nearest frequency of its table; the range is set to its real range. */
  setFrequency(hz: number): void {
    if (!(hz > 0 && Number.isFinite(hz))) throw new RangeError(`PWM frequency ${hz} Hz is not > 0`);
    this.gpio.pwmFrequency(Math.round(hz));
    this.actualHz = this.gpio.getPwmFrequency();
    // Use every duty step pigpio has at this frequency (its real range), within 25..40000.
    this.range = Math.min(40_000, Math.max(25, this.gpio.getPwmRealRange()));
    this.gpio.pwmRange(this.range);
    this.setDuty(this.ratio);
  }

  setDuty(ratio: number): void {
    if (Number.isNaN(ratio)) throw new RangeError('PWM duty is NaN');
    this.ratio = Math.min(1, Math.max(0, ratio));
    this.gpio.pwmWrite(Math.round(this.ratio * this.range));
  }

  duty(): number {
    return this.ratio;
  }

  frequencyHz(): number {
    return this.actualHz;
  }
}
