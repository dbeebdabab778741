// Step chunks to pigpio waveforms. Each step becomes two edges on its motor's step pin (on
// for pulseUs, then off) and, when its direction changed, an edge on the direction pin at
// least dirSetupUs before it; edges are cut into waves of one fixed shape (see limits.ts),
// each a list of pulses {gpioOn, gpioOff, usDelay} with one GPIO per pulse, as the npm
// binding wants: simultaneous edges are consecutive pulses with a zero delay.
//
// Times: the encoder keeps its own µs timeline (the waves laid end to end). Step times are
// rounded to resolutionUs on that absolute timeline, so rounding never accumulates.
import { checkChunk } from '../steps.js';
import type { StepChunk } from '../types.js';
import { MAX_PULSE_DELAY_US, type WaveShape } from './limits.js';
import type { PigpioPulse } from './module.js';

/** One motor's pins and timing, as the waves drive them. */
export interface WaveMotor {
  stepPin: number;
  stepActiveLow: boolean;
  dirPin: number;
  dirActiveLow: boolean;
  /** Step pulse width, µs. */
  pulseUs: number;
  /** Direction setup time before a step edge, µs. */
  dirSetupUs: number;
}

export interface WaveEncoderOptions {
  /** Step times are multiples of this, µs (pigpio's waveform clock is 1 µs). */
  resolutionUs: number;
  shape: WaveShape;
}

/** One wave, ready for waveAddGeneric, with the steps it carries. */
export interface EncodedWave {
  /** Start on the encoder's timeline, µs. */
  startUs: number;
  durationUs: number;
  pulseCount: number;
  gpioOn: Uint8Array;
  gpioOff: Uint8Array;
  usDelay: Uint32Array;
  stepCount: number;
  /** Per step: time of its rising (active) edge from the wave start, µs. */
  stepUs: Uint32Array;
  stepMotor: Uint8Array;
  stepDir: Int8Array;
  /** Whether the wave has exactly the configured shape (false only past the rate limit). */
  regular: boolean;
}

/** How takeWave may cut: only complete motion, or also stretch the end (at rest, or dry). */
export type CutMode = 'ready' | 'flush';

const LEVEL_BITS = 128; // an edge key is timeUs * 128 + pin * 2 + level

/** A growable Float64Array. */
class F64List {
  data: Float64Array;
  length = 0;
  constructor(capacity: number) {
    this.data = new Float64Array(capacity);
  }
  reserve(extra: number): void {
    if (this.length + extra <= this.data.length) return;
    const grown = new Float64Array(Math.max(this.data.length * 2, this.length + extra));
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
}

/** Turns step chunks into fixed-shape waves; one per board, it holds the pins' levels. */
export class WaveEncoder {
  readonly motorCount: number;
  private readonly motors: WaveMotor[];
  private readonly resolutionUs: number;
  private readonly shape: WaveShape;
  private readonly pulseQUs: Float64Array;
  private readonly dirSetupQUs: Float64Array;
  private readonly padPin: number;
  /** Sorted pending edges (keys). */
  private readonly edges = new F64List(4096);
  /** Pending steps in push order: rounded request time, rising-edge time, motor, dir. */
  private stepReqUs = new Float64Array(2048);
  private stepOnUs = new Float64Array(2048);
  private stepMotor = new Uint8Array(2048);
  private stepDir = new Int8Array(2048);
  private stepLength = 0;
  /** Per motor: logical direction its pin is (or will be, after pending edges) set to. */
  private readonly dirState: Int8Array;
  /** Per motor: end of its last step pulse on the timeline. */
  private readonly lastOffUs: Float64Array;
  /** Level of every GPIO as of the end of the last wave cut. */
  private readonly pinLevel = new Uint8Array(64);
  /** Unrounded start of the next chunk. */
  private nextChunkUs = 0;
  /** Rounded end of everything pushed: edges before it are final. */
  private horizonUs = 0;
  /** Start of the next wave (end of the last one cut). */
  private cutUs = 0;
  private restAtEnd = true;
  // Scratch for one wave's unpadded pulses.
  private natOn: Uint8Array;
  private natOff: Uint8Array;
  private natDelay: Uint32Array;

