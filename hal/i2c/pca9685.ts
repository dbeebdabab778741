// PCA9685 16-channel, 12-bit PWM driver (NXP datasheet rev. 4). Registers: MODE1 0x00,
// MODE2 0x01, LEDn_ON_L/ON_H/OFF_L/OFF_H at 0x06 + 4n, ALL_LED_* 0xFA-0xFD, PRE_SCALE 0xFE.
// PRE_SCALE is writable only while MODE1.SLEEP is set; after waking the oscillator needs
// 500 µs before RESTART resumes the channels.
import type { I2cBus } from '../types.js';

export const MODE1 = 0x00;
export const MODE2 = 0x01;
export const LED0_ON_L = 0x06;
export const ALL_LED_ON_L = 0xfa;
export const ALL_LED_OFF_H = 0xfd;
export const PRE_SCALE = 0xfe;

export const MODE1_RESTART = 0x80;
export const MODE1_AI = 0x20;
export const MODE1_SLEEP = 0x10;
/** MODE2: totem-pole outputs, as the TB6612 inputs on Adafruit's HATs want. */
export const MODE2_OUTDRV = 0x04;
/** The full-on (in ON_H) and full-off (in OFF_H) bit. */
export const FULL_BIT = 0x10;

const OSCILLATOR_HZ = 25_000_000;

/** PRE_SCALE for a PWM frequency: round(25 MHz / (4096 f)) - 1, clamped to 3..255. */
export function prescaleFor(frequencyHz: number): number {
  if (!(frequencyHz > 0 && Number.isFinite(frequencyHz))) {
    throw new RangeError(`PCA9685: frequency ${frequencyHz} Hz is not > 0`);
  }
  const value = Math.round(OSCILLATOR_HZ / (4096 * frequencyHz)) - 1;
  return Math.min(255, Math.max(3, value));
}

/** The frequency a PRE_SCALE value gives, Hz. */
export function frequencyFor(prescale: number): number {
  return OSCILLATOR_HZ / (4096 * (prescale + 1));
}

/** The four LEDn bytes (ON_L, ON_H, OFF_L, OFF_H) for a duty ratio. */
export function dutyBytes(ratio: number): Uint8Array {
  if (Number.isNaN(ratio)) throw new RangeError('PCA9685: duty is NaN');
  if (ratio >= 1) return Uint8Array.of(0, FULL_BIT, 0, 0);
  if (ratio <= 0) return Uint8Array.of(0, 0, 0, FULL_BIT);
  const off = Math.min(4095, Math.max(1, Math.round(ratio * 4096)));
  return Uint8Array.of(0, 0, off & 0xff, off >> 8);
}

export type Delay = (ms: number) => Promise<void>;

const realDelay: Delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One PCA9685 at an address on a bus. */
export class Pca9685 {
  private prescale = 0;

  constructor(
    private readonly bus: I2cBus,
    readonly address: number,
    private readonly delay: Delay = realDelay,
  ) {
    if (!(Number.isInteger(address) && address >= 0x03 && address <= 0x77)) {
      throw new RangeError(`PCA9685: I2C address ${address} is not 0x03..0x77`);
    }
  }

  /** Totem-pole outputs, every channel off, auto-increment, the given frequency. */
  async init(frequencyHz: number): Promise<void> {
    await this.bus.writeByte(this.address, MODE2, MODE2_OUTDRV);
    await this.allOff();
    await this.setFrequency(frequencyHz);
  }

  /** Sleep, PRE_SCALE, wake, wait 500 µs, RESTART (auto-increment stays on). */
  async setFrequency(frequencyHz: number): Promise<void> {
    const prescale = prescaleFor(frequencyHz);
    await this.bus.writeByte(this.address, MODE1, MODE1_AI | MODE1_SLEEP);
    await this.bus.writeByte(this.address, PRE_SCALE, prescale);
    await this.bus.writeByte(this.address, MODE1, MODE1_AI);
    await this.delay(1);
    await this.bus.writeByte(this.address, MODE1, MODE1_AI | MODE1_RESTART);
    this.prescale = prescale;
  }

  /** The frequency in use, Hz (quantised by PRE_SCALE). */
  frequencyHz(): number {
    return frequencyFor(this.prescale);
  }

  /** Duty ratio 0..1 on one channel; 0 and 1 use the full-off/full-on bits. */
  async setDuty(channel: number, ratio: number): Promise<void> {
    await this.bus.writeBlock(this.address, channelRegister(channel), dutyBytes(ratio));
  }

  /**
   * Several consecutive channels in one auto-increment write: 4 bytes per channel, starting
   * at firstChannel.
   */
  async setDuties(firstChannel: number, ratios: ArrayLike<number>): Promise<void> {
    if (firstChannel + ratios.length > 16) throw new RangeError('PCA9685: channels past 15');
    const data = new Uint8Array(4 * ratios.length);
    for (let i = 0; i < ratios.length; i++) data.set(dutyBytes(ratios[i]), 4 * i);
    await this.bus.writeBlock(this.address, channelRegister(firstChannel), data);
  }

  /** Every channel off at once (ALL_LED_OFF_H full-off bit). */
  async allOff(): Promise<void> {
    await this.bus.writeByte(this.address, ALL_LED_OFF_H, FULL_BIT);
  }
}

/** LEDn_ON_L of a channel. */
export function channelRegister(channel: number): number {
  if (!(Number.isInteger(channel) && channel >= 0 && channel <= 15)) {
    throw new RangeError(`PCA9685: channel ${channel} is not 0..15`);
  }
  return LED0_ON_L + 4 * channel;
}
