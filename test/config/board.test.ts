import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { bundledBoardNames, listBoards, loadBoard } from '../../src/config/board.js';
import { ConfigError } from '../../src/config/errors.js';

const dir = mkdtempSync(path.join(tmpdir(), 'minifactory-boards-'));

/** A valid pigpio board as plain data; tests break one thing at a time. */
function pigpioBoard(): Record<string, unknown> {
  const motor = (step: number, dir: number) => ({
    step: { pin: step },
    dir: { pin: dir },
    pulseUs: 5,
    dirSetupUs: 5,
  });
  return {
    description: 'test board',
    backend: 'pigpio',
    options: { sampleUs: 5 },
    motors: [motor(17, 27), motor(22, 23), motor(24, 25)],
    inputs: { limitX: { pin: 5, activeLow: true, pullUp: true, debounceUs: 500 } },
    outputs: { enable: { pin: 4, activeLow: true } },
    pwm: { spindle: { pin: 12, frequencyHz: 1000 } },
  };
}

function writeBoard(name: string, data: unknown): string {
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(file, typeof data === 'string' ? data : stringify(data));
  return file;
}

/** The ConfigError loading data raises, or fails the test. */
function refusal(name: string, data: unknown): ConfigError {
  const file = writeBoard(name, data);
  try {
    loadBoard(file);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error(`${name}: expected a ConfigError`);
}

describe('bundled boards', () => {
  it('has the required boards, each loading with three motors', () => {
    const names = bundledBoardNames();
    for (const required of [
      'sim',
      'rpi-stepstick',
      'protoneer-rpi-cnc',
      'rpi5-gpiochip',
      'adafruit-motor-hat',
      'arduino-cnc-shield-firmata',
    ]) {
      expect(names).toContain(required);
    }
    for (const name of names) {
      const def = loadBoard(name);
      expect(def.name).toBe(name);
      expect(def.motors).toHaveLength(3);
      expect(def.description.length).toBeGreaterThan(10);
    }
  });

  it('lists name, backend and description for every board', () => {
    const byName = new Map(listBoards().map((b) => [b.name, b.backend]));
    expect(byName.get('sim')).toBe('sim');
    expect(byName.get('rpi-stepstick')).toBe('pigpio');
    expect(byName.get('rpi5-gpiochip')).toBe('gpiochip');
    expect(byName.get('adafruit-motor-hat')).toBe('i2c');
    expect(byName.get('arduino-cnc-shield-firmata')).toBe('firmata');
  });

  it('resolves the CNC shield pin map and defaults', () => {
    const def = loadBoard('arduino-cnc-shield-firmata');
    expect(def.motors.map((m) => [m.step.pin, m.dir.pin])).toEqual([
      [2, 5],
      [3, 6],
      [4, 7],
    ]);
    expect(def.outputs.enable).toEqual({ pin: 8, activeLow: true });
    expect(def.pwm.spindle).toEqual({ pin: 11, frequencyHz: 490 });
    expect(def.options.port).toBe('/dev/ttyACM0');
  });

  it('resolves coil-driven motors with unwired step/dir and the HAT address', () => {
    const def = loadBoard('adafruit-motor-hat');
    expect(def.options.address).toBe(0x60);
    expect(def.motors[0].coils).toEqual({
      pwmA: 8,
      ain1: 10,
      ain2: 9,
      pwmB: 13,
      bin1: 11,
      bin2: 12,
    });
    expect(def.motors[0].step.pin).toBe(-1);
    expect(def.motors[2].coils?.address).toBe(0x61);
    expect(def.pwm.spindle).toEqual({ pin: 0, channel: 0, frequencyHz: 1600 });
  });

  it('fills defaults: activeLow false, pullUp false, debounce 0, options {}', () => {
    const data = pigpioBoard();
    data.inputs = { probe: { pin: 16 } };
    delete data.options;
    const def = loadBoard(writeBoard('defaults', data));
    expect(def.inputs.probe).toEqual({ pin: 16, activeLow: false, pullUp: false, debounceUs: 0 });
    expect(def.options).toEqual({});
    expect(def.name).toBe('defaults');
  });

  it('resolves a relative path against the given directory', () => {
    writeBoard('relative', pigpioBoard());
    expect(loadBoard('./relative.yaml', dir).backend).toBe('pigpio');
  });
});

describe('refused board files', () => {
  it('a pin outside the Pi header names the file, the key and the range', () => {
    const data = pigpioBoard();
    (data.motors as { step: { pin: number } }[])[1].step.pin = 28;
    const err = refusal('wrong-pin', data);
    expect(err.file).toMatch(/wrong-pin\.yaml$/);
    expect(err.problems).toEqual([
      {
        key: 'motors.1.step.pin',
        message: 'pin 28: expected a BCM GPIO number 2..27 (40-pin header)',
      },
    ]);
    expect(err.message).toContain('wrong-pin.yaml');
    expect(err.message).toContain('motors.1.step.pin');
  });

  it('GPIO 0 and 1 (ID EEPROM) are refused for pigpio', () => {
    const data = pigpioBoard();
    (data.inputs as Record<string, { pin: number }>).limitX.pin = 0;
    const err = refusal('id-eeprom', data);
    expect(err.problems[0].key).toBe('inputs.limitX.pin');
    expect(err.problems[0].message).toMatch(/GPIO 0 is reserved for the HAT ID EEPROM.*waves/);
  });

  it('a pin used twice names both keys', () => {
    const data = pigpioBoard();
    (data.pwm as Record<string, { pin: number }>).spindle.pin = 27;
    const err = refusal('twice', data);
    expect(err.problems).toEqual([
      { key: 'pwm.spindle.pin', message: 'pin 27 is already used by motors.0.dir.pin' },
    ]);
  });

  it('one enable line shared by every driver and the enable output is allowed', () => {
    const data = pigpioBoard();
    for (const m of data.motors as Record<string, unknown>[])
      m.enable = { pin: 4, activeLow: true };
    expect(loadBoard(writeBoard('shared-enable', data)).motors[2].enable?.pin).toBe(4);
  });

  it('an unknown backend', () => {
    const data = pigpioBoard();
    data.backend = 'parport';
    const err = refusal('backend', data);
    expect(err.problems).toHaveLength(1);
    expect(err.problems[0].key).toBe('backend');
    expect(err.problems[0].message).toMatch(/sim.*pigpio.*gpiochip.*i2c.*firmata/);
  });

  it('a missing motor, a motor without its step pin, an unknown key', () => {
    const data = pigpioBoard();
    (data.motors as unknown[]).pop();
    expect(refusal('two-motors', data).problems).toEqual([
      { key: 'motors', message: '3 motors: x (or CoreXY a), y (or CoreXY b), z' },
    ]);
    const noStep = pigpioBoard();
    delete (noStep.motors as Record<string, unknown>[])[2].step;
    expect(refusal('no-step', noStep).problems).toEqual([
      {
        key: 'motors.2.step',
        message: "required: the driver's step pin (or coils for a coil-driven motor)",
      },
    ]);
    const unknown = pigpioBoard();
    (unknown.inputs as Record<string, unknown>).limitW = { pin: 7 };
    expect(refusal('unknown-role', unknown).problems).toEqual([
      { key: 'inputs.limitW', message: 'unknown key' },
    ]);
  });

  it('firmata: the serial pins and a spindle PWM on a pin without PWM', () => {
    const data = loadBoardData('arduino-cnc-shield-firmata');
    (data.inputs as Record<string, { pin: number }>).probe.pin = 1;
    (data.pwm as Record<string, { pin: number }>).spindle.pin = 12;
    (data.inputs as Record<string, { pin: number }>).limitZ.pin = 17; // A3: flood's pin
    const err = refusal('firmata', data);
    expect(err.problems.map((p) => p.key)).toEqual([
      'inputs.probe.pin',
      'outputs.flood.pin',
      'pwm.spindle.pin',
    ]);
    expect(err.problems[1].message).toBe('pin 17 is already used by inputs.limitZ.pin');
    expect(err.problems[0].message).toMatch(/2\.\.19 \(D0\/D1 carry the Firmata serial link\)/);
    expect(err.problems[2].message).toMatch(/PWM-capable pin \(3, 5, 6, 9, 10, 11\)/);
  });

  it('i2c: a channel above 15; a coil channel shared on one chip, not across chips', () => {
    const high = loadBoardData('adafruit-motor-hat');
    (high.motors as { coils: Record<string, number> }[])[1].coils.pwmA = 16;
    expect(refusal('i2c-high', high).problems).toEqual([
      { key: 'motors.1.coils.pwmA', message: expect.stringMatching(/PCA9685 channel 0\.\.15/) },
    ]);
    const shared = loadBoardData('adafruit-motor-hat');
    // Motor 2 uses the same channels as motor 0 but on the second HAT (0x61): fine.
    // Moved onto the first HAT, every one of its channels collides.
    (shared.motors as { coils: Record<string, number> }[])[2].coils.address = 0x60;
    const err = refusal('i2c-shared', shared);
    expect(err.problems).toHaveLength(6);
    expect(err.problems[0]).toEqual({
      key: 'motors.2.coils.pwmA',
      message: 'pin 8 is already used by motors.0.coils.pwmA',
    });
  });

  it('backend options: pigpio sample clock, firmata port, i2c address', () => {
    const pigpio = pigpioBoard();
    pigpio.options = { sampleUs: 3 };
    expect(refusal('sample', pigpio).problems).toEqual([
      {
        key: 'options.sampleUs',
        message: "expected pigpio's sample clock in µs: one of 1, 2, 4, 5, 8, 10",
      },
    ]);
    const firmata = loadBoardData('arduino-cnc-shield-firmata');
    firmata.options = { mcu: 'nano' };
    expect(refusal('port', firmata).problems.map((p) => p.key)).toEqual([
      'options.port',
      'options.mcu',
    ]);
    const i2c = loadBoardData('adafruit-motor-hat');
    (i2c.options as Record<string, unknown>).address = 0x80;
    expect(refusal('address', i2c).problems).toEqual([
      { key: 'options.address', message: 'expected a 7-bit I2C address 0x03..0x77' },
    ]);
  });

  it('YAML syntax errors and unknown bundled names', () => {
    expect(refusal('syntax', 'motors: [\n').problems[0].message).toMatch(/YAML syntax/);
    expect(() => loadBoard('no-such-board')).toThrow(
      /unknown board "no-such-board": expected one of .*sim/,
    );
  });
});

/** A bundled board's YAML as plain data, to break in a test. */
function loadBoardData(name: string): Record<string, unknown> {
  const def = loadBoard(name);
  const { name: _name, ...rest } = def;
  return JSON.parse(
    JSON.stringify({
      ...rest,
      motors: def.motors.map((m) =>
        m.coils !== undefined
          ? { pulseUs: m.pulseUs, dirSetupUs: m.dirSetupUs, coils: m.coils }
          : m,
      ),
      pwm: Object.fromEntries(
        Object.entries(def.pwm).map(([role, p]) => [
          role,
          p.channel !== undefined ? { channel: p.channel, frequencyHz: p.frequencyHz } : p,
        ]),
      ),
    }),
  ) as Record<string, unknown>;
}
