import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { validate } from '../../src/config/load.js';
import { machineConfigSchema } from '../../src/config/schema.js';
import { startDaemon } from '../../src/daemon.js';
import { RT } from '../../src/grbl/realtime.js';
import { RxParser, type RxItem } from '../../src/grbl/rx-parser.js';
import { grblSettings, settingWrite } from '../../src/grbl/settings-report.js';
import { StatusReporter } from '../../src/grbl/status-report.js';
import type { MachineStatus } from '../../src/machine/types.js';
import { GrblClient, pump } from './helpers.js';

const bytes = (text: string): Uint8Array => Buffer.from(text, 'latin1');
const lines = (items: RxItem[]): string[] =>
  items.flatMap((item) => (item.kind === 'line' ? [item.text] : []));

describe('RxParser', () => {
  it('takes realtime bytes out of a line wherever they fall, in stream order', () => {
    const rx = new RxParser(255);
    const items = rx.push(bytes(`G1 X?1${String.fromCharCode(RT.feedCoarseUp)}0!\n~`));
    expect(items).toEqual([
      { kind: 'realtime', command: { kind: 'status' } },
      { kind: 'realtime', command: { kind: 'override', target: 'feed', action: 'coarseUp' } },
      { kind: 'realtime', command: { kind: 'hold' } },
      { kind: 'line', text: 'G1 X10', bytes: 7 },
      { kind: 'realtime', command: { kind: 'resume' } },
    ]);
  });

  it('ends lines on \\n, \\r and \\r\\n (one line), also across chunks', () => {
    const rx = new RxParser(255);
    expect(lines(rx.push(bytes('G0 X1\r\nG0 X2\rG0 X3\n\nG0')))).toEqual([
      'G0 X1',
      'G0 X2',
      'G0 X3',
      '',
    ]);
    expect(lines(rx.push(bytes(' X4\r')))).toEqual(['G0 X4']);
    expect(rx.push(bytes('\n'))).toEqual([]);
  });

  it('drops control characters and unknown bytes >= 0x80, flags overlong lines', () => {
    const rx = new RxParser(5);
    expect(rx.push(bytes('G0\x01 X1\x88\n'))).toEqual([{ kind: 'line', text: 'G0 X1', bytes: 7 }]);
    expect(rx.push(bytes('G0 X10\nG0\n'))).toEqual([
      { kind: 'overflow', bytes: 7 },
      { kind: 'line', text: 'G0', bytes: 3 },
    ]);
  });

  it('a soft reset byte drops the line it cuts; what follows starts a new line', () => {
    const rx = new RxParser(255);
    expect(rx.push(bytes(`G0 X7${String.fromCharCode(RT.reset)}G1`))).toEqual([
      { kind: 'realtime', command: { kind: 'reset' } },
    ]);
    expect(lines(rx.push(bytes(' X2\n')))).toEqual(['G1 X2']);
  });

  it('clear() forgets a partial line', () => {
    const rx = new RxParser(255);
    rx.push(bytes('G0 X'));
    expect(rx.partialBytes()).toBe(4);
    rx.clear();
    expect(lines(rx.push(bytes('G1\n')))).toEqual(['G1']);
  });
});

function status(over: Partial<MachineStatus> = {}): MachineStatus {
  return {
    state: 'Idle',
    alarm: null,
    machinePositionMm: { x: 12.5, y: -3, z: 1.25 },
    workPositionMm: { x: 2.5, y: -3, z: 0.25 },
    positionKnown: true,
    feedMmMin: 0,
    spindleRpm: 0,
    spindle: 'off',
    coolant: { mist: false, flood: false },
    door: null,
    spindleStopped: false,
    lineNumber: null,
    overrides: { feedPct: 100, rapidPct: 100, spindlePct: 100 },
    inputs: [],
    buffer: { queuedMs: 0, plannedMoves: 0 },
    job: null,
    ...over,
  };
}

