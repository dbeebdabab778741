// The simulator's signal lines: inputs the plant (or a test) drives, outputs and PWM that
// record every write with its time, in one bounded log.
import { EventEmitter } from 'node:events';
import type {
  Clock,
  DigitalInput,
  DigitalInputEvents,
  DigitalOutput,
  InputRole,
  OutputRole,
  PwmOutput,
  PwmRole,
} from '../types.js';

/** One recorded signal change: an output level, a PWM duty or frequency, or an input edge. */
export interface SimSignalRecord {
  timeUs: number;
  kind: 'output' | 'pwmDuty' | 'pwmFrequency' | 'input';
  role: InputRole | OutputRole | PwmRole;
  /** Level (true = active) for outputs and inputs, the ratio for duty, Hz for frequency. */
  value: boolean | number;
}

/** An append-only log that keeps at most maxRecords entries and counts the rest. */
export class SignalLog {
  private readonly records: SimSignalRecord[] = [];
  private missed = 0;

  constructor(private readonly maxRecords = 100_000) {}

  add(record: SimSignalRecord): void {
    if (this.records.length >= this.maxRecords) this.missed++;
    else this.records.push(record);
  }

  list(): readonly SimSignalRecord[] {
    return this.records;
  }

  missedCount(): number {
    return this.missed;
  }

  clear(): void {
    this.records.length = 0;
    this.missed = 0;
  }
}

/** An input whose level is set by the plant or a test; emits 'change' on every edge. */
export class SimInput extends EventEmitter<DigitalInputEvents> implements DigitalInput {
  private level = false;

  constructor(
    readonly role: InputRole,
    private readonly log: SignalLog,
  ) {
    super();
  }

  read(): boolean {
    return this.level;
  }

  /** Sets the level; an edge is logged and emitted with tickUs as its timestamp. */
  set(active: boolean, tickUs: number): void {
    if (active === this.level) return;
    this.level = active;
    this.log.add({ timeUs: tickUs, kind: 'input', role: this.role, value: active });
    this.emit('change', active, tickUs);
  }
}

/** An output that logs every write with the clock's time. */
export class SimOutput implements DigitalOutput {
  private level = false;

  constructor(
    readonly role: OutputRole,
    private readonly clock: Clock,
    private readonly log: SignalLog,
  ) {}

  write(active: boolean): void {
    this.level = active;
    this.log.add({ timeUs: this.clock.nowUs(), kind: 'output', role: this.role, value: active });
  }

  read(): boolean {
    return this.level;
  }
}

/** A PWM channel that logs every duty and frequency change with the clock's time. */
export class SimPwm implements PwmOutput {
  private dutyRatio = 0;

  constructor(
    readonly role: PwmRole,
    private frequency: number,
    private readonly clock: Clock,
    private readonly log: SignalLog,
  ) {}

  /** Duty ratio, clamped to 0..1 (a NaN is refused: it would hide a bug upstream). */
  setDuty(ratio: number): void {
    if (Number.isNaN(ratio)) throw new RangeError(`pwm ${this.role}: duty is NaN`);
    this.dutyRatio = Math.min(1, Math.max(0, ratio));
    this.log.add({
      timeUs: this.clock.nowUs(),
      kind: 'pwmDuty',
      role: this.role,
      value: this.dutyRatio,
    });
  }

  setFrequency(hz: number): void {
    if (!(hz > 0) || !Number.isFinite(hz)) {
      throw new RangeError(`pwm ${this.role}: frequency ${hz} Hz is not > 0`);
    }
    this.frequency = hz;
    this.log.add({ timeUs: this.clock.nowUs(), kind: 'pwmFrequency', role: this.role, value: hz });
  }

  duty(): number {
    return this.dutyRatio;
  }

  frequencyHz(): number {
    return this.frequency;
  }
}
