// `minifactory send` as a real child process against a running machine: JSON progress lines
// when stdout is not a terminal, exit 0 when the job finished, non-zero with the machine's
// error when it failed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMachine, type Machine } from '../../src/machine/machine.js';
import { startMqtt, type MqttAdapter } from '../../src/mqtt/adapter.js';
import { simConfig, zigzagJob } from './helpers/machine.js';
import { runSend } from './helpers/send.js';
import { startMosquitto, type Mosquitto } from './helpers/mosquitto.js';

describe('minifactory send', () => {
  let dir: string;
  let machine: Machine;
  let adapter: MqttAdapter;
  const job = zigzagJob(10, 5, 3000);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'minifactory-send-'));
    writeFileSync(join(dir, 'part.nc'), job.gcode);
    const config = simConfig('sender1', { embeddedPort: 0, statusRateHz: 20, discovery: false });
    machine = await createMachine(config, { clock: 'real' });
    adapter = await startMqtt(machine, config);
  });

  afterAll(async () => {
    await adapter?.close();
    await machine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('streams a job over the embedded broker and prints JSON progress until it finished', async () => {
    const run = await runSend([join(dir, 'part.nc'), '--url', adapter.url, '--id', 'sender1']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.lines[0]).toEqual({ kind: 'accepted', name: 'part.nc', protocolVersion: 4 });
    const last = run.lines[run.lines.length - 1];
    expect(last).toMatchObject({ kind: 'finished', name: 'part.nc' });
    expect(last.durationS).toBeGreaterThan(0);
    const progress = run.lines.filter((l) => l.kind === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    expect(progress.every((p) => p.totalLines === 12 && p.name === 'part.nc')).toBe(true);
    const lines = progress.map((p) => p.line as number);
    expect(new Set(lines).size).toBe(lines.length);
    expect([...lines].sort((a, b) => a - b)).toEqual(lines);
    expect(machine.status().machinePositionMm).toEqual(job.endMm);
  });

  it("exits non-zero with the machine's error when the machine refuses the job", async () => {
    expect(machine.estop().ok).toBe(true);
    try {
      const run = await runSend([join(dir, 'part.nc'), '--url', adapter.url, '--id', 'sender1']);
      expect(run.code).toBe(1);
      const last = run.lines[run.lines.length - 1];
      expect(last).toMatchObject({ kind: 'failed', name: 'part.nc' });
      const error = last.error as { code: number; message: string };
      expect(error.code).toBe(9);
      expect(run.stderr).toContain(`error 9: ${error.message}`);
    } finally {
      machine.reset();
      machine.unlock();
    }
  });

  it('fails clearly when no machine answers under that id', async () => {
    const run = await runSend([
      join(dir, 'part.nc'),
      '--url',
      adapter.url,
      '--id',
      'nobody',
      '--timeout-s',
      '1',
    ]);
    expect(run.code).toBe(1);
    expect(run.lines).toEqual([
      {
        kind: 'failed',
        name: 'part.nc',
        error: {
          code: 922,
          message: 'machine at minifactory/nobody/ is not online on ' + adapter.url,
        },
      },
    ]);
  });
});

describe('minifactory send over Mosquitto (MQTT 5)', () => {
  let mosquitto: Mosquitto;
  let dir: string;
  let machine: Machine;
  let adapter: MqttAdapter;

  beforeAll(async () => {
    mosquitto = await startMosquitto();
    dir = mkdtempSync(join(tmpdir(), 'minifactory-send5-'));
    const config = simConfig('sender5', { url: mosquitto.url, discovery: false });
    machine = await createMachine(config, { clock: 'real' });
    adapter = await startMqtt(machine, config);
  });

  afterAll(async () => {
    await adapter?.close();
    await machine?.close();
    await mosquitto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses MQTT 5 request/response and reports a job cut short by an e-stop', async () => {
    writeFileSync(join(dir, 'long.nc'), zigzagJob(20, 5, 3000).gcode);
    const started = new Promise<void>((resolve) =>
      machine.on('job', (e) => {
        if (e.kind === 'started') resolve();
      }),
    );
    const running = runSend([join(dir, 'long.nc'), '--url', mosquitto.url, '--id', 'sender5']);
    await started;
    await new Promise((resolve) => setTimeout(resolve, 200));
    machine.estop();
    const run = await running;
    expect(run.code).toBe(1);
    expect(run.lines[0]).toEqual({ kind: 'accepted', name: 'long.nc', protocolVersion: 5 });
    const last = run.lines[run.lines.length - 1];
    expect(last).toMatchObject({ kind: 'failed', name: 'long.nc' });
    const error = last.error as { code: number; message: string };
    expect(run.stderr).toContain(`error ${error.code}: ${error.message}`);
  });
});
