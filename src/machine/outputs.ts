// Spindle (or laser), coolant and driver-enable outputs: what M3/M4/M5, S, M7/M8/M9 and the
// overrides mean on the board's pins, and the one place that puts them all to a safe level.
import type { Board, DigitalOutput, PwmOutput } from '../../hal/types.js';
import type { SpindleState } from '../../motion/types.js';
import type { MachineConfig } from '../config/schema.js';

/** Spindle PWM duty for a speed: 0 when off, else scaled between minRpm and maxRpm. */
export function spindleDutyRatio(
  speedRpm: number,
  config: MachineConfig['spindle'],
  overridePct = 100,
): number {
  const rpm = (speedRpm * overridePct) / 100;
  if (!(rpm > 0)) return 0;
  const spanRpm = config.maxRpm - config.minRpm;
  if (!(spanRpm > 0)) return 1;
  return Math.min(1, Math.max(0, (rpm - config.minRpm) / spanRpm));
}

/** The machine's switched outputs; it remembers the programmed state apart from the pins. */
export class MachineOutputs {
  private readonly pwm: PwmOutput | undefined;
  private readonly spindleEnable: DigitalOutput | undefined;
  private readonly spindleDir: DigitalOutput | undefined;
  private readonly mist: DigitalOutput | undefined;
  private readonly flood: DigitalOutput | undefined;
  private readonly enable: DigitalOutput | undefined;
  /** Programmed spindle state (what M3/M4/M5 and S asked for). */
  spindle: SpindleState = { mode: 'off', speedRpm: 0 };
  coolant = { mist: false, flood: false };
  spindleOverridePct = 100;

  constructor(
    board: Board,
    private readonly config: MachineConfig['spindle'],
  ) {
    this.pwm = board.pwm('spindle');
    this.spindleEnable = board.output('spindleEnable');
    this.spindleDir = board.output('spindleDir');
    this.mist = board.output('mist');
    this.flood = board.output('flood');
    this.enable = board.output('enable');
    this.pwm?.setFrequency(config.pwmHz);
  }

  /** Whether the spindle channel is a laser (Grbl's $32). */
  get laserMode(): boolean {
    return this.config.laserMode;
  }

  /** Programs the spindle and drives the pins (a laser stays dark until motion lights it). */
  setSpindle(state: SpindleState): void {
    this.spindle = { ...state };
    if (this.config.laserMode) {
      this.spindleDir?.write(false);
      this.spindleEnable?.write(state.mode !== 'off');
      this.pwm?.setDuty(0);
      return;
    }
    this.applySpindle();
  }

  /** Re-applies the programmed spindle state to the pins (after an override or a door). */
  applySpindle(): void {
    const on = this.spindle.mode !== 'off';
    this.spindleDir?.write(this.spindle.mode === 'ccw');
    this.spindleEnable?.write(on);
    if (this.config.laserMode) return;
    this.pwm?.setDuty(on ? this.dutyFor(this.spindle.speedRpm) : 0);
  }

  /** Laser power for a power ratio of the programmed S (1: full S), 0 turns it off. */
  setLaserPower(speedRpm: number, ratio: number): void {
    const duty = this.dutyFor(speedRpm) * Math.min(1, Math.max(0, ratio));
    if (this.pwm !== undefined && this.pwm.duty() !== duty) this.pwm.setDuty(duty);
  }

  /** PWM duty for a programmed speed with the spindle override applied. */
  dutyFor(speedRpm: number): number {
    return spindleDutyRatio(speedRpm, this.config, this.spindleOverridePct);
  }

  setCoolant(mist: boolean, flood: boolean): void {
    this.coolant = { mist, flood };
    this.mist?.write(mist);
    this.flood?.write(flood);
  }

  /** Motor drivers on or off (sleep turns them off). */
  setDriversEnabled(on: boolean): void {
    this.enable?.write(on);
  }

  /** Spindle, laser and coolant pins off; the programmed state is forgotten too. */
  allOff(): void {
    this.spindle = { mode: 'off', speedRpm: 0 };
    this.coolant = { mist: false, flood: false };
    this.pinsOff();
  }

  /** Pins off but the programmed state kept (a door opens: restored on resume). */
  pinsOff(): void {
    this.spindlePinsOff();
    this.mist?.write(false);
    this.flood?.write(false);
  }

  /** Spindle (laser) pins off, the programmed state kept (spindle stop: restored later). */
  spindlePinsOff(): void {
    this.pwm?.setDuty(0);
    this.spindleEnable?.write(false);
    this.spindleDir?.write(false);
  }

  /** What the pins are at now, for logs: proof that they are safe. */
  snapshot(): { spindleDuty: number; spindleEnable: boolean; mist: boolean; flood: boolean } {
    return {
      spindleDuty: this.pwm?.duty() ?? 0,
      spindleEnable: this.spindleEnable?.read() ?? false,
      mist: this.mist?.read() ?? false,
      flood: this.flood?.read() ?? false,
    };
  }
}
