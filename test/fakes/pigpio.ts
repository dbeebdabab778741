// A recording fake of the npm `pigpio` module: the functions the pigpio backend uses, with
// pigpio's own rules where they matter to a stream: a waveform's control-block and OOL
// accounting, reuse of a deleted wave's resources only by a wave of exactly the same size
// (or after every later wave is deleted), the 12,000-pulse limit, ONE_SHOT_SYNC chaining,
// waveTxAt throwing when nothing is on air, uint32 ticks. Time comes from a test's clock.
import { EventEmitter } from 'node:events';
import type { PigpioGpioOptions, PigpioModule, PigpioPulse } from '../../hal/pigpio/module.js';

const NUM_WAVE_CBS = 25_016;
const FIRST_WAVE_CB = 236;
const MAX_PULSES = 12_000;

interface FakeWave {
  pulses: PigpioPulse[];
  durationUs: number;
  numCB: number;
  numBOOL: number;
  botCB: number;
  deleted: boolean;
}

interface TxEntry {
  id: number;
  wave: FakeWave;
  startUs: number;
  /** Play stops here (waveTxStop), else at startUs + durationUs. */
  endUs: number;
}

export interface FakeCall {
  fn: string;
  args: unknown[];
  atUs: number;
}

/** pigpio's software PWM frequencies at a sample clock (µs), highest first. */
export function softPwmFrequencies(sampleUs: number): number[] {
  const divisors = [1, 2, 4, 5, 8, 10, 16, 20, 25, 32, 40, 50, 80, 100, 160, 200, 400, 800];
  return divisors.map((d) => Math.round(40_000 / sampleUs / d));
}

export class FakeGpio extends EventEmitter {
  modeValue: number | undefined;
  pull: number | undefined;
  level = 0;
  writes: number[] = [];
  pwmFrequencyHz = 0;
  pwmRangeValue = 255;
  pwmDuty = 0;
  pwmWrites: number[] = [];
  glitchUs = 0;
  alertEnabled = false;

  constructor(
    readonly gpio: number,
    options: PigpioGpioOptions | undefined,
    private readonly owner: FakePigpio,
  ) {
    super();
    if (!owner.initialized) owner.initialize();
    owner.gpios.set(gpio, this);
    this.modeValue = options?.mode;
    this.pull = options?.pullUpDown;
    if (options?.pullUpDown === 2) this.level = 1;
    if (options?.alert === true) this.alertEnabled = true;
  }
  digitalWrite(level: number): this {
    this.level = level;
    this.writes.push(level);
    this.owner.record('digitalWrite', [this.gpio, level]);
    return this;
  }
  digitalRead(): number {
    return this.level;
  }
  pwmWrite(duty: number): this {
    this.pwmDuty = duty;
    this.pwmWrites.push(duty);
    this.owner.record('pwmWrite', [this.gpio, duty]);
    return this;
  }
  pwmRange(range: number): this {
    this.pwmRangeValue = range;
    this.owner.record('pwmRange', [this.gpio, range]);
    return this;
  }
  pwmFrequency(hz: number): this {
    const table = softPwmFrequencies(this.owner.sampleUs);
    let best = table[0];
    for (const f of table) if (Math.abs(f - hz) < Math.abs(best - hz)) best = f;
    this.pwmFrequencyHz = best;
    this.owner.record('pwmFrequency', [this.gpio, hz]);
    return this;
  }
  getPwmFrequency(): number {
    return this.pwmFrequencyHz;
  }
  getPwmRealRange(): number {
    return Math.round(1_000_000 / (this.owner.sampleUs * this.pwmFrequencyHz));
  }
  glitchFilter(steadyUs: number): this {
    this.glitchUs = steadyUs;
    this.owner.record('glitchFilter', [this.gpio, steadyUs]);
    return this;
  }
  enableAlert(): this {
    this.alertEnabled = true;
    return this;
  }
  disableAlert(): this {
    this.alertEnabled = false;
    return this;
  }
  /** Test hook: the pin changes level at a tick, as pigpio reports it. */
  simulateAlert(level: number, tick: number): void {
    this.level = level;
    if (this.alertEnabled) this.emit('alert', level, tick);
  }
}

