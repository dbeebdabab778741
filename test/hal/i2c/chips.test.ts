import { describe, expect, it } from 'vitest';
import { I2cBusAdapter } from '../../../hal/i2c/bus.js';
import { CoilStepper, maxCoilStepRateHz } from '../../../hal/i2c/coil-stepper.js';
import { Mcp23017 } from '../../../hal/i2c/mcp23017.js';
import { Pca9685, prescaleFor } from '../../../hal/i2c/pca9685.js';
import { FakeI2cBus } from '../../fakes/i2c-bus.js';

const noDelay = async (): Promise<void> => {};

describe('PCA9685', () => {
  it('computes PRE_SCALE as round(25 MHz / 4096 f) - 1, clamped to 3..255', () => {
    expect(prescaleFor(1000)).toBe(5);
    expect(prescaleFor(50)).toBe(121);
    expect(prescaleFor(1600)).toBe(3);
    expect(prescaleFor(5000)).toBe(3);
    expect(prescaleFor(10)).toBe(255);
    expect(() => prescaleFor(0)).toThrow(RangeError);
  });

  it('init: totem pole, all off, then PRE_SCALE written only in SLEEP, then RESTART', async () => {
    const bus = new FakeI2cBus();
    bus.addDevice(0x40);
    const pca = new Pca9685(new I2cBusAdapter(bus), 0x40, noDelay);
    await pca.init(50);
    expect(bus.log.map((t) => [t.register, ...t.bytes])).toEqual([
      [0x01, 0x04], // MODE2 OUTDRV
      [0xfd, 0x10], // ALL_LED_OFF_H full off
      [0x00, 0x30], // MODE1 AI | SLEEP
      [0xfe, 121], // PRE_SCALE for 50 Hz
      [0x00, 0x20], // wake
      [0x00, 0xa0], // RESTART | AI
    ]);
    expect(pca.frequencyHz()).toBeCloseTo(25e6 / (4096 * 122), 6);
  });

  it('writes LEDn_ON/OFF with auto-increment, full-on and full-off bits at 1 and 0', async () => {
    const bus = new FakeI2cBus();
    bus.addDevice(0x60);
    const pca = new Pca9685(new I2cBusAdapter(bus), 0x60, noDelay);
    await pca.setDuty(3, 0.5);
    await pca.setDuty(0, 1);
    await pca.setDuty(15, 0);
    await pca.setDuty(1, 0.25);
    expect(bus.log.map((t) => [t.register, ...t.bytes])).toEqual([
      [0x12, 0x00, 0x00, 0x00, 0x08], // channel 3: off at 2048
      [0x06, 0x00, 0x10, 0x00, 0x00], // channel 0: full on
      [0x42, 0x00, 0x00, 0x00, 0x10], // channel 15: full off
      [0x0a, 0x00, 0x00, 0x00, 0x04], // channel 1: off at 1024
    ]);
  });
});

