// The adapter against a real Mosquitto: MQTT 5 request/response with correlation data, a
// broker killed and restarted mid-job, and the last will of a daemon killed with SIGKILL.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { MachineConfig } from '../../src/config/schema.js';
import { createMachine, type Machine } from '../../src/machine/machine.js';
import { startMqtt, type MqttAdapter } from '../../src/mqtt/adapter.js';
import { MqttErrorCode } from '../../src/mqtt/commands.js';
import type { StatePayload } from '../../src/mqtt/state-payload.js';
import { connectProbe, type Probe } from './helpers/client.js';
import { simConfig, zigzagJob } from './helpers/machine.js';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.js';

const ROOT = join(import.meta.dirname, '..', '..');

describe('MQTT adapter on Mosquitto', () => {
  let mosquitto: Mosquitto;
  let config: MachineConfig;
  let machine: Machine;
  let adapter: MqttAdapter;
  let probe: Probe;
  const prefix = 'minifactory/mq1/';

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    config = simConfig('mq1', { url: mosquitto.url, statusRateHz: 20 });
    machine = await createMachine(config, { clock: 'real' });
    adapter = await startMqtt(machine, config, { reconnectMinMs: 100, reconnectMaxMs: 400 });
    probe = await connectProbe(mosquitto.url, 5);
    await probe.subscribe([`${prefix}#`, 'test/responses/#']);
  });

  afterAll(async () => {
    await probe?.close();
    await adapter?.close();
    await machine?.close();
    await mosquitto?.stop();
  });

  it('answers on the MQTT 5 response topic with the correlation data, not on reply/<cmd>', async () => {
    const since = probe.mark();
    const correlationData = Buffer.from([0xde, 0xad, 0x00, 0x01]);
    await probe.publish(`${prefix}cmd/override`, '{"target":"rapid","action":50}', {
      properties: { responseTopic: 'test/responses/a', correlationData },
    });
    const reply = await probe.next('test/responses/a', () => true, { since });
    expect(JSON.parse(reply.text)).toEqual({ ok: true });
    expect(reply.packet.properties?.correlationData).toEqual(correlationData);
    expect(machine.status().overrides.rapidPct).toBe(50);

    const bad = Buffer.from('b1');
    await probe.publish(`${prefix}cmd/override`, '{"target":"rapid","action":33}', {
      properties: { responseTopic: 'test/responses/b', correlationData: bad },
    });
    const refusal = await probe.next('test/responses/b', () => true, { since });
    expect(JSON.parse(refusal.text)).toMatchObject({
      ok: false,
      error: { code: MqttErrorCode.invalidPayload },
    });
    expect(refusal.packet.properties?.correlationData).toEqual(bad);
    expect(machine.status().overrides.rapidPct).toBe(50);
    expect(probe.received.slice(since).some((m) => m.topic.startsWith(`${prefix}reply/`))).toBe(
      false,
    );
    machine.override('rapid', 'reset');
  });

  it('finishes a job through a broker restart and republishes its retained state', async () => {
    const job = zigzagJob(24, 6, 2400);
    const finished = new Promise<string>((resolve) =>
      machine.on('job', (e) => {
        if (e.name === 'restart' && e.kind !== 'started') resolve(e.kind);
      }),
    );
    const since = probe.mark();
    await probe.publish(`${prefix}cmd/job`, JSON.stringify({ name: 'restart', gcode: job.gcode }));
    await probe.next(`${prefix}reply/job`, () => true, { since });
    await probe.next(
      `${prefix}state`,
      (m) => (JSON.parse(m.text) as StatePayload).state === 'Run',
      { since },
    );

    await mosquitto.kill();
    const whenKilled = machine.status();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Motion went on without the broker.
    const duringOutage = machine.status();
    expect(duringOutage.state).toBe('Run');
    expect(duringOutage.job?.line).toBeGreaterThan(whenKilled.job?.line ?? Infinity);
    expect(adapter.isConnected()).toBe(false);
    await mosquitto.start();

    expect(await finished).toBe('finished');
    await machine.idle();
    expect(machine.status().machinePositionMm).toEqual(job.endMm);
    const isFinal = (m: { text: string }): boolean => {
      const s = JSON.parse(m.text) as StatePayload;
      return s.state === 'Idle' && s.job === null && s.machinePositionMm.x === job.endMm.x;
    };
    await probe.next(`${prefix}state`, isFinal, { since });

    // A client arriving after the restart (the broker kept nothing) gets the machine's retained
    // status and final state, published again by the adapter.
    const late = await connectProbe(mosquitto.url, 5);
    try {
      await late.subscribe([`${prefix}status`, `${prefix}state`]);
      expect(await late.next(`${prefix}status`)).toMatchObject({ text: 'online', retain: true });
      const state = await late.next(`${prefix}state`);
      expect(state.retain).toBe(true);
      expect(isFinal(state)).toBe(true);
      expect((JSON.parse(state.text) as StatePayload).machinePositionMm).toEqual(job.endMm);
    } finally {
      await late.close();
    }
  });
});

describe('the daemon as a child process', () => {
  let mosquitto: Mosquitto;
  let dir: string;
  let child: ChildProcess | null = null;
  let probe: Probe | null = null;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), 'minifactory-daemon-'));
  });

  afterEach(async () => {
    await probe?.close();
    probe = null;
    if (child !== null && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    child = null;
  });

  afterAll(async () => {
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says offline through its last will when killed with SIGKILL', async () => {
    const configPath = join(dir, 'daemon.yaml');
    writeFileSync(
      configPath,
      stringify({
        id: 'will1',
        board: 'sim',
        grbl: { enabled: false },
        mqtt: { url: mosquitto.url },
      }),
    );
    probe = await connectProbe(mosquitto.url, 5);
    await probe.subscribe('minifactory/will1/#');
    child = spawn(
      process.execPath,
      ['--import', 'tsx', 'src/cli.ts', 'run', '--config', configPath],
      {
        cwd: ROOT,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const online = await probe
      .next('minifactory/will1/status', (m) => m.text === 'online', { timeoutMs: 20_000 })
      .catch((err: Error) => {
        throw new Error(`${err.message}\ndaemon output:\n${output}`);
      });
    expect(online.text).toBe('online');
    await probe.next('minifactory/will1/state');

    const since = probe.mark();
    child.kill('SIGKILL');
    const offline = await probe.next('minifactory/will1/status', () => true, { since });
    expect(offline.text).toBe('offline');

    const late = await connectProbe(mosquitto.url, 5);
    try {
      await late.subscribe('minifactory/will1/status');
      const retained = await late.next('minifactory/will1/status');
      expect(retained).toMatchObject({ text: 'offline', retain: true });
    } finally {
      await late.close();
    }
  });
});
