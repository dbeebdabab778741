// A Firmata IO for tests, as johnny-five's own tests build one: firmata.js's Firmata class
// over mock-firmata's MockSerialPort, whose writes are recorded as the bytes the Arduino
// would receive. The handshake (version, firmware) is acknowledged by emitting its events,
// and capabilities are given up front, so no real serial port or timer is involved.
import { createRequire } from 'node:module';
import type { EventEmitter } from 'node:events';
import type { FirmataIo, FirmataPin } from '../../hal/firmata/io.js';

const require = createRequire(import.meta.url);

type SerialPortCtor = new (path: string) => EventEmitter & {
  write: (data: Buffer, callback?: () => void) => void;
  close?: (callback?: () => void) => void;
};
type FirmataCtor = new (
  transport: object,
  options: {
    skipCapabilities: boolean;
    pins: FirmataPin[];
    analogPins: number[];
    reportVersionTimeout: number;
  },
) => FirmataIo;

const { SerialPort: MockSerialPort } = require('mock-firmata') as { SerialPort: SerialPortCtor };
const bindTransport = require('firmata-io') as (transport: unknown) => FirmataCtor;
const Firmata = bindTransport(MockSerialPort);

export interface RecordingFirmata {
  io: FirmataIo;
  /** Every message written to the serial port, as byte arrays. */
  sent: number[][];
  /** Feeds bytes from the "Arduino" to the host. */
  receive(bytes: number[]): void;
}

/** An Uno-like pin table (20 pins); stepperPins also report the STEPPER mode (0x08). */
export function recordingFirmata(stepperPins: number[] = []): RecordingFirmata {
  const port = new MockSerialPort('/dev/ttyFAKE');
  const sent: number[][] = [];
  port.write = (data: Buffer, callback?: () => void) => {
    sent.push(Array.from(data));
    callback?.();
  };
  port.close = (callback?: () => void) => callback?.();
  const pins: FirmataPin[] = [];
  for (let pin = 0; pin < 20; pin++) {
    const modes = [0x00, 0x01, 0x0b];
    if ([3, 5, 6, 9, 10, 11].includes(pin)) modes.push(0x03);
    if (stepperPins.includes(pin)) modes.push(0x08);
    pins.push({ supportedModes: modes });
  }
  const io = new Firmata(port, {
    skipCapabilities: true,
    pins,
    analogPins: [14, 15, 16, 17, 18, 19],
    reportVersionTimeout: 60_000,
  });
  io.emit('reportversion');
  io.emit('queryfirmware');
  return {
    io,
    sent,
    receive: (bytes) => {
      port.emit('data', Buffer.from(bytes));
    },
  };
}
