// The parts of johnny-five and of its Firmata IO (firmata.js) the firmata backend uses,
// with the packages' own method names and argument conventions.
import type { EventEmitter } from 'node:events';

export interface FirmataPin {
  supportedModes: number[];
  mode?: number;
  value?: number;
}

export interface FirmataIo extends EventEmitter {
  readonly MODES: {
    INPUT: number;
    OUTPUT: number;
    PWM: number;
    STEPPER: number;
    PULLUP: number;
  };
  readonly STEPPER: { TYPE: { DRIVER: number }; STEP_SIZE: { WHOLE: number } };
  readonly RESOLUTION: { PWM: number | null };
  readonly pins: FirmataPin[];
  readonly transport?: { close?: (callback?: () => void) => void } | null;
  pinMode(pin: number, mode: number): void;
  digitalWrite(pin: number, value: number): void;
  pwmWrite(pin: number, value: number): void;
  digitalRead(pin: number, callback: (value: number) => void): void;
  accelStepperConfig(options: {
    deviceNum: number;
    type: number;
    stepSize: number;
    motorPin1: number;
    motorPin2: number;
    invertPins?: number[];
  }): void;
  accelStepperAcceleration(deviceNum: number, acceleration: number): void;
  accelStepperSpeed(deviceNum: number, speed: number): void;
  accelStepperStep(deviceNum: number, steps: number, callback?: (position: number) => void): void;
  accelStepperStop(deviceNum: number): void;
  accelStepperReportPosition(deviceNum: number, callback?: (position: number) => void): void;
}

/** johnny-five's Board: emits 'ready' and 'error'; io is the Firmata instance. */
export interface JohnnyFiveBoard extends EventEmitter {
  readonly io: FirmataIo;
}

export interface JohnnyFiveBoardOptions {
  port?: string;
  io?: FirmataIo;
  repl: false;
  debug: false;
  /** johnny-five installs a SIGINT handler that exits the process unless this is false. */
  sigint: false;
  timeout?: number;
}

export interface JohnnyFiveModule {
  Board: new (options: JohnnyFiveBoardOptions) => JohnnyFiveBoard;
}
