import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../hal/clock.js';
import { openBoard, openFirmataBoard } from '../../../hal/firmata/board.js';
import { HardwareUnavailableError } from '../../../hal/native.js';
import type { JohnnyFiveModule } from '../../../hal/firmata/io.js';
import type { BoardDefinition, StepChunk } from '../../../hal/types.js';
import { recordingFirmata, type RecordingFirmata } from '../../fakes/firmata.js';

const five = createRequire(import.meta.url)('johnny-five') as JohnnyFiveModule;

const def: BoardDefinition = {
  name: 'arduino-cnc-shield-firmata',
  description: 'test',
  backend: 'firmata',
  motors: [
    {
      step: { pin: 2, activeLow: false },
      dir: { pin: 5, activeLow: false },
      pulseUs: 2,
      dirSetupUs: 1,
    },
    {
      step: { pin: 3, activeLow: false },
      dir: { pin: 6, activeLow: true },
      pulseUs: 2,
      dirSetupUs: 1,
    },
  ],
  inputs: { limitX: { pin: 9, activeLow: true, pullUp: true, debounceUs: 500 } },
  outputs: { enable: { pin: 8, activeLow: true } },
  pwm: { spindle: { pin: 11, frequencyHz: 490 } },
  options: { port: '/dev/ttyACM0', baudRate: 57600, maxStepRateHz: 4000 },
};

const SYSEX = 0xf0;
const END = 0xf7;
const ACCEL = 0x62;

function chunk(events: Array<[number, number, number]>, durationUs: number): StepChunk {
  return {
    startUs: 0,
    durationUs,
    count: events.length,
    timeUs: Uint32Array.from(events, (e) => e[0]),
    motor: Uint8Array.from(events, (e) => e[1]),
    dir: Int8Array.from(events, (e) => e[2]),
    endsAtRest: true,
  };
}

async function setup(stepperPins: number[]): Promise<{
  clock: VirtualClock;
  fw: RecordingFirmata;
  board: Awaited<ReturnType<typeof openFirmataBoard>>;
}> {
  const clock = new VirtualClock();
  const fw = recordingFirmata(stepperPins);
  const board = await openFirmataBoard(
    def,
    { boardFile: 'boards/arduino-cnc-shield-firmata.yaml', clock: 'virtual' },
    five,
    {
      clock,
      io: fw.io,
    },
  );
  return { clock, fw, board };
}

