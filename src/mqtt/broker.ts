// The embedded broker (aedes) that serves when no `mqtt.url` is configured, so one process
// runs the whole thing. It listens on loopback only, speaks MQTT 3.1.1, and enforces the
// access rules of broker-access.ts.
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import {
  brokerAccessHandlers,
  makeDaemonLogin,
  type BrokerAccess,
  type DaemonLogin,
} from './broker-access.js';
import { guardPacketSize } from './packet-guard.js';

/** A running embedded broker. */
export interface EmbeddedBroker {
  /** `mqtt://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** The login the daemon's own client must use (made fresh at each start). */
  daemonLogin: DaemonLogin;
  close(): Promise<void>;
}

/** Starts aedes on 127.0.0.1:`port` (0: any free port); rejects when the port is taken. */
export async function startEmbeddedBroker(
  port: number,
  access: BrokerAccess,
  /** The largest packet a client may send now, bytes; a larger one drops its connection. */
  maxPacketBytes: () => number = () => Infinity,
): Promise<EmbeddedBroker> {
  const daemonLogin = makeDaemonLogin();
  const broker = await Aedes.createBroker(brokerAccessHandlers(access, daemonLogin));
  const server = createServer((socket) => broker.handle(guardPacketSize(socket, maxPacketBytes)));
  const sockets = new Set<Socket>();
  server.on('connection', (socket) => {
    // Small MQTT packets must not wait for Nagle's algorithm (40 ms per hop on loopback).
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await new Promise<void>((resolve) => broker.close(() => resolve()));
    const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
    const hint = inUse
      ? ` (port in use: to use the broker already there set mqtt.url: mqtt://127.0.0.1:${port};` +
        ' to run the embedded one elsewhere set mqtt.embeddedPort, 0 for any free port)'
      : '';
    throw new Error(`embedded MQTT broker cannot listen on 127.0.0.1:${port}${hint}`, {
      cause: err,
    });
  }
  // A client's broken socket must not take the process down.
  server.on('error', () => undefined);
  const actualPort = (server.address() as AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${actualPort}`,
    port: actualPort,
    daemonLogin,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
