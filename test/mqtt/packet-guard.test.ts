import { describe, expect, it } from 'vitest';
import { PacketSizeScanner } from '../../src/mqtt/packet-guard.js';

// Fixed headers per MQTT 3.1.1 section 2.2: a type byte, then the remaining length in 1-4
// bytes of 7 bits each, least significant first, the top bit saying "more follows".
describe('PacketSizeScanner', () => {
  it('refuses a packet that announces more than the limit, at its header', () => {
    const scanner = new PacketSizeScanner(() => 1000);
    // PUBLISH, remaining length 2000 = 0xD0 0x0F.
    expect(scanner.scan(Uint8Array.from([0x30, 0xd0, 0x0f]))).toBe(false);
  });

  it('follows packet boundaries across chunks, whatever the split', () => {
    const stream = Uint8Array.from([
      ...[0x10, 0x05, 1, 2, 3, 4, 5], // CONNECT, 5 bytes
      ...[0x30, 0x82, 0x01, ...new Array<number>(130).fill(7)], // PUBLISH, 130 bytes
      ...[0xc0, 0x00], // PINGREQ, empty
      ...[0x30, 0x90, 0x4e], // PUBLISH announcing 10,000 bytes
    ]);
    for (let split = 1; split < stream.length; split++) {
      const scanner = new PacketSizeScanner(() => 200);
      const first = scanner.scan(stream.subarray(0, split));
      const second = first && scanner.scan(stream.subarray(split));
      expect(second).toBe(false);
      const lenient = new PacketSizeScanner(() => 20_000);
      expect(lenient.scan(stream.subarray(0, split)) && lenient.scan(stream.subarray(split))).toBe(
        true,
      );
    }
  });

  it('refuses a remaining length longer than four bytes', () => {
    const scanner = new PacketSizeScanner(() => Infinity);
    expect(scanner.scan(Uint8Array.from([0x30, 0xff, 0xff, 0xff, 0xff]))).toBe(false);
  });
});
