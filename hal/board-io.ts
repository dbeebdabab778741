// A board's opened inputs, outputs and PWM channels by role: the lookups every backend shares,
// and the fault event every backend raises.
import { EventEmitter } from 'node:events';
import type {
  BoardEvents,
  BoardFault,
  DigitalInput,
  DigitalOutput,
  InputRole,
  OutputRole,
  PwmOutput,
  PwmRole,
} from './types.js';

/** Role maps and the Board lookups over them; backends extend it and fill the maps on open. */
export class BoardIo<
  I extends DigitalInput,
  O extends DigitalOutput,
  P extends PwmOutput,
> extends EventEmitter<BoardEvents> {
  protected readonly inputs = new Map<InputRole, I>();
  protected readonly outputs = new Map<OutputRole, O>();
  protected readonly pwms = new Map<PwmRole, P>();

  input(role: InputRole): I | undefined {
    return this.inputs.get(role);
  }

  output(role: OutputRole): O | undefined {
    return this.outputs.get(role);
  }

  pwm(role: PwmRole): P | undefined {
    return this.pwms.get(role);
  }

  /**
   * Every output safe. This default suits backends whose writes act at once (GPIO); backends
   * with queued writes (I2C, serial) override it so the safe writes jump their queue.
   */
  outputsOff(): Promise<void> {
    this.allOff();
    return Promise.resolve();
  }

  /** Every PWM channel at duty 0 and every output inactive: the safe level. */
  protected allOff(): void {
    for (const pwm of this.pwms.values()) pwm.setDuty(0);
    for (const out of this.outputs.values()) out.write(false);
  }

  /** Reports a hardware fault to the machine (which raises an Alarm with outputs off). */
  protected raiseFault(fault: BoardFault): void {
    this.emit('fault', fault);
  }
}