  constructor(motors: WaveMotor[], options: WaveEncoderOptions) {
    const res = options.resolutionUs;
    if (!(Number.isInteger(res) && res >= 1 && res <= 10)) {
      throw new RangeError(`pigpio: step resolution ${res} µs is not a whole number 1..10`);
    }
    if (motors.length === 0) throw new RangeError('pigpio: a board needs at least one motor');
    for (const m of motors) {
      for (const pin of [m.stepPin, m.dirPin]) {
        // The npm binding reads GPIO 0 as "no pin" in a pulse.
        if (!(Number.isInteger(pin) && pin >= 1 && pin <= 53)) {
          throw new RangeError(`pigpio: GPIO ${pin} cannot be used in waves (1..53 only)`);
        }
      }
    }
    this.motors = motors;
    this.motorCount = motors.length;
    this.resolutionUs = res;
    this.shape = options.shape;
    this.pulseQUs = Float64Array.from(motors, (m) =>
      Math.max(res, Math.ceil(m.pulseUs / res) * res),
    );
    this.dirSetupQUs = Float64Array.from(motors, (m) =>
      Math.max(res, Math.ceil(m.dirSetupUs / res) * res),
    );
    this.padPin = motors[0].dirPin;
    this.dirState = new Int8Array(motors.length);
    this.lastOffUs = new Float64Array(motors.length);
    const capacity = options.shape.pinPulses + options.shape.delayPulses + 1;
    this.natOn = new Uint8Array(capacity);
    this.natOff = new Uint8Array(capacity);
    this.natDelay = new Uint32Array(capacity);
    this.reset();
  }

  /**
   * Forgets everything pending and restarts the timeline at 0 with step pins inactive and
   * direction pins at their +1 level. Returns [gpio, level] pairs the board must write.
   */
  reset(): Array<[number, number]> {
    this.edges.length = 0;
    this.stepLength = 0;
    this.nextChunkUs = 0;
    this.horizonUs = 0;
    this.cutUs = 0;
    this.restAtEnd = true;
    const writes: Array<[number, number]> = [];
    this.motors.forEach((m, i) => {
      this.dirState[i] = 1;
      this.lastOffUs[i] = -1e15;
      this.pinLevel[m.stepPin] = m.stepActiveLow ? 1 : 0;
      this.pinLevel[m.dirPin] = m.dirActiveLow ? 0 : 1;
      writes.push([m.stepPin, this.pinLevel[m.stepPin]], [m.dirPin, this.pinLevel[m.dirPin]]);
    });
    return writes;
  }

  /** Appends a chunk's steps after everything pushed so far. */
  push(chunk: StepChunk): void {
    checkChunk(chunk, this.motorCount);
    const res = this.resolutionUs;
    const base = this.nextChunkUs;
    const { count, timeUs, motor, dir } = chunk;
    this.edges.reserve(count * 3);
    this.reserveSteps(count);
    for (let i = 0; i < count; i++) {
      const m = motor[i];
      const d = dir[i];
      const reqUs = Math.round((base + timeUs[i]) / res) * res;
      const lowUntilUs = this.lastOffUs[m] + res;
      let onUs = reqUs > lowUntilUs ? reqUs : lowUntilUs;
      if (onUs < this.cutUs) onUs = this.cutUs;
      const spec = this.motors[m];
      if (this.dirState[m] !== d) {
        const setupUs = this.dirSetupQUs[m];
        let dirUs = onUs - setupUs;
        if (dirUs < this.lastOffUs[m]) dirUs = this.lastOffUs[m];
        if (dirUs < this.cutUs) dirUs = this.cutUs;
        if (onUs < dirUs + setupUs) onUs = dirUs + setupUs;
        const activeDir = d > 0 ? 1 : 0;
        this.addEdge(dirUs, spec.dirPin, spec.dirActiveLow ? 1 - activeDir : activeDir);
        this.dirState[m] = d;
      }
      const offUs = onUs + this.pulseQUs[m];
      const activeStep = spec.stepActiveLow ? 0 : 1;
      this.addEdge(onUs, spec.stepPin, activeStep);
      this.addEdge(offUs, spec.stepPin, 1 - activeStep);
      this.lastOffUs[m] = offUs;
      const s = this.stepLength++;
      this.stepReqUs[s] = reqUs;
      this.stepOnUs[s] = onUs;
      this.stepMotor[s] = m;
      this.stepDir[s] = d;
    }
    this.nextChunkUs = base + chunk.durationUs;
    const horizon = Math.round(this.nextChunkUs / res) * res;
    if (horizon > this.horizonUs) this.horizonUs = horizon;
    this.restAtEnd = chunk.endsAtRest;
  }

