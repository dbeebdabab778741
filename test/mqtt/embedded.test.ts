// The adapter against its embedded broker (aedes, MQTT 3.1.1): retained status and state,
// replies on reply/<cmd>, bad payloads, jobs with their events, discovery.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachineConfig } from '../../src/config/schema.js';
import { createMachine, type Machine } from '../../src/machine/machine.js';
import { startMqtt, type MqttAdapter } from '../../src/mqtt/adapter.js';
import { MAX_COMMAND_PAYLOAD_BYTES, MqttErrorCode } from '../../src/mqtt/commands.js';
import type { StatePayload } from '../../src/mqtt/state-payload.js';
import { connectProbe, type Probe } from './helpers/client.js';
import { simConfig, zigzagJob } from './helpers/machine.js';

type Reply = { ok: boolean; error?: { code: number; message: string }; results?: unknown[] };

describe('MQTT adapter on the embedded broker', () => {
  let config: MachineConfig;
  let machine: Machine;
  let adapter: MqttAdapter;
  let probe: Probe;
  let dir: string;
  const prefix = 'minifactory/emb1/';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'minifactory-mqtt-'));
    config = simConfig('emb1', { embeddedPort: 0, statusRateHz: 20, jobsDir: dir });
    machine = await createMachine(config, { clock: 'real' });
    adapter = await startMqtt(machine, config);
    probe = await connectProbe(adapter.url, 4);
    await probe.subscribe([`${prefix}#`]);
  });

  afterAll(async () => {
    await probe?.close();
    await adapter?.close();
    await machine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Sends a command and waits for its reply on reply/<name>. */
  const command = async (name: string, payload: string | Buffer): Promise<Reply> => {
    const since = probe.mark();
    await probe.publish(`${prefix}cmd/${name}`, payload);
    const reply = await probe.next(`${prefix}reply/${name}`, () => true, { since });
    return JSON.parse(reply.text) as Reply;
  };

  const stateWhere = async (
    match: (s: StatePayload) => boolean,
    since = 0,
  ): Promise<StatePayload> => {
    const message = await probe.next(
      `${prefix}state`,
      (m) => match(JSON.parse(m.text) as StatePayload),
      { since },
    );
    return JSON.parse(message.text) as StatePayload;
  };

  it('listens on a loopback port and says online, retained', async () => {
    expect(adapter.url).toMatch(/^mqtt:\/\/127\.0\.0\.1:\d+$/);
    const status = await probe.next(`${prefix}status`);
    expect(status).toMatchObject({ text: 'online', retain: true });
    const state = await stateWhere(() => true);
    expect(state).toMatchObject({
      state: 'Idle',
      alarm: null,
      machinePositionMm: { x: 0, y: 0, z: 0 },
      job: null,
    });
  });

  it('runs G-code from cmd/gcode, answers on reply/gcode, and publishes the new state', async () => {
    const since = probe.mark();
    const reply = await command('gcode', 'G21 G90\nG0 X12.5 Y-0');
    expect(reply).toMatchObject({ ok: true, results: [{ ok: true }, { ok: true }] });
    const moved = await stateWhere(
      (s) => s.state === 'Idle' && s.machinePositionMm.x === 12.5,
      since,
    );
    expect(moved.workPositionMm).toEqual({ x: 12.5, y: 0, z: 0 });
    expect(
      probe
        .json<StatePayload>(`${prefix}state`)
        .slice(1)
        .some((s) => s.state === 'Run'),
    ).toBe(true);
  });

  it("passes the machine's own refusal through with Grbl's code", async () => {
    const reply = await command('gcode', 'G1 X1 F-5');
    expect(reply.ok).toBe(false);
    expect(reply.error?.code).toBeGreaterThan(0);
    expect(reply.error?.code).toBeLessThan(900);
  });

  it('changes overrides through cmd/override', async () => {
    const since = probe.mark();
    expect(await command('override', '{"target":"feed","action":"coarseUp"}')).toEqual({
      ok: true,
    });
    const state = await stateWhere((s) => s.overrides.feedPct === 110, since);
    expect(state.overrides).toEqual({ feedPct: 110, rapidPct: 100, spindlePct: 100 });
    expect(await command('override', '{"target":"feed","action":"reset"}')).toEqual({ ok: true });
    expect(machine.status().overrides.feedPct).toBe(100);
  });

  it('opens the safety door from cmd/door and resumes to the same end point', async () => {
    await machine.idle();
    const since = probe.mark();
    expect(await command('gcode', 'G90 G1 X40 F1200')).toMatchObject({ ok: true });
    await stateWhere((s) => s.state === 'Run', since);
    expect(await command('door', '')).toEqual({ ok: true });
    const door = await stateWhere((s) => s.state === 'Door', since);
    expect(door.machinePositionMm.x).toBeLessThan(40);
    // No door input is wired on the sim: the door counts as closed once stopped.
    await expect.poll(() => machine.status().door, { timeout: 5000 }).toBe('closed');
    expect(await command('resume', '{}')).toEqual({ ok: true });
    const done = await stateWhere((s) => s.state === 'Idle' && s.machinePositionMm.x === 40, since);
    expect(done.machinePositionMm).toMatchObject({ x: 40 });
  });

  it('refuses cmd/spindleStop outside a hold with Grbl code 8', async () => {
    await machine.idle();
    const reply = await command('spindleStop', 'PRESS');
    expect(reply.ok).toBe(false);
    expect(reply.error?.code).toBe(8);
  });

  it('answers bad payloads with an error and changes nothing', async () => {
    await machine.idle();
    const before = JSON.stringify(machine.status());
    const cases: [string, string | Buffer, number][] = [
      ['override', '{"target":"feed",', MqttErrorCode.badJson],
      ['override', '{"target":"feed","action":true}', MqttErrorCode.invalidPayload],
      ['override', '[1,2]', MqttErrorCode.invalidPayload],
      ['jog', '{"xMm":"ten","feedMmMin":100}', MqttErrorCode.invalidPayload],
      ['home', '{"axes":["q"]}', MqttErrorCode.invalidPayload],
      ['hold', 'now please', MqttErrorCode.invalidPayload],
      ['gcode', '', MqttErrorCode.invalidPayload],
      ['job', '{"gcode":42}', MqttErrorCode.invalidPayload],
      ['job', JSON.stringify({ file: 'missing.nc' }), MqttErrorCode.fileUnreadable],
      ['job', JSON.stringify({ file: '/dev/zero' }), MqttErrorCode.notAllowed],
      ['job', JSON.stringify({ file: '.' }), MqttErrorCode.fileUnreadable],
      [
        'gcode',
        Buffer.alloc(MAX_COMMAND_PAYLOAD_BYTES + 1, 'G0 X1\n'),
        MqttErrorCode.payloadTooLarge,
      ],
      ['dance', '{}', MqttErrorCode.unknownCommand],
    ];
    for (const [name, payload, code] of cases) {
      const reply = await command(name, payload);
      expect({ name, ok: reply.ok, code: reply.error?.code }).toEqual({ name, ok: false, code });
    }
    expect(JSON.stringify(machine.status())).toBe(before);
  });

  it('runs a job from cmd/job, with progress in state and its events', async () => {
    const job = zigzagJob(8, 4, 3000);
    const since = probe.mark();
    const reply = await command('job', JSON.stringify({ name: 'zigzag', gcode: job.gcode }));
    expect(reply).toEqual({ ok: true });
    await probe.next(
      `${prefix}event`,
      (m) => (JSON.parse(m.text) as { kind: string }).kind === 'jobFinished',
      { since },
    );
    const final = await stateWhere(
      (st) => st.state === 'Idle' && st.job === null && st.machinePositionMm.x === job.endMm.x,
      since,
    );
    expect(final.machinePositionMm).toEqual(job.endMm);
    const events = probe
      .json<{ kind: string; name?: string; machine: string }>(`${prefix}event`)
      .filter((e) => e.name === 'zigzag');
    expect(events.map((e) => e.kind)).toEqual(['jobStarted', 'jobFinished']);
    expect(events[0]).toMatchObject({ machine: 'emb1', totalLines: 10 });
    const progress = probe.received
      .slice(since)
      .filter((m) => m.topic === `${prefix}state`)
      .map((m) => (JSON.parse(m.text) as StatePayload).job)
      .filter((j) => j !== null);
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((j) => j.name === 'zigzag' && j.totalLines === 10)).toBe(true);
    const lines = progress.map((j) => j.line);
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
  });

  it('runs a job from a file in mqtt.jobsDir', async () => {
    writeFileSync(join(dir, 'back.nc'), 'G90\nG0 X0 Y0\n');
    const since = probe.mark();
    expect(await command('job', JSON.stringify({ file: 'back.nc' }))).toEqual({ ok: true });
    const finished = await probe.next(
      `${prefix}event`,
      (m) => (JSON.parse(m.text) as { kind: string }).kind === 'jobFinished',
      { since },
    );
    expect(JSON.parse(finished.text)).toMatchObject({ name: 'back.nc' });
    await machine.idle();
    expect(machine.status().machinePositionMm).toEqual({ x: 0, y: 0, z: 0 });
  });

  it('refuses a job file outside mqtt.jobsDir, with the reason in the reply', async () => {
    const outside = join(dir, '..', `${basename(dir)}-secret.nc`);
    writeFileSync(outside, 'G0 X50\n');
    try {
      const file = `../${basename(outside)}`;
      expect(await command('job', JSON.stringify({ file }))).toEqual({
        ok: false,
        error: {
          code: MqttErrorCode.notAllowed,
          message: `job file ${JSON.stringify(file)} is outside mqtt.jobsDir`,
        },
      });
      expect(machine.status().job).toBeNull();
    } finally {
      rmSync(outside);
    }
  });

  it('publishes retained Home Assistant configs and republishes them when HA comes online', async () => {
    const ha = await connectProbe(adapter.url, 4);
    try {
      await ha.subscribe('homeassistant/#');
      await ha.next('homeassistant/button/minifactory_emb1/home/config');
      const configs = ha.received.filter((m) => m.topic.endsWith('/config'));
      expect(configs.every((m) => m.retain)).toBe(true);
      expect(configs).toHaveLength(15);
      const state = configs.find(
        (m) => m.topic === 'homeassistant/sensor/minifactory_emb1/state/config',
      );
      expect(JSON.parse(state?.text ?? '{}')).toMatchObject({
        state_topic: `${prefix}state`,
        availability: [{ topic: `${prefix}status` }],
      });
      const since = ha.mark();
      await ha.publish('homeassistant/status', 'online');
      await ha.next('homeassistant/button/minifactory_emb1/home/config', () => true, { since });
      expect(ha.received.slice(since).filter((m) => m.topic.endsWith('/config')).length).toBe(15);
    } finally {
      await ha.close();
    }
  });
});