/** The fake module; `asModule()` gives it the PigpioModule type. */
export class FakePigpio {
  readonly calls: FakeCall[] = [];
  readonly gpios = new Map<number, FakeGpio>();
  /** Every wave created, by creation order, with the id it got. */
  readonly created: Array<{ id: number; pulses: PigpioPulse[]; numCB: number }> = [];
  readonly sends: Array<{ id: number; mode: number; atUs: number }> = [];
  readonly deletes: number[] = [];
  /** Every transmission that started, for the pins' played history. */
  readonly played: TxEntry[] = [];
  initialized = false;
  sampleUs = 5;
  tickOffset = 0;
  private current: PigpioPulse[] = [];
  private waves: FakeWave[] = [];
  private botCB = FIRST_WAVE_CB;
  private tx: TxEntry[] = [];
  private lastSent: FakeWave | undefined;

  readonly CLOCK_PCM = 1;
  readonly WAVE_MODE_ONE_SHOT = 0;
  readonly WAVE_MODE_ONE_SHOT_SYNC = 2;
  readonly Gpio: PigpioModule['Gpio'];

  constructor(private readonly nowUs: () => number) {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const owner = this;
    class Gpio extends FakeGpio {
      static readonly INPUT = 0;
      static readonly OUTPUT = 1;
      static readonly PUD_OFF = 0;
      static readonly PUD_UP = 2;
      constructor(gpio: number, options?: PigpioGpioOptions) {
        super(gpio, options, owner);
      }
    }
    this.Gpio = Gpio;
  }

  asModule(): PigpioModule {
    return this as unknown as PigpioModule;
  }

  record(fn: string, args: unknown[]): void {
    this.calls.push({ fn, args, atUs: this.nowUs() });
  }

