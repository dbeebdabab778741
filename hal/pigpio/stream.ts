// The pigpio step stream: encoded waves chained on the DMA engine. The first wave after an
// idle spell is sent WAVE_MODE_ONE_SHOT, every later one WAVE_MODE_ONE_SHOT_SYNC so it
// starts exactly where the one before ends. A poll (every pollUs) asks pigpio which wave is
// on air (waveTxAt), deletes the waves before it, creates new ones while fewer than
// maxWaves are in flight, and emits drain/idle/underrun.
//
// Timing: wave k starts at the tick wave k-1 started plus its length (ticks are pigpio's µs
// counter, getTick), the first at the tick read right after sending it. stop() reads the
// wave on air and the tick, so it knows to the µs which steps left the pins.
import { EventEmitter } from 'node:events';
import type {
  Clock,
  StepChunk,
  StepStream,
  StepStreamEvents,
  TimerHandle,
  StreamCut,
} from '../types.js';
import { wavePulses, type EncodedWave, type WaveEncoder } from './encoder.js';
import type { PigpioModule } from './module.js';

interface SentWave {
  id: number;
  wave: EncodedWave;
  /** pigpio tick (uint32 µs) at which the wave started or will start. */
  startTick: number;
}

export interface PigpioStreamOptions {
  pigpio: PigpioModule;
  encoder: WaveEncoder;
  clock: Clock;
  /** Interval of the bookkeeping poll, µs. */
  pollUs: number;
  /** Most waves created at once (on air plus queued behind it). */
  maxWaves: number;
  /** Fixed low-water mark for 'drain', µs; default half the queued time after each push. */
  lowWaterUs?: number;
  /** Writes one GPIO (after a stop: step pins to inactive, direction pins to a known level). */
  writePin: (gpio: number, level: number) => void;
}

/** Signed difference of two uint32 ticks, µs (correct across the 72-minute wrap). */
export function tickDiffUs(fromTick: number, toTick: number): number {
  return (toTick - fromTick) | 0;
}

/** Hardware-timed step output through pigpio waveforms. */
export class PigpioStepStream extends EventEmitter<StepStreamEvents> implements StepStream {
  readonly motorCount: number;
  private readonly pigpio: PigpioModule;
  private readonly encoder: WaveEncoder;
  private readonly clock: Clock;
  private readonly options: PigpioStreamOptions;
  private sent: SentWave[] = [];
  private readonly committed: Int32Array;
  private timer: TimerHandle | undefined;
  private drainArmed = false;
  private idleNotified = true;
  private lowWaterUs = 0;
  /** Waves whose shape differed from the fixed one (only past the rate limit). */
  irregularWaves = 0;
  /** Waves created since open. */
  wavesCreated = 0;

  constructor(options: PigpioStreamOptions) {
    super();
    this.options = options;
    this.pigpio = options.pigpio;
    this.encoder = options.encoder;
    this.clock = options.clock;
    this.motorCount = options.encoder.motorCount;
    this.committed = new Int32Array(this.motorCount);
  }

  push(chunk: StepChunk): void {
    this.encoder.push(chunk);
    this.idleNotified = false;
    this.drainArmed = true;
    this.lowWaterUs = this.options.lowWaterUs ?? this.queuedUs() / 2;
    // Serve on a zero timer: a burst of pushes is cut into waves together.
    this.schedule(0);
  }

  queuedUs(): number {
    return this.airUs() + this.encoder.pendingUs();
  }

  positionSteps(): Int32Array {
    this.reap();
    const position = this.committed.slice();
    if (this.sent.length > 0 && this.pigpio.waveTxBusy() !== 0) {
      const first = this.sent[0];
      addSteps(position, first.wave, tickDiffUs(first.startTick, this.pigpio.getTick()));
    }
    return position;
  }

  /** Not yet able to drop queued motion: the caller brakes behind the whole queue. */
  cut(_keepUs: number): StreamCut | null {
    return null;
  }

  stop(): Int32Array {
    const tick = this.pigpio.getTick();
    const busy = this.pigpio.waveTxBusy() !== 0;
    const onAirId = busy ? this.waveOnAir() : undefined;
    this.pigpio.waveTxStop();
    let onAir = busy ? this.sent.findIndex((s) => s.id === onAirId) : this.sent.length;
    if (busy && onAir < 0) {
      // waveTxAt could not tell: find the wave by its tick span.
      onAir = this.sent.findIndex((s) => tickDiffUs(s.startTick, tick) < s.wave.durationUs);
      if (onAir < 0) onAir = this.sent.length;
    }
    for (let k = 0; k < onAir; k++) addSteps(this.committed, this.sent[k].wave, Infinity);
    if (onAir < this.sent.length) {
      const s = this.sent[onAir];
      addSteps(this.committed, s.wave, tickDiffUs(s.startTick, tick));
    }
    // Every wave goes, and pigpio's wave memory starts afresh.
    this.pigpio.waveClear();
    this.sent = [];
    for (const [gpio, level] of this.encoder.reset()) this.options.writePin(gpio, level);
    this.cancelTimer();
    this.drainArmed = false;
    this.idleNotified = true;
    return this.committed.slice();
  }

