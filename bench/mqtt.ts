// MQTT figures on loopback: how many state messages per second reach a subscriber while the
// machine moves (the adapter at its highest allowed rate), and the command round trip
// (publish on cmd/hold, answer on reply/hold) as median and 99th percentile.
import { pathToFileURL } from 'node:url';
import { connectAsync, type MqttClient } from 'mqtt';
import { validate } from '../src/config/load.js';
import { machineConfigSchema } from '../src/config/schema.js';
import { createMachine } from '../src/machine/machine.js';
import { startMqtt } from '../src/mqtt/adapter.js';
import { disableNagle } from '../src/mqtt/connection.js';

export interface MqttBenchResult {
  /** State messages per second received while a job runs, at statusRateHz = 100. */
  statePublishHz: number;
  roundTripMedianMs: number;
  roundTripP99Ms: number;
}

const ROUND_TRIPS = 500;
const MAX_RATE_HZ = 100;

function percentile(sortedMs: number[], ratio: number): number {
  const index = Math.min(sortedMs.length - 1, Math.ceil(ratio * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)];
}

/** Resolves with the payload of the next message on `topic`. */
function nextMessage(client: MqttClient, topic: string): Promise<string> {
  return new Promise((resolve) => {
    const onMessage = (received: string, payload: Buffer): void => {
      if (received !== topic) return;
      client.off('message', onMessage);
      resolve(payload.toString('utf8'));
    };
    client.on('message', onMessage);
  });
}

/** Runs a simulated machine with its embedded broker and measures the adapter. */
export async function benchMqtt(): Promise<MqttBenchResult> {
  const axis = { stepsPerMm: 80, maxRateMmMin: 6000, accelMmS2: 1000, travelMm: 400 };
  const config = validate(
    machineConfigSchema,
    {
      id: 'bench',
      board: 'sim',
      axes: { x: axis, y: axis },
      sim: { clock: 'real' },
      // Room for a scheduling hiccup of the benchmark process itself.
      maxQueuedMs: 250,
      grbl: { enabled: false },
      mqtt: { embeddedPort: 0, statusRateHz: MAX_RATE_HZ, discovery: false },
    },
    '(bench config)',
  );
  const machine = await createMachine(config, { clock: 'real' });
  const adapter = await startMqtt(machine, config);
  const client = await connectAsync(adapter.url, { protocolVersion: 4 });
  disableNagle(client);
  const prefix = adapter.prefix;
  try {
    // State rate: a 2 s job of short moves, counting state messages that show it running.
    const stateTimesMs: number[] = [];
    client.on('message', (topic, payload) => {
      if (topic === `${prefix}state` && payload.includes('"state":"Run"')) {
        stateTimesMs.push(performance.now());
      }
    });
    await client.subscribeAsync([`${prefix}state`, `${prefix}reply/#`], { qos: 1 });
    const moves = ['G21 G91 G1 F3000'];
    for (let i = 0; i < 100; i++) moves.push(`X${i % 2 === 0 ? 1 : -1} Y${i % 4 < 2 ? 1 : -1}`);
    const started = await machine.startJob('bench', moves.join('\n'));
    if (!started.ok) throw new Error(`bench job refused: ${started.error.message}`);
    await machine.idle();
    const spanS = (stateTimesMs[stateTimesMs.length - 1] - stateTimesMs[0]) / 1000;
    const statePublishHz = spanS > 0 ? (stateTimesMs.length - 1) / spanS : 0;

    // Round trips: a feed hold on an idle machine is accepted and changes nothing.
    const roundTripsMs: number[] = [];
    for (let i = 0; i < ROUND_TRIPS; i++) {
      const replied = nextMessage(client, `${prefix}reply/hold`);
      const t0 = performance.now();
      client.publish(`${prefix}cmd/hold`, '', { qos: 1 });
      const reply = await replied;
      roundTripsMs.push(performance.now() - t0);
      if (reply !== '{"ok":true}') throw new Error(`unexpected reply to cmd/hold: ${reply}`);
    }
    roundTripsMs.sort((a, b) => a - b);
    return {
      statePublishHz: Math.round(statePublishHz * 10) / 10,
      roundTripMedianMs: Math.round(percentile(roundTripsMs, 0.5) * 1000) / 1000,
      roundTripP99Ms: Math.round(percentile(roundTripsMs, 0.99) * 1000) / 1000,
    };
  } finally {
    await client.endAsync(true);
    await adapter.close();
    await machine.close();
  }
}

// `npx tsx bench/mqtt.ts` runs this benchmark alone and prints its figures as one JSON line.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(JSON.stringify(await benchMqtt()));
}
