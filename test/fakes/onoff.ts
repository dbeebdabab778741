// A recording fake of the `onoff` module: Gpio objects by their sysfs number, every write
// with the clock time it happened at, and a hook to change an input's level (which calls the
// watchers, as onoff's epoll does).
import type { BinaryValue, Direction, Edge, Options, ValueCallback } from 'onoff';
import type { OnoffGpio, OnoffModule } from '../../hal/gpiochip/board.js';

export class FakeOnoffGpio implements OnoffGpio {
  value: BinaryValue = 0;
  readonly writes: Array<{ value: BinaryValue; atUs: number }> = [];
  private readonly watchers: ValueCallback[] = [];
  exported = true;

  constructor(
    readonly gpio: number,
    readonly direction: Direction,
    readonly edge: Edge | undefined,
    readonly options: Options | undefined,
    private readonly nowUs: () => number,
  ) {}

  readSync(): BinaryValue {
    return this.value;
  }
  writeSync(value: BinaryValue): void {
    this.value = value;
    this.writes.push({ value, atUs: this.nowUs() });
  }
  watch(callback: ValueCallback): void {
    this.watchers.push(callback);
  }
  unwatchAll(): void {
    this.watchers.length = 0;
  }
  unexport(): void {
    this.exported = false;
  }
  /** Test hook: the input pin changes level. */
  set(value: BinaryValue): void {
    this.value = value;
    for (const w of this.watchers) w(null, value);
  }
}

export class FakeOnoff {
  readonly gpios = new Map<number, FakeOnoffGpio>();

  constructor(private readonly nowUs: () => number) {}

  asModule(): OnoffModule {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const owner = this;
    class Gpio extends FakeOnoffGpio {
      static readonly accessible = true;
      constructor(gpio: number, direction: Direction, edge?: Edge, options?: Options) {
        super(gpio, direction, edge, options, owner.nowUs);
        owner.gpios.set(gpio, this);
      }
    }
    return { Gpio };
  }
}