  /** Whether the last chunk pushed ends at rest. */
  endsAtRest(): boolean {
    return this.restAtEnd;
  }

  /** Time pushed but not yet cut into waves, µs. */
  pendingUs(): number {
    return Math.max(0, this.horizonUs - this.cutUs);
  }

  /** Whether anything (time or edges) is left to cut. */
  hasPending(): boolean {
    return this.horizonUs > this.cutUs || this.edges.length > 0;
  }

  /** Shortest wave of the fixed shape, µs: every delay pulse lasts at least 1 µs. */
  minWaveUs(): number {
    return this.shape.delayPulses;
  }

  /**
   * Cuts the next wave. 'ready': only from complete motion, and only once there is at least
   * minWaveUs of it. 'flush': also takes the trailing edges past the last chunk's end and
   * stretches the wave to minWaveUs, shifting later motion (used at rest or when the wave
   * queue is about to run dry). Returns undefined when there is nothing to cut.
   */
  takeWave(mode: CutMode): EncodedWave | undefined {
    if (!this.hasPending()) return undefined;
    const startUs = this.cutUs;
    const res = this.resolutionUs;
    const keys = this.edges.data;
    const edgeCount = this.edges.length;
    let limitUs = this.horizonUs;
    if (mode === 'flush') {
      if (edgeCount > 0) {
        const lastUs = Math.floor(keys[edgeCount - 1] / LEVEL_BITS);
        if (lastUs + res > limitUs) limitUs = lastUs + res;
      }
      if (startUs + this.shape.delayPulses > limitUs) limitUs = startUs + this.shape.delayPulses;
    }
    const maxPin = this.shape.pinPulses;
    const maxDelay = this.shape.delayPulses;
    // Walk whole same-time groups of edges within budget.
    let pinPulses = 0;
    let delayPulses = 0;
    let prevUs = startUs;
    let taken = 0;
    let endUs = limitUs;
    let budgetCut = false;
    while (taken < edgeCount) {
      const tUs = Math.floor(keys[taken] / LEVEL_BITS);
      if (tUs >= limitUs) break;
      let j = taken + 1;
      while (j < edgeCount && Math.floor(keys[j] / LEVEL_BITS) === tUs) j++;
      const segment = tUs > prevUs ? Math.ceil((tUs - prevUs) / MAX_PULSE_DELAY_US) : 0;
      if (pinPulses + (j - taken) > maxPin || delayPulses + segment + 1 > maxDelay) {
        endUs = tUs;
        budgetCut = true;
        break;
      }
      pinPulses += j - taken;
      delayPulses += segment;
      prevUs = tUs;
      taken = j;
    }
    let tail = endUs > prevUs ? Math.ceil((endUs - prevUs) / MAX_PULSE_DELAY_US) : 0;
    if (delayPulses + tail > maxDelay) {
      tail = maxDelay - delayPulses;
      endUs = prevUs + tail * MAX_PULSE_DELAY_US;
    }
    delayPulses += tail;
    const durationUs = endUs - startUs;
    if (durationUs <= 0) return undefined;
    if (mode === 'ready' && !budgetCut && durationUs < maxDelay) return undefined;
    if (endUs > this.horizonUs) {
      // Stretched past the pushed motion: later chunks start after this wave.
      this.horizonUs = endUs;
      if (this.nextChunkUs < endUs) this.nextChunkUs = endUs;
    }
    const natural = this.buildNaturalPulses(startUs, endUs, taken);
    const wave = this.pad(natural, pinPulses, delayPulses, startUs, durationUs);
    this.takeSteps(wave, endUs);
    // Drop the taken edges.
    keys.copyWithin(0, taken, edgeCount);
    this.edges.length = edgeCount - taken;
    this.cutUs = endUs;
    return wave;
  }