describe('firmata board (johnny-five + firmata.js, recorded serial bytes)', () => {
  it('sets pin modes and drives outputs, pull-up inputs and PWM with Firmata messages', async () => {
    const { fw, board } = await setup([]);
    expect(fw.sent).toContainEqual([0xf4, 9, 0x0b]); // SET_PIN_MODE 9 PULLUP
    expect(fw.sent).toContainEqual([0xd1, 1]); // REPORT_DIGITAL port 1 on
    expect(fw.sent).toContainEqual([0xf4, 8, 0x01]); // enable pin OUTPUT
    expect(fw.sent).toContainEqual([0xf4, 11, 0x03]); // spindle PWM
    fw.sent.length = 0;
    board.output('enable')!.write(true); // active-low: pin 8 low
    board.pwm('spindle')!.setDuty(0.5);
    expect(fw.sent).toEqual([
      [0x91, 0x00, 0x00], // DIGITAL_MESSAGE port 1: pin 8 low
      [0xe0 | 11, 0x00, 0x01], // ANALOG_MESSAGE pin 11: 128
    ]);
  });

  it('reports input changes from DIGITAL_MESSAGE, active-low applied, glitches filtered', async () => {
    const { clock, fw, board } = await setup([]);
    const limit = board.input('limitX')!;
    const seen: Array<[boolean, number]> = [];
    limit.on('change', (a, t) => seen.push([a, t]));
    fw.receive([0x91, 0x02, 0x00]); // port 1: pin 9 high (open, pulled up)
    clock.advanceUs(700);
    fw.receive([0x91, 0x00, 0x00]); // pin 9 low: switch closed...
    clock.advanceUs(200);
    fw.receive([0x91, 0x02, 0x00]); // ...a 200 µs glitch, under the 500 µs filter
    clock.advanceUs(1000);
    expect(seen).toEqual([]);
    fw.receive([0x91, 0x00, 0x00]); // closed for good at 1900 µs
    clock.advanceUs(499);
    expect(seen).toEqual([]);
    clock.advanceUs(1);
    expect(seen).toEqual([[true, 1900]]);
    expect(limit.read()).toBe(true);
  });

  it('without AccelStepper in the firmware: host-timed digital writes, capped by the link', async () => {
    const { clock, fw, board } = await setup([]);
    expect(board.capabilities).toMatchObject({ stepTiming: 'host', maxStepRateHz: 480 });
    fw.sent.length = 0;
    const stream = board.stepStream();
    stream.push(
      chunk(
        [
          [1000, 0, 1],
          [3000, 1, -1],
        ],
        5000,
      ),
    );
    clock.advanceUs(10_000);
    // Port 0 bits: step X = pin 2, step Y = pin 3, dir X = pin 5 (high: +1), dir Y = pin 6
    // (active-low: low for +1, high for -1).
    expect(fw.sent).toEqual([
      [0x90, 0x24, 0x00], // step X high
      [0x90, 0x20, 0x00], // step X low
      [0x90, 0x60, 0x00], // dir Y to -1, before its step
      [0x90, 0x68, 0x00], // step Y high
      [0x90, 0x60, 0x00], // step Y low
    ]);
    expect(Array.from(stream.positionSteps())).toEqual([1, -1]);
  });

  it('with AccelStepperFirmata: configures drivers and sends one constant-speed move per chunk', async () => {
    const { clock, fw, board } = await setup([2, 3]);
    expect(board.capabilities).toMatchObject({ stepTiming: 'mcu', maxStepRateHz: 4000 });
    // STEPPER_CONFIG: device, interface DRIVER (1 << 4), step pin, dir pin, inverted pins.
    expect(fw.sent).toContainEqual([SYSEX, ACCEL, 0x00, 0, 0x10, 2, 5, 0x00, END]);
    expect(fw.sent).toContainEqual([SYSEX, ACCEL, 0x00, 1, 0x10, 3, 6, 0x02, END]);
    fw.sent.length = 0;
    const stream = board.stepStream();
    const events: Array<[number, number, number]> = [];
    for (let i = 0; i < 20; i++) events.push([i * 500, 0, 1]);
    for (let i = 0; i < 5; i++) events.push([i * 2000 + 1, 1, -1]);
    events.sort((a, b) => a[0] - b[0]);
    stream.push(chunk(events, 10_000));
    const moves = fw.sent.filter((m) => m[2] === 0x02);
    expect(moves).toEqual([
      [SYSEX, ACCEL, 0x02, 0, 20, 0, 0, 0, 0, END], // 20 steps
      [SYSEX, ACCEL, 0x02, 1, 5, 0, 0, 0, 0x08, END], // -5 steps
    ]);
    expect(fw.sent.filter((m) => m[2] === 0x09).map((m) => m[3])).toEqual([0, 1]); // speeds set first
    clock.advanceUs(4_000);
    expect(stream.positionSteps()[0]).toBe(9); // steps due at 0, 500, ... 4000 µs
    fw.sent.length = 0;
    const estimate = stream.stop();
    expect(Array.from(estimate)).toEqual([9, -2]);
    expect(fw.sent).toEqual([
      [SYSEX, ACCEL, 0x05, 0, END],
      [SYSEX, ACCEL, 0x05, 1, END],
      [SYSEX, ACCEL, 0x06, 0, END],
      [SYSEX, ACCEL, 0x06, 1, END],
    ]);
    // The MCU answers with its own counts, which replace the host's estimate.
    fw.receive([SYSEX, ACCEL, 0x06, 0, 10, 0, 0, 0, 0, END]);
    fw.receive([SYSEX, ACCEL, 0x06, 1, 2, 0, 0, 0, 0x08, END]);
    expect(Array.from(stream.positionSteps())).toEqual([10, -2]);
  });

  it('a port that does not open is a clear error naming the port and the board file', async () => {
    const error = await openBoard(
      { ...def, options: { port: '/dev/ttyNOPE', timeoutMs: 2000 } },
      { boardFile: 'boards/arduino-cnc-shield-firmata.yaml', clock: 'real' },
    ).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HardwareUnavailableError);
    expect((error as Error).message).toMatch(
      /^board boards\/arduino-cnc-shield-firmata\.yaml: could not connect on \/dev\/ttyNOPE \((?!\[object)/,
    );
  });

  it('refuses a firmata board without a port', async () => {
    const clock = new VirtualClock();
    const noPort = { ...def, options: {} };
    await expect(
      openFirmataBoard(noPort, { boardFile: 'boards/x.yaml', clock: 'virtual' }, five, { clock }),
    ).rejects.toThrow(/needs options.port/);
  });
});
