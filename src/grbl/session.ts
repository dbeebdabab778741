// One Grbl sender's connection: realtime bytes act at once, lines are answered `ok` or
// `error:N` strictly in the order they came, and machine events become ALARM/MSG lines. The
// session keeps only protocol state (reply order, report counters, `$10`); the machine keeps
// the rest.
import type { Socket } from 'node:net';
import type { MachineConfig } from '../config/schema.js';
import type { Logger } from '../log.js';
import { alarmMessage } from '../machine/codes.js';
import type {
  AlarmEvent,
  CommandResult,
  MachineApi,
  MachineStatus,
  ProbeEvent,
} from '../machine/types.js';
import {
  buildInfoLines,
  CRITICAL_ALARMS,
  EOL,
  feedback,
  HELP,
  MSG,
  STARTUP_LINES,
  WELCOME,
} from './messages.js';
import type { RealtimeCommand } from './realtime.js';
import { RxParser, type RxItem } from './rx-parser.js';
import {
  DEFAULT_STATUS_MASK,
  grblSettings,
  settingsReportLines,
  settingWrite,
  type GrblSetting,
} from './settings-report.js';
import { StatusReporter } from './status-report.js';

/** Longest line taken, characters; longer ones get error:11 (Grbl's line overflow). */
export const MAX_LINE_CHARS = 255;
/** Unanswered bytes above which reading pauses (a sender that ignores flow control). */
const PAUSE_ABOVE_BYTES = 16 * 1024;
const RESUME_BELOW_BYTES = 4 * 1024;
/** Status reports are skipped while this much output waits unread. */
const MAX_UNSENT_BYTES = 256 * 1024;

const ERR_INVALID_STATEMENT = 3;
const ERR_OVERFLOW = 11;
const ERR_GCODE_LOCKED = 9;
const READ_ONLY_MESSAGE = 'Startup lines, build info and restore are set in the machine config';

export interface SessionOptions {
  config: MachineConfig;
  /** Step pulse width for `$0`, µs. */
  stepPulseUs: number;
  log?: Logger;
  onClose?: () => void;
}

/** A connected Grbl sender, driving the machine through MachineApi. */
export class GrblSession {
  private readonly rx = new RxParser(MAX_LINE_CHARS);
  private readonly reporter = new StatusReporter();
  private statusMask = DEFAULT_STATUS_MASK;
  /** Bumped by a soft reset: replies to lines sent before it are dropped, as Grbl does. */
  private generation = 0;
  /** Bytes of lines received and not yet answered (the sender's view of our RX buffer). */
  private pendingBytes = 0;
  /** Settles once every reply so far has been written. */
  private tail: Promise<void> = Promise.resolve();
  /** While a `$` command runs, later lines wait for it. */
  private gate: Promise<void> | null = null;
  private paused = false;
  private closed = false;
  /** A reset from Alarm re-enters the same alarm: the welcome's unlock hint says it. */
  private resettingInAlarm = false;

