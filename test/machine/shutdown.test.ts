import { spawn } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { installShutdown, type ProcessLike } from '../../src/shutdown.js';
import { rig, runUntil } from './helpers.js';

class FakeProcess extends EventEmitter implements ProcessLike {
  exitCodes: number[] = [];
  override on(event: string, listener: (...args: unknown[]) => void): this {
    return super.on(event, listener);
  }
  override off(event: string, listener: (...args: unknown[]) => void): this {
    return super.off(event, listener);
  }
  exit(code?: number): void {
    this.exitCodes.push(code ?? 0);
  }
}

interface LogLine {
  msg: string;
  level: number;
  outputs?: Record<string, number | boolean>;
  [key: string]: unknown;
}

function silentLog(lines: LogLine[]): pino.Logger {
  return pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s) as LogLine) });
}

describe('safe state on crash and signals', () => {
  it('an uncaught error stops motion and turns every output off before exiting with 1', async () => {
    const r = await rig();
    await r.machine.gcode('M3 S900\nM8\nG1 X200 F3000');
    await runUntil(r.clock, () => r.sim.axesMm()[0] > 10);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0.9);
    const proc = new FakeProcess();
    const lines: LogLine[] = [];
    let stopped = false;
    const stop = async (): Promise<void> => {
      stopped = true;
    };
    installShutdown(r.machine, { log: silentLog(lines), stop, process: proc });
    proc.emit('uncaughtException', new Error('boom'));
    // Safe at once, synchronously; the exit waits for the orderly stop that flushes the board.
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(proc.exitCodes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(true);
    expect(proc.exitCodes).toEqual([1]);
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(r.sim.output('spindleEnable')?.read()).toBe(false);
    expect(r.sim.output('flood')?.read()).toBe(false);
    const x = r.sim.axesMm()[0];
    r.clock.advanceUs(1_000_000);
    expect(r.sim.axesMm()[0]).toBe(x);
    const fatal = lines.find((l) => l.level === 60);
    expect(fatal?.outputs).toEqual({
      spindleDuty: 0,
      spindleEnable: false,
      mist: false,
      flood: false,
    });
  });

  it('a crash whose orderly stop hangs still exits after crashFlushMs, outputs already safe', async () => {
    const r = await rig();
    await r.machine.gcode('M3 S500');
    expect(r.sim.pwm('spindle')?.duty()).toBeGreaterThan(0);
    const proc = new FakeProcess();
    const hang = (): Promise<void> => new Promise<void>(() => undefined);
    installShutdown(r.machine, {
      log: silentLog([]),
      stop: hang,
      process: proc,
      crashFlushMs: 20,
    });
    proc.emit('unhandledRejection', new Error('lost'));
    expect(r.sim.pwm('spindle')?.duty()).toBe(0);
    expect(proc.exitCodes).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(proc.exitCodes).toEqual([1]);
  });

  it('SIGTERM to `minifactory run` logs the safe outputs and exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'minifactory-run-'));
    const configFile = path.join(dir, 'machine.yaml');
    writeFileSync(
      configFile,
      'id: sigterm-test\nmqtt: { enabled: false }\ngrbl: { enabled: false }\n',
    );
    // `node --import tsx` rather than `npx tsx`: one process, so the signal reaches it.
    const args = ['--import', 'tsx', 'src/cli.ts', 'run', '--config', configFile];
    const child = spawn(process.execPath, args, {
      cwd: path.resolve(import.meta.dirname, '../..'),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no 'machine ready' line: ${out}${err}`)),
        20_000,
      );
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('"machine ready"')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    child.kill('SIGTERM');
    expect({ code: await exited, err }).toEqual({ code: 0, err: '' });
    // Every stdout line is a JSON log line (stdout is not a TTY).
    const lines = out
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as LogLine);
    const ready = lines.find((l) => l.msg === 'machine ready');
    expect(ready).toMatchObject({ machine: 'sigterm-test', state: 'Idle' });
    const safe = lines.find((l) => l.msg === 'outputs safe, shutting down');
    expect(safe).toMatchObject({ signal: 'SIGTERM' });
    expect(safe?.outputs).toEqual({
      spindleDuty: 0,
      spindleEnable: false,
      mist: false,
      flood: false,
    });
    const closed = lines.find((l) => l.msg === 'machine closed, outputs safe');
    expect(closed?.outputs).toEqual({
      spindleDuty: 0,
      spindleEnable: false,
      mist: false,
      flood: false,
    });
  }, 30_000);
});
