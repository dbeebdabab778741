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

/** The daemon's own MQTT client id. */
export function machineClientId(machineId: string): string {
  return `minifactory-${machineId}`;
}

/**
 * Options for the machine's own client. MQTT 5 for a configured broker, logging in with the
 * configured account; 3.1.1 for the embedded one (aedes refuses 5), logging in with the
 * broker's daemon login. Reconnection is driven by the adapter, with backoff.
 */
export async function machineClientOptions(
  mqtt: MachineConfig['mqtt'],
  machineId: string,
  statusTopic: string,
  embedded: { username: string; password: string } | null,
): Promise<IClientOptions> {
  const [ca, cert, key] = await Promise.all([
    readTlsFile('ca', mqtt.tls?.ca),
    readTlsFile('cert', mqtt.tls?.cert),
    readTlsFile('key', mqtt.tls?.key),
  ]);
  return {
    protocolVersion: embedded !== null ? 4 : 5,
    clientId: machineClientId(machineId),
    clean: true,
    keepalive: 15,
    connectTimeout: 5000,
    // 0: MQTT.js does not retry by itself; the adapter reconnects with a growing delay.
    reconnectPeriod: 0,
    resubscribe: false,
    ...login(mqtt, embedded),
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    will: { topic: statusTopic, payload: Buffer.from(STATUS_OFFLINE), qos: 1, retain: true },
  };
}

function login(
  mqtt: MachineConfig['mqtt'],
  embedded: { username: string; password: string } | null,
): { username?: string; password?: string } {
  if (embedded !== null) return { username: embedded.username, password: embedded.password };
  return {
    ...(mqtt.username === undefined ? {} : { username: mqtt.username }),
    ...(mqtt.password === undefined ? {} : { password: mqtt.password }),
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
