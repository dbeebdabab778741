// MCP23017 16-bit I/O expander (Microchip DS20001952), IOCON.BANK = 0: port A and B
// registers sit in pairs (A at the even address), so one 2-byte auto-increment access covers
// both ports. Pins 0..7 are GPA0..7, 8..15 GPB0..7.
//
// Change detection polls: every interval it reads INTF (which pins changed since the last
// read) and, when any did, INTCAP (the port levels latched at that change, which also clears
// the interrupt), then GPIO for the present levels. A pulse shorter than the interval is
// still seen through INTCAP; the INT pins need no wiring.
import { EventEmitter } from 'node:events';
import type { Clock, I2cBus, TimerHandle } from '../types.js';

export const IODIRA = 0x00;
export const IPOLA = 0x02;
export const GPINTENA = 0x04;
export const DEFVALA = 0x06;
export const INTCONA = 0x08;
export const IOCON = 0x0a;
export const GPPUA = 0x0c;
export const INTFA = 0x0e;
export const INTCAPA = 0x10;
export const GPIOA = 0x12;
export const OLATA = 0x14;

export interface Mcp23017Events {
  /** A pin's level changed: pin 0..15, level 0/1, clock time µs. */
  change: [pin: number, level: number, timeUs: number];
  /** A poll failed (bus error): the poll continues. */
  error: [error: Error];
}

/** The two bytes (A, B) of a 16-bit pin mask. */
function pair(mask: number): Uint8Array {
  return Uint8Array.of(mask & 0xff, (mask >> 8) & 0xff);
}

/** One MCP23017 at an address on a bus. */
export class Mcp23017 extends EventEmitter<Mcp23017Events> {
  private inputMask = 0;
  private olat = 0;
  private levels = 0;
  private timer: TimerHandle | undefined;
  private polling = false;
  private pollClock: Clock | undefined;

  constructor(
    private readonly bus: I2cBus,
    readonly address: number,
  ) {
    super();
    if (!(Number.isInteger(address) && address >= 0x20 && address <= 0x27)) {
      throw new RangeError(`MCP23017: I2C address 0x${address.toString(16)} is not 0x20..0x27`);
    }
  }

  /**
   * Sets directions (1 bits of inputMask are inputs), pull-ups (100 kΩ, 1 bits of pullUpMask)
   * and the initial output latch; arms interrupt-on-change (against the previous level) on
   * every input, and reads the present levels.
   */
  async configure(inputMask: number, pullUpMask: number, outputLevels = 0): Promise<void> {
    this.inputMask = inputMask & 0xffff;
    this.olat = outputLevels & ~this.inputMask & 0xffff;
    await this.bus.writeBlock(this.address, OLATA, pair(this.olat));
    await this.bus.writeBlock(this.address, IODIRA, pair(this.inputMask));
    await this.bus.writeBlock(this.address, GPPUA, pair(pullUpMask & this.inputMask));
    await this.bus.writeBlock(this.address, INTCONA, pair(0));
    await this.bus.writeBlock(this.address, GPINTENA, pair(this.inputMask));
    this.levels = await this.readAll();
  }

  /** Levels of all 16 pins as last read (bit n = pin n). */
  lastLevels(): number {
    return this.levels;
  }

  /** Reads the GPIO registers of both ports. */
  async readAll(): Promise<number> {
    const bytes = await this.bus.readBlock(this.address, GPIOA, 2);
    return bytes[0] | (bytes[1] << 8);
  }

  /** Drives an output pin through the output latch (OLAT) of its port. */
  async write(pin: number, level: number): Promise<void> {
    checkPin(pin);
    if ((this.inputMask >> pin) & 1) throw new RangeError(`MCP23017: pin ${pin} is an input`);
    this.olat = level ? this.olat | (1 << pin) : this.olat & ~(1 << pin);
    const port = pin < 8 ? 0 : 1;
    await this.bus.writeByte(this.address, OLATA + port, (this.olat >> (8 * port)) & 0xff);
  }

  /** Starts polling every intervalUs of clock time; change events follow. */
  startPolling(clock: Clock, intervalUs: number): void {
    this.stopPolling();
    this.pollClock = clock;
    const tick = (): void => {
      this.timer = clock.setTimer(intervalUs, tick);
      if (this.polling) return; // the previous poll is still on the bus
      this.polling = true;
      this.poll(clock.nowUs())
        .catch((err: unknown) =>
          this.emit('error', err instanceof Error ? err : new Error(String(err))),
        )
        .finally(() => (this.polling = false));
    };
    this.timer = clock.setTimer(intervalUs, tick);
  }

  stopPolling(): void {
    if (this.timer !== undefined) this.pollClock?.clearTimer(this.timer);
    this.timer = undefined;
  }

  /** One poll: INTF, then INTCAP when flagged, then GPIO; emits every level change. */
  async poll(timeUs: number): Promise<void> {
    const flags = await this.bus.readBlock(this.address, INTFA, 2);
    const flagged = (flags[0] | (flags[1] << 8)) & this.inputMask;
    if (flagged !== 0) {
      const cap = await this.bus.readBlock(this.address, INTCAPA, 2);
      this.update((cap[0] | (cap[1] << 8)) & flagged, flagged, timeUs);
    }
    const now = await this.readAll();
    this.update(now, this.inputMask, timeUs);
  }

  private update(values: number, mask: number, timeUs: number): void {
    const changed = (values ^ this.levels) & mask;
    if (changed === 0) return;
    this.levels = (this.levels & ~mask) | (values & mask);
    for (let pin = 0; pin < 16; pin++) {
      if ((changed >> pin) & 1) this.emit('change', pin, (values >> pin) & 1, timeUs);
    }
  }
}

function checkPin(pin: number): void {
  if (!(Number.isInteger(pin) && pin >= 0 && pin <= 15)) {
    throw new RangeError(`MCP23017: pin ${pin} is not 0..15`);
  }
}
