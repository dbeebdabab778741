// A bipolar stepper on two TB6612 H-bridges whose inputs are PCA9685 channels (Adafruit's
// DC+Stepper Motor HAT). Each step rewrites the four bridge inputs (AIN1, AIN2, BIN1, BIN2)
// as full-on/full-off channels; PWMA/PWMB stay full on while energised.
//
// Sequence (coil currents A, B): half-step phases 0..7 are
//   (+,0) (+,+) (0,+) (-,+) (-,0) (-,-) (0,-) (+,-)
// a full step (two coils on, full torque) moves two phases along the odd ones.
//
// Rate: on Adafruit's channel map the four inputs are consecutive channels (9-12 or 3-6), so
// a step is one auto-increment write: address + register + 16 data bytes = 18 bytes of 9
// bits on the wire plus start and stop: 164 bit times, 1.64 ms at 100 kHz, 0.41 ms at
// 400 kHz. With 20% left for the host's own latency the bus carries ~487 steps/s at
// 100 kHz and ~1,950 at 400 kHz, shared by every motor on the bus.
import type { CoilDef } from '../types.js';
import type { Pca9685 } from './pca9685.js';

export type CoilStepMode = 'full' | 'half';

const PHASES: ReadonlyArray<readonly [number, number]> = [
  [1, 0],
  [1, 1],
  [0, 1],
  [-1, 1],
  [-1, 0],
  [-1, -1],
  [0, -1],
  [1, -1],
];

/** Bit times one step costs on the bus, for a motor's channel layout. */
export function busBitsPerStep(coils: CoilDef): number {
  if (consecutiveFirst(coils) !== undefined) return 18 * 9 + 2;
  return 4 * (6 * 9 + 2); // four separate 4-byte channel writes
}

/** Aggregate steps/s the bus sustains for these motors (20% kept for host latency). */
export function maxCoilStepRateHz(busHz: number, motors: CoilDef[]): number {
  const worstBits = Math.max(...motors.map(busBitsPerStep));
  return Math.floor((busHz / worstBits) * 0.8);
}

/** The lowest of the four input channels when they are four consecutive channels. */
function consecutiveFirst(coils: CoilDef): number | undefined {
  const channels = [coils.ain1, coils.ain2, coils.bin1, coils.bin2].sort((a, b) => a - b);
  return channels[3] - channels[0] === 3 && new Set(channels).size === 4 ? channels[0] : undefined;
}

/** One coil-driven stepper. */
export class CoilStepper {
  /** Half-step phase 0..7. */
  private phase: number;

  constructor(
    private readonly pca: Pca9685,
    readonly coils: CoilDef,
    readonly mode: CoilStepMode,
  ) {
    this.phase = mode === 'full' ? 1 : 0;
  }

  /** Present phase, 0..7 (half-step units). */
  phaseIndex(): number {
    return this.phase;
  }

  /** Bridge PWM inputs full on, coils at the present phase. */
  async energize(): Promise<void> {
    await this.pca.setDuty(this.coils.pwmA, 1);
    await this.pca.setDuty(this.coils.pwmB, 1);
    await this.writeCoils();
  }

  /** One step in direction dir (+1/-1). */
  async step(dir: number): Promise<void> {
    const move = (this.mode === 'full' ? 2 : 1) * (dir > 0 ? 1 : -1);
    this.phase = (this.phase + move + 8) % 8;
    await this.writeCoils();
  }

  /** All bridge inputs off: the motor freewheels. */
  async release(): Promise<void> {
    const { ain1, ain2, bin1, bin2, pwmA, pwmB } = this.coils;
    for (const ch of [ain1, ain2, bin1, bin2, pwmA, pwmB]) await this.pca.setDuty(ch, 0);
  }

  /** Channel levels (0/1) of the bridge inputs for a phase, by channel. */
  static levels(coils: CoilDef, phase: number): Map<number, number> {
    const [a, b] = PHASES[phase];
    return new Map([
      [coils.ain1, a > 0 ? 1 : 0],
      [coils.ain2, a < 0 ? 1 : 0],
      [coils.bin1, b > 0 ? 1 : 0],
      [coils.bin2, b < 0 ? 1 : 0],
    ]);
  }

  private async writeCoils(): Promise<void> {
    const levels = CoilStepper.levels(this.coils, this.phase);
    const first = consecutiveFirst(this.coils);
    if (first !== undefined) {
      await this.pca.setDuties(
        first,
        [0, 1, 2, 3].map((i) => levels.get(first + i) ?? 0),
      );
      return;
    }
    for (const [channel, level] of levels) await this.pca.setDuty(channel, level);
  }
}
