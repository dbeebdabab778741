import { describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../hal/clock.js';
import { HardwareUnavailableError } from '../../../hal/native.js';
import { openBoard, openPigpioBoard, type PigpioBoard } from '../../../hal/pigpio/board.js';
import type { PigpioStepStream } from '../../../hal/pigpio/stream.js';
import type { BoardDefinition, StepChunk } from '../../../hal/types.js';
import { FakePigpio } from '../../fakes/pigpio.js';

const def: BoardDefinition = {
  name: 'test-pi',
  description: 'two motors on a Pi header',
  backend: 'pigpio',
  motors: [
    {
      step: { pin: 17, activeLow: false },
      dir: { pin: 27, activeLow: false },
      enable: { pin: 4, activeLow: true },
      pulseUs: 5,
      dirSetupUs: 10,
    },
    {
      step: { pin: 22, activeLow: false },
      dir: { pin: 23, activeLow: false },
      enable: { pin: 4, activeLow: true },
      pulseUs: 5,
      dirSetupUs: 10,
    },
  ],
  inputs: {
    limitX: { pin: 5, activeLow: true, pullUp: true, debounceUs: 200 },
    probe: { pin: 6, activeLow: false, pullUp: false, debounceUs: 50 },
  },
  outputs: { flood: { pin: 16, activeLow: false } },
  pwm: { spindle: { pin: 12, frequencyHz: 1000 } },
  options: {},
};

async function setup(options: BoardDefinition['options'] = {}): Promise<{
  clock: VirtualClock;
  fake: FakePigpio;
  board: PigpioBoard;
  stream: PigpioStepStream;
}> {
  const clock = new VirtualClock();
  const fake = new FakePigpio(() => clock.nowUs());
  const board = await openPigpioBoard(
    { ...def, options },
    { boardFile: 'boards/test-pi.yaml', clock: 'virtual' },
    fake.asModule(),
    { clock },
  );
  return { clock, fake, board, stream: board.stepStream() as PigpioStepStream };
}

/** A chunk with steps of the given motors every periodUs, all in direction +1. */
function evenChunk(
  durationUs: number,
  periodUs: number,
  motors: number[],
  endsAtRest: boolean,
): StepChunk {
  const times: number[] = [];
  const motor: number[] = [];
  for (let t = 0; t < durationUs; t += periodUs) {
    for (const m of motors) {
      times.push(t);
      motor.push(m);
    }
  }
  return {
    startUs: 0,
    durationUs,
    count: times.length,
    timeUs: Uint32Array.from(times),
    motor: Uint8Array.from(motor),
    dir: new Int8Array(times.length).fill(1),
    endsAtRest,
  };
}

describe('pigpio board', () => {
  it('configures the sample clock before initialising, and reports hardware timing', async () => {
    const { fake, board } = await setup({ sampleUs: 2 });
    const names = fake.calls.map((c) => c.fn);
    expect(names.indexOf('configureClock')).toBeLessThan(names.indexOf('initialize'));
    expect(fake.calls.find((c) => c.fn === 'configureClock')?.args).toEqual([2, fake.CLOCK_PCM]);
    expect(board.capabilities).toMatchObject({
      stepTiming: 'hardware',
    });
  });

  it('chains waves with ONE_SHOT then ONE_SHOT_SYNC and deletes each once played', async () => {
    const { clock, fake, stream } = await setup();
    const events: string[] = [];
    stream.on('idle', () => events.push('idle'));
    // 40 ms of two motors at 25 kHz each: several waves.
    stream.push(evenChunk(40_000, 40, [0, 1], true));
    clock.advanceUs(1);
    expect(fake.sends[0].mode).toBe(fake.WAVE_MODE_ONE_SHOT);
    clock.runUntil(() => events.includes('idle'), 1_000_000);
    expect(fake.sends.length).toBeGreaterThan(2);
    expect(fake.sends.slice(1).every((s) => s.mode === fake.WAVE_MODE_ONE_SHOT_SYNC)).toBe(true);
    expect(fake.deletes.length).toBe(fake.created.length);
    expect(Array.from(stream.positionSteps())).toEqual([1000, 1000]);
    // Rising edges of the step pins, back to back across waves: every 40 µs from the start.
    const rising = fake.playedEdges().filter((e) => e.gpio === 17 && e.level === 1);
    expect(rising.length).toBe(1000);
    const t0 = rising[0].timeUs;
    expect(rising.every((e, i) => e.timeUs - t0 === i * 40)).toBe(true);
  });

  it('streams 2 s at 100 kHz in a fixed control-block budget by reusing deleted waves', async () => {
    const { clock, fake, stream } = await setup();
    const chunks = 400; // 5 ms each
    let pushed = 0;
    let idle = false;
    const pushNext = (): void => {
      if (pushed < chunks) stream.push(evenChunk(5_000, 20, [0, 1], ++pushed === chunks));
    };
    stream.on('drain', () => {
      pushNext();
      pushNext();
    });
    stream.on('idle', () => (idle = true));
    for (let i = 0; i < 6; i++) pushNext();
    let maxInUse = 0;
    clock.runUntil(() => {
      maxInUse = Math.max(maxInUse, fake.controlBlocksInUse());
      return idle;
    }, 5_000_000);
    expect(idle).toBe(true);
    expect(Array.from(stream.positionSteps())).toEqual([100_000, 100_000]);
    expect(maxInUse).toBeLessThanOrEqual(8 * 3001);
    expect(new Set(fake.created.map((c) => c.id)).size).toBeLessThanOrEqual(8);
    expect(fake.created.length).toBeGreaterThan(100);
    expect(stream.irregularWaves).toBe(0);
    const rising = fake.playedEdges().filter((e) => e.gpio === 22 && e.level === 1);
    expect(rising.length).toBe(100_000);
    const t0 = rising[0].timeUs;
    expect(rising.every((e, i) => e.timeUs - t0 === i * 20)).toBe(true);
  });

  it('stop() counts exactly the steps whose rising edge was played', async () => {
    const { clock, fake, stream } = await setup();
    stream.push(evenChunk(50_000, 100, [0], false));
    clock.advanceUs(12_345);
    const queuedBefore = stream.queuedUs();
    expect(queuedBefore).toBeGreaterThan(30_000);
    const position = stream.stop();
    const played = fake.playedEdges().filter((e) => e.gpio === 17 && e.level === 1);
    expect(position[0]).toBe(played.length);
    expect(position[0]).toBeGreaterThan(100);
    expect(fake.calls.some((c) => c.fn === 'waveTxStop')).toBe(true);
    expect(fake.calls.some((c) => c.fn === 'waveClear')).toBe(true);
    // Step pins are left inactive after a stop.
    expect(fake.gpios.get(17)?.level).toBe(0);
    expect(stream.queuedUs()).toBe(0);
    // The stream runs again after a stop, from the stopped position.
    stream.push(evenChunk(2_000, 100, [0], true));
    clock.advanceUs(10_000);
    expect(stream.positionSteps()[0]).toBe(position[0] + 20);
  });

  it('reports an underrun when the queue runs dry before rest', async () => {
    const { clock, stream } = await setup();
    const events: string[] = [];
    stream.on('underrun', () => events.push('underrun'));
    stream.on('idle', () => events.push('idle'));
    stream.push(evenChunk(3_000, 100, [1], false));
    clock.advanceUs(100_000);
    expect(events).toEqual(['underrun', 'idle']);
    expect(stream.positionSteps()[1]).toBe(30);
  });

  it('inputs: alerts become change events with the tick, active-low inverted, glitch filter set', async () => {
    const { fake, board } = await setup();
    const limit = board.input('limitX')!;
    const gpio = fake.gpios.get(5)!;
    expect(gpio.pull).toBe(2); // PUD_UP
    expect(gpio.glitchUs).toBe(200);
    expect(limit.read()).toBe(false); // pulled up, active-low: inactive
    const changes: Array<[boolean, number]> = [];
    limit.on('change', (active, tick) => changes.push([active, tick]));
    gpio.simulateAlert(0, 0xfffffff0);
    gpio.simulateAlert(1, 0x10); // after the 32-bit wrap
    expect(changes).toEqual([
      [true, 0xfffffff0],
      [false, 0x100000010],
    ]);
    expect(fake.gpios.get(6)?.glitchUs).toBe(50);
  });

  it('outputs and enable pins honour active levels', async () => {
    const { fake, board } = await setup();
    expect(fake.gpios.get(4)?.level).toBe(1); // enable is active-low: off = high
    board.output('enable')!.write(true);
    expect(fake.gpios.get(4)?.level).toBe(0);
    board.output('flood')!.write(true);
    expect(fake.gpios.get(16)?.writes).toEqual([0, 1]);
  });

  it('spindle PWM uses software PWM: frequency from pigpio table, duty over the real range', async () => {
    const { fake, board } = await setup();
    const spindle = board.pwm('spindle')!;
    const gpio = fake.gpios.get(12)!;
    expect(spindle.frequencyHz()).toBe(1000);
    expect(gpio.pwmRangeValue).toBe(200); // 5 µs sample clock at 1 kHz
    spindle.setDuty(0.5);
    expect(gpio.pwmDuty).toBe(100);
    spindle.setFrequency(300); // nearest in pigpio's table at 5 µs: 320 Hz
    expect(spindle.frequencyHz()).toBe(320);
    expect(gpio.pwmRangeValue).toBe(625);
    expect(gpio.pwmDuty).toBe(313);
    spindle.setDuty(2);
    expect(gpio.pwmDuty).toBe(625);
    expect(fake.calls.some((c) => c.fn === 'hardwarePwmWrite')).toBe(false);
  });

  it('without a working pigpio, openBoard fails with a clear error naming package and board', async () => {
    const error = await openBoard(def, {
      boardFile: 'boards/rpi-stepstick.yaml',
      clock: 'real',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HardwareUnavailableError);
    const message = (error as Error).message;
    expect(message).toContain('pigpio');
    expect(message).toContain('boards/rpi-stepstick.yaml');
    expect(message).toContain('apt install pigpio');
  });

  it('refuses GPIO 0 in a wave and an unknown sample clock', async () => {
    const clock = new VirtualClock();
    const fake = new FakePigpio(() => clock.nowUs());
    const bad = { ...def, motors: [{ ...def.motors[0], step: { pin: 0, activeLow: false } }] };
    await expect(
      openPigpioBoard(bad, { boardFile: 'b.yaml', clock: 'virtual' }, fake.asModule(), { clock }),
    ).rejects.toThrow(/GPIO 0/);
    await expect(
      openPigpioBoard(
        { ...def, options: { sampleUs: 3 } },
        { boardFile: 'b.yaml', clock: 'virtual' },
        fake.asModule(),
        { clock },
      ),
    ).rejects.toThrow(/sampleUs 3/);
  });
});