  setPositionSteps(steps: ArrayLike<number>): void {
    if (steps.length !== this.motorCount) {
      throw new RangeError(
        `setPositionSteps: ${steps.length} values for ${this.motorCount} motors`,
      );
    }
    const now = this.positionSteps();
    for (let m = 0; m < this.motorCount; m++) this.committed[m] += steps[m] - now[m];
  }

  /** Stops the poll without touching the pins (the board's close() calls stop() first). */
  dispose(): void {
    this.cancelTimer();
  }

  /** Waves created and not yet deleted (for tests and diagnostics). */
  wavesInFlight(): number {
    return this.sent.length;
  }

  /** Time left on the waves already sent, µs. */
  private airUs(): number {
    if (this.sent.length === 0 || this.pigpio.waveTxBusy() === 0) return 0;
    const last = this.sent[this.sent.length - 1];
    const left = last.wave.durationUs - tickDiffUs(last.startTick, this.pigpio.getTick());
    return Math.max(0, left);
  }

  private waveOnAir(): number | undefined {
    try {
      return this.pigpio.waveTxAt();
    } catch {
      return undefined; // the binding throws when no wave (or an unknown one) is on air
    }
  }

  /** Commits and deletes the waves that have finished. */
  private reap(): void {
    if (this.sent.length === 0) return;
    let done: number;
    if (this.pigpio.waveTxBusy() === 0) done = this.sent.length;
    else {
      const id = this.waveOnAir();
      done = Math.max(
        0,
        this.sent.findIndex((s) => s.id === id),
      );
    }
    for (let k = 0; k < done; k++) {
      addSteps(this.committed, this.sent[k].wave, Infinity);
      this.pigpio.waveDelete(this.sent[k].id);
    }
    if (done > 0) this.sent.splice(0, done);
  }

  /** Creates and sends waves while there is room and motion to cut. */
  private pump(): void {
    const { pigpio, encoder } = this;
    while (this.sent.length < this.options.maxWaves && encoder.hasPending()) {
      // Complete motion first; the rest (trailing edges, a stretch to the shortest wave)
      // only at rest or when the waves on air are about to run out.
      let wave = encoder.takeWave('ready');
      if (wave === undefined) {
        const dry = this.airUs() < 2 * this.options.pollUs + encoder.minWaveUs();
        if (encoder.endsAtRest() || dry) wave = encoder.takeWave('flush');
      }
      if (wave === undefined) return;
      if (!wave.regular) this.irregularWaves++;
      const busy = pigpio.waveTxBusy() !== 0;
      if (!busy) this.reap(); // everything sent has finished
      pigpio.waveAddGeneric(wavePulses(wave));
      const id = pigpio.waveCreate();
      this.wavesCreated++;
      const last = this.sent[this.sent.length - 1];
      let startTick: number;
      if (busy && last !== undefined) {
        pigpio.waveTxSend(id, pigpio.WAVE_MODE_ONE_SHOT_SYNC);
        startTick = (last.startTick + last.wave.durationUs) >>> 0;
      } else {
        // Idle: a plain one-shot start. (A SYNC send would link from the end of the last
        // wave sent, whose control blocks this new wave may now occupy.)
        pigpio.waveTxSend(id, pigpio.WAVE_MODE_ONE_SHOT);
        startTick = pigpio.getTick();
      }
      this.sent.push({ id, wave, startTick });
    }
  }

  private service(): void {
    this.timer = undefined;
    this.reap();
    this.pump();
    if (this.drainArmed && this.queuedUs() <= this.lowWaterUs) {
      this.drainArmed = false;
      this.emit('drain');
    }
    if (!this.idleNotified && this.sent.length === 0 && !this.encoder.hasPending()) {
      this.idleNotified = true;
      if (!this.encoder.endsAtRest()) this.emit('underrun');
      if (this.idleNotified) this.emit('idle');
    }
    if (
      this.sent.length > 0 ||
      this.encoder.hasPending() ||
      this.drainArmed ||
      !this.idleNotified
    ) {
      this.schedule(this.options.pollUs);
    }
  }

  private schedule(delayUs: number): void {
    if (this.timer !== undefined) {
      if (delayUs > 0) return;
      this.cancelTimer();
    }
    this.timer = this.clock.setTimer(delayUs, () => this.service());
  }

  private cancelTimer(): void {
    if (this.timer !== undefined) this.clock.clearTimer(this.timer);
    this.timer = undefined;
  }
}

/** Adds to position the wave's steps whose rising edge is at or before elapsedUs. */
function addSteps(position: Int32Array, wave: EncodedWave, elapsedUs: number): void {
  for (let i = 0; i < wave.stepCount; i++) {
    if (wave.stepUs[i] <= elapsedUs) position[wave.stepMotor[i]] += wave.stepDir[i];
  }
}
