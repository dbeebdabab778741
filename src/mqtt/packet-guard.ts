// A size guard between a client's socket and the embedded broker: it reads each MQTT packet's
// fixed header (type byte, then the remaining length, MQTT 3.1.1 section 2.2.3) as the bytes
// arrive, and drops the connection as soon as a packet announces more bytes than may be
// accepted now. Without it, aedes would buffer and parse the whole packet (a 60 MiB job took
// the daemon to 1.1 GB and stalled its event loop for seconds) before anything could refuse it.
import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

type HeaderState = 'type' | 'length' | 'body';

/** Tracks packet boundaries in a byte stream and checks each packet's announced length. */
export class PacketSizeScanner {
  private state: HeaderState = 'type';
  private lengthBytes = 0;
  private multiplier = 1;
  private remaining = 0;

  constructor(private readonly maxPacketBytes: () => number) {}

  /** Scans the next bytes; false when a packet is too large or its header is malformed. */
  scan(bytes: Uint8Array): boolean {
    let i = 0;
    while (i < bytes.length) {
      switch (this.state) {
        case 'type':
          i++;
          this.state = 'length';
          this.lengthBytes = 0;
          this.multiplier = 1;
          this.remaining = 0;
          break;
        case 'length': {
          const byte = bytes[i++];
          this.remaining += (byte & 0x7f) * this.multiplier;
          this.multiplier *= 128;
          this.lengthBytes++;
          if ((byte & 0x80) !== 0) {
            // The remaining length takes at most four bytes.
            if (this.lengthBytes >= 4) return false;
            break;
          }
          if (this.remaining > this.maxPacketBytes()) return false;
          this.state = this.remaining > 0 ? 'body' : 'type';
          break;
        }
        case 'body': {
          const take = Math.min(this.remaining, bytes.length - i);
          i += take;
          this.remaining -= take;
          if (this.remaining === 0) this.state = 'type';
          break;
        }
      }
    }
    return true;
  }
}

/**
 * The socket as a Duplex for aedes, passing bytes through unchanged until a packet is too
 * large: then the socket is destroyed before the packet's body is read.
 */
export function guardPacketSize(socket: Socket, maxPacketBytes: () => number): Duplex {
  const scanner = new PacketSizeScanner(maxPacketBytes);
  const guarded = new Duplex({
    read() {
      socket.resume();
    },
    write(chunk: Buffer, _encoding, done) {
      socket.write(chunk, (err) => done(err ?? null));
    },
    final(done) {
      socket.end(() => done());
    },
    destroy(err, done) {
      socket.destroy();
      done(err);
    },
  });
  socket.on('data', (bytes: Buffer) => {
    if (!scanner.scan(bytes)) {
      guarded.destroy();
      return;
    }
    if (!guarded.push(bytes)) socket.pause();
  });
  socket.on('end', () => guarded.push(null));
  socket.on('close', () => guarded.destroy());
  socket.on('error', (err) => guarded.destroy(err));
  return guarded;
}