describe('StatusReporter', () => {
  const ctx = { statusMask: 1, rxPendingBytes: 0 };

  it('sends WCO first, Ov the report after, then each every 10 reports when idle', () => {
    const reporter = new StatusReporter();
    const reports = Array.from({ length: 12 }, () => reporter.report(status(), ctx));
    expect(reports[0]).toBe('<Idle|MPos:12.500,-3.000,1.250|FS:0,0|WCO:10.000,0.000,1.000>');
    expect(reports[1]).toBe('<Idle|MPos:12.500,-3.000,1.250|FS:0,0|Ov:100,100,100>');
    expect(reports[2]).toBe('<Idle|MPos:12.500,-3.000,1.250|FS:0,0>');
    expect(reports.map((r, i) => (r.includes('WCO') ? i : -1)).filter((i) => i >= 0)).toEqual([
      0, 10,
    ]);
    expect(reports.map((r, i) => (r.includes('Ov:') ? i : -1)).filter((i) => i >= 0)).toEqual([
      1, 11,
    ]);
  });

  it('reports a changed offset or override in the next report', () => {
    const reporter = new StatusReporter();
    reporter.report(status(), ctx);
    reporter.report(status(), ctx);
    const moved = status({ workPositionMm: { x: 12.5, y: -3, z: 1.25 } });
    expect(reporter.report(moved, ctx)).toContain('|WCO:0.000,0.000,0.000');
    const over = status({
      workPositionMm: { x: 12.5, y: -3, z: 1.25 },
      overrides: { feedPct: 120, rapidPct: 25, spindlePct: 90 },
      spindle: 'ccw',
      coolant: { mist: true, flood: true },
    });
    expect(reporter.report(over, ctx)).toMatch(/\|Ov:120,25,90\|A:CFM>$/);
  });

  it('shows sub-states, work position, buffer, feed, speed and active inputs', () => {
    const reporter = new StatusReporter();
    const held = status({
      state: 'Hold',
      feedMmMin: 812.4,
      spindleRpm: 999.6,
      inputs: ['limitZ', 'probe', 'door'],
      buffer: { queuedMs: 30, plannedMoves: 4 },
    });
    expect(reporter.report(held, { statusMask: 2, rxPendingBytes: 28 })).toMatch(
      /^<Hold:1\|WPos:2\.500,-3\.000,0\.250\|Bf:11,100\|FS:812,1000\|Pn:ZPD\|/,
    );
    expect(reporter.report(status({ state: 'Hold' }), ctx)).toMatch(/^<Hold:0\|/);
    expect(reporter.report(status({ state: 'Door', inputs: ['door'] }), ctx)).toMatch(/^<Door:1\|/);
    expect(reporter.report(status({ state: 'Door' }), ctx)).toMatch(/^<Door:0\|/);
    const phases: MachineStatus['door'][] = ['stopping', 'open', 'closed', 'restoring'];
    const fields = phases.map((door) =>
      reporter.report(status({ state: 'Door', door }), ctx).slice(0, 7),
    );
    expect(fields).toEqual(['<Door:2', '<Door:1', '<Door:0', '<Door:3']);
  });

  it('puts Ln: between Bf: and FS: for a nonzero line number, as Grbl', () => {
    const reporter = new StatusReporter();
    const run = status({ state: 'Run', lineNumber: 1234, feedMmMin: 600 });
    expect(reporter.report(run, { statusMask: 3, rxPendingBytes: 0 })).toBe(
      '<Run|MPos:12.500,-3.000,1.250|Bf:15,128|Ln:1234|FS:600,0|WCO:10.000,0.000,1.000>',
    );
    expect(reporter.report(status({ lineNumber: 0 }), ctx)).not.toContain('Ln:');
  });
});

describe('settings', () => {
  const config = validate(
    machineConfigSchema,
    {
      axes: { y: { stepsPerMm: 53.333, accelMmS2: 250 } },
      homing: { towardsMax: { x: false, z: false }, debounceMs: 40, pullOffMm: 2.5 },
      limits: { soft: true },
      spindle: { maxRpm: 24000, minRpm: 100, laserMode: true },
    },
    'test',
  );
  const settings = grblSettings(config, 2.5, 3);
  const value = (id: number): number | undefined => settings.find((s) => s.id === id)?.value;

  it('maps the config to Grbl numbers', () => {
    expect(value(0)).toBe(3);
    expect(value(20)).toBe(1);
    expect(value(21)).toBe(1);
    expect(value(23)).toBe(0b101);
    expect(value(26)).toBe(40);
    expect(value(27)).toBe(2.5);
    expect(value(30)).toBe(24000);
    expect(value(31)).toBe(100);
    expect(value(32)).toBe(1);
    expect(value(101)).toBe(53.333);
    expect(value(121)).toBe(250);
    expect(settings.map((s) => s.id)).toEqual([
      0, 1, 2, 3, 4, 5, 6, 10, 11, 12, 13, 20, 21, 22, 23, 24, 25, 26, 27, 30, 31, 32, 100, 101,
      102, 110, 111, 112, 120, 121, 122, 130, 131, 132,
    ]);
  });

  it('takes $10 and same-value writes; refuses changes, unknown numbers and bad values', () => {
    expect(settingWrite(settings, 10, '2')).toEqual({ kind: 'statusMask', mask: 2 });
    expect(settingWrite(settings, 101, '53.3333')).toEqual({ kind: 'unchanged' });
    expect(settingWrite(settings, 101, '53.4')).toMatchObject({ kind: 'refused', code: 3 });
    expect(settingWrite(settings, 7, '1')).toEqual({ kind: 'refused', code: 3 });
    expect(settingWrite(settings, 101, 'abc')).toEqual({ kind: 'refused', code: 2 });
    expect(settingWrite(settings, 101, '-1')).toEqual({ kind: 'refused', code: 4 });
  });
});

describe('daemon', () => {
  it('starts the Grbl port with the daemon and stops it with the daemon', async () => {
    const config = validate(
      machineConfigSchema,
      { mqtt: { enabled: false }, grbl: { enabled: true, host: '127.0.0.1', port: 0 } },
      'test',
    );
    const messages: { msg: string; port?: number }[] = [];
    const log = pino({}, { write: (s: string) => messages.push(JSON.parse(s)) });
    const daemon = await startDaemon(config, { log, clock: 'virtual' });
    const port = messages.find((m) => m.msg === 'grbl port listening')?.port;
    expect(port).toBeGreaterThan(0);
    const client = await GrblClient.connect(port as number);
    await pump(null, () => client.text.length > 0, 0);
    expect(client.text).toBe("\r\nGrbl 1.1h ['$' for help]\r\n");
    await daemon.stop();
    await pump(null, () => client.closed, 0);
    await expect(GrblClient.connect(port as number)).rejects.toThrow(/ECONNREFUSED/);
  });
});
