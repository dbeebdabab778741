import { afterEach, describe, expect, it } from 'vitest';
import { RT } from '../../src/grbl/realtime.js';
import {
  grblRig,
  pump,
  request,
  settle,
  statusReport,
  type GrblClient,
  type GrblRig,
} from './helpers.js';

const rt = (byte: number): string => String.fromCharCode(byte);
const mm = (value: number): string => value.toFixed(3).replace('.', '\\.');

let rig: GrblRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

/** A connected rig that has taken `lines` and moved past x = 5 mm. */
async function running(lines: string[], extra: Record<string, unknown> = {}) {
  const r = await grblRig(extra);
  rig = r;
  const client = await r.connect();
  for (const line of lines) expect(await request(r, client, line)).toEqual(['ok']);
  if (lines.length > 0) await pump(r.clock, () => r.sim.axesMm()[0] > 5);
  return { r, client };
}

/** Sends realtime bytes and waits (I/O only) until the machine has taken them. */
async function realtime(r: GrblRig, client: GrblClient, bytes: string): Promise<void> {
  const before = client.reports().length;
  client.send(`${bytes}?`);
  await pump(r.clock, () => client.reports().length > before, 0);
}

describe('0x84 safety door', () => {
  it('Door:2 while stopping, Door:0 stopped with spindle and coolant off, ~ finishes the job', async () => {
    const { r, client } = await running(['M3 S500', 'M8', 'G1 X20 F1200']);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0.5);
    client.clear();
    client.send(rt(RT.door));
    const stopping = await statusReport(r, client);
    expect(client.lines()[0]).toBe('[MSG:Check Door]');
    expect(stopping).toMatch(/^<Door:2\|MPos:[\d.]+,0\.000,0\.000\|Bf:15,128\|FS:\d+,500[|>]/);

    await pump(r.clock, () => r.machine.status().door === 'closed');
    const x = r.sim.axesMm()[0];
    expect(x).toBeLessThan(20);
    expect(await statusReport(r, client)).toMatch(
      new RegExp(`^<Door:0\\|MPos:${mm(x)},0\\.000,0\\.000\\|Bf:\\d+,128\\|FS:0,0[|>]`),
    );
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(r.sim.output('flood')?.read()).toBe(false);
    r.clock.advanceUs(1_000_000);
    expect(r.sim.axesMm()[0]).toBe(x);

    client.send('~');
    await pump(r.clock, () => r.machine.status().state === 'Run', 0);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0.5);
    expect(r.sim.output('flood')?.read()).toBe(true);
    await settle(r);
    expect(await statusReport(r, client)).toMatch(
      /^<Idle\|MPos:20\.000,0\.000,0\.000\|Bf:15,128\|FS:0,500[|>]/,
    );
    // 80 steps/mm: every step of the 20 mm, none lost or doubled by the stop.
    expect(Array.from(r.sim.motorSteps())).toEqual([1600, 0, 0]);
  });

  it('with the door input open, ~ does nothing until it closes (Door:1, then Door:0)', async () => {
    const { r, client } = await running(['G1 X20 F1200']);
    client.send(rt(RT.door));
    r.sim.setInput('door', true);
    await pump(r.clock, () => r.machine.status().door === 'open');
    expect(await statusReport(r, client)).toMatch(/^<Door:1\|.*\|Pn:D/);
    await realtime(r, client, '~');
    r.clock.advanceUs(1_000_000);
    expect(r.machine.status().state).toBe('Door');
    r.sim.setInput('door', false);
    expect(await statusReport(r, client)).toMatch(/^<Door:0\|/);
    client.send('~');
    await settle(r);
    expect(await statusReport(r, client)).toMatch(/^<Idle\|MPos:20\.000,0\.000,0\.000\|/);
  });
});

describe('0x9E spindle stop', () => {
  it('ignored while running; in a hold it toggles the spindle; ~ restores it first', async () => {
    const { r, client } = await running(['M3 S500', 'G1 X20 F1200']);
    await realtime(r, client, rt(RT.spindleStop));
    expect(r.machine.status().state).toBe('Run');
    expect(r.sim.pwm('spindle')?.duty()).toBe(0.5);

    client.send('!');
    await pump(r.clock, () => r.machine.status().feedMmMin === 0);
    client.clear();
    await realtime(r, client, rt(RT.spindleStop));
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(r.sim.output('spindleEnable')?.read()).toBe(false);
    expect(client.lines()).toHaveLength(1);
    expect(client.lines()[0]).toMatch(
      /^<Hold:0\|MPos:[\d.]+,0\.000,0\.000\|Bf:\d+,128\|FS:0,0[|>]/,
    );

    client.clear();
    await realtime(r, client, rt(RT.spindleStop));
    expect(client.lines()[0]).toBe('[MSG:Restoring spindle]');
    expect(client.lines()[1]).toMatch(/^<Hold:0\|.*\|FS:0,500[|>]/);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0.5);

    await realtime(r, client, rt(RT.spindleStop));
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    client.clear();
    client.send('~');
    await pump(r.clock, () => client.lines().length > 0, 0);
    expect(client.lines()).toEqual(['[MSG:Restoring spindle]']);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0.5);
    await settle(r);
    expect(await statusReport(r, client)).toMatch(/^<Idle\|MPos:20\.000,0\.000,0\.000\|/);
  });
});

describe('Ln: line number', () => {
  it("reports the running line's N word, and none for a line without one", async () => {
    const { r, client } = await running([]);
    // The second line is taken once the first is under way (the machine reads ahead by time).
    client.send('N25 G1 X20 F1200\nG1 X30\n');
    await pump(r.clock, () => r.sim.axesMm()[0] > 5);
    expect(await statusReport(r, client)).toMatch(
      /^<Run\|MPos:[\d.]+,0\.000,0\.000\|Bf:\d+,\d+\|Ln:25\|FS:1200,0[|>]/,
    );
    await pump(r.clock, () => r.sim.axesMm()[0] > 22);
    const report = await statusReport(r, client);
    expect(report).toMatch(/^<Run\|MPos:[\d.]+,0\.000,0\.000\|Bf:\d+,\d+\|FS:\d+,0[|>]/);
    expect(report).not.toContain('Ln:');
  });
});
