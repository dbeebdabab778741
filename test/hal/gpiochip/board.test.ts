import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VirtualClock } from '../../../hal/clock.js';
import { openBoard, openGpiochipBoard } from '../../../hal/gpiochip/board.js';
import { pickGpioChip } from '../../../hal/gpiochip/chip.js';
import { HardwareUnavailableError } from '../../../hal/native.js';
import type { BoardDefinition, StepChunk } from '../../../hal/types.js';
import { FakeOnoff } from '../../fakes/onoff.js';

const def: BoardDefinition = {
  name: 'rpi5-gpiochip',
  description: 'test',
  backend: 'gpiochip',
  motors: [
    {
      step: { pin: 17, activeLow: false },
      dir: { pin: 27, activeLow: false },
      enable: { pin: 4, activeLow: true },
      pulseUs: 5,
      dirSetupUs: 5,
    },
  ],
  inputs: { limitX: { pin: 5, activeLow: true, pullUp: true, debounceUs: 500 } },
  outputs: { flood: { pin: 11, activeLow: false } },
  pwm: { spindle: { pin: 12, frequencyHz: 1000 } },
  options: { chipLabel: 'pinctrl-rp1', maxStepRateHz: 2000 },
};

let root: string;

async function chip(dir: string, label: string, base: number, ngpio: number): Promise<void> {
  await mkdir(join(root, 'gpio', dir), { recursive: true });
  await writeFile(join(root, 'gpio', dir, 'label'), `${label}\n`);
  await writeFile(join(root, 'gpio', dir, 'base'), `${base}\n`);
  await writeFile(join(root, 'gpio', dir, 'ngpio'), `${ngpio}\n`);
}

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'minifactory-sysfs-'));
  await chip('gpiochip512', 'gpio-brcmstb@107d508500', 512, 32);
  await chip('gpiochip571', 'pinctrl-rp1', 571, 54);
  await mkdir(join(root, 'pwm', 'pwmchip2', 'pwm0'), { recursive: true });
  await writeFile(join(root, 'pwm', 'pwmchip2', 'npwm'), '4\n');
});

afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function setup(): Promise<{
  clock: VirtualClock;
  fake: FakeOnoff;
  board: Awaited<ReturnType<typeof openGpiochipBoard>>;
}> {
  const clock = new VirtualClock();
  const fake = new FakeOnoff(() => clock.nowUs());
  const board = await openGpiochipBoard(
    def,
    { boardFile: 'boards/rpi5-gpiochip.yaml', clock: 'virtual' },
    fake.asModule(),
    {
      clock,
      sysfsGpioRoot: join(root, 'gpio'),
      sysfsPwmRoot: join(root, 'pwm'),
      spinUs: () => {},
    },
  );
  return { clock, fake, board };
}

describe('gpiochip board (onoff, sysfs)', () => {
  it('offsets every GPIO by the controller base found by label (kernel 6.6+)', async () => {
    const { fake, board } = await setup();
    expect(board.gpioChip()?.base).toBe(571);
    expect([...fake.gpios.keys()].sort((a, b) => a - b)).toEqual([
      571 + 4,
      571 + 5,
      571 + 11,
      571 + 17,
      571 + 27,
    ]);
    expect(fake.gpios.get(571 + 5)?.edge).toBe('both');
    expect(fake.gpios.get(571 + 5)?.options?.debounceTimeout).toBe(1);
  });

  it('emits host-timed steps at their times: direction first, pulse, position counted', async () => {
    const { clock, fake, board } = await setup();
    const stream = board.stepStream();
    const chunk: StepChunk = {
      startUs: 0,
      durationUs: 10_000,
      count: 3,
      timeUs: Uint32Array.of(1000, 2000, 3000),
      motor: Uint8Array.of(0, 0, 0),
      dir: Int8Array.of(1, -1, -1),
      endsAtRest: true,
    };
    stream.push(chunk);
    clock.advanceUs(20_000);
    const step = fake.gpios.get(571 + 17)!;
    const dir = fake.gpios.get(571 + 27)!;
    expect(step.writes.slice(1)).toEqual([
      { value: 1, atUs: 1000 },
      { value: 0, atUs: 1000 },
      { value: 1, atUs: 2000 },
      { value: 0, atUs: 2000 },
      { value: 1, atUs: 3000 },
      { value: 0, atUs: 3000 },
    ]);
    expect(dir.writes).toEqual([
      { value: 1, atUs: 0 }, // +1 at open
      { value: 0, atUs: 2000 }, // reversal before the second step
    ]);
    expect(Array.from(stream.positionSteps())).toEqual([-1]);
    expect(board.capabilities).toMatchObject({ stepTiming: 'host', maxStepRateHz: 2000 });
  });

  it('inputs report changes with active-low applied; outputs and enable honour levels', async () => {
    const { clock, fake, board } = await setup();
    const limit = board.input('limitX')!;
    const seen: Array<[boolean, number]> = [];
    limit.on('change', (a, t) => seen.push([a, t]));
    const pin = fake.gpios.get(571 + 5)!;
    pin.set(1); // switch open, pulled up
    clock.advanceUs(500);
    pin.set(0); // closes
    pin.set(0); // no change, no event
    expect(seen).toEqual([
      [false, 0],
      [true, 500],
    ]);
    expect(limit.read()).toBe(true);
    expect(fake.gpios.get(571 + 4)?.value).toBe(1); // enable active-low: off
    board.output('enable')!.write(true);
    expect(fake.gpios.get(571 + 4)?.value).toBe(0);
    board.output('flood')!.write(true);
    expect(fake.gpios.get(571 + 11)?.value).toBe(1);
  });

  it('spindle PWM through sysfs: period and duty in ns, enabled', async () => {
    const { board } = await setup();
    const pwm = board.pwm('spindle')!;
    pwm.setDuty(0.25);
    await (pwm as unknown as { settled(): Promise<void> }).settled();
    const channel = join(root, 'pwm', 'pwmchip2', 'pwm0');
    expect(await readFile(join(channel, 'period'), 'utf8')).toBe('1000000');
    expect(await readFile(join(channel, 'duty_cycle'), 'utf8')).toBe('250000');
    expect(await readFile(join(channel, 'enable'), 'utf8')).toBe('1');
    await board.close();
    expect(await readFile(join(channel, 'enable'), 'utf8')).toBe('0');
  });

  it('picks a Pi header controller without a label, and names what it found otherwise', () => {
    const chips = [
      { name: 'gpiochip512', label: 'gpio-brcmstb', base: 512, ngpio: 32 },
      { name: 'gpiochip571', label: 'pinctrl-rp1', base: 571, ngpio: 54 },
    ];
    expect(pickGpioChip(chips, undefined).base).toBe(571);
    expect(() => pickGpioChip(chips, 'pinctrl-bcm2711')).toThrow(
      /gpiochip512 "gpio-brcmstb" base 512/,
    );
  });

  it('without the package or sysfs: a clear error naming the board file', async () => {
    const error = await openBoard(def, {
      boardFile: 'boards/rpi5-gpiochip.yaml',
      clock: 'real',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HardwareUnavailableError);
    expect((error as Error).message).toContain('boards/rpi5-gpiochip.yaml');
    const clock = new VirtualClock();
    const missing = await openGpiochipBoard(
      def,
      { boardFile: 'b.yaml', clock: 'virtual' },
      new FakeOnoff(() => 0).asModule(),
      {
        clock,
        sysfsGpioRoot: join(root, 'nowhere'),
      },
    ).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/no usable GPIO controller/);
  });
});