  constructor(
    private readonly socket: Socket,
    private readonly machine: MachineApi,
    private readonly options: SessionOptions,
  ) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('close', () => this.onClose());
    socket.on('error', (err) => this.options.log?.debug({ err }, 'grbl client socket error'));
  }

  /** Greets the sender as Grbl does on power-up. */
  start(): void {
    this.writeWelcome();
  }

  /** Drops the connection. */
  close(): void {
    this.socket.destroy();
  }

  // ---- Machine events ----

  /** `ALARM:N`, and Grbl's request for a reset after the critical ones. */
  onAlarm(alarm: AlarmEvent): void {
    if (this.resettingInAlarm) return;
    const lines = [`ALARM:${alarm.code}`];
    if (CRITICAL_ALARMS.has(alarm.code)) lines.push(MSG.resetToContinue);
    this.write(lines);
  }

  /** A door opening is announced, as Grbl's `[MSG:Check Door]`. */
  onState(status: MachineStatus): void {
    if (status.state === 'Door') this.write([MSG.checkDoor]);
  }

  /** A finished probe cycle: `[PRB:x,y,z:touched]`. */
  onProbe(event: ProbeEvent): void {
    const p = event.machinePositionMm;
    const at = `${p.x.toFixed(3)},${p.y.toFixed(3)},${p.z.toFixed(3)}`;
    this.write([`[PRB:${at}:${event.touched ? 1 : 0}]`]);
  }

  // ---- Input ----

  private onData(chunk: Buffer): void {
    const items = this.rx.push(chunk);
    // Lines that arrived with a later soft reset were still in the receive buffer when it
    // came: Grbl's reset flushes them unread.
    let lastReset = -1;
    items.forEach((item, index) => {
      if (item.kind === 'realtime' && item.command.kind === 'reset') lastReset = index;
    });
    for (const [index, item] of items.entries()) {
      if (this.closed) return;
      if (index < lastReset && item.kind !== 'realtime') continue;
      try {
        this.onItem(item);
      } catch (err) {
        // A fault in one command must not take the process (and the machine) down.
        this.options.log?.error({ err }, 'grbl command failed');
      }
    }
    this.updateFlow();
  }

  private onItem(item: RxItem): void {
    switch (item.kind) {
      case 'realtime':
        this.onRealtime(item.command);
        return;
      case 'line':
        this.onLine(item.text.trim(), item.bytes);
        return;
      case 'overflow':
        this.pendingBytes += item.bytes;
        this.reply(Promise.resolve([`error:${ERR_OVERFLOW}`]), item.bytes);
        return;
    }
  }

  private onRealtime(command: RealtimeCommand): void {
    const machine = this.machine;
    switch (command.kind) {
      case 'status':
        this.writeStatus();
        return;
      case 'hold':
        machine.hold();
        return;
      case 'resume':
        this.resume();
        return;
      case 'reset':
        this.softReset();
        return;
      case 'door':
        machine.openDoor();
        return;
      case 'jogCancel':
        machine.jogCancel();
        return;
      case 'override':
        machine.override(command.target, command.action);
        return;
      case 'spindleStop':
        this.toggleSpindleStop();
        return;
      case 'floodToggle':
      case 'mistToggle':
        this.toggleCoolant(command.kind === 'floodToggle' ? 'flood' : 'mist');
        return;
    }
  }

  private onLine(text: string, bytes: number): void {
    this.pendingBytes += bytes;
    if (text === '') {
      this.reply(Promise.resolve(['ok']), bytes);
      return;
    }
    const generation = this.generation;
    const current = (): boolean => generation === this.generation && !this.closed;
    if (text.startsWith('$')) {
      // A `$` command sees the machine after every earlier line was taken, as in Grbl.
      const result = this.tail.then(() => (current() ? this.system(text) : []));
      const gate: Promise<void> = result.then(
        () => undefined,
        () => undefined,
      );
      this.gate = gate;
      void gate.then(() => {
        if (this.gate === gate) this.gate = null;
      });
      this.reply(result, bytes);
      return;
    }
    const dispatch = async (): Promise<string[]> => {
      if (!current()) return [];
      const [result] = await this.machine.gcode(text);
      return this.resultLines(result);
    };
    // G-code goes to the machine at once (its queue keeps the order and the lookahead full);
    // the `ok` comes when the machine has taken the line.
    this.reply(this.gate === null ? dispatch() : this.gate.then(dispatch), bytes);
  }

  /** Queues a line's answer behind the earlier ones. */
  private reply(lines: Promise<string[]>, bytes: number): void {
    const generation = this.generation;
    this.tail = this.tail.then(async () => {
      let out: string[];
      try {
        out = await lines;
      } catch (err) {
        this.options.log?.warn({ err }, 'grbl line failed');
        out = [`error:${ERR_INVALID_STATEMENT}`];
      }
      if (generation !== this.generation) return;
      this.pendingBytes -= bytes;
      this.write(out);
      this.updateFlow();
    });
  }

  private resultLines(result: CommandResult | undefined): string[] {
    if (result === undefined) return ['ok'];
    if (result.ok) return [...(result.report ?? []), 'ok'];
    const { code, message } = result.error;
    const status = this.machine.status();
    // A line dropped by an alarm (hard or soft limit, e-stop) carries the alarm's code, which
    // as an error number would mean something else: Grbl's word for it is "locked out".
    const byAlarm =
      message === alarmMessage(code) || (status.state === 'Alarm' && status.alarm === code);
    return [`error:${byAlarm ? ERR_GCODE_LOCKED : code}`];
  }

  // ---- `$` commands ----

  private settings(): GrblSetting[] {
    return grblSettings(this.options.config, this.options.stepPulseUs, this.statusMask);
  }

  private async system(text: string): Promise<string[]> {
    const compact = text.toUpperCase().replace(/\s+/g, '');
    switch (compact) {
      case '$':
        return [HELP, 'ok'];
      case '$$':
        return [...settingsReportLines(this.settings()), 'ok'];
      case '$I':
        return [...buildInfoLines(this.options.config), 'ok'];
      case '$N':
        return [...STARTUP_LINES, 'ok'];
    }
    if (/^\$(N\d*|I|RST)=/.test(compact)) {
      return [feedback(READ_ONLY_MESSAGE), `error:${ERR_INVALID_STATEMENT}`];
    }
    const write = /^\$(\d+)=(.*)$/.exec(compact);
    if (write !== null) {
      const outcome = settingWrite(this.settings(), Number(write[1]), write[2]);
      switch (outcome.kind) {
        case 'statusMask':
          this.statusMask = outcome.mask;
          return ['ok'];
        case 'unchanged':
          return ['ok'];
        case 'refused':
          return outcome.message === undefined
            ? [`error:${outcome.code}`]
            : [feedback(outcome.message), `error:${outcome.code}`];
      }
    }
    const before = this.machine.status().state;
    const [result] = await this.machine.gcode(text);
    const lines = this.resultLines(result);
    if (result === undefined || !result.ok) return lines;
    const after = this.machine.status().state;
    if (compact === '$X' && before === 'Alarm') return [MSG.unlocked, ...lines];
    if (compact === '$C') return [after === 'Check' ? MSG.checkModeOn : MSG.checkModeOff, ...lines];
    if (compact === '$SLP') return [MSG.sleeping, ...lines];
    return lines;
  }

  // ---- Realtime actions ----

  /** Ctrl-X: the machine resets, unanswered lines are forgotten, the sender is greeted anew. */
  private softReset(): void {
    // The parser has already dropped the partial line the reset cut.
    this.generation++;
    this.pendingBytes = 0;
    this.tail = Promise.resolve();
    this.gate = null;
    this.reporter.restart();
    this.resettingInAlarm = this.machine.status().state === 'Alarm';
    let result: CommandResult;
    try {
      result = this.machine.reset();
    } finally {
      this.resettingInAlarm = false;
    }
    this.writeWelcome();
    if (!result.ok) this.write([feedback(result.error.message)]);
    this.updateFlow();
  }

  /** `~`; leaving a spindle stop brings the spindle back first, announced as Grbl does. */
  private resume(): void {
    const stopped = this.machine.status().spindleStopped;
    this.machine.resume();
    if (stopped && !this.machine.status().spindleStopped) this.write([MSG.restoringSpindle]);
  }

  /** 0x9E: spindle off in a hold, on again (announced); ignored elsewhere, as Grbl. */
  private toggleSpindleStop(): void {
    const stopped = this.machine.status().spindleStopped;
    const result = this.machine.toggleSpindleStop();
    if (result.ok && stopped && !this.machine.status().spindleStopped) {
      this.write([MSG.restoringSpindle]);
    }
  }

  /** Grbl's coolant toggles, taken while idle (elsewhere they would wait behind motion). */
  private toggleCoolant(which: 'flood' | 'mist'): void {
    const status = this.machine.status();
    if (status.state !== 'Idle') return;
    const mist = which === 'mist' ? !status.coolant.mist : status.coolant.mist;
    const flood = which === 'flood' ? !status.coolant.flood : status.coolant.flood;
    const turningOff = (which === 'mist' && !mist) || (which === 'flood' && !flood);
    const lines = turningOff ? ['M9'] : [];
    if (mist && (turningOff || which === 'mist')) lines.push('M7');
    if (flood && (turningOff || which === 'flood')) lines.push('M8');
    this.machine.gcode(lines.join('\n')).catch((err: unknown) => {
      this.options.log?.warn({ err }, 'grbl coolant toggle failed');
    });
  }

  // ---- Output ----

  private writeWelcome(): void {
    const lines = ['', WELCOME];
    const state = this.machine.status().state;
    if (state === 'Alarm') lines.push(MSG.unlockHint);
    if (state === 'Door') lines.push(MSG.checkDoor);
    this.write(lines);
  }

  private writeStatus(): void {
    if (this.socket.writableLength > MAX_UNSENT_BYTES) return;
    const line = this.reporter.report(this.machine.status(), {
      statusMask: this.statusMask,
      rxPendingBytes: this.pendingBytes + this.rx.partialBytes(),
    });
    this.write([line]);
  }

  private write(lines: string[]): void {
    if (this.closed || lines.length === 0 || !this.socket.writable) return;
    this.socket.write(lines.map((line) => line + EOL).join(''));
  }

  /** Pauses reading while a sender floods us with unanswered lines. */
  private updateFlow(): void {
    if (this.closed) return;
    const unanswered = this.pendingBytes + this.rx.partialBytes();
    if (!this.paused && unanswered > PAUSE_ABOVE_BYTES) {
      this.paused = true;
      this.socket.pause();
    } else if (this.paused && unanswered < RESUME_BELOW_BYTES) {
      this.paused = false;
      this.socket.resume();
    }
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.generation++;
    this.options.onClose?.();
  }
}
