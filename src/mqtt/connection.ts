// MQTT.js client options from the config: which broker, which protocol version, the
// credentials, TLS material read from files, and the last will on the status topic.
import { readFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import type { IClientOptions, MqttClient } from 'mqtt';
import type { MachineConfig } from '../config/schema.js';
import { ConfigError } from '../config/errors.js';

/** The payloads of the `status` topic. */
export const STATUS_ONLINE = 'online';
export const STATUS_OFFLINE = 'offline';

async function readTlsFile(key: string, path: string | undefined): Promise<Buffer | undefined> {
  if (path === undefined) return undefined;
  try {
    return await readFile(path);
  } catch (err) {
    throw new ConfigError('(mqtt config)', [
      { key: `mqtt.tls.${key}`, message: `cannot read ${path}: ${(err as Error).message}` },
    ]);
  }
}

/**
 * Options for the machine's own client. MQTT 5 for a configured broker; 3.1.1 for the
 * embedded one (aedes refuses 5). Reconnection is driven by the adapter, with backoff.
 */
export async function machineClientOptions(
  mqtt: MachineConfig['mqtt'],
  machineId: string,
  statusTopic: string,
  embedded: boolean,
): Promise<IClientOptions> {
  const [ca, cert, key] = await Promise.all([
    readTlsFile('ca', mqtt.tls?.ca),
    readTlsFile('cert', mqtt.tls?.cert),
    readTlsFile('key', mqtt.tls?.key),
  ]);
  return {
    protocolVersion: embedded ? 4 : 5,
    clientId: `minifactory-${machineId}`,
    clean: true,
    keepalive: 15,
    connectTimeout: 5000,
    // 0: MQTT.js does not retry by itself; the adapter reconnects with a growing delay.
    reconnectPeriod: 0,
    resubscribe: false,
    ...(mqtt.username === undefined ? {} : { username: mqtt.username }),
    ...(mqtt.password === undefined ? {} : { password: mqtt.password }),
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    will: { topic: statusTopic, payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true },
  };
}

/**
 * Turns off Nagle's algorithm on the client's socket (TCP or TLS). MQTT.js writes a packet's
 * header and body separately, and without this each small message can wait for the peer's
 * delayed ACK: about 40 ms per hop even on loopback. Call it on every `connect`.
 */
export function disableNagle(client: MqttClient): void {
  const stream = client.stream as Partial<Pick<Socket, 'setNoDelay'>>;
  if (typeof stream.setNoDelay === 'function') stream.setNoDelay(true);
}
