// Grbl's laser mode ($32): M4 power follows the actual speed over the commanded one, so
// corners and accelerations do not burn; M3 keeps constant power; the laser is dark during
// G0 and whenever motion stops. Power is updated on a fixed period of clock time.
import type { Clock, TimerHandle } from '../../hal/types.js';
import type { MotionQueue } from './motion-queue.js';
import type { MachineOutputs } from './outputs.js';

/** Power updates while moving, µs of clock time. */
export const LASER_UPDATE_US = 2000;

/** Keeps the spindle PWM in step with motion while laser mode is on. */
export class LaserFollower {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly motion: MotionQueue,
    private readonly outputs: MachineOutputs,
    private readonly clock: Clock,
  ) {}

  /** Sets the power for the motion now and keeps updating it while motion runs. */
  update(): void {
    if (!this.outputs.laserMode) return;
    const now = this.motion.holdStatus() === 'none' ? this.motion.now() : null;
    if (now === null || now.move.rapid || now.move.spindle.mode === 'off') {
      this.outputs.setLaserPower(0, 0);
    } else {
      const { move, speedMmS } = now;
      const ratio =
        move.spindle.mode === 'ccw' && move.requestedSpeedMmS > 0
          ? speedMmS / move.requestedSpeedMmS
          : 1;
      this.outputs.setLaserPower(move.spindle.speedRpm, ratio);
    }
    if (this.timer === undefined && this.motion.isMoving()) {
      this.timer = this.clock.setTimer(LASER_UPDATE_US, () => {
        this.timer = undefined;
        this.update();
      });
    }
  }

  /** Dark now (hold, stop, alarm), until the next update. */
  off(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
    if (this.outputs.laserMode) this.outputs.setLaserPower(0, 0);
  }
}