describe('command policy: read-only mode and the allow-list', () => {
  const machines: Machine[] = [];
  const adapters: MqttAdapter[] = [];
  const probes: Probe[] = [];

  afterAll(async () => {
    for (const probe of probes) await probe.close();
    for (const adapter of adapters) await adapter.close();
    for (const machine of machines) await machine.close();
  });

  const start = async (id: string, mqtt: Record<string, unknown>) => {
    const config = simConfig(id, { embeddedPort: 0, discovery: false, ...mqtt });
    const machine = await createMachine(config, { clock: 'real' });
    machines.push(machine);
    const adapter = await startMqtt(machine, config);
    adapters.push(adapter);
    const probe = await connectProbe(adapter.url, 4);
    probes.push(probe);
    await probe.subscribe(`minifactory/${id}/reply/#`);
    const command = async (name: string, payload: string): Promise<Reply> => {
      const since = probe.mark();
      await probe.publish(`minifactory/${id}/cmd/${name}`, payload);
      const reply = await probe.next(`minifactory/${id}/reply/${name}`, () => true, { since });
      return JSON.parse(reply.text) as Reply;
    };
    return { machine, command };
  };

  it('refuses every command in read-only mode and still publishes', async () => {
    const { machine, command } = await start('ro1', { readOnly: true });
    for (const name of ['gcode', 'estop', 'hold', 'job']) {
      const reply = await command(name, name === 'gcode' || name === 'job' ? 'G0 X5' : '');
      expect(reply).toEqual({
        ok: false,
        error: { code: MqttErrorCode.notAllowed, message: 'read-only mode: commands are disabled' },
      });
    }
    expect(machine.status()).toMatchObject({
      state: 'Idle',
      machinePositionMm: { x: 0, y: 0, z: 0 },
    });
  });

  it('accepts only the allowed commands', async () => {
    const { machine, command } = await start('allow1', { allowCommands: ['gcode', 'hold'] });
    expect(await command('estop', '')).toEqual({
      ok: false,
      error: { code: MqttErrorCode.notAllowed, message: 'command not allowed: estop' },
    });
    expect(machine.status().state).toBe('Idle');
    expect(await command('gcode', 'G0 X3')).toEqual({ ok: true, results: [{ ok: true }] });
    await machine.idle();
    expect(machine.status().machinePositionMm).toEqual({ x: 3, y: 0, z: 0 });
  });

  it('refuses jobs by file name while mqtt.jobsDir is unset', async () => {
    const { machine, command } = await start('nofiles1', {});
    expect(await command('job', '{"file":"part.nc"}')).toEqual({
      ok: false,
      error: {
        code: MqttErrorCode.notAllowed,
        message: 'jobs by file name are disabled: set mqtt.jobsDir to submit jobs by file name',
      },
    });
    expect(machine.status().job).toBeNull();
  });
});
