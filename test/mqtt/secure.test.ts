// Configured brokers other than plain TCP (Mosquitto): TLS with a password file, where the
// machine connects with the CA, user name and password from its config (and, with a wrong
// password, keeps running unconnected); and WebSockets.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connectAsync } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMachine, type Machine } from '../../src/machine/machine.js';
import { startMqtt, type MqttAdapter } from '../../src/mqtt/adapter.js';
import { freePort } from './helpers/free-port.js';
import { simConfig } from './helpers/machine.js';
import { runSend } from './helpers/send.js';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.js';

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A throwaway CA and a server certificate for 127.0.0.1 it signed (EC keys: fast). */
function makeCertificates(dir: string): void {
  const ssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  };
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  ssl(
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '2',
    '-subj',
    '/CN=minifactory test CA',
  );
  ssl('req', ...ec, '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  ssl(
    'x509',
    '-req',
    '-in',
    'server.csr',
    '-CA',
    'ca.pem',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'server.pem',
    '-days',
    '2',
    '-extfile',
    'san.ext',
  );
}

describe.skipIf(!hasOpenssl())('a TLS broker with user names and passwords', () => {
  let mosquitto: Mosquitto;
  let caPath: string;
  const machines: Machine[] = [];
  const adapters: MqttAdapter[] = [];

  beforeAll(async () => {
    mosquitto = await startMosquitto({
      scheme: 'mqtts',
      prepare: (dir) => {
        makeCertificates(dir);
        execFileSync('mosquitto_passwd', ['-c', '-b', join(dir, 'passwd'), 'mill', 's3cret'], {
          stdio: 'ignore',
        });
      },
      settings: [
        'cafile {dir}/ca.pem',
        'certfile {dir}/server.pem',
        'keyfile {dir}/server.key',
        'allow_anonymous false',
        'password_file {dir}/passwd',
      ],
    });
    caPath = join(mosquitto.dir, 'ca.pem');
  });

  afterAll(async () => {
    for (const adapter of adapters) await adapter.close();
    for (const machine of machines) await machine.close();
    await mosquitto?.stop();
  });

  const start = async (id: string, password: string, firstConnectWaitMs: number) => {
    const config = simConfig(id, {
      url: mosquitto.url,
      username: 'mill',
      password,
      tls: { ca: caPath },
      discovery: false,
    });
    const machine = await createMachine(config, { clock: 'real' });
    machines.push(machine);
    const adapter = await startMqtt(machine, config, { firstConnectWaitMs });
    adapters.push(adapter);
    return { machine, adapter };
  };

  it('connects with the CA, user name and password from the config', async () => {
    const { adapter } = await start('tls1', 's3cret', 5000);
    expect(adapter.isConnected()).toBe(true);
    const probe = await connectAsync(mosquitto.url, {
      protocolVersion: 5,
      username: 'mill',
      password: 's3cret',
      ca: readFileSync(caPath),
    });
    try {
      const status = new Promise<string>((resolve) =>
        probe.on('message', (_topic, payload) => resolve(payload.toString())),
      );
      await probe.subscribeAsync('minifactory/tls1/status');
      expect(await status).toBe('online');
    } finally {
      await probe.endAsync(true);
    }
  });

  it('takes a job from `send` with the CA and credentials on its command line', async () => {
    writeFileSync(join(mosquitto.dir, 'square.nc'), 'G21 G90 G1 F3000\nX5\nY5\nX0\nY0\n');
    const run = await runSend([
      join(mosquitto.dir, 'square.nc'),
      '--url',
      mosquitto.url,
      '--id',
      'tls1',
      '--username',
      'mill',
      '--password',
      's3cret',
      '--ca',
      caPath,
    ]);
    expect(run.lines[0]).toEqual({ kind: 'accepted', name: 'square.nc', protocolVersion: 5 });
    expect(run.lines[run.lines.length - 1]).toMatchObject({ kind: 'finished', name: 'square.nc' });
    expect(run.code).toBe(0);
  });

  it('keeps the machine running when the broker refuses it', async () => {
    const { machine, adapter } = await start('tls2', 'wrong', 300);
    expect(adapter.isConnected()).toBe(false);
    expect((await machine.gcode('G0 X2'))[0].ok).toBe(true);
    await machine.idle();
    expect(machine.status().machinePositionMm).toEqual({ x: 2, y: 0, z: 0 });
  });
});

describe('a broker reached over WebSockets', () => {
  let mosquitto: Mosquitto;
  let wsUrl: string;
  let machine: Machine | null = null;
  let adapter: MqttAdapter | null = null;

  beforeAll(async () => {
    // Mosquitto 2.0.11 refuses to start with WebSockets listeners only: keep the TCP one.
    const wsPort = await freePort();
    mosquitto = await startMosquitto({
      settings: [
        'allow_anonymous true',
        `listener ${wsPort} 127.0.0.1`,
        'protocol websockets',
        'socket_domain ipv4',
      ],
    });
    wsUrl = `ws://127.0.0.1:${wsPort}`;
  });

  afterAll(async () => {
    await adapter?.close();
    await machine?.close();
    await mosquitto?.stop();
  });

  it('connects to a ws:// url and answers commands', async () => {
    const config = simConfig('ws1', { url: wsUrl, discovery: false });
    machine = await createMachine(config, { clock: 'real' });
    adapter = await startMqtt(machine, config, { firstConnectWaitMs: 3000 });
    expect(adapter.isConnected()).toBe(true);
    const probe = await connectAsync(wsUrl, { protocolVersion: 5 });
    try {
      const replied = new Promise<string>((resolve) =>
        probe.on('message', (_topic, payload) => resolve(payload.toString())),
      );
      await probe.subscribeAsync('minifactory/ws1/reply/gcode');
      await probe.publishAsync('minifactory/ws1/cmd/gcode', 'G0 Y4', { qos: 1 });
      expect(JSON.parse(await replied)).toEqual({ ok: true, results: [{ ok: true }] });
      await machine.idle();
      expect(machine.status().machinePositionMm).toEqual({ x: 0, y: 4, z: 0 });
    } finally {
      await probe.endAsync(true);
    }
  });
});