  /** Unpadded pulses for the edges [0, taken) over [startUs, endUs); returns their count. */
  private buildNaturalPulses(startUs: number, endUs: number, taken: number): number {
    const keys = this.edges.data;
    let n = 0;
    const pushDelay = (lengthUs: number): void => {
      let left = lengthUs;
      while (left > 0) {
        const d = left > MAX_PULSE_DELAY_US ? MAX_PULSE_DELAY_US : left;
        this.natOn[n] = 0;
        this.natOff[n] = 0;
        this.natDelay[n++] = d;
        left -= d;
      }
    };
    const firstUs = taken > 0 ? Math.floor(keys[0] / LEVEL_BITS) : endUs;
    pushDelay(firstUs - startUs);
    let i = 0;
    while (i < taken) {
      const tUs = Math.floor(keys[i] / LEVEL_BITS);
      while (i < taken && Math.floor(keys[i] / LEVEL_BITS) === tUs) {
        const low = keys[i] - tUs * LEVEL_BITS;
        const pin = low >> 1;
        const level = low & 1;
        this.natOn[n] = level === 1 ? pin : 0;
        this.natOff[n] = level === 1 ? 0 : pin;
        this.natDelay[n++] = 0;
        this.pinLevel[pin] = level; // levels as of this wave's end
        i++;
      }
      const nextUs = i < taken ? Math.floor(keys[i] / LEVEL_BITS) : endUs;
      const gap = nextUs - tUs;
      const first = gap > MAX_PULSE_DELAY_US ? MAX_PULSE_DELAY_US : gap;
      this.natDelay[n - 1] = first;
      pushDelay(gap - first);
    }
    return n;
  }

  /**
   * Brings a wave to the exact shape: 1 µs slices are split off its gaps, each either a
   * redundant write of the pad pin (a direction pin, rewritten to the level it already has)
   * or a bare delay; leftover pin pulses go at the end with no delay. Edge times never move.
   */
  private pad(
    natural: number,
    pinPulses: number,
    delayPulses: number,
    startUs: number,
    durationUs: number,
  ): EncodedWave {
    let needPin = this.shape.pinPulses - pinPulses;
    let needDelay = this.shape.delayPulses - delayPulses;
    let both = Math.min(needPin, needDelay);
    needPin -= both;
    needDelay -= both;
    const capacity = natural + both + needPin + needDelay;
    const gpioOn = new Uint8Array(capacity);
    const gpioOff = new Uint8Array(capacity);
    const usDelay = new Uint32Array(capacity);
    const pad = this.padPin;
    // The pad pin's level at the wave start: undo this wave's edges on it.
    let level = this.levelAtStart(natural);
    let n = 0;
    for (let j = 0; j < natural; j++) {
      const on = this.natOn[j];
      const off = this.natOff[j];
      gpioOn[n] = on;
      gpioOff[n] = off;
      if (on === pad) level = 1;
      else if (off === pad) level = 0;
      const gap = this.natDelay[j];
      const slices = Math.min(both + needDelay, gap - 1);
      if (slices <= 0) {
        usDelay[n++] = gap;
        continue;
      }
      usDelay[n++] = gap - slices;
      for (let s = 0; s < slices; s++) {
        if (both > 0) {
          gpioOn[n] = level === 1 ? pad : 0;
          gpioOff[n] = level === 1 ? 0 : pad;
          both--;
        }
        // else a bare 1 µs delay pulse (gpioOn = gpioOff = 0)
        else needDelay--;
        usDelay[n++] = 1;
      }
    }
    for (let s = 0; s < needPin; s++) {
      gpioOn[n] = level === 1 ? pad : 0;
      gpioOff[n] = level === 1 ? 0 : pad;
      usDelay[n++] = 0;
    }
    const regular = both === 0 && needDelay === 0;
    return {
      startUs,
      durationUs,
      pulseCount: n,
      gpioOn: gpioOn.subarray(0, n),
      gpioOff: gpioOff.subarray(0, n),
      usDelay: usDelay.subarray(0, n),
      stepCount: 0,
      stepUs: new Uint32Array(0),
      stepMotor: new Uint8Array(0),
      stepDir: new Int8Array(0),
      regular,
    };
  }

