import { describe, expect, it } from 'vitest';
import {
  WaveEncoder,
  wavePulses,
  type EncodedWave,
  type WaveMotor,
} from '../../../hal/pigpio/encoder.js';
import {
  DEFAULT_WAVE_SHAPE,
  MAX_PULSES_PER_WAVE,
  MAX_PULSE_DELAY_US,
  type WaveShape,
} from '../../../hal/pigpio/limits.js';
import type { StepChunk } from '../../../hal/types.js';

const X: WaveMotor = {
  stepPin: 17,
  stepActiveLow: false,
  dirPin: 27,
  dirActiveLow: false,
  pulseUs: 5,
  dirSetupUs: 10,
};
const Y: WaveMotor = {
  stepPin: 22,
  stepActiveLow: false,
  dirPin: 23,
  dirActiveLow: false,
  pulseUs: 5,
  dirSetupUs: 10,
};
const Z: WaveMotor = {
  stepPin: 24,
  stepActiveLow: true,
  dirPin: 25,
  dirActiveLow: true,
  pulseUs: 2,
  dirSetupUs: 1,
};

function chunk(
  events: Array<[number, number, number]>,
  durationUs: number,
  endsAtRest = true,
): StepChunk {
  return {
    startUs: 0,
    durationUs,
    count: events.length,
    timeUs: Uint32Array.from(events, (e) => e[0]),
    motor: Uint8Array.from(events, (e) => e[1]),
    dir: Int8Array.from(events, (e) => e[2]),
    endsAtRest,
  };
}

/** The real level changes of a wave (pad writes dropped): [µs from wave start, gpio, level]. */
function edges(wave: EncodedWave, levels: Map<number, number>): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  let t = 0;
  for (const p of wavePulses(wave)) {
    for (const [gpio, level] of [
      [p.gpioOn, 1],
      [p.gpioOff, 0],
    ] as const) {
      if (gpio !== 0 && levels.get(gpio) !== level) {
        levels.set(gpio, level);
        out.push([t, gpio, level]);
      }
    }
    t += p.usDelay;
  }
  return out;
}

function startLevels(motors: WaveMotor[]): Map<number, number> {
  const m = new Map<number, number>();
  for (const motor of motors) {
    m.set(motor.stepPin, motor.stepActiveLow ? 1 : 0);
    m.set(motor.dirPin, motor.dirActiveLow ? 0 : 1);
  }
  return m;
}

/** Pin pulses (a GPIO set or cleared) and delay pulses of a wave. */
function shapeOf(wave: EncodedWave): WaveShape {
  let pinPulses = 0;
  let delayPulses = 0;
  for (const p of wavePulses(wave)) {
    expect(p.gpioOn !== 0 && p.gpioOff !== 0).toBe(false); // one GPIO per pulse
    if (p.gpioOn !== 0 || p.gpioOff !== 0) pinPulses++;
    if (p.usDelay > 0) delayPulses++;
    expect(p.usDelay).toBeLessThanOrEqual(MAX_PULSE_DELAY_US);
  }
  return { pinPulses, delayPulses };
}

function drain(encoder: WaveEncoder): EncodedWave[] {
  const waves: EncodedWave[] = [];
  for (;;) {
    const w = encoder.takeWave('flush');
    if (w === undefined) return waves;
    waves.push(w);
  }
}

