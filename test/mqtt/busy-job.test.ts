// A second job sent while one runs is refused before its body is read, so a large payload
// from another client cannot stall the event loop and starve the running job (Alarm 3).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MachineConfig } from '../../src/config/schema.js';
import { createMachine, type Machine } from '../../src/machine/machine.js';
import { startMqtt, type MqttAdapter } from '../../src/mqtt/adapter.js';
import { connectProbe, type Probe } from './helpers/client.js';
import { simConfig, zigzagJob } from './helpers/machine.js';

const PUBLISH_FILE = resolve(import.meta.dirname, 'helpers/publish-file.ts');

type Reply = { ok: boolean; error?: { code: number; message: string } };

describe('a job sent to a busy machine', () => {
  let config: MachineConfig;
  let machine: Machine;
  let adapter: MqttAdapter;
  let probe: Probe;
  const prefix = 'minifactory/busy1/';

  beforeAll(async () => {
    config = simConfig('busy1', { embeddedPort: 0 });
    machine = await createMachine(config, { clock: 'real' });
    adapter = await startMqtt(machine, config);
    probe = await connectProbe(adapter.url, 4);
    await probe.subscribe([`${prefix}#`]);
  });

  afterAll(async () => {
    await probe?.close();
    await adapter?.close();
    await machine?.close();
  });

  it('is refused as busy, naming the running job, and the running job finishes', async () => {
    // Made before the first job starts: building 8 MiB in this process stalls it too.
    const line = 'G1 X10 Y10 F1000\n';
    const big = JSON.stringify({ name: 'second', gcode: line.repeat((8 << 20) / line.length) });
    const dir = mkdtempSync(join(tmpdir(), 'minifactory-busy-'));
    writeFileSync(join(dir, 'big.json'), big);
    const running = zigzagJob(200, 2, 3000);
    let since = probe.mark();
    await probe.publish(
      `${prefix}cmd/job`,
      JSON.stringify({ name: 'first', gcode: running.gcode }),
    );
    const started = await probe.next(`${prefix}reply/job`, () => true, { since });
    expect(JSON.parse(started.text)).toMatchObject({ ok: true });

    // About 8 MiB of G-code in one payload, sent by another process while `first` runs: the
    // broker drops that client at the packet's header.
    try {
      const publisher = spawn(
        process.execPath,
        ['--import', 'tsx', PUBLISH_FILE, adapter.url, `${prefix}cmd/job`, join(dir, 'big.json')],
        { stdio: 'ignore' },
      );
      const code = await new Promise<number | null>((done) => publisher.once('exit', done));
      expect(code).toBe(3);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(machine.status().job?.name).toBe('first');
    // A small job is answered, naming the job that runs.
    since = probe.mark();
    await probe.publish(`${prefix}cmd/job`, JSON.stringify({ name: 'third', gcode: 'G0 X1\n' }));
    const refused = JSON.parse(
      (await probe.next(`${prefix}reply/job`, () => true, { since })).text,
    ) as Reply;
    expect(refused.ok).toBe(false);
    expect(refused.error?.message).toBe('busy: job first is running');

    const end = await probe.next(
      `${prefix}event`,
      (m) => /"kind":"job(Finished|Failed)","name":"first"/.test(m.text),
      { timeoutMs: 60_000 },
    );
    expect(JSON.parse(end.text)).toMatchObject({ kind: 'jobFinished', name: 'first' });
  });
});
