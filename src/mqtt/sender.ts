// The client side of `minifactory send`: hands a G-code job to a running machine over MQTT
// (`cmd/job`) and follows its progress on `state` and its outcome on `event`.
import { randomBytes } from 'node:crypto';
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { CommandError, JobProgress } from '../machine/types.js';
import type { CommandReply } from './dispatch.js';
import type { PublishedEvent } from './events.js';
import type { StatePayload } from './state-payload.js';
import { disableNagle, STATUS_ONLINE } from './connection.js';
import { machineTopics, type MachineTopics } from './topics.js';

/** One connected sender. */
interface Session {
  client: MqttClient;
  protocolVersion: 4 | 5;
  topics: MachineTopics;
  clientId: string;
}

export interface SendJobOptions {
  url: string;
  /** The machine's topic prefix, ending with `/`. */
  prefix: string;
  name: string;
  gcode: string;
  username?: string;
  password?: string;
  /** TLS material for mqtts:// (PEM contents). */
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer };
  /** How long to wait for the connection, the machine's status and its reply, ms. */
  answerTimeoutMs?: number;
}

/** What the sender reports while the job runs. */
export type SendProgress =
  { kind: 'accepted'; name: string; protocolVersion: 4 | 5 } | ({ kind: 'progress' } & JobProgress);

export type SendOutcome =
  { ok: true; name: string; durationS: number } | { ok: false; name: string; error: CommandError };

/** Error codes of the sender itself (the machine's own codes pass through unchanged). */
export const SendErrorCode = {
  unreachable: 921,
  offline: 922,
  noAnswer: 923,
} as const;

class SendError extends Error {
  constructor(readonly error: CommandError) {
    super(error.message);
  }
}

function openClient(url: string, options: IClientOptions, timeoutMs: number): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const client = connect(url, { ...options, reconnectPeriod: 0, connectTimeout: timeoutMs });
    const timer = setTimeout(() => fail(new Error(`no answer from ${url}`)), timeoutMs);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      client.removeAllListeners();
      client.on('error', () => undefined);
      client.end(true);
      reject(err);
    };
    client.once('error', fail);
    client.once('close', () => fail(new Error(`connection to ${url} closed`)));
    client.once('connect', () => {
      clearTimeout(timer);
      disableNagle(client);
      client.removeAllListeners();
      resolve(client);
    });
  });
}

/** Connects with MQTT 5, falling back to 3.1.1 for brokers (aedes) that refuse 5. */
async function openAnyVersion(
  url: string,
  options: IClientOptions,
  timeoutMs: number,
): Promise<{ client: MqttClient; protocolVersion: 4 | 5 }> {
  try {
    return {
      client: await openClient(url, { ...options, protocolVersion: 5 }, timeoutMs),
      protocolVersion: 5,
    };
  } catch (err) {
    if (!/protocol version/i.test((err as Error).message)) throw err;
    return {
      client: await openClient(url, { ...options, protocolVersion: 4 }, timeoutMs),
      protocolVersion: 4,
    };
  }
}

/** Sends a job and resolves when it finished or failed; `onProgress` sees every step. */
export async function sendJob(
  options: SendJobOptions,
  onProgress: (progress: SendProgress) => void,
): Promise<SendOutcome> {
  const timeoutMs = options.answerTimeoutMs ?? 10_000;
  const topics = machineTopics(options.prefix);
  const clientId = `minifactory-send-${randomBytes(4).toString('hex')}`;
  let opened: { client: MqttClient; protocolVersion: 4 | 5 };
  try {
    opened = await openAnyVersion(
      options.url,
      {
        clientId,
        clean: true,
        ...(options.username === undefined ? {} : { username: options.username }),
        ...(options.password === undefined ? {} : { password: options.password }),
        ...options.tls,
      },
      timeoutMs,
    );
  } catch (err) {
    return {
      ok: false,
      name: options.name,
      error: { code: SendErrorCode.unreachable, message: (err as Error).message },
    };
  }
  const { client } = opened;
  // Follow the job through short broker outages too.
  client.options.reconnectPeriod = 1000;
  client.on('error', () => undefined);
  client.on('connect', () => disableNagle(client));
  try {
    const session = { ...opened, topics, clientId };
    return await follow(session, options, timeoutMs, onProgress);
  } catch (err) {
    const error =
      err instanceof SendError
        ? err.error
        : { code: SendErrorCode.noAnswer, message: (err as Error).message };
    return { ok: false, name: options.name, error };
  } finally {
    await client.endAsync(true);
  }
}

