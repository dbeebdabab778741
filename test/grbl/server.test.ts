import { afterEach, describe, expect, it } from 'vitest';
import { RT } from '../../src/grbl/realtime.js';
import { grblRig, pump, request, settle, statusReport, type GrblRig } from './helpers.js';

const WELCOME = "\r\nGrbl 1.1h ['$' for help]\r\n";
const rt = (byte: number): string => String.fromCharCode(byte);

let rig: GrblRig | null = null;
afterEach(async () => {
  await rig?.close();
  rig = null;
});

async function start(extra: Record<string, unknown> = {}): Promise<GrblRig> {
  rig = await grblRig(extra);
  return rig;
}

describe('connecting', () => {
  it('greets with the Grbl 1.1h welcome line, bytes exact', async () => {
    const r = await start();
    const client = await r.connect();
    expect(client.text).toBe(WELCOME);
  });

  it('turns a second client away while the first is connected, then takes a new one', async () => {
    const r = await start();
    const first = await r.connect();
    const second = await r.connect();
    await pump(r.clock, () => second.closed, 0);
    expect(second.text).toBe('[MSG:Another client is connected: one controller at a time]\r\n');
    // The first one still works.
    expect(await request(r, first, 'G91')).toEqual(['ok']);
    first.socket.destroy();
    await pump(r.clock, () => first.closed, 0);
    // Its session is gone once the server has seen the close.
    let third = await r.connect();
    for (let i = 0; i < 20 && third.text !== WELCOME; i++) {
      third.socket.destroy();
      third = await r.connect();
    }
    expect(third.text).toBe(WELCOME);
  });

  it('greets in alarm with the unlock hint when homing is required', async () => {
    const r = await start({ homing: { enabled: true } });
    const client = await r.connect();
    expect(client.text).toBe(`${WELCOME}[MSG:'$H'|'$X' to unlock]\r\n`);
  });
});