describe('WaveEncoder', () => {
  it('pads a one-step wave to the exact shape with redundant writes, edges unmoved', () => {
    const shape = { pinPulses: 6, delayPulses: 6 };
    const enc = new WaveEncoder([X], { resolutionUs: 1, shape });
    enc.push(chunk([[100, 0, 1]], 200));
    const wave = enc.takeWave('flush');
    expect(wave).toBeDefined();
    // Step on GPIO 17 at 100 µs for 5 µs; dir pin 27 (already high for +1) rewritten as padding.
    expect(wavePulses(wave!)).toEqual([
      { gpioOn: 0, gpioOff: 0, usDelay: 97 },
      { gpioOn: 27, gpioOff: 0, usDelay: 1 },
      { gpioOn: 27, gpioOff: 0, usDelay: 1 },
      { gpioOn: 27, gpioOff: 0, usDelay: 1 },
      { gpioOn: 17, gpioOff: 0, usDelay: 5 },
      { gpioOn: 0, gpioOff: 17, usDelay: 95 },
      { gpioOn: 27, gpioOff: 0, usDelay: 0 },
    ]);
    expect(wave!.durationUs).toBe(200);
    expect(shapeOf(wave!)).toEqual(shape);
    expect(Array.from(wave!.stepUs)).toEqual([100]);
  });

  it('sets a changed direction dirSetupUs before the step and holds the pulse pulseUs', () => {
    const enc = new WaveEncoder([X, Y], { resolutionUs: 1, shape: DEFAULT_WAVE_SHAPE });
    enc.push(
      chunk(
        [
          [50, 0, -1],
          [80, 0, -1],
          [2000, 0, 1],
        ],
        3000,
      ),
    );
    const [wave] = drain(enc);
    expect(edges(wave, startLevels([X, Y]))).toEqual([
      [40, 27, 0], // dir low for -1, 10 µs ahead
      [50, 17, 1],
      [55, 17, 0],
      [80, 17, 1], // same direction: no dir edge
      [85, 17, 0],
      [1990, 27, 1],
      [2000, 17, 1],
      [2005, 17, 0],
    ]);
    expect(shapeOf(wave)).toEqual(DEFAULT_WAVE_SHAPE);
  });

  it('puts simultaneous edges in consecutive zero-delay pulses, one GPIO each', () => {
    const enc = new WaveEncoder([X, Y, Z], { resolutionUs: 1, shape: DEFAULT_WAVE_SHAPE });
    enc.push(
      chunk(
        [
          [20, 0, 1],
          [20, 1, 1],
          [20, 2, 1],
        ],
        2000,
      ),
    );
    const [wave] = drain(enc);
    const pulses = wavePulses(wave);
    const at = pulses.findIndex((p) => p.gpioOn === 17);
    // Z is active-low: its step is a clear of GPIO 24; its pulse is 2 µs.
    expect(pulses.slice(at, at + 3).map((p) => [p.gpioOn, p.gpioOff, p.usDelay > 0])).toEqual([
      [17, 0, false],
      [22, 0, false],
      [0, 24, true],
    ]);
    expect(edges(wave, startLevels([X, Y, Z]))).toEqual([
      [20, 17, 1],
      [20, 22, 1],
      [20, 24, 0],
      [22, 24, 1],
      [25, 17, 0],
      [25, 22, 0],
    ]);
  });

  it('rounds step times to the resolution on the absolute timeline, widths up', () => {
    const motor = { ...X, pulseUs: 3, dirSetupUs: 4 };
    const enc = new WaveEncoder([motor], { resolutionUs: 5, shape: DEFAULT_WAVE_SHAPE });
    enc.push(chunk([[12, 0, 1]], 1001, false)); // 12 -> 10
    enc.push(chunk([[1, 0, -1]], 2000)); // 1002 -> 1000, dir at 995 (setup 4 -> 5)
    const [wave] = drain(enc);
    expect(edges(wave, startLevels([motor]))).toEqual([
      [10, 17, 1],
      [15, 17, 0],
      [995, 27, 0],
      [1000, 17, 1],
      [1005, 17, 0],
    ]);
  });

  it('splits a chunk when the wave budget is used up, losing no step or µs', () => {
    const shape = { pinPulses: 20, delayPulses: 20 };
    const enc = new WaveEncoder([X], { resolutionUs: 1, shape });
    const events: Array<[number, number, number]> = [];
    for (let i = 0; i < 30; i++) events.push([10 + 40 * i, 0, 1]);
    enc.push(chunk(events, 1300));
    const waves = drain(enc);
    expect(waves.length).toBeGreaterThan(2);
    let t = 0;
    const all: number[] = [];
    for (const w of waves) {
      expect(w.startUs).toBe(t);
      expect(shapeOf(w)).toEqual(shape);
      for (const s of w.stepUs) all.push(w.startUs + s);
      t += w.durationUs;
    }
    expect(t).toBe(1300);
    expect(all).toEqual(events.map((e) => e[0]));
  });

  it('keeps every wave of a 200 kHz three-motor stream under 12,000 pulses and in shape', () => {
    const enc = new WaveEncoder([X, Y, Z], { resolutionUs: 1, shape: DEFAULT_WAVE_SHAPE });
    const events: Array<[number, number, number]> = [];
    for (let i = 0; i < 2000; i++) events.push([i * 5, i % 3, 1]); // 200,000 steps/s
    enc.push(chunk(events, 10_000));
    const waves = drain(enc);
    let steps = 0;
    for (const w of waves) {
      expect(w.pulseCount).toBeLessThanOrEqual(MAX_PULSES_PER_WAVE);
      expect(w.regular).toBe(true);
      expect(shapeOf(w)).toEqual(DEFAULT_WAVE_SHAPE);
      steps += w.stepCount;
    }
    expect(steps).toBe(2000);
  });

  it('with the largest shape pigpio allows, splits dense motion into waves of <= 12,000 pulses', () => {
    const shape = { pinPulses: 6000, delayPulses: 6000 };
    const enc = new WaveEncoder([X, Y], { resolutionUs: 1, shape });
    const events: Array<[number, number, number]> = [];
    for (let i = 0; i < 10_000; i++) events.push([i * 4, i % 2, 1]);
    enc.push(chunk(events, 40_000));
    const waves = drain(enc);
    expect(waves.length).toBeGreaterThanOrEqual(4);
    for (const w of waves) {
      expect(w.pulseCount).toBeLessThanOrEqual(MAX_PULSES_PER_WAVE);
      expect(shapeOf(w)).toEqual(shape);
    }
    expect(waves.reduce((n, w) => n + w.stepCount, 0)).toBe(10_000);
  });

  it('splits long gaps into delays of at most 16,383 µs and keeps the wave length', () => {
    const enc = new WaveEncoder([X], { resolutionUs: 1, shape: DEFAULT_WAVE_SHAPE });
    enc.push(chunk([[50_000, 0, 1]], 100_000));
    const [wave] = drain(enc);
    expect(wave.durationUs).toBe(100_000);
    expect(edges(wave, startLevels([X]))).toEqual([
      [50_000, 17, 1],
      [50_005, 17, 0],
    ]);
    expect(shapeOf(wave)).toEqual(DEFAULT_WAVE_SHAPE);
  });

  it('waits for minWaveUs of motion unless flushing', () => {
    const enc = new WaveEncoder([X], { resolutionUs: 1, shape: DEFAULT_WAVE_SHAPE });
    enc.push(chunk([[10, 0, 1]], 500, false));
    expect(enc.takeWave('ready')).toBeUndefined();
    enc.push(chunk([[10, 0, 1]], 1500, false));
    const wave = enc.takeWave('ready');
    expect(wave?.durationUs).toBe(2000);
    expect(Array.from(wave!.stepUs)).toEqual([10, 510]);
  });
});