/** Publishes the job, waits for the machine's answer, then follows the job to its end. */
async function follow(
  session: Session,
  options: SendJobOptions,
  timeoutMs: number,
  onProgress: (progress: SendProgress) => void,
): Promise<SendOutcome> {
  const { client, protocolVersion, topics, clientId } = session;
  const name = options.name;
  const replyTopic =
    protocolVersion === 5 ? `${topics.prefix}reply/job/${clientId}` : topics.reply('job');
  const correlationData = randomBytes(8);
  let lastLine = -1;

  let onlineResolve: () => void = () => undefined;
  const online = new Promise<void>((resolve) => (onlineResolve = resolve));
  let replyResolve: (reply: CommandReply) => void = () => undefined;
  const replied = new Promise<CommandReply>((resolve) => (replyResolve = resolve));
  let outcomeResolve: (outcome: SendOutcome) => void = () => undefined;
  const outcome = new Promise<SendOutcome>((resolve) => (outcomeResolve = resolve));
  let accepted = false;

  client.on('message', (topic, payload, packet) => {
    const text = payload.toString('utf8');
    if (topic === topics.status) {
      if (text === STATUS_ONLINE) onlineResolve();
      else if (accepted) {
        outcomeResolve({
          ok: false,
          name,
          error: { code: SendErrorCode.offline, message: 'the machine went offline' },
        });
      }
      return;
    }
    const json = parseObject(text);
    if (json === null) return;
    if (topic === replyTopic) {
      const correlation = packet.properties?.correlationData;
      if (
        protocolVersion === 5 &&
        (correlation === undefined || !correlation.equals(correlationData))
      )
        return;
      replyResolve(json as unknown as CommandReply);
    } else if (topic === topics.event) {
      const event = json as unknown as PublishedEvent;
      if (event.kind === 'jobFinished' && event.name === name) {
        outcomeResolve({ ok: true, name, durationS: event.durationS });
      } else if (event.kind === 'jobFailed' && event.name === name) {
        outcomeResolve({ ok: false, name, error: event.error });
      }
    } else if (topic === topics.state) {
      const job = (json as unknown as StatePayload).job;
      if (!accepted || job === null || job === undefined || job.name !== name) return;
      if (job.line === lastLine) return;
      lastLine = job.line;
      onProgress({ kind: 'progress', ...job });
    }
  });

  await client.subscribeAsync([topics.status, topics.state, topics.event, replyTopic], { qos: 1 });
  await withTimeout(online, timeoutMs, {
    code: SendErrorCode.offline,
    message: `machine at ${topics.prefix} is not online on ${options.url}`,
  });
  await client.publishAsync(topics.command('job'), JSON.stringify({ name, gcode: options.gcode }), {
    qos: 1,
    ...(protocolVersion === 5
      ? { properties: { responseTopic: replyTopic, correlationData } }
      : {}),
  });
  const reply = await withTimeout(replied, timeoutMs, {
    code: SendErrorCode.noAnswer,
    message: `no reply from the machine within ${timeoutMs} ms`,
  });
  if (!reply.ok) {
    return {
      ok: false,
      name,
      error: reply.error ?? { code: SendErrorCode.noAnswer, message: 'job refused' },
    };
  }
  accepted = true;
  onProgress({ kind: 'accepted', name, protocolVersion });
  return outcome;
}

function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, error: CommandError): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new SendError(error)), timeoutMs);
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
}