describe('lines and realtime commands', () => {
  it('G0 X10: ok once queued, Run while moving, Idle at MPos 10 after', async () => {
    const r = await start();
    const client = await r.connect();
    expect(await request(r, client, 'G0 X10')).toEqual(['ok']);
    expect(await statusReport(r, client)).toMatch(/^<Run\|MPos:0\.000,0\.000,0\.000\|/);
    await settle(r);
    const report = await statusReport(r, client);
    expect(report).toMatch(/^<Idle\|MPos:10\.000,0\.000,0\.000\|Bf:15,128\|FS:0,0/);
    expect(r.sim.axesMm()[0]).toBeCloseTo(10, 6);
  });

  it('a ? in the middle of a line reports at once and the line still completes', async () => {
    const r = await start();
    const client = await r.connect();
    client.clear();
    client.send('G1 X');
    client.send('?');
    await pump(r.clock, () => client.reports().length === 1, 0);
    expect(client.answers()).toEqual([]);
    client.send('5 F600\n');
    await pump(r.clock, () => client.answers().length === 1, 0);
    expect(client.lines()).toEqual([
      '<Idle|MPos:0.000,0.000,0.000|Bf:15,124|FS:0,0|WCO:0.000,0.000,0.000>',
      'ok',
    ]);
    await settle(r);
    expect(await statusReport(r, client)).toMatch(/^<Idle\|MPos:5\.000,0\.000,0\.000\|/);
  });

  it('a bad line gets its Grbl error code and moves nothing', async () => {
    const r = await start();
    const client = await r.connect();
    expect(await request(r, client, 'G99 X10')).toEqual(['error:20']);
    expect(await request(r, client, 'G1 X10')).toEqual(['error:22']);
    await settle(r);
    expect(r.sim.axesMm()).toEqual([0, 0, 0]);
    expect(r.machine.status().state).toBe('Idle');
    // A line past the limit is refused whole, the next one is taken.
    expect(await request(r, client, `G0 X1 (${'x'.repeat(300)})`)).toEqual(['error:11']);
    // \r ends a line; \r\n ends one line (one answer, not two); an empty line gets ok.
    client.send('G0 X1\r');
    await pump(r.clock, () => client.answers().length === 4, 0);
    client.send('\n');
    expect(await request(r, client, '')).toEqual(['ok']);
    expect(client.answers()).toEqual(['error:20', 'error:22', 'error:11', 'ok', 'ok']);
  });

  it('! holds (Hold:0, standing still) and ~ resumes to the target', async () => {
    const r = await start();
    const client = await r.connect();
    expect(await request(r, client, 'G1 X20 F1200')).toEqual(['ok']);
    await pump(r.clock, () => r.sim.axesMm()[0] > 5);
    client.send('!');
    await pump(r.clock, () => r.machine.status().state === 'Hold');
    await pump(r.clock, () => r.machine.status().feedMmMin === 0);
    const held = r.sim.axesMm()[0];
    expect(held).toBeGreaterThan(5);
    expect(held).toBeLessThan(20);
    r.clock.advanceUs(2_000_000);
    expect(r.sim.axesMm()[0]).toBe(held);
    expect(await statusReport(r, client)).toMatch(/^<Hold:0\|MPos:/);
    client.send('~');
    await pump(r.clock, () => r.machine.status().state === 'Run', 0);
    await settle(r);
    expect(await statusReport(r, client)).toMatch(/^<Idle\|MPos:20\.000,0\.000,0\.000\|/);
  });

  it('ctrl-x mid-move: ALARM:3, welcome again, unanswered lines forgotten; $X unlocks', async () => {
    const r = await start();
    const client = await r.connect();
    client.clear();
    client.send('G1 X50 F1200\nG4 P10\nG1 X0\n');
    // The dwell is taken once the move is under way; the last line waits behind the dwell.
    await pump(r.clock, () => client.answers().length === 2);
    await pump(r.clock, () => r.sim.axesMm()[0] > 2);
    expect(r.sim.axesMm()[0]).toBeLessThan(50);
    client.send(rt(RT.reset));
    await pump(r.clock, () => client.text.includes('unlock'), 0);
    expect(client.text).toBe(`ok\r\nok\r\nALARM:3\r\n${WELCOME}[MSG:'$H'|'$X' to unlock]\r\n`);
    // Nothing more comes for the forgotten line.
    await pump(r.clock, () => r.machine.status().state === 'Alarm');
    expect(await request(r, client, 'G0 X1')).toEqual(['error:9']);
    // A reset in Alarm stays in it: the welcome's hint says so, no second ALARM line.
    client.clear();
    client.send(rt(RT.reset));
    await pump(r.clock, () => client.text.includes('unlock'), 0);
    expect(client.text).toBe(`${WELCOME}[MSG:'$H'|'$X' to unlock]\r\n`);
    expect(await request(r, client, '$X')).toEqual(['[MSG:Caution: Unlocked]', 'ok']);
    expect(client.answers()).toEqual(['ok']);
    expect(r.machine.status().state).toBe('Idle');
    // A reset flushes the lines still unread and the partial one; what follows is a new line.
    const x = r.sim.axesMm()[0];
    client.clear();
    client.send(`G0 X6\nG0 X7${rt(RT.reset)}\n`);
    await pump(r.clock, () => client.answers().length === 1, 0);
    expect(client.text).toBe(`${WELCOME}ok\r\n`);
    await settle(r);
    expect(r.sim.axesMm()[0]).toBe(x);
  });

  it('a hard limit and the e-stop each send ALARM:N with a reset request', async () => {
    const r = await start({ axes: { x: { travelMm: 100 } } });
    const client = await r.connect();
    client.clear();
    expect(await request(r, client, 'G0 X120')).toEqual(['ok']);
    await pump(r.clock, () => client.text.includes('ALARM'));
    expect(client.lines()).toEqual(['ok', 'ALARM:1', '[MSG:Reset to continue]']);
    expect(await statusReport(r, client)).toMatch(/^<Alarm\|MPos:10[01]\.\d{3},0\.000,0\.000\|/);
    expect(await request(r, client, '$X')).toEqual(['[MSG:Caution: Unlocked]', 'ok']);
    expect(await request(r, client, 'G0 X50')).toEqual(['ok']);
    await settle(r);
    client.clear();
    r.sim.setInput('estop', true);
    await pump(r.clock, () => client.lines().length >= 2, 0);
    expect(client.lines()).toEqual(['ALARM:10', '[MSG:Reset to continue]']);
    expect(await statusReport(r, client)).toMatch(/^<Alarm\|MPos:50\.000,0\.000,0\.000\|.*Pn:E/);
  });

  it('the door input: [MSG:Check Door], Door:1 while open, Door:0 closed, ~ resumes', async () => {
    const r = await start();
    const client = await r.connect();
    expect(await request(r, client, 'G1 X20 F1200')).toEqual(['ok']);
    await pump(r.clock, () => r.sim.axesMm()[0] > 5);
    client.clear();
    r.sim.setInput('door', true);
    await pump(r.clock, () => r.machine.status().door === 'open');
    await pump(r.clock, () => client.lines().length > 0, 0);
    expect(client.lines()).toEqual(['[MSG:Check Door]']);
    expect(await statusReport(r, client)).toMatch(/^<Door:1\|.*\|Pn:D/);
    r.sim.setInput('door', false);
    expect(await statusReport(r, client)).toMatch(/^<Door:0\|/);
    client.send('~');
    await settle(r);
    expect(await statusReport(r, client)).toMatch(/^<Idle\|MPos:20\.000,0\.000,0\.000\|/);
  });

  it('a probe cycle reports [PRB:...:1] where it touched', async () => {
    const r = await start({ sim: { clock: 'virtual', startMm: { z: 10 }, probeZMm: 4 } });
    const client = await r.connect();
    client.clear();
    expect(await request(r, client, 'G38.2 Z-5 F300')).toEqual(['ok']);
    await pump(r.clock, () => client.text.includes('[PRB:'));
    expect(client.lines()[1]).toMatch(/^\[PRB:0\.000,0\.000,(4\.000|3\.99\d):1\]$/);
  });

  it('$H homes; a line beyond travel then raises ALARM:2 and is answered error:9', async () => {
    const r = await start({
      homing: { enabled: true },
      limits: { soft: true },
      sim: { clock: 'virtual', startMm: { x: 290, y: 290, z: 70 } },
    });
    const client = await r.connect();
    client.clear();
    expect(await request(r, client, '$H', 10_000)).toEqual(['ok']);
    expect(await statusReport(r, client)).toMatch(/^<Idle\|MPos:300\.000,300\.000,80\.000\|/);
    client.clear();
    expect(await request(r, client, 'G0 X400')).toEqual([
      'ALARM:2',
      '[MSG:Reset to continue]',
      'error:9',
    ]);
    expect(r.machine.status()).toMatchObject({ state: 'Alarm', alarm: 2 });
  });

  it('feed and rapid overrides show in Ov', async () => {
    const r = await start();
    const client = await r.connect();
    await statusReport(r, client);
    expect(await statusReport(r, client)).toMatch(/\|Ov:100,100,100>$/);
    client.send(rt(RT.feedCoarseUp) + rt(RT.feedFineUp) + rt(RT.rapidHalf));
    await pump(r.clock, () => r.machine.status().overrides.rapidPct === 50, 0);
    expect(await statusReport(r, client)).toMatch(/\|Ov:111,50,100>$/);
    // Not again until the refresh count comes round or a value changes.
    expect(await statusReport(r, client)).not.toContain('Ov:');
    client.send(rt(RT.feedReset));
    await pump(r.clock, () => r.machine.status().overrides.feedPct === 100, 0);
    expect(await statusReport(r, client)).toMatch(/\|Ov:100,50,100>$/);
    // Coolant toggles: flood on, mist on, flood off; each shows in A: at once.
    client.send(rt(RT.floodToggle));
    await pump(r.clock, () => r.machine.status().coolant.flood);
    expect(await statusReport(r, client)).toMatch(/\|Ov:100,50,100\|A:F>$/);
    client.send(rt(RT.mistToggle));
    await pump(r.clock, () => r.machine.status().coolant.mist);
    client.send(rt(RT.floodToggle));
    await pump(r.clock, () => !r.machine.status().coolant.flood);
    expect(await statusReport(r, client)).toMatch(/\|Ov:100,50,100\|A:M>$/);
    expect(r.sim.output('mist')?.read()).toBe(true);
    expect(r.sim.output('flood')?.read()).toBe(false);
  });

  it('streams 200 lines with character counting: every answer, in order', async () => {
    const r = await start();
    const client = await r.connect();
    client.clear();
    const lines: string[] = [];
    for (let i = 0; i < 200; i++) {
      lines.push(i === 100 ? 'G99' : `G1 X${(i % 10) + 1} Y${Math.floor(i / 10)} F3000`);
    }
    // The sender keeps at most 128 bytes unanswered, as UGS, CNCjs and bCNC do.
    let sent = 0;
    const feed = (): void => {
      const answered = client.answers().length;
      let inFlightBytes = 0;
      for (let i = answered; i < sent; i++) inFlightBytes += lines[i].length + 1;
      while (sent < lines.length && inFlightBytes + lines[sent].length + 1 <= 128) {
        client.send(`${lines[sent]}\n`);
        inFlightBytes += lines[sent].length + 1;
        sent++;
      }
    };
    await pump(
      r.clock,
      () => {
        feed();
        return client.answers().length === lines.length;
      },
      2000,
    );
    const expected = lines.map((line) => (line === 'G99' ? 'error:20' : 'ok'));
    expect(client.answers()).toEqual(expected);
    await settle(r);
    expect(r.sim.axesMm()[0]).toBeCloseTo(10, 6);
    expect(r.sim.axesMm()[1]).toBeCloseTo(19, 6);
    expect(r.machine.status().state).toBe('Idle');
  });
});

