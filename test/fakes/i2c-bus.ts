// A recording fake of the `i2c-bus` module's promise API: devices are 256-byte register files
// at addresses; every transaction is recorded as the bytes a logic analyser would show
// (address, register, data). An address with no device fails like a real bus (EREMOTEIO).
import type { I2cBusLike, I2cBusModule } from '../../hal/i2c/bus.js';

export interface I2cTransaction {
  op: 'write' | 'read';
  address: number;
  register: number;
  bytes: number[];
}

/** A device on the fake bus; onRead may update registers as a read happens (e.g. clear flags). */
export interface FakeI2cDevice {
  registers: Uint8Array;
  onRead?: (register: number, length: number) => void;
}

export class FakeI2cBus implements I2cBusLike {
  readonly log: I2cTransaction[] = [];
  readonly devices = new Map<number, FakeI2cDevice>();
  closed = false;

  addDevice(address: number, onRead?: FakeI2cDevice['onRead']): FakeI2cDevice {
    const device = { registers: new Uint8Array(256), onRead };
    this.devices.set(address, device);
    return device;
  }

  /** Writes to one address, optionally from one register on. */
  writes(address: number, register?: number): number[][] {
    return this.log
      .filter(
        (t) =>
          t.op === 'write' &&
          t.address === address &&
          (register === undefined || t.register === register),
      )
      .map((t) => t.bytes);
  }

  private device(address: number): FakeI2cDevice {
    const device = this.devices.get(address);
    if (device === undefined) {
      throw Object.assign(new Error('EREMOTEIO, Remote I/O error'), { code: 'EREMOTEIO' });
    }
    return device;
  }

  async writeByte(address: number, register: number, byte: number): Promise<void> {
    this.log.push({ op: 'write', address, register, bytes: [byte] });
    this.device(address).registers[register] = byte;
  }

  async readByte(address: number, register: number): Promise<number> {
    const device = this.device(address);
    device.onRead?.(register, 1);
    this.log.push({ op: 'read', address, register, bytes: [device.registers[register]] });
    return device.registers[register];
  }

  async writeI2cBlock(
    address: number,
    register: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesWritten: number; buffer: Buffer }> {
    const bytes = Array.from(buffer.subarray(0, length));
    this.log.push({ op: 'write', address, register, bytes });
    this.device(address).registers.set(bytes, register);
    return { bytesWritten: length, buffer };
  }

  async readI2cBlock(
    address: number,
    register: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesRead: number; buffer: Buffer }> {
    const device = this.device(address);
    const bytes = Array.from(device.registers.subarray(register, register + length));
    device.onRead?.(register, length);
    buffer.set(bytes);
    this.log.push({ op: 'read', address, register, bytes });
    return { bytesRead: length, buffer };
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}

/** The module: openPromisified(n) gives the bus of that number (ENOENT for others). */
export function fakeI2cModule(buses: Map<number, FakeI2cBus>): I2cBusModule {
  return {
    async openPromisified(busNumber: number) {
      const bus = buses.get(busNumber);
      if (bus === undefined) {
        throw Object.assign(
          new Error(`ENOENT: no such file or directory, open '/dev/i2c-${busNumber}'`),
          {
            code: 'ENOENT',
          },
        );
      }
      return bus as unknown as Awaited<ReturnType<I2cBusModule['openPromisified']>>;
    },
  };
}
