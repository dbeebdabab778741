// A test-side MQTT client that records every message it receives and waits for the ones a
// test expects, each wait bounded in time.
import {
  connectAsync,
  type IClientPublishOptions,
  type IPublishPacket,
  type MqttClient,
} from 'mqtt';

export interface Received {
  topic: string;
  text: string;
  retain: boolean;
  packet: IPublishPacket;
}

export interface WaitOptions {
  since?: number;
  timeoutMs?: number;
}

/** A connected client plus the log of what it received. */
export interface Probe {
  client: MqttClient;
  received: Received[];
  subscribe(filters: string | string[]): Promise<void>;
  /** How many messages were received so far: pass it as `since` to wait for newer ones. */
  mark(): number;
  /** The first message on `topic` (received from index `since` on) that satisfies `match`. */
  next(topic: string, match?: (m: Received) => boolean, options?: WaitOptions): Promise<Received>;
  /** Messages received on `topic` so far, parsed as JSON. */
  json<T = Record<string, unknown>>(topic: string): T[];
  publish(topic: string, payload: string | Buffer, opts?: IClientPublishOptions): Promise<void>;
  close(): Promise<void>;
}

/** Connects a probe client (MQTT 5 unless told otherwise). */
export async function connectProbe(url: string, protocolVersion: 4 | 5 = 5): Promise<Probe> {
  const client = await connectAsync(url, {
    protocolVersion,
    reconnectPeriod: 200,
    connectTimeout: 5000,
  });
  client.on('error', () => undefined);
  const received: Received[] = [];
  const waiters: {
    topic: string;
    match: (m: Received) => boolean;
    resolve: (m: Received) => void;
  }[] = [];
  client.on('message', (topic, payload, packet) => {
    const message = { topic, text: payload.toString('utf8'), retain: packet.retain, packet };
    received.push(message);
    for (const waiter of [...waiters]) {
      if (waiter.topic === topic && waiter.match(message)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(message);
      }
    }
  });
  return {
    client,
    received,
    subscribe: async (filters) => {
      await client.subscribeAsync(filters, { qos: 1 });
    },
    mark: () => received.length,
    next: (topic, match = () => true, { since = 0, timeoutMs = 10_000 } = {}) => {
      const seen = received.slice(since).find((m) => m.topic === topic && match(m));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const waiter = {
          topic,
          match,
          resolve: (m: Received) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        const timer = setTimeout(() => {
          waiters.splice(waiters.indexOf(waiter), 1);
          const seenOnTopic = received.filter((m) => m.topic === topic).map((m) => m.text);
          reject(
            new Error(
              `no matching message on ${topic} within ${timeoutMs} ms; got ${JSON.stringify(seenOnTopic.slice(-5))}`,
            ),
          );
        }, timeoutMs);
        waiters.push(waiter);
      });
    },
    json: <T>(topic: string) =>
      received
        .filter((m) => m.topic === topic && m.text !== '')
        .map((m) => JSON.parse(m.text) as T),
    publish: async (topic, payload, opts = {}) => {
      await client.publishAsync(topic, payload, { qos: 1, ...opts });
    },
    close: async () => {
      await client.endAsync(true);
    },
  };
}