describe('$ commands', () => {
  it('$$ lists settings mapped from the config; writes only where harmless', async () => {
    const r = await start({ homing: { enabled: true, towardsMax: { z: false } } });
    const client = await r.connect();
    const lines = await request(r, client, '$$');
    expect(lines.at(-1)).toBe('ok');
    // The sim board's 1 µs pulse reads as Grbl's smallest, 3.
    expect(lines).toContain('$0=3');
    expect(lines).toContain('$10=3');
    expect(lines).toContain('$11=0.010');
    expect(lines).toContain('$22=1');
    expect(lines).toContain('$23=4');
    expect(lines).toContain('$100=80.000');
    expect(lines).toContain('$102=400.000');
    expect(lines).toContain('$110=6000.000');
    expect(lines).toContain('$132=80.000');
    expect(lines).toContain('$30=1000');
    expect(await request(r, client, '$100=80')).toEqual(['ok']);
    expect(await request(r, client, '$100=100')).toEqual([
      '[MSG:Settings are read-only here: edit the machine config (YAML) and restart minifactory]',
      'error:3',
    ]);
    expect(await request(r, client, '$999=1')).toEqual(['error:3']);
    expect(await request(r, client, '$10=0')).toEqual(['ok']);
    expect(await statusReport(r, client)).toMatch(/^<Alarm\|WPos:0\.000,0\.000,0\.000\|FS:0,0\|/);
  });

  it('$G, $#, $I, $N and $ answer with their reports', async () => {
    const r = await start();
    const client = await r.connect();
    expect(await request(r, client, 'G91')).toEqual(['ok']);
    const gc = await request(r, client, '$G');
    expect(gc).toHaveLength(2);
    expect(gc[0]).toMatch(/^\[GC:G0 G54 G17 G21 G91 G94 .*\]$/);
    expect(gc[1]).toBe('ok');
    const params = await request(r, client, '$#');
    expect(params[0]).toBe('[G54:0.000,0.000,0.000]');
    expect(params.at(-2)).toBe('[PRB:0.000,0.000,0.000:0]');
    expect(await request(r, client, '$I')).toEqual([
      '[VER:1.1h.minifactory:]',
      '[OPT:VMH,15,128]',
      'ok',
    ]);
    expect(await request(r, client, '$N')).toEqual(['$N0=', '$N1=', 'ok']);
    expect(await request(r, client, '$')).toEqual([
      '[HLP:$$ $# $G $I $N $x=val $Nx=line $J=line $SLP $C $X $H ~ ! ? ctrl-x]',
      'ok',
    ]);
    expect(await request(r, client, '$Q')).toEqual(['error:3']);
    expect(await request(r, client, '$C')).toEqual(['[MSG:Enabled]', 'ok']);
    expect(await request(r, client, 'G0 X10')).toEqual(['ok']);
    expect(await request(r, client, '$C')).toEqual(['[MSG:Disabled]', 'ok']);
    await settle(r);
    expect(r.sim.axesMm()).toEqual([0, 0, 0]);
  });

  it('$J= jogs and 0x85 cancels the jog', async () => {
    const r = await start();
    const client = await r.connect();
    expect(await request(r, client, '$J=G91 X50 F1200')).toEqual(['ok']);
    await pump(r.clock, () => r.sim.axesMm()[0] > 3);
    expect(await statusReport(r, client)).toMatch(/^<Jog\|/);
    client.send(rt(RT.jogCancel));
    await settle(r);
    const x = r.sim.axesMm()[0];
    expect(x).toBeGreaterThan(3);
    expect(x).toBeLessThan(50);
    expect(await statusReport(r, client)).toMatch(/^<Idle\|/);
  });
});
