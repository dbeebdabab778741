// Two simulated machines sharing one job queue on Mosquitto through an MQTT 5 shared
// subscription: each job goes to exactly one idle machine, a busy machine takes none.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Packet } from 'mqtt';
import { createMachine, type Machine } from '../../src/machine/machine.js';
import { startMqtt, type MqttAdapter } from '../../src/mqtt/adapter.js';
import { MqttErrorCode } from '../../src/mqtt/commands.js';
import type { PublishedEvent } from '../../src/mqtt/events.js';
import { connectProbe, type Probe } from './helpers/client.js';
import { simConfig, zigzagJob } from './helpers/machine.js';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.js';

/** PUBACK's reason code when no client subscribes to the topic (MQTT 5). */
const NO_MATCHING_SUBSCRIBERS = 16;

type TakenEvent = Extract<PublishedEvent, { kind: 'jobTaken' }>;
type RefusedEvent = Extract<PublishedEvent, { kind: 'jobRefused' }>;

describe('a fleet of two machines on one shared queue', () => {
  let mosquitto: Mosquitto;
  const machines: Machine[] = [];
  const adapters: MqttAdapter[] = [];
  let probe: Probe;
  let jobsDir: string;

  beforeAll(async () => {
    jobsDir = mkdtempSync(join(tmpdir(), 'minifactory-fleet-jobs-'));
    writeFileSync(join(jobsDir, 'corner.nc'), 'G90\nG0 X7 Y3\n');
    mosquitto = await startMosquitto();
    for (const id of ['pen1', 'pen2']) {
      const config = simConfig(id, {
        url: mosquitto.url,
        discovery: false,
        fleet: { group: 'plotters', capabilities: ['pen', 'a4'] },
        jobsDir,
      });
      const machine = await createMachine(config, { clock: 'real' });
      machines.push(machine);
      adapters.push(await startMqtt(machine, config, { reconnectMinMs: 100 }));
    }
    probe = await connectProbe(mosquitto.url, 5);
    probe.client.on('packetreceive', (packet: Packet) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined) {
        pubackCodes.set(packet.messageId, packet.reasonCode ?? 0);
      }
    });
    await probe.subscribe(['minifactory/+/event', 'minifactory/+/state']);
  });

  afterAll(async () => {
    await probe?.close();
    for (const adapter of adapters) await adapter.close();
    for (const machine of machines) await machine.close();
    await mosquitto?.stop();
    rmSync(jobsDir, { recursive: true, force: true });
  });

  /** PUBACK reason codes by message id, as the broker sent them. */
  const pubackCodes = new Map<number, number>();

  /**
   * Publishes a job as a dispatcher should: QoS 1, and again a little later while the broker
   * answers "no matching subscribers" (no machine idle, or none subscribed yet).
   */
  const dispatch = async (capability: string, payload: string): Promise<void> => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const sent = await probe.client.publishAsync(`minifactory/jobs/${capability}`, payload, {
        qos: 1,
      });
      const messageId = sent?.cmd === 'publish' ? sent.messageId : undefined;
      const reasonCode = messageId === undefined ? undefined : pubackCodes.get(messageId);
      if (reasonCode !== NO_MATCHING_SUBSCRIBERS) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('no machine took the job');
  };

  /** The first event since `since`, from either machine, that `wanted` accepts. */
  const eventFrom = async (
    wanted: (e: PublishedEvent) => boolean,
    since: number,
  ): Promise<PublishedEvent> => {
    const message = await Promise.any(
      ['pen1', 'pen2'].map((id) =>
        probe.next(`minifactory/${id}/event`, (m) => wanted(JSON.parse(m.text) as PublishedEvent), {
          since,
        }),
      ),
    );
    return JSON.parse(message.text) as PublishedEvent;
  };

  /** The jobTaken event for job `name`, from whichever machine took it. */
  const taken = async (name: string, since: number): Promise<TakenEvent> =>
    (await eventFrom((e) => e.kind === 'jobTaken' && e.name === name, since)) as TakenEvent;

  it('gives each job to one idle machine and none to a busy one', async () => {
    const long = zigzagJob(12, 5, 3000);
    const since = probe.mark();
    await dispatch('pen', JSON.stringify({ name: 'first', gcode: long.gcode }));
    const first = await taken('first', since);
    await dispatch('pen', JSON.stringify({ name: 'second', gcode: long.gcode }));
    const second = await taken('second', since);
    expect(first).toMatchObject({ capability: 'pen', topic: 'minifactory/jobs/pen' });
    expect(new Set([first.machine, second.machine])).toEqual(new Set(['pen1', 'pen2']));
    // Each job ran exactly once: one jobStarted per job across the fleet.
    for (const machine of machines) await machine.idle();
    const started = probe
      .json<PublishedEvent>('minifactory/pen1/event')
      .concat(probe.json<PublishedEvent>('minifactory/pen2/event'))
      .filter((e) => e.kind === 'jobStarted')
      .map((e) => ('name' in e ? e.name : ''));
    expect(started.sort()).toEqual(['first', 'second']);
    for (const machine of machines) {
      expect(machine.status().machinePositionMm).toEqual(long.endMm);
    }
  });

  it('takes jobs again once idle, from any of its capabilities', async () => {
    const back = 'G90\nG0 X0 Y0\n';
    const since = probe.mark();
    await dispatch('a4', JSON.stringify({ name: 'home-a', gcode: back }));
    const a = await taken('home-a', since);
    await dispatch('a4', JSON.stringify({ name: 'home-b', gcode: back }));
    const b = await taken('home-b', since);
    expect([a.capability, b.capability]).toEqual(['a4', 'a4']);
    for (const machine of machines) await machine.idle();
    for (const machine of machines.filter((m) => m.id === a.machine || m.id === b.machine)) {
      expect(machine.status().machinePositionMm).toEqual({ x: 0, y: 0, z: 0 });
    }
  });

  it('takes a job by file name from mqtt.jobsDir, and refuses one outside it', async () => {
    const since = probe.mark();
    await dispatch('a4', JSON.stringify({ name: 'from-file', file: 'corner.nc' }));
    const took = await taken('from-file', since);
    await dispatch('a4', JSON.stringify({ name: 'escape', file: '../etc/passwd' }));
    // A busy machine may hand the job on first (requeued): wait for the real answer.
    const refused = (await eventFrom(
      (e) => e.kind === 'jobRefused' && !e.requeued,
      since,
    )) as RefusedEvent;
    expect(refused).toMatchObject({
      capability: 'a4',
      requeued: false,
      error: {
        code: MqttErrorCode.notAllowed,
        message: 'job file "../etc/passwd" is outside mqtt.jobsDir',
      },
    });
    for (const machine of machines) await machine.idle();
    expect(machines.find((m) => m.id === took.machine)?.status().machinePositionMm).toEqual({
      x: 7,
      y: 3,
      z: 0,
    });
  });

  it('takes no job while in Alarm', async () => {
    const [pen1, pen2] = machines;
    const since = probe.mark();
    expect(pen1.estop().ok).toBe(true);
    // pen1 unsubscribes before it publishes its Alarm state on the same connection, so once
    // that state has come through the broker, the broker knows pen1 is out of the queue.
    await probe.next(
      'minifactory/pen1/state',
      (m) => (JSON.parse(m.text) as { state: string }).state === 'Alarm',
      { since },
    );
    try {
      for (const name of ['while-alarm-1', 'while-alarm-2']) {
        await dispatch('pen', JSON.stringify({ name, gcode: 'G91\nG0 X1\nG90\n' }));
        expect((await taken(name, since)).machine).toBe('pen2');
        await pen2.idle();
      }
    } finally {
      pen1.reset();
      pen1.unlock();
    }
  });
});
