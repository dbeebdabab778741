// The embedded broker's access rules, against real MQTT clients: with credentials configured
// nobody connects without them; only the daemon publishes its own topics; commands need an
// account allowed to send them; the daemon's client id cannot be taken over.
import { connectAsync, type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachineConfig } from '../../src/config/schema.js';
import { createMachine, type Machine } from '../../src/machine/machine.js';
import { startMqtt, type MqttAdapter } from '../../src/mqtt/adapter.js';
import { connectProbe, type Probe } from './helpers/client.js';
import { simConfig } from './helpers/machine.js';

/** The CONNACK return code of a connect attempt (0: accepted), the client closed again. */
async function connackCode(url: string, options: Record<string, unknown>): Promise<number> {
  try {
    const client = await connectAsync(url, {
      protocolVersion: 4,
      reconnectPeriod: 0,
      connectTimeout: 5000,
      ...options,
    });
    await client.endAsync();
    return 0;
  } catch (err) {
    return (err as { code?: number }).code ?? -1;
  }
}

async function connectAs(url: string, username: string, password: string): Promise<MqttClient> {
  const client = await connectAsync(url, {
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    username,
    password,
  });
  client.on('error', () => undefined);
  return client;
}

describe('embedded broker with credentials', () => {
  let config: MachineConfig;
  let machine: Machine;
  let adapter: MqttAdapter;
  let operator: Probe;
  const prefix = 'minifactory/auth1/';

  beforeAll(async () => {
    config = simConfig('auth1', {
      embeddedPort: 0,
      username: 'operator',
      password: 'op-secret',
      users: [{ username: 'viewer', password: 'view-secret', commands: false }],
    });
    machine = await createMachine(config, { clock: 'real' });
    adapter = await startMqtt(machine, config);
    operator = await connectProbe(adapter.url.replace('mqtt://', 'mqtt://operator:op-secret@'), 4);
    await operator.subscribe([`${prefix}#`]);
  });

  afterAll(async () => {
    await operator?.close();
    await adapter?.close();
    await machine?.close();
  });

  it('refuses anonymous clients and wrong passwords (CONNACK 5 and 4)', async () => {
    expect(await connackCode(adapter.url, {})).toBe(5);
    expect(await connackCode(adapter.url, { username: 'operator', password: 'wrong' })).toBe(4);
    expect(await connackCode(adapter.url, { username: 'operator', password: 'op-secret' })).toBe(0);
  });

  it("refuses a client that takes the daemon's client id; the daemon stays connected", async () => {
    const code = await connackCode(adapter.url, {
      username: 'operator',
      password: 'op-secret',
      clientId: 'minifactory-auth1',
    });
    expect(code).toBe(2);
    expect(adapter.isConnected()).toBe(true);
    const since = operator.mark();
    await operator.publish(`${prefix}cmd/unlock`, '{}');
    const reply = await operator.next(`${prefix}reply/unlock`, () => true, { since });
    expect(JSON.parse(reply.text)).toMatchObject({ ok: true });
  });

  it("never delivers or retains another client's state, status, event or reply", async () => {
    const forger = await connectAs(adapter.url, 'operator', 'op-secret');
    const closed = new Promise<void>((resolve) => forger.once('close', () => resolve()));
    forger.publish(`${prefix}state`, '{"state":"Idle","forged":true}', { qos: 0, retain: true });
    await closed;
    // A fresh subscriber gets the daemon's retained state, never the forged one.
    const fresh = await connectProbe(
      adapter.url.replace('mqtt://', 'mqtt://operator:op-secret@'),
      4,
    );
    try {
      await fresh.subscribe([`${prefix}state`, `${prefix}status`]);
      const state = await fresh.next(`${prefix}state`);
      expect(state.text).not.toContain('forged');
      expect(operator.received.some((m) => m.text.includes('forged'))).toBe(false);
    } finally {
      await fresh.close();
    }
  });

  it('a viewer account reads state but may not send commands', async () => {
    const viewer = await connectProbe(
      adapter.url.replace('mqtt://', 'mqtt://viewer:view-secret@'),
      4,
    );
    try {
      await viewer.subscribe([`${prefix}state`]);
      await viewer.next(`${prefix}state`);
      const hold = new Promise<void>((resolve) => viewer.client.once('close', () => resolve()));
      viewer.client.publish(`${prefix}cmd/estop`, '{}', { qos: 0 });
      await hold;
      expect(machine.status().state).not.toBe('Alarm');
    } finally {
      await viewer.close();
    }
  });
});

describe('embedded broker without credentials', () => {
  let machine: Machine;
  let adapter: MqttAdapter;
  const prefix = 'minifactory/auth2/';

  beforeAll(async () => {
    const config = simConfig('auth2', { embeddedPort: 0 });
    machine = await createMachine(config, { clock: 'real' });
    adapter = await startMqtt(machine, config);
  });

  afterAll(async () => {
    await adapter?.close();
    await machine?.close();
  });

  it("still keeps the daemon's topics and client id its own", async () => {
    expect(await connackCode(adapter.url, { clientId: 'minifactory-auth2' })).toBe(2);
    const forger = await connectProbe(adapter.url, 4);
    const closed = new Promise<void>((resolve) => forger.client.once('close', () => resolve()));
    forger.client.publish(`${prefix}status`, 'offline', { qos: 0, retain: true });
    await closed;
    await forger.close();
    const fresh = await connectProbe(adapter.url, 4);
    try {
      await fresh.subscribe([`${prefix}status`]);
      expect((await fresh.next(`${prefix}status`)).text).toBe('online');
    } finally {
      await fresh.close();
    }
  });
});