  configureClock(us: number, peripheral: number): void {
    if (this.initialized) throw new Error('pigpio: configureClock after initialise');
    this.sampleUs = us;
    this.record('configureClock', [us, peripheral]);
  }
  initialize(): void {
    this.initialized = true;
    this.record('initialize', []);
  }
  terminate(): void {
    this.initialized = false;
    this.record('terminate', []);
  }
  getTick(): number {
    return (Math.floor(this.nowUs()) + this.tickOffset) >>> 0;
  }
  waveClear(): void {
    this.current = [];
    this.waves = [];
    this.botCB = FIRST_WAVE_CB;
    this.lastSent = undefined;
    this.record('waveClear', []);
  }
  waveAddGeneric(pulses: PigpioPulse[]): number {
    for (const p of pulses) {
      for (const v of [p.gpioOn, p.gpioOff, p.usDelay]) {
        if (!(Number.isInteger(v) && v >= 0)) throw new Error('gpioWaveAddGeneric EINVAL');
      }
    }
    if (this.current.length > 0) throw new Error('fake: one waveAddGeneric per wave expected');
    if (pulses.length > MAX_PULSES) throw new Error('pigpio error -36 in gpioWaveAddGeneric');
    this.current = pulses;
    this.record('waveAddGeneric', [pulses.length]);
    return pulses.length;
  }
  waveCreate(): number {
    const pulses = this.current;
    if (pulses.length === 0) throw new Error('pigpio error -69 in gpioWaveCreate');
    let numCB = 1;
    let numBOOL = 0;
    let durationUs = 0;
    for (const p of pulses) {
      if (p.gpioOn !== 0) numBOOL++;
      if (p.gpioOff !== 0) numBOOL++;
      if (p.gpioOn !== 0 || p.gpioOff !== 0) numCB++;
      if (p.usDelay > 0) numCB++;
      durationUs += p.usDelay;
    }
    let id = this.waves.findIndex((w) => w.deleted && w.numCB === numCB && w.numBOOL === numBOOL);
    if (id < 0) {
      if (this.botCB + numCB > NUM_WAVE_CBS) throw new Error('pigpio error -67 in gpioWaveCreate');
      if (this.waves.length >= 250) throw new Error('pigpio error -70 in gpioWaveCreate');
      id = this.waves.length;
      this.waves.push({ pulses, durationUs, numCB, numBOOL, botCB: this.botCB, deleted: false });
      this.botCB += numCB;
    } else {
      const slot = this.waves[id];
      this.waves[id] = { ...slot, pulses, durationUs, deleted: false };
    }
    this.current = [];
    this.created.push({ id, pulses, numCB });
    this.record('waveCreate', [id]);
    return id;
  }
  waveDelete(id: number): void {
    const wave = this.waves[id];
    if (wave === undefined || wave.deleted) throw new Error('pigpio error -66 in gpioWaveDelete');
    const now = this.nowUs();
    if (this.tx.some((t) => t.wave === wave && t.endUs > now)) {
      throw new Error(`fake: wave ${id} deleted while on air or queued`);
    }
    wave.deleted = true;
    this.deletes.push(id);
    this.record('waveDelete', [id]);
    if (id === this.waves.length - 1) {
      let top = id;
      while (top > 0 && this.waves[top - 1].deleted) top--;
      this.botCB = this.waves[top].botCB;
      this.waves.length = top;
    }
  }
  waveTxSend(id: number, mode: number): number {
    const wave = this.waves[id];
    if (wave === undefined || wave.deleted) throw new Error('pigpio error -66 in gpioWaveTxSend');
    const now = this.nowUs();
    this.sends.push({ id, mode, atUs: now });
    this.record('waveTxSend', [id, mode]);
    if (mode === this.WAVE_MODE_ONE_SHOT_SYNC) {
      if (this.lastSent !== undefined && this.lastSent.botCB === wave.botCB) {
        // pigpio would point this wave's own last control block at its start: it would loop.
        throw new Error('fake: SYNC send of a wave in the control blocks of the last one sent');
      }
      const last = this.tx[this.tx.length - 1];
      const startUs = last !== undefined && last.endUs > now ? last.endUs : now;
      this.startTx(id, wave, startUs);
    } else {
      for (const t of this.tx) if (t.endUs > now) t.endUs = Math.max(t.startUs, now);
      this.tx = [];
      this.startTx(id, wave, now);
    }
    this.lastSent = wave;
    return wave.numCB;
  }
  waveTxAt(): number {
    const now = this.nowUs();
    const on = this.tx.find((t) => t.startUs <= now && now < t.endUs);
    if (on === undefined) throw new Error('pigpio error 9999 in gpioWaveTxAt');
    return on.id;
  }
  waveTxBusy(): number {
    const now = this.nowUs();
    return this.tx.some((t) => now < t.endUs) ? 1 : 0;
  }
  waveTxStop(): void {
    const now = this.nowUs();
    for (const t of this.tx) t.endUs = Math.min(t.endUs, Math.max(t.startUs, now));
    this.tx = [];
    this.record('waveTxStop', []);
  }
  waveGetMaxCbs(): number {
    return NUM_WAVE_CBS;
  }

  /** Control blocks in use by waves not garbage-collected. */
  controlBlocksInUse(): number {
    return this.botCB - FIRST_WAVE_CB;
  }

  /**
   * Edges the pins saw from the waves played so far (up to now or the stop): absolute µs,
   * GPIO, level. Pad writes that do not change a level are left out.
   */
  playedEdges(): Array<{ timeUs: number; gpio: number; level: number }> {
    const now = this.nowUs();
    const levels = new Map<number, number>();
    for (const [gpio, g] of this.gpios) levels.set(gpio, g.writes[0] ?? g.level);
    const edges: Array<{ timeUs: number; gpio: number; level: number }> = [];
    for (const t of this.played) {
      const endUs = Math.min(t.endUs, now);
      let timeUs = t.startUs;
      for (const p of t.wave.pulses) {
        if (timeUs > endUs || (timeUs === endUs && endUs < t.startUs + t.wave.durationUs)) break;
        for (const [gpio, level] of [
          [p.gpioOn, 1],
          [p.gpioOff, 0],
        ]) {
          if (gpio !== 0 && levels.get(gpio) !== level) {
            levels.set(gpio, level);
            edges.push({ timeUs, gpio, level });
          }
        }
        timeUs += p.usDelay;
      }
    }
    return edges;
  }

  private startTx(id: number, wave: FakeWave, startUs: number): void {
    const entry = { id, wave, startUs, endUs: startUs + wave.durationUs };
    this.tx.push(entry);
    this.played.push(entry);
  }
}
