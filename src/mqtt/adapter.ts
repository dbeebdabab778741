// The MQTT adapter: publishes the machine's status, state and events, answers commands, offers
// Home Assistant discovery and, in a fleet, takes jobs from a shared queue. It holds no machine
// state of its own, and the machine never waits on it: a broker outage costs messages, not
// motion.
import { readFileSync } from 'node:fs';
import {
  connect,
  type IClientOptions,
  type IClientPublishOptions,
  type IPublishPacket,
  type MqttClient,
} from 'mqtt';
import { pino, type Logger } from 'pino';
import type { MachineConfig } from '../config/schema.js';
import type {
  AlarmEvent,
  CommandError,
  JobEvent,
  LineEvent,
  MachineApi,
} from '../machine/types.js';
import { Backoff } from './backoff.js';
import { startEmbeddedBroker, type EmbeddedBroker } from './broker.js';
import { MAX_COMMAND_PAYLOAD_BYTES, MAX_JOB_PAYLOAD_BYTES, MqttErrorCode } from './commands.js';
import {
  disableNagle,
  machineClientId,
  machineClientOptions,
  STATUS_OFFLINE,
  STATUS_ONLINE,
} from './connection.js';
import { discoveryMessages, discoveryNodeId } from './discovery.js';
import type { BrokerAccount } from './broker-access.js';
import { dispatchCommand, isAllowed, type CommandPolicy } from './dispatch.js';
import {
  alarmEvent,
  errorEvent,
  jobEvent,
  type EventPayload,
  type PublishedEvent,
} from './events.js';
import { FleetWorker, type FleetReply } from './fleet.js';
import { toStatePayload } from './state-payload.js';
import { StatePublisher } from './state-publisher.js';
import { machineTopics, machinePrefix } from './topics.js';

export interface MqttAdapterOptions {
  logger?: Logger;
  /** First reconnect delay, ms (doubles per failed attempt). Default 500. */
  reconnectMinMs?: number;
  /** Longest reconnect delay, ms. Default 30 000. */
  reconnectMaxMs?: number;
  /** How long start waits for the first connection before going on without it, ms. Default 5000. */
  firstConnectWaitMs?: number;
}

/** A running adapter. */
export interface MqttAdapter {
  /** The broker's URL (the embedded broker's when none is configured). */
  url: string;
  /** The machine's topic prefix, ending with `/`. */
  prefix: string;
  isConnected(): boolean;
  /** Publishes `offline`, disconnects, and stops the embedded broker if there is one. */
  close(): Promise<void>;
}

/** Room for a PUBLISH packet's topic, packet id and properties beyond its payload, bytes. */
const PACKET_OVERHEAD_BYTES = 64 * 1024;
/** Events kept while disconnected and sent on reconnect; older ones are dropped first. */
const MAX_BUFFERED_EVENTS = 200;
/** How long a clean close waits on the broker before cutting the connection, ms. */
const CLOSE_WAIT_MS = 2000;

const PACKAGE_VERSION = ((): string => {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
})();

