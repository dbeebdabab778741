// The machine's public face: the commands protocols may call and the events they may
// listen to. Adapters (MQTT, Grbl TCP, CLI) see the machine only through these types.
import type { EventEmitter } from 'node:events';
import type { InputRole } from '../../hal/types.js';
import type { Axis, VecMm } from '../../motion/types.js';

/** Grbl 1.1's state names, so senders and dashboards read them unchanged. */
export type MachineStateName =
  'Idle' | 'Run' | 'Hold' | 'Jog' | 'Home' | 'Alarm' | 'Door' | 'Check' | 'Sleep';

/**
 * Where a safety-door stop is (Grbl's Door:N): stopping (2, decelerating), open (1, at rest,
 * door still open), closed (0, at rest, `~` resumes), restoring (3, spindle spinning up).
 */
export type DoorPhase = 'stopping' | 'open' | 'closed' | 'restoring';

/** A refusal or failure, with Grbl's error (or alarm) code. */
export interface CommandError {
  code: number;
  message: string;
}

/** report: the lines a query answers with (`$G`, `$#`), in Grbl's bracketed form. */
export type CommandResult = { ok: true; report?: string[] } | { ok: false; error: CommandError };

export interface Overrides {
  /** Feed override, percent (10..200, Grbl's range). */
  feedPct: number;
  /** Rapid override, percent (25, 50 or 100). */
  rapidPct: number;
  /** Spindle override, percent (10..200). */
  spindlePct: number;
}

export interface JobProgress {
  name: string;
  /** Last line acknowledged (executed or queued), 1-based. */
  line: number;
  totalLines: number;
  /** 0..1 */
  progress: number;
  elapsedS: number;
  /** Estimated from the plan; null until known. */
  remainingS: number | null;
}

/** A snapshot of everything a dashboard shows; plain and serialisable. */
export interface MachineStatus {
  state: MachineStateName;
  /** Grbl alarm code while in Alarm, else null. */
  alarm: number | null;
  machinePositionMm: VecMm;
  workPositionMm: VecMm;
  /** False after a hard limit, e-stop or cut motion, until homed or unlocked. */
  positionKnown: boolean;
  feedMmMin: number;
  /** What the spindle does now: 0 / 'off' while a door or a spindle stop holds it off. */
  spindleRpm: number;
  spindle: 'off' | 'cw' | 'ccw';
  /** Coolant outputs now (off while a door holds them off). */
  coolant: { mist: boolean; flood: boolean };
  /** While in Door: how far the door stop is; else null. */
  door: DoorPhase | null;
  /** The spindle stop (Grbl's 0x9E) holds the programmed spindle off during a hold. */
  spindleStopped: boolean;
  /** The N word of the line whose move is executing (or held), null when it had none. */
  lineNumber: number | null;
  overrides: Overrides;
  /** Inputs currently active. */
  inputs: InputRole[];
  buffer: { queuedMs: number; plannedMoves: number };
  job: JobProgress | null;
}

export interface AlarmEvent {
  code: number;
  message: string;
}

export interface LineEvent {
  line: number;
  ok: boolean;
  error?: CommandError;
}

export type JobEvent =
  | { kind: 'started'; name: string; totalLines: number }
  | { kind: 'finished'; name: string; durationS: number }
  | { kind: 'failed'; name: string; error: CommandError };

export interface ProbeEvent {
  touched: boolean;
  machinePositionMm: VecMm;
}

export interface MachineEvents {
  state: [status: MachineStatus];
  position: [status: MachineStatus];
  alarm: [alarm: AlarmEvent];
  error: [error: LineEvent & { error: CommandError }];
  job: [event: JobEvent];
  line: [event: LineEvent];
  probe: [event: ProbeEvent];
}

export type OverrideTarget = 'feed' | 'rapid' | 'spindle';
/** Grbl's override steps: reset to 100%, +-10%, +-1%; rapid takes 100/50/25. */
export type OverrideAction =
  'reset' | 'coarseUp' | 'coarseDown' | 'fineUp' | 'fineDown' | 25 | 50 | 100;

/** What a protocol adapter may ask of the machine. */
export interface MachineApi extends EventEmitter<MachineEvents> {
  readonly id: string;
  status(): MachineStatus;
  /** Execute (queue) one or more G-code lines, or Grbl `$` commands; one result per line. */
  gcode(text: string): Promise<CommandResult[]>;
  /** Run a job from G-code text or an iterable of lines. */
  startJob(name: string, source: string | AsyncIterable<string>): Promise<CommandResult>;
  hold(): CommandResult;
  /** Cycle start: leaves a hold, a closed door's stop (restoring outputs first), M0/M6. */
  resume(): CommandResult;
  /** Safety door (Grbl's 0x84, as the door input): stop, spindle and coolant off until resumed. */
  openDoor(): CommandResult;
  /** Spindle stop (Grbl's 0x9E): in a hold, the spindle (laser) off; again, back on. */
  toggleSpindleStop(): CommandResult;
  reset(): CommandResult;
  estop(): CommandResult;
  unlock(): CommandResult;
  home(axes?: Axis[]): Promise<CommandResult>;
  /** `$J=`-style jog line without the `$J=` prefix, e.g. `G91 X10 F1000`. */
  jog(line: string): CommandResult;
  jogCancel(): CommandResult;
  override(target: OverrideTarget, action: OverrideAction): CommandResult;
  sleep(): CommandResult;
  /** Resolves when the machine has reached Idle (or Alarm) with nothing queued. */
  idle(): Promise<MachineStateName>;
}
