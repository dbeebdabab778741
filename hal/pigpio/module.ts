// The part of the npm `pigpio` package's API this backend uses, with the package's own names
// and argument conventions, so tests pass a recording fake and a Pi passes the real module.
import type { EventEmitter } from 'node:events';

/** One waveAddGeneric pulse: GPIO *numbers* (the binding shifts 1 << n itself; 0 = none). */
export interface PigpioPulse {
  gpioOn: number;
  gpioOff: number;
  usDelay: number;
}

export interface PigpioGpioOptions {
  mode?: number;
  pullUpDown?: number;
  alert?: boolean;
}

/** pigpio's Gpio: alerts are emitted as ('alert', level 0|1, tick µs uint32). */
export interface PigpioGpio extends EventEmitter {
  digitalWrite(level: number): unknown;
  digitalRead(): number;
  pwmWrite(dutyCycle: number): unknown;
  pwmRange(range: number): unknown;
  pwmFrequency(frequency: number): unknown;
  getPwmFrequency(): number;
  getPwmRealRange(): number;
  glitchFilter(steadyUs: number): unknown;
  enableAlert(): unknown;
  disableAlert(): unknown;
}

export interface PigpioGpioClass {
  new (gpio: number, options?: PigpioGpioOptions): PigpioGpio;
  readonly INPUT: number;
  readonly OUTPUT: number;
  readonly PUD_OFF: number;
  readonly PUD_UP: number;
}

export interface PigpioModule {
  Gpio: PigpioGpioClass;
  configureClock(microseconds: number, peripheral: number): void;
  readonly CLOCK_PCM: number;
  initialize(): void;
  terminate(): void;
  getTick(): number;
  waveClear(): void;
  waveAddGeneric(pulses: PigpioPulse[]): unknown;
  waveCreate(): number;
  waveDelete(waveId: number): void;
  waveTxSend(waveId: number, waveMode: number): unknown;
  /** Throws when no wave is on air (the binding turns 9998/9999 into errors). */
  waveTxAt(): number;
  waveTxBusy(): number;
  waveTxStop(): void;
  waveGetMaxCbs(): number;
  readonly WAVE_MODE_ONE_SHOT: number;
  readonly WAVE_MODE_ONE_SHOT_SYNC: number;
}