  /** The pad pin's level before the first of this wave's natural pulses. */
  private levelAtStart(natural: number): number {
    const pad = this.padPin;
    for (let j = 0; j < natural; j++) {
      if (this.natOn[j] === pad) return 0;
      if (this.natOff[j] === pad) return 1;
    }
    return this.pinLevel[pad];
  }

  /** Moves the pending steps whose rising edge is before endUs into the wave. */
  private takeSteps(wave: EncodedWave, endUs: number): void {
    const n = this.stepLength;
    let count = 0;
    let scan = 0;
    while (scan < n && this.stepReqUs[scan] < endUs) scan++;
    for (let i = 0; i < scan; i++) if (this.stepOnUs[i] < endUs) count++;
    const stepUs = new Uint32Array(count);
    const stepMotor = new Uint8Array(count);
    const stepDir = new Int8Array(count);
    let k = 0;
    let kept = 0;
    for (let i = 0; i < n; i++) {
      if (i < scan && this.stepOnUs[i] < endUs) {
        stepUs[k] = this.stepOnUs[i] - wave.startUs;
        stepMotor[k] = this.stepMotor[i];
        stepDir[k++] = this.stepDir[i];
      } else {
        this.stepReqUs[kept] = this.stepReqUs[i];
        this.stepOnUs[kept] = this.stepOnUs[i];
        this.stepMotor[kept] = this.stepMotor[i];
        this.stepDir[kept++] = this.stepDir[i];
      }
    }
    this.stepLength = kept;
    wave.stepCount = count;
    wave.stepUs = stepUs;
    wave.stepMotor = stepMotor;
    wave.stepDir = stepDir;
  }

  private addEdge(timeUs: number, pin: number, level: number): void {
    const list = this.edges;
    const data = list.data;
    const key = timeUs * LEVEL_BITS + pin * 2 + level;
    let i = list.length++;
    // Nearly sorted already: off edges trail their on edge by a pulse width.
    while (i > 0 && data[i - 1] > key) {
      data[i] = data[i - 1];
      i--;
    }
    data[i] = key;
  }

  private reserveSteps(extra: number): void {
    const need = this.stepLength + extra;
    if (need <= this.stepOnUs.length) return;
    const size = Math.max(need, this.stepOnUs.length * 2);
    const grow = <T extends Float64Array | Uint8Array | Int8Array>(
      a: T,
      make: (n: number) => T,
    ): T => {
      const b = make(size);
      b.set(a.subarray(0, this.stepLength));
      return b;
    };
    this.stepReqUs = grow(this.stepReqUs, (s) => new Float64Array(s));
    this.stepOnUs = grow(this.stepOnUs, (s) => new Float64Array(s));
    this.stepMotor = grow(this.stepMotor, (s) => new Uint8Array(s));
    this.stepDir = grow(this.stepDir, (s) => new Int8Array(s));
  }
}

/** The wave as waveAddGeneric's pulse objects (built only when the wave is created). */
export function wavePulses(wave: EncodedWave): PigpioPulse[] {
  const pulses = new Array<PigpioPulse>(wave.pulseCount);
  for (let i = 0; i < wave.pulseCount; i++) {
    pulses[i] = { gpioOn: wave.gpioOn[i], gpioOff: wave.gpioOff[i], usDelay: wave.usDelay[i] };
  }
  return pulses;
}
