// i2c-bus's promise API (openPromisified) behind hal's I2cBus. The npm package is loaded
// lazily by the board; tests hand in a recording fake with the same method names.
import type { PromisifiedBus } from 'i2c-bus';
import type { I2cBus } from '../types.js';

/** The part of the `i2c-bus` module the i2c backend uses. */
export interface I2cBusModule {
  openPromisified(busNumber: number): Promise<PromisifiedBus>;
}

/** The subset of i2c-bus's PromisifiedBus the wrapper calls (a fake implements only this). */
export type I2cBusLike = Pick<
  PromisifiedBus,
  'writeByte' | 'readByte' | 'writeI2cBlock' | 'readI2cBlock' | 'close'
>;

/** hal's byte-level I2C view of an i2c-bus PromisifiedBus. */
export class I2cBusAdapter implements I2cBus {
  constructor(private readonly bus: I2cBusLike) {}

  writeByte(address: number, register: number, value: number): Promise<void> {
    return this.bus.writeByte(address, register, value);
  }

  readByte(address: number, register: number): Promise<number> {
    return this.bus.readByte(address, register);
  }

  async writeBlock(address: number, register: number, data: Uint8Array): Promise<void> {
    const buffer = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    await this.bus.writeI2cBlock(address, register, buffer.length, buffer);
  }

  async readBlock(address: number, register: number, length: number): Promise<Uint8Array> {
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.bus.readI2cBlock(address, register, length, buffer);
    if (bytesRead !== length) {
      throw new Error(
        `I2C read of ${length} bytes from 0x${address.toString(16)} register 0x${register.toString(16)} returned ${bytesRead}`,
      );
    }
    return new Uint8Array(buffer.buffer, buffer.byteOffset, length);
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}