describe('MCP23017', () => {
  it('configures IODIR, GPPU, interrupt-on-change and drives outputs through OLAT', async () => {
    const bus = new FakeI2cBus();
    bus.addDevice(0x20);
    const mcp = new Mcp23017(new I2cBusAdapter(bus), 0x20);
    await mcp.configure(0x0103, 0x0001, 0x8000);
    await mcp.write(9, 1);
    await mcp.write(2, 1);
    expect(bus.writes(0x20)).toEqual([
      [0x00, 0x80], // OLATA/B: pin 15 starts high
      [0x03, 0x01], // IODIRA/B: pins 0, 1, 8 inputs
      [0x01, 0x00], // GPPUA/B: pull-up on pin 0
      [0x00, 0x00], // INTCON: compare with the previous level
      [0x03, 0x01], // GPINTEN on every input
      [0x82], // OLATB: pins 15 and 9
      [0x04], // OLATA: pin 2
    ]);
    expect(bus.log.filter((t) => t.op === 'write').map((t) => t.register)).toEqual([
      0x14, 0x00, 0x0c, 0x08, 0x04, 0x15, 0x14,
    ]);
    await expect(mcp.write(0, 1)).rejects.toThrow(/input/);
  });

  it('polls INTF/INTCAP so a pulse shorter than the poll is still reported', async () => {
    const bus = new FakeI2cBus();
    const chip = bus.addDevice(0x21, (register) => {
      if (register === 0x10) chip.registers.fill(0, 0x0e, 0x10); // reading INTCAP clears INTF
    });
    chip.registers[0x12] = 0x01; // pin 0 high (pulled up)
    const mcp = new Mcp23017(new I2cBusAdapter(bus), 0x21);
    await mcp.configure(0x0001, 0x0001);
    const changes: Array<[number, number, number]> = [];
    mcp.on('change', (pin, level, t) => changes.push([pin, level, t]));
    // The pin went low and back high between two polls: INTF flags it, INTCAP holds the low.
    chip.registers[0x0e] = 0x01;
    chip.registers[0x10] = 0x00;
    await mcp.poll(5000);
    expect(changes).toEqual([
      [0, 0, 5000],
      [0, 1, 5000],
    ]);
    expect(chip.registers[0x0e]).toBe(0);
    chip.registers[0x12] = 0x00; // now held low
    await mcp.poll(10_000);
    expect(changes.at(-1)).toEqual([0, 0, 10_000]);
    await mcp.poll(15_000);
    expect(changes.length).toBe(3);
  });
});

describe('coil stepper (Adafruit Motor HAT port 1)', () => {
  const port1 = { pwmA: 8, ain2: 9, ain1: 10, pwmB: 13, bin2: 12, bin1: 11 };

  it('energises PWMA/PWMB full on and steps the two-coil full-step sequence in one block write', async () => {
    const bus = new FakeI2cBus();
    bus.addDevice(0x60);
    const stepper = new CoilStepper(
      new Pca9685(new I2cBusAdapter(bus), 0x60, noDelay),
      port1,
      'full',
    );
    await stepper.energize();
    const on = [0x00, 0x10, 0x00, 0x00];
    const off = [0x00, 0x00, 0x00, 0x10];
    expect(bus.writes(0x60, 0x06 + 4 * 8)).toEqual([on]);
    expect(bus.writes(0x60, 0x06 + 4 * 13)).toEqual([on]);
    // Channels 9..12 = AIN2, AIN1, BIN1, BIN2 from register 0x2A.
    const block = (ain2: number[], ain1: number[], bin1: number[], bin2: number[]): number[] => [
      ...ain2,
      ...ain1,
      ...bin1,
      ...bin2,
    ];
    for (const dir of [1, 1, 1, 1, -1]) await stepper.step(dir);
    expect(bus.writes(0x60, 0x2a)).toEqual([
      block(off, on, on, off), // A+ B+
      block(on, off, on, off), // A- B+
      block(on, off, off, on), // A- B-
      block(off, on, off, on), // A+ B-
      block(off, on, on, off), // A+ B+ again after four steps
      block(off, on, off, on), // back one
    ]);
  });

  it('half-steps through single- and two-coil phases', async () => {
    const bus = new FakeI2cBus();
    bus.addDevice(0x60);
    const stepper = new CoilStepper(
      new Pca9685(new I2cBusAdapter(bus), 0x60, noDelay),
      port1,
      'half',
    );
    const phases: number[] = [];
    for (let i = 0; i < 8; i++) {
      await stepper.step(1);
      phases.push(stepper.phaseIndex());
    }
    expect(phases).toEqual([1, 2, 3, 4, 5, 6, 7, 0]);
    expect([...CoilStepper.levels(port1, 2)]).toEqual([
      [10, 0],
      [9, 0],
      [11, 1],
      [12, 0],
    ]);
  });

  it('caps the step rate by what the bus carries: one 18-byte write per step', () => {
    expect(maxCoilStepRateHz(100_000, [port1])).toBe(487);
    expect(maxCoilStepRateHz(400_000, [port1])).toBe(1951);
  });
});
