import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../hal/clock.js';
import { openBoard, openI2cBoard } from '../../../hal/i2c/board.js';
import { HardwareUnavailableError } from '../../../hal/native.js';
import type { BoardDefinition, StepChunk } from '../../../hal/types.js';
import { FakeI2cBus, fakeI2cModule } from '../../fakes/i2c-bus.js';

const hat: BoardDefinition = {
  name: 'adafruit-motor-hat',
  description: 'test',
  backend: 'i2c',
  motors: [
    {
      step: { pin: -1, activeLow: false },
      dir: { pin: -1, activeLow: false },
      pulseUs: 2500,
      dirSetupUs: 0,
      coils: { pwmA: 8, ain2: 9, ain1: 10, pwmB: 13, bin2: 12, bin1: 11 },
    },
    {
      step: { pin: -1, activeLow: false },
      dir: { pin: -1, activeLow: false },
      pulseUs: 2500,
      dirSetupUs: 0,
      coils: { pwmA: 2, ain2: 3, ain1: 4, pwmB: 7, bin2: 6, bin1: 5 },
    },
  ],
  inputs: { limitX: { pin: 0, activeLow: true, pullUp: true, debounceUs: 0 } },
  outputs: { flood: { pin: 8, activeLow: false } },
  pwm: { spindle: { pin: -1, channel: 0, frequencyHz: 1600 } },
  options: {
    bus: 1,
    address: 0x60,
    pwmFrequencyHz: 1600,
    maxStepRateHz: 200,
    mcp23017Address: 0x20,
    pollUs: 1000,
  },
};

const noDelay = async (): Promise<void> => {};

function steps(count: number, periodUs: number, motor: number, dir: number): StepChunk {
  return {
    startUs: 0,
    durationUs: count * periodUs,
    count,
    timeUs: Uint32Array.from({ length: count }, (_, i) => i * periodUs),
    motor: new Uint8Array(count).fill(motor),
    dir: new Int8Array(count).fill(dir),
    endsAtRest: true,
  };
}

async function setup(): Promise<{
  clock: VirtualClock;
  bus: FakeI2cBus;
  board: Awaited<ReturnType<typeof openI2cBoard>>;
}> {
  const clock = new VirtualClock();
  const bus = new FakeI2cBus();
  bus.addDevice(0x60);
  const mcp = bus.addDevice(0x20);
  mcp.registers[0x12] = 0x01; // limit switch open (pulled up)
  const board = await openI2cBoard(
    hat,
    { boardFile: 'boards/adafruit-motor-hat.yaml', clock: 'virtual' },
    fakeI2cModule(new Map([[1, bus]])),
    {
      clock,
      delay: noDelay,
    },
  );
  return { clock, bus, board };
}

describe('i2c board (Motor HAT + MCP23017)', () => {
  it('states host timing and the step-rate cap', async () => {
    const { board } = await setup();
    expect(board.capabilities.stepTiming).toBe('host');
    expect(board.capabilities.maxStepRateHz).toBe(200); // the board file's cap, below the bus's 487
  });

  it('steps coils by host-timed I2C writes at the step times, counting position', async () => {
    const { clock, bus, board } = await setup();
    const stream = board.stepStream();
    const before = bus.writes(0x60, 0x06 + 4 * 3).length; // port 2 coil block (channels 3..6)
    stream.push(steps(10, 5000, 1, -1));
    clock.advanceUs(24_000);
    await board.queue.flush();
    expect(bus.writes(0x60, 0x06 + 4 * 3).length - before).toBe(5);
    clock.advanceUs(100_000);
    await board.queue.flush();
    expect(bus.writes(0x60, 0x06 + 4 * 3).length - before).toBe(10);
    expect(Array.from(stream.positionSteps())).toEqual([0, -10]);
    // Ten full steps back from phase 1: (1 - 20) mod 8 = 5.
    expect(board.coilSteppers()[1].phaseIndex()).toBe(5);
  });

  it('spindle PWM on PCA9685 channel 0; outputs and inputs on the MCP23017', async () => {
    const { clock, bus, board } = await setup();
    board.pwm('spindle')!.setDuty(0.75);
    board.output('flood')!.write(true);
    await board.queue.flush();
    expect(bus.writes(0x60, 0x06).at(-1)).toEqual([0x00, 0x00, 0x00, 0x0c]); // 3072
    expect(bus.writes(0x20, 0x15).at(-1)).toEqual([0x01]); // OLATB: pin 8
    const limit = board.input('limitX')!;
    expect(limit.read()).toBe(false);
    const seen: Array<[boolean, number]> = [];
    limit.on('change', (active, t) => seen.push([active, t]));
    bus.devices.get(0x20)!.registers[0x12] = 0x00; // switch closes: pin 0 low
    clock.advanceUs(1000);
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([[true, 1000]]);
    await board.close();
    expect(bus.closed).toBe(true);
  });

  it('a missing bus or chip is a clear error naming the board file', async () => {
    const clock = new VirtualClock();
    const opts = { boardFile: 'boards/adafruit-motor-hat.yaml', clock: 'virtual' as const };
    const noBus = await openI2cBoard(hat, opts, fakeI2cModule(new Map()), {
      clock,
      delay: noDelay,
    }).catch((e: unknown) => e);
    expect(noBus).toBeInstanceOf(HardwareUnavailableError);
    expect((noBus as Error).message).toMatch(
      /boards\/adafruit-motor-hat\.yaml: I2C bus 1 could not be opened/,
    );
    const empty = new FakeI2cBus();
    const noChip = await openI2cBoard(hat, opts, fakeI2cModule(new Map([[1, empty]])), {
      clock,
      delay: noDelay,
    }).catch((e: unknown) => e);
    expect((noChip as Error).message).toMatch(/no PCA9685 answered at 0x60/);
    const real = await openBoard(hat, { ...opts, clock: 'real' }).catch((e: unknown) => e);
    expect(real).toBeInstanceOf(HardwareUnavailableError);
    expect((real as Error).message).toContain('boards/adafruit-motor-hat.yaml');
  });
});
