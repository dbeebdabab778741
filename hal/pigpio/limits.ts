// pigpio's waveform limits, as its C source (pigpio.c, version 79) has them, and the wave
// shape minifactory uses to stay inside them on an endless stream.

/** Most pulses one wave may hold (PI_WAVE_MAX_PULSES). */
export const MAX_PULSES_PER_WAVE = 12_000;

/** DMA control blocks for all waves together (waveGetMaxCbs() on a Pi). */
export const MAX_CONTROL_BLOCKS = 25_016;

/** Control blocks pigpio keeps for wave chains (PI_WAVE_COUNT_PAGES * CBS_PER_OPAGE). */
export const RESERVED_CONTROL_BLOCKS = 2 * 118;

/** Wave ids (PI_MAX_WAVES). */
export const MAX_WAVE_IDS = 250;

/**
 * Longest delay of one pulse, µs. pigpio takes up to 65,535 in the npm binding's checks, but
 * on a DMA "lite" channel a delay above 0xfffc bytes / 4 = 16,383 µs costs a second control
 * block, which would break the fixed wave shape below; longer gaps become several pulses.
 */
export const MAX_PULSE_DELAY_US = 16_383;

/** Sample clocks gpioCfgClock accepts, µs. */
export const SAMPLE_CLOCKS_US = [1, 2, 4, 5, 8, 10] as const;

/**
 * Every wave has exactly this many pin pulses (one GPIO set or cleared, one OOL word each)
 * and delay pulses (one timed control block each): it then needs 1 + pin + delay control
 * blocks under both pigpio's older and newer accounting. pigpio frees a deleted wave's
 * control blocks only for a new wave of exactly the same size (or once every later wave is
 * deleted too), and the npm binding has no waveCreatePad, so equal shapes are what lets a
 * stream run for hours in a fixed budget instead of running out after a fraction of a second.
 */
export interface WaveShape {
  pinPulses: number;
  delayPulses: number;
}

/** Default shape: 3,001 control blocks per wave, eight waves in flight, 600-750 steps each. */
export const DEFAULT_WAVE_SHAPE: WaveShape = { pinPulses: 1500, delayPulses: 1500 };

/** Control blocks of one wave of this shape. */
export function controlBlocksPerWave(shape: WaveShape): number {
  return 1 + shape.pinPulses + shape.delayPulses;
}

/** How many waves of this shape fit in pigpio's control blocks at once. */
export function wavesInFlight(shape: WaveShape, maxControlBlocks = MAX_CONTROL_BLOCKS): number {
  const usable = maxControlBlocks - RESERVED_CONTROL_BLOCKS;
  return Math.min(MAX_WAVE_IDS, Math.floor(usable / controlBlocksPerWave(shape)));
}