/** Connects the machine to MQTT (starting the embedded broker when no URL is configured). */
export async function startMqtt(
  machine: MachineApi,
  config: MachineConfig,
  options: MqttAdapterOptions = {},
): Promise<MqttAdapter> {
  const log = (options.logger ?? pino({ level: 'silent' })).child({ component: 'mqtt' });
  const settings = config.mqtt;
  const topics = machineTopics(machinePrefix(config.id, settings.prefix));
  if (!settings.enabled) {
    return { url: '', prefix: topics.prefix, isConnected: () => false, close: async () => {} };
  }

  let broker: EmbeddedBroker | null = null;
  let url: string;
  if (settings.url === undefined) {
    broker = await startEmbeddedBroker(
      settings.embeddedPort,
      {
        daemonClientId: machineClientId(config.id),
        daemonTopics: [
          topics.status,
          topics.state,
          topics.event,
          `${topics.prefix}reply/#`,
          `${settings.discoveryPrefix.replace(/\/+$/, '')}/+/${discoveryNodeId(config.id)}/#`,
        ],
        commandFilter: topics.commandFilter,
        accounts: embeddedAccounts(settings),
      },
      // While a job runs no other job can start: a packet larger than any other command is
      // cut off at its header, before the broker buffers and parses megabytes of it.
      () =>
        PACKET_OVERHEAD_BYTES +
        (machine.status().job === null ? MAX_JOB_PAYLOAD_BYTES : MAX_COMMAND_PAYLOAD_BYTES),
    );
    url = broker.url;
  } else {
    url = settings.url;
  }
  const policy: CommandPolicy = {
    readOnly: settings.readOnly,
    allowCommands: settings.allowCommands,
    jobsDir: settings.jobsDir,
  };
  const haStatusTopic = `${settings.discoveryPrefix.replace(/\/+$/, '')}/status`;

  let clientOptions: IClientOptions;
  try {
    clientOptions = await machineClientOptions(
      settings,
      config.id,
      topics.status,
      broker?.daemonLogin ?? null,
    );
  } catch (err) {
    await broker?.close();
    throw err;
  }
  const client: MqttClient = connect(url, clientOptions);
  const backoff = new Backoff(options.reconnectMinMs ?? 500, options.reconnectMaxMs ?? 30_000);
  let closing = false;
  let reconnectTimer: NodeJS.Timeout | null = null;
  const bufferedEvents: PublishedEvent[] = [];

  const publish = (topic: string, payload: string | Buffer, opts: IClientPublishOptions): void => {
    if (!client.connected) return;
    client.publish(topic, payload, opts, (err) => {
      if (err !== undefined && err !== null)
        log.debug({ topic, err: err.message }, 'publish failed');
    });
  };

  const sendEvent = (event: PublishedEvent): void =>
    publish(topics.event, JSON.stringify(event), { qos: 1, retain: false });

  const publishEvent = (payload: EventPayload): void => {
    const event: PublishedEvent = { ...payload, machine: config.id, ts: new Date().toISOString() };
    if (client.connected) {
      sendEvent(event);
      return;
    }
    bufferedEvents.push(event);
    if (bufferedEvents.length > MAX_BUFFERED_EVENTS) bufferedEvents.shift();
  };

  const state = new StatePublisher(settings.statusRateHz, {
    snapshot: () => JSON.stringify(toStatePayload(machine.status())),
    send: (json) => publish(topics.state, json, { qos: 1, retain: true }),
  });
  state.setEnabled(false);

  const publishDiscovery = (): void => {
    if (!settings.discovery) return;
    const allowed = (name: string): boolean => isAllowed(policy, name);
    for (const message of discoveryMessages(config, topics, allowed, PACKAGE_VERSION)) {
      publish(message.topic, message.payload, { qos: 1, retain: true });
    }
  };

  const fleetSettings =
    settings.fleet === undefined ? undefined : { ...settings.fleet, jobsDir: settings.jobsDir };
  const fleet =
    fleetSettings === undefined
      ? null
      : new FleetWorker(machine, fleetSettings, {
          subscribe: (filter) => {
            if (!client.connected) return;
            client.subscribe(filter, { qos: 1 }, (err) => {
              if (err) log.warn({ filter, err: err.message }, 'fleet subscribe failed');
            });
          },
          unsubscribe: (filter) => {
            if (!client.connected) return;
            client.unsubscribe(filter, (err) => {
              if (err) log.warn({ filter, err: err.message }, 'fleet unsubscribe failed');
            });
          },
          publishEvent,
          requeue: (topic, payload) => publish(topic, payload, { qos: 1, retain: false }),
        });

  /** Answers on the request's response topic, else on `fallbackTopic` (null: nowhere). */
  const reply = (packet: IPublishPacket, fallbackTopic: string | null, body: object): void => {
    const requested = packet.properties?.responseTopic;
    // A wildcard topic cannot be published to (the broker would drop our connection).
    const responseTopic =
      requested !== undefined && requested !== '' && !/[+#]/.test(requested)
        ? requested
        : undefined;
    const correlationData = packet.properties?.correlationData;
    const target = responseTopic ?? fallbackTopic;
    if (target === null) return;
    publish(target, JSON.stringify(body), {
      qos: 1,
      retain: false,
      ...(responseTopic !== undefined && correlationData !== undefined
        ? { properties: { correlationData } }
        : {}),
    });
  };

  const onMessage = async (
    topic: string,
    payload: Buffer,
    packet: IPublishPacket,
  ): Promise<void> => {
    const command = topics.commandName(topic);
    if (command !== null) {
      const answer = await dispatchCommand(machine, policy, command, payload);
      if (!answer.ok) log.info({ command, error: answer.error }, 'command refused');
      reply(packet, topics.reply(command), answer);
      return;
    }
    if (topic === haStatusTopic) {
      if (payload.toString('utf8').trim() === 'online') publishDiscovery();
      return;
    }
    if (fleet !== null && fleet.capabilityOf(topic) !== null) {
      const answer: FleetReply = await fleet.take(topic, payload);
      log.info({ topic, answer }, 'fleet job');
      // A queued job has no reply topic of its own: answer only who asked for one.
      reply(packet, null, answer);
    }
  };

  client.on('message', (topic, payload, packet) => {
    onMessage(topic, payload, packet).catch((err: unknown) => {
      // dispatchCommand never rejects; this guards the wiring itself.
      log.error({ topic, err: String(err) }, 'MQTT message handling failed');
      const command = topics.commandName(topic);
      if (command !== null) {
        reply(packet, topics.reply(command), {
          ok: false,
          error: { code: MqttErrorCode.internal, message: 'internal error' },
        });
      }
    });
  });

  client.on('connect', () => {
    disableNagle(client);
    backoff.reset();
    log.info({ url }, 'MQTT connected');
    publish(topics.status, STATUS_ONLINE, { qos: 1, retain: true });
    const filters = [topics.commandFilter, ...(settings.discovery ? [haStatusTopic] : [])];
    client.subscribe(filters, { qos: 1 }, (err) => {
      if (err) log.warn({ err: err.message }, 'subscribe failed');
    });
    publishDiscovery();
    state.setEnabled(true);
    state.republish();
    for (const event of bufferedEvents.splice(0)) sendEvent(event);
    fleet?.setConnected(true);
  });

  client.on('close', () => {
    state.setEnabled(false);
    fleet?.setConnected(false);
    if (closing || reconnectTimer !== null) return;
    const delayMs = backoff.nextMs();
    log.warn({ url, delayMs }, 'MQTT disconnected; reconnecting');
    reconnectTimer = setTimeout(() => {
      reconnectTimer = null;
      if (!closing) client.reconnect();
    }, delayMs);
  });

  // Without a listener MQTT.js's errors would be thrown; they only mean "not connected now".
  client.on('error', (err) => log.warn({ url, err: err.message }, 'MQTT error'));

  const onStateChange = (): void => state.request();
  const onAlarm = (alarm: AlarmEvent): void => publishEvent(alarmEvent(alarm));
  const onError = (error: LineEvent & { error: CommandError }): void =>
    publishEvent(errorEvent(error));
  const onJob = (event: JobEvent): void => publishEvent(jobEvent(event));
  machine.on('state', onStateChange);
  machine.on('position', onStateChange);
  machine.on('alarm', onAlarm);
  machine.on('error', onError);
  machine.on('job', onJob);

  await waitForFirstConnection(client, options.firstConnectWaitMs ?? 5000);
  if (!client.connected)
    log.warn({ url }, 'MQTT broker not reachable yet; retrying in the background');

  return {
    url,
    prefix: topics.prefix,
    isConnected: () => client.connected,
    close: async () => {
      if (closing) return;
      closing = true;
      if (reconnectTimer !== null) clearTimeout(reconnectTimer);
      machine.off('state', onStateChange);
      machine.off('position', onStateChange);
      machine.off('alarm', onAlarm);
      machine.off('error', onError);
      machine.off('job', onJob);
      state.close();
      fleet?.close();
      if (client.connected) {
        // The will is for crashes; a clean stop says offline itself (unless the broker hangs).
        const said = await withinMs(
          CLOSE_WAIT_MS,
          new Promise<void>((resolve) =>
            client.publish(topics.status, STATUS_OFFLINE, { qos: 1, retain: true }, () =>
              resolve(),
            ),
          ),
        );
        if (!said || !(await withinMs(CLOSE_WAIT_MS, client.endAsync())))
          await client.endAsync(true);
      } else {
        await client.endAsync(true);
      }
      await broker?.close();
    },
  };
}

/** Resolves true when `work` settles within `timeoutMs`, false otherwise. */
async function withinMs(timeoutMs: number, work: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  const finished = work.then(
    () => true,
    () => true,
  );
  const result = await Promise.race([finished, timedOut]);
  clearTimeout(timer);
  return result;
}

function waitForFirstConnection(client: MqttClient, timeoutMs: number): Promise<void> {
  if (client.connected) return Promise.resolve();
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('connect', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.on('connect', done);
  });
}

/** The daemon's MQTT adapter: null when `mqtt.enabled` is false. */
export async function mqttDaemonAdapter(
  machine: MachineApi,
  config: MachineConfig,
  log: Logger,
): Promise<MqttAdapter | null> {
  return config.mqtt.enabled ? startMqtt(machine, config, { logger: log }) : null;
}

/** The embedded broker's accounts: `mqtt.username`/`password` (may command), then `mqtt.users`. */
function embeddedAccounts(settings: MachineConfig['mqtt']): BrokerAccount[] {
  const accounts: BrokerAccount[] = settings.users.map((user) => ({ ...user }));
  if (settings.username !== undefined) {
    accounts.unshift({
      username: settings.username,
      password: settings.password ?? '',
      commands: true,
    });
  }
  return accounts;
}
