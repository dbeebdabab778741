// A bounded record of emitted step pulses, in typed arrays so a long recording stays compact
// (13 bytes a pulse). Recording stops at its capacity and counts what it missed.

/** One recorded step pulse. */
export interface SimPulse {
  motor: number;
  /** +1 or -1. */
  dir: number;
  /** Time of the step edge on the board's clock, µs. */
  timeUs: number;
}

/** Pulses recorded while enabled, up to maxPulses. */
export class PulseRecorder {
  private timeUs = new Float64Array(0);
  private motor = new Uint8Array(0);
  private dir = new Int8Array(0);
  private length = 0;
  private missed = 0;
  private enabled = false;
  private maxPulses = 0;

  /** Starts (or stops) recording; maxPulses bounds memory, later pulses are only counted. */
  setRecording(enabled: boolean, maxPulses = 1_000_000): void {
    this.enabled = enabled;
    this.maxPulses = maxPulses;
  }

  isRecording(): boolean {
    return this.enabled;
  }

  /** Records one pulse if recording and not full. */
  add(motor: number, dir: number, timeUs: number): void {
    if (!this.enabled) return;
    if (this.length >= this.maxPulses) {
      this.missed++;
      return;
    }
    if (this.length === this.timeUs.length) this.grow();
    this.timeUs[this.length] = timeUs;
    this.motor[this.length] = motor;
    this.dir[this.length] = dir;
    this.length++;
  }

  /** Number of pulses recorded. */
  count(): number {
    return this.length;
  }

  /** Pulses emitted while recording but not kept because the record was full. */
  missedCount(): number {
    return this.missed;
  }

  /** The recorded pulses, oldest first. */
  list(): SimPulse[] {
    const out: SimPulse[] = new Array<SimPulse>(this.length);
    for (let i = 0; i < this.length; i++) {
      out[i] = { motor: this.motor[i], dir: this.dir[i], timeUs: this.timeUs[i] };
    }
    return out;
  }

  /** Forgets every recorded pulse (recording stays as it was). */
  clear(): void {
    this.length = 0;
    this.missed = 0;
  }

  private grow(): void {
    const capacity = Math.min(this.maxPulses, Math.max(1024, this.timeUs.length * 2));
    const timeUs = new Float64Array(capacity);
    const motor = new Uint8Array(capacity);
    const dir = new Int8Array(capacity);
    timeUs.set(this.timeUs.subarray(0, this.length));
    motor.set(this.motor.subarray(0, this.length));
    dir.set(this.dir.subarray(0, this.length));
    this.timeUs = timeUs;
    this.motor = motor;
    this.dir = dir;
  }
}
