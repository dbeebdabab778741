// pigpio wave encoding alone: synthetic step chunks (3 motors, 200 kHz aggregate, a
// direction reversal every 10 ms) through WaveEncoder and on to waveAddGeneric's pulse
// objects, in steps per second of host time; plus what a 200 kHz aggregate rate implies
// against pigpio's limits (pulses per wave, waves per second, control blocks).
import { WaveEncoder, wavePulses, type WaveMotor } from '../hal/pigpio/encoder.js';
import {
  DEFAULT_WAVE_SHAPE,
  MAX_CONTROL_BLOCKS,
  MAX_PULSES_PER_WAVE,
  controlBlocksPerWave,
  wavesInFlight,
} from '../hal/pigpio/limits.js';
import type { StepChunk } from '../hal/types.js';

export interface EncodeBenchResult {
  /** Steps encoded per second of host time, pulse objects included. */
  encodeStepsPerS: number;
  /** Aggregate step rate of the synthetic motion, Hz. */
  aggregateStepRateHz: number;
  /** Average pulses handed to waveAddGeneric per wave (limit: 12,000). */
  pulsesPerWave: number;
  maxPulsesPerWave: number;
  /** Waves created per second of motion at that rate. */
  wavesPerS: number;
  stepsPerWave: number;
  controlBlocksPerWave: number;
  /** Waves in flight at once within pigpio's 25,016 control blocks. */
  wavesInFlight: number;
  /** Motion buffered on the DMA engine when every in-flight wave is full, ms. */
  bufferedMs: number;
}

const MOTORS: WaveMotor[] = [
  { stepPin: 17, stepActiveLow: false, dirPin: 27, dirActiveLow: false, pulseUs: 2, dirSetupUs: 5 },
  { stepPin: 22, stepActiveLow: false, dirPin: 23, dirActiveLow: false, pulseUs: 2, dirSetupUs: 5 },
  { stepPin: 24, stepActiveLow: false, dirPin: 25, dirActiveLow: false, pulseUs: 2, dirSetupUs: 5 },
];

/** Chunks of durationUs with one step every periodUs, motors in turn, direction flipping. */
function makeChunks(count: number, durationUs: number, periodUs: number): StepChunk[] {
  const chunks: StepChunk[] = [];
  const perChunk = Math.floor(durationUs / periodUs);
  for (let c = 0; c < count; c++) {
    const timeUs = new Uint32Array(perChunk);
    const motor = new Uint8Array(perChunk);
    const dir = new Int8Array(perChunk);
    for (let i = 0; i < perChunk; i++) {
      timeUs[i] = i * periodUs;
      motor[i] = i % 3;
      dir[i] = c % 2 === 0 ? 1 : -1;
    }
    chunks.push({
      startUs: c * durationUs,
      durationUs,
      count: perChunk,
      timeUs,
      motor,
      dir,
      endsAtRest: false,
    });
  }
  return chunks;
}

/** Runs the encoder benchmark (about a second of host time). */
export function benchEncode(): EncodeBenchResult {
  const periodUs = 5; // 200 kHz aggregate
  const chunkUs = 10_000;
  const chunks = makeChunks(100, chunkUs, periodUs); // 1 s of motion, 200,000 steps
  let steps = 0;
  let waves = 0;
  let pulses = 0;
  let sink = 0;
  const run = (): number => {
    const encoder = new WaveEncoder(MOTORS, { resolutionUs: 1, shape: DEFAULT_WAVE_SHAPE });
    const t0 = performance.now();
    steps = 0;
    waves = 0;
    pulses = 0;
    for (const chunk of chunks) {
      encoder.push(chunk);
      for (;;) {
        const wave = encoder.takeWave('ready');
        if (wave === undefined) break;
        const objects = wavePulses(wave);
        sink += objects.length;
        steps += wave.stepCount;
        pulses += wave.pulseCount;
        waves++;
      }
    }
    return performance.now() - t0;
  };
  run(); // warm-up
  let bestMs = Infinity;
  for (let i = 0; i < 3; i++) bestMs = Math.min(bestMs, run());
  if (sink < 0) throw new Error('unreachable');
  const motionS = (chunks.length * chunkUs) / 1e6;
  const inFlight = wavesInFlight(DEFAULT_WAVE_SHAPE, MAX_CONTROL_BLOCKS);
  const stepsPerWave = steps / waves;
  return {
    encodeStepsPerS: Math.round(steps / (bestMs / 1000)),
    aggregateStepRateHz: 1e6 / periodUs,
    pulsesPerWave: Math.round(pulses / waves),
    maxPulsesPerWave: MAX_PULSES_PER_WAVE,
    wavesPerS: Math.round(waves / motionS),
    stepsPerWave: Math.round(stepsPerWave),
    controlBlocksPerWave: controlBlocksPerWave(DEFAULT_WAVE_SHAPE),
    wavesInFlight: inFlight,
    bufferedMs: Math.round(((inFlight * stepsPerWave * periodUs) / 1000) * 10) / 10,
  };
}
