// The one owner of machine state: Grbl 1.1's state machine over the motion queue and the
// board. Commands come from adapters (MQTT, Grbl TCP, CLI) through MachineApi; everything
// the machine does is reported through its events.
import { EventEmitter } from 'node:events';
import { INPUT_ROLES, type Board, type InputRole, type TimerHandle } from '../../hal/types.js';
import { Interpreter } from '../../motion/gcode/interpreter.js';
import { parseJog } from '../../motion/gcode/jog.js';
import type { Axis, LinearMove, MachineAction, MotionSettings, VecMm } from '../../motion/types.js';
import { openMachineBoard } from '../config/board.js';
import { motionSettingsFromConfig } from '../config/motion-settings.js';
import { stepRangeMm } from '../../motion/kinematics.js';
import type { MachineConfig } from '../config/schema.js';
import { ALARM, alarmMessage, commandError, ERROR } from './codes.js';
import { runHomingCycle, HomingFailure } from './homing.js';
import { outsideTravel, previewJob } from './job-preview.js';
import { LaserFollower } from './laser.js';
import { asyncLineSource, textLineSource, type LineSource } from './line-source.js';
import { MotionQueue } from './motion-queue.js';
import { MachineOutputs } from './outputs.js';
import { applyOverride, isValidOverride } from './overrides.js';
import { modalReportLines, parameterReportLines, type ProbeRecord } from './reports.js';
import { parseSystemCommand } from './system-command.js';
import type {
  CommandError,
  CommandResult,
  DoorPhase,
  JobProgress,
  MachineApi,
  MachineEvents,
  MachineStateName,
  MachineStatus,
  OverrideAction,
  OverrideTarget,
  Overrides,
} from './types.js';

const US_PER_S = 1e6;
/** Final (speed-fixed) motion read ahead of the step generator before input reading pauses, µs. */
const LOOKAHEAD_US = 250_000;
/** Moves the planner may hold pending; beyond, the oldest is fixed as the window allows. */
const MAX_PENDING_MOVES = 4096;
const LIMIT_INPUTS: InputRole[] = ['limitX', 'limitY', 'limitZ'];

interface PendingLine {
  text: string;
  resolve: (result: CommandResult) => void;
}

interface ActiveJob {
  name: string;
  source: LineSource;
  startedUs: number;
  line: number;
  /** Estimated duration from a dry run of the plan, s (text jobs only). */
  estimateS: number | null;
}

/** A barrier: an action that waits for motion to stop before it runs. */
type Barrier = { action: MachineAction; line: number } | null;

/** Options of createMachine: the clock the simulator runs on. */
export interface MachineOptions {
  clock?: 'real' | 'virtual';
  /** Where a relative board path is resolved (the config file's folder). */
  configDir?: string;
}

/** Grbl 1.1's controller: states, commands, streaming, safety and outputs. */
export class Machine extends EventEmitter<MachineEvents> implements MachineApi {
  readonly id: string;
  readonly motion: MachineMotion;
  private readonly interp: Interpreter;
  /** The config's motion settings with the board's step-rate limit. */
  private readonly settings: MotionSettings;
  private readonly outputs: MachineOutputs;
  private readonly laser: LaserFollower;
  private state: MachineStateName = 'Idle';
  private alarmCode: number | null = null;
  private positionKnown = true;
  private homed = false;
  private overridesValue: Overrides = { feedPct: 100, rapidPct: 100, spindlePct: 100 };
  /** Lines from gcode() waiting to be interpreted, in order. */
  private readonly interactive: PendingLine[] = [];
  private interactiveLine = 0;
  private job: ActiveJob | null = null;
  /** Actions of the current line not yet acted on. */
  private actions: MachineAction[] = [];
  private barrier: Barrier = null;
  private barrierTimer: TimerHandle | undefined;
  private spinUpTimer: TimerHandle | undefined;
  /** Waiting for a program pause (M0/M6) or a door to be resumed. */
  private paused = false;
  /**
   * In Door: still decelerating, stopped with outputs off (open or closed: the door input
   * says), or restoring them before the cycle goes on. Null outside Door.
   */
  private doorStop: 'stopping' | 'stopped' | 'restoring' | null = null;
  /** The door opened during a jog: Door once the jog cancel has stopped it. */
  private doorAfterJog = false;
  /** Grbl's spindle stop in a hold: asked while still decelerating, or holding it off. */
  private spindleStop: 'none' | 'pending' | 'stopped' = 'none';
  /** An alarm to raise once a controlled stop (hold) completes. */
  private alarmAfterHold: number | null = null;
  private jogCancelling = false;
  private resumeAfterHold = false;
  private lastProbe: ProbeRecord | null = null;
  /** A probing move in progress: what to do when it ends, and how to stop listening. */
  private probeFinish: (() => void) | null = null;
  private probeDetach: (() => void) | null = null;
  private idleWaiters: ((state: MachineStateName) => void)[] = [];
  private servicing = false;
  private serviceAgain = false;
  private closed = false;
  private homingAbort: ((code: number) => void) | null = null;

  constructor(
    readonly config: MachineConfig,
    readonly board: Board,
  ) {
    super();
    this.id = config.id;
    // Slow boards (host-timed GPIO, I2C coil drivers, Firmata) emit only so many steps a
    // second: the planner keeps every move within that, as it keeps each axis within its rate.
    const settings: MotionSettings = {
      ...motionSettingsFromConfig(config),
      maxStepRateHz: board.capabilities.maxStepRateHz,
    };
    this.settings = settings;
    const queue = new MotionQueue(
      settings,
      board.stepStream(),
      board.clock,
      config.maxQueuedMs * 1000,
    );
    this.motion = queue;
    this.interp = new Interpreter({
      arcToleranceMm: config.planner.arcToleranceMm,
      startMm: queue.positionMm(),
      reachMm: stepRangeMm(settings),
    });
    this.outputs = new MachineOutputs(board, config.spindle);
    this.laser = new LaserFollower(queue, this.outputs, board.clock);
    this.outputs.allOff();
    this.outputs.setDriversEnabled(true);
    // Progress seen from inside service() is handled by service() itself.
    queue.onProgress = () => {
      if (!this.servicing) this.service();
    };
    queue.onUnderrun = () => this.onUnderrun();
    for (const role of INPUT_ROLES) {
      const input = board.input(role);
      if (input !== undefined) input.on('change', (active) => this.onInput(role, active));
    }
    if (config.homing.enabled) {
      // Grbl's $22 with homing-init-lock: until homed, position is not trusted.
      this.state = 'Alarm';
      this.alarmCode = ALARM.homingRequired;
      this.positionKnown = false;
    }
    if (board.input('estop')?.read() === true) this.estop();
  }

  // ---- Status ----

  status(): MachineStatus {
    const positionMm = this.motion.positionMm();
    const now = this.motion.now();
    // A stopped door holds spindle and coolant off, a spindle stop the spindle: report the pins.
    const doorOff = this.state === 'Door' && this.doorStop === 'stopped';
    const spindleOn = !doorOff && this.spindleStop !== 'stopped';
    return {
      state: this.state,
      alarm: this.state === 'Alarm' ? this.alarmCode : null,
      machinePositionMm: positionMm,
      workPositionMm: this.toWorkMm(positionMm),
      positionKnown: this.positionKnown,
      feedMmMin: now === null ? 0 : now.speedMmS * 60,
      spindleRpm: spindleOn ? this.outputs.spindle.speedRpm : 0,
      spindle: spindleOn ? this.outputs.spindle.mode : 'off',
      coolant: doorOff ? { mist: false, flood: false } : { ...this.outputs.coolant },
      door: this.doorPhase(),
      spindleStopped: this.spindleStop === 'stopped',
      lineNumber: this.motion.currentMove()?.lineNumber ?? null,
      overrides: { ...this.overridesValue },
      inputs: INPUT_ROLES.filter((role) => this.board.input(role)?.read() === true),
      buffer: {
        queuedMs: this.motion.queuedUs() / 1000,
        plannedMoves: this.motion.plannedMoves(),
      },
      job: this.jobProgress(),
    };
  }

  /** Whether the machine has been homed since start (or the last position loss). */
  isHomed(): boolean {
    return this.homed;
  }

  // ---- Commands ----

  async gcode(text: string): Promise<CommandResult[]> {
    const lines = text
      .split(/\r?\n|\r/)
      .filter((line, i, all) => line !== '' || i < all.length - 1);
    const results: Promise<CommandResult>[] = [];
    for (const line of lines) results.push(this.command(line));
    return Promise.all(results);
  }

  /** One line: a `$` system command runs now; G-code queues behind earlier lines. */
  private command(text: string): Promise<CommandResult> {
    const trimmed = text.trim();
    if (trimmed.startsWith('$')) return this.system(trimmed);
    if (this.job !== null) return Promise.resolve(this.refuse(ERROR.notIdle));
    if (this.state === 'Alarm' || this.state === 'Jog' || this.state === 'Sleep') {
      return Promise.resolve(this.refuse(ERROR.systemGcLock));
    }
    if (this.state === 'Home') return Promise.resolve(this.refuse(ERROR.notIdle));
    return new Promise((resolve) => {
      this.interactive.push({ text, resolve });
      this.service();
    });
  }

  private async system(text: string): Promise<CommandResult> {
    const command = parseSystemCommand(text);
    switch (command.kind) {
      case 'jog':
        return this.jog(command.line);
      case 'unlock':
        return this.unlock();
      case 'home':
        return this.home(command.axes);
      case 'checkMode':
        return this.toggleCheckMode();
      case 'sleep':
        return this.sleep();
      case 'modalReport':
        return { ok: true, report: modalReportLines(this.interp.modalReport()) };
      case 'parametersReport':
        return { ok: true, report: parameterReportLines(this.interp.parameters(), this.lastProbe) };
      case 'unknown':
        return this.refuse(ERROR.invalidStatement);
    }
  }

  async startJob(name: string, source: string | AsyncIterable<string>): Promise<CommandResult> {
    if (this.job !== null || (this.state !== 'Idle' && this.state !== 'Check')) {
      return this.refuse(this.state === 'Alarm' ? ERROR.systemGcLock : ERROR.notIdle);
    }
    if (!this.motion.isIdle() || this.interactive.length > 0 || this.barrier !== null) {
      return this.refuse(ERROR.notIdle);
    }
    let estimateS: number | null = null;
    if (typeof source === 'string') {
      const preview = previewJob(
        this.config,
        this.settings,
        source,
        this.motion.positionMm(),
        this.softLimits(),
      );
      if (preview.firstLineOutsideTravel !== null) {
        // Refused whole, before any motion: Alarm 2 as for a soft limit hit mid-job.
        const message = `${alarmMessage(ALARM.softLimit)} (line ${preview.firstLineOutsideTravel} leaves the travel)`;
        this.raiseAlarm(ALARM.softLimit, true, message);
        return { ok: false, error: commandError(ALARM.softLimit, message) };
      }
      estimateS = preview.durationS;
    }
    const lines = typeof source === 'string' ? textLineSource(source) : asyncLineSource(source);
    this.job = { name, source: lines, startedUs: this.board.clock.nowUs(), line: 0, estimateS };
    lines.onReady = () => this.service();
    this.emit('job', { kind: 'started', name, totalLines: lines.totalLines ?? 0 });
    this.service();
    return { ok: true };
  }

  hold(): CommandResult {
    switch (this.state) {
      case 'Run':
        this.setState('Hold');
        this.laser.off();
        this.motion.hold();
        this.service();
        return { ok: true };
      case 'Jog':
        return this.jogCancel();
      default:
        // Grbl ignores a feed hold where there is nothing to hold.
        return { ok: true };
    }
  }

  resume(): CommandResult {
    if (this.state === 'Door') return this.resumeFromDoor();
    if (this.state !== 'Hold') return { ok: true };
    if (this.motion.holdStatus() === 'decelerating') {
      // A resume before the stop overrides a spindle stop asked for meanwhile.
      this.spindleStop = 'none';
      this.resumeAfterHold = true;
      return { ok: true };
    }
    if (this.spinUpTimer !== undefined) return { ok: true };
    if (this.spindleStop === 'stopped') {
      // As Grbl: a cycle start in a spindle stop restores the spindle first.
      this.spindleStop = 'none';
      this.restoreSpindleThen(() => this.resume());
      return { ok: true };
    }
    this.paused = false;
    this.motion.resume();
    this.setState(this.hasWork() ? 'Run' : 'Idle');
    this.service();
    return { ok: true };
  }

  /** `~` in Door: once stopped and closed, coolant and spindle back on, then the hold resumes. */
  private resumeFromDoor(): CommandResult {
    if (this.doorStop === 'stopping' || this.board.input('door')?.read() === true) {
      return this.refuse(ERROR.notIdle, 'Door: not stopped or still open');
    }
    if (this.doorStop === 'restoring') return { ok: true };
    this.doorStop = 'restoring';
    this.outputs.setCoolant(this.outputs.coolant.mist, this.outputs.coolant.flood);
    this.restoreSpindleThen(() => {
      this.setState('Hold');
      this.resume();
    });
    return { ok: true };
  }

  /**
   * Turns the programmed spindle back on, then calls next: at once, or once it is up to speed
   * (as Grbl's door restore: the cut goes on only then; a laser needs no wait).
   */
  private restoreSpindleThen(next: () => void): void {
    this.outputs.applySpindle();
    const spinUpS = this.outputs.laserMode ? 0 : this.config.spindle.spinUpS;
    if (this.outputs.spindle.mode === 'off' || spinUpS <= 0) {
      next();
      return;
    }
    const state = this.state;
    this.spinUpTimer = this.board.clock.setTimer(spinUpS * US_PER_S, () => {
      this.spinUpTimer = undefined;
      if (this.state === state) next();
    });
  }

  openDoor(): CommandResult {
    switch (this.state) {
      case 'Home':
        this.homingAbort?.(ALARM.homingDoor);
        return { ok: true };
      case 'Jog':
        // As Grbl: the jog is cancelled, and the door takes over once it has stopped.
        this.doorAfterJog = true;
        return this.jogCancel();
      case 'Run':
      case 'Hold':
      case 'Idle':
        this.enterDoor();
        return { ok: true };
      case 'Door':
        if (this.doorStop === 'restoring') {
          // Opened again while restoring: back to a stopped door, outputs off.
          this.cancelSpinUp();
          this.outputs.pinsOff();
          this.doorStop = 'stopped';
        }
        return { ok: true };
      default:
        // Alarm, Check and Sleep: Grbl ignores the door there.
        return { ok: true };
    }
  }

  /** Door from Run, Hold or Idle: a feed hold (laser dark now), outputs off once stopped. */
  private enterDoor(): void {
    this.laser.off();
    this.cancelSpinUp();
    // A `~` sent during an earlier hold's deceleration must not resume past the door.
    this.resumeAfterHold = false;
    const moving = this.state === 'Run';
    const stopping = moving || this.motion.holdStatus() === 'decelerating';
    this.doorStop = stopping ? 'stopping' : 'stopped';
    if (!stopping) this.outputs.pinsOff();
    this.setState('Door');
    // A hold that completes at once (nothing was moving) turns the outputs off in service().
    if (moving) this.motion.hold();
    this.service();
  }

  /** Where a door stop is, as reported; null outside Door. */
  private doorPhase(): DoorPhase | null {
    if (this.state !== 'Door') return null;
    if (this.doorStop === 'stopping' || this.doorStop === 'restoring') return this.doorStop;
    return this.board.input('door')?.read() === true ? 'open' : 'closed';
  }

  toggleSpindleStop(): CommandResult {
    if (this.state !== 'Hold' || this.spinUpTimer !== undefined) {
      return this.refuse(ERROR.notIdle, 'Spindle stop works only in a hold');
    }
    switch (this.spindleStop) {
      case 'none':
        if (this.motion.holdStatus() === 'decelerating') this.spindleStop = 'pending';
        else this.stopSpindle();
        break;
      case 'stopped':
        this.spindleStop = 'none';
        this.outputs.applySpindle();
        break;
      case 'pending':
        // Grbl takes the second toggle only once the first has acted.
        break;
    }
    return { ok: true };
  }

  /** The spindle stop acts: spindle (laser) pins off, the programmed state kept for resume. */
  private stopSpindle(): void {
    if (this.outputs.spindle.mode === 'off') {
      // Nothing to stop: Grbl clears the request.
      this.spindleStop = 'none';
      return;
    }
    this.spindleStop = 'stopped';
    this.outputs.spindlePinsOff();
  }

  private cancelSpinUp(): void {
    if (this.spinUpTimer !== undefined) this.board.clock.clearTimer(this.spinUpTimer);
    this.spinUpTimer = undefined;
  }

  reset(): CommandResult {
    if (this.board.input('estop')?.read() === true) {
      this.emergencyOff();
      return this.refuse(ERROR.estopActive);
    }
    const cutMotion = this.motion.queuedUs() > 0;
    const wasState = this.state;
    this.emergencyOff();
    this.abortWork(commandError(ERROR.notIdle, 'Soft reset'));
    // Grbl's reset re-initialises the parser: modal state, G92 and tool length offset.
    this.interp.resetModal();
    this.interp.clearVolatileOffsets();
    this.syncPositions();
    if (wasState === 'Home') {
      this.homingAbort?.(ALARM.homingReset);
      return { ok: true };
    }
    if (cutMotion) {
      this.raiseAlarm(ALARM.abortCycle, false);
    } else if (wasState === 'Alarm' || wasState === 'Sleep') {
      // Waking from sleep powers the drivers; the position they held is not trusted.
      if (wasState === 'Sleep') this.outputs.setDriversEnabled(true);
      // Grbl stays locked after a reset from alarm; sleep wakes into alarm.
      this.raiseAlarm(this.alarmCode ?? ALARM.abortCycle, this.positionKnown);
    } else if (this.board.input('door')?.read() === true) {
      this.setState('Door');
    } else {
      this.setState('Idle');
    }
    return { ok: true };
  }

  estop(): CommandResult {
    this.emergencyOff();
    if (this.state === 'Home') this.homingAbort?.(ALARM.estop);
    this.abortWork(commandError(ALARM.estop, alarmMessage(ALARM.estop)));
    this.syncPositions();
    this.raiseAlarm(ALARM.estop, false);
    return { ok: true };
  }

  unlock(): CommandResult {
    if (this.board.input('estop')?.read() === true) return this.refuse(ERROR.estopActive);
    if (this.state === 'Idle' || this.state === 'Check') return { ok: true };
    if (this.state !== 'Alarm') return this.refuse(ERROR.notIdle);
    this.alarmCode = null;
    this.positionKnown = true;
    this.setState('Idle');
    return { ok: true };
  }

  async home(axes?: Axis[]): Promise<CommandResult> {
    const homing = this.config.homing;
    if (!homing.enabled) return this.refuse(ERROR.settingDisabled);
    if (this.state !== 'Idle' && this.state !== 'Alarm') return this.refuse(ERROR.notIdle);
    if (this.board.input('estop')?.read() === true) return this.refuse(ERROR.estopActive);
    if (this.job !== null || !this.motion.isIdle()) return this.refuse(ERROR.notIdle);
    const cycle =
      axes === undefined
        ? homing.cycle
        : homing.cycle
            .map((group) => group.filter((axis) => axes.includes(axis)))
            .filter((group) => group.length > 0);
    this.alarmCode = null;
    this.setState('Home');
    try {
      await runHomingCycle({
        cycle,
        config: this.config,
        motion: this.motion,
        clock: this.board.clock,
        limits: {
          x: this.board.input('limitX'),
          y: this.board.input('limitY'),
          z: this.board.input('limitZ'),
        },
        onAbort: (abort) => {
          this.homingAbort = abort;
        },
      });
    } catch (err) {
      this.homingAbort = null;
      if (!(err instanceof HomingFailure)) throw err;
      this.homed = false;
      // An e-stop during the cycle has raised its own alarm already.
      if (this.isIn('Home')) {
        this.motion.stopNow();
        this.syncPositions();
        this.raiseAlarm(err.alarm, false);
      }
      return { ok: false, error: { code: err.alarm, message: alarmMessage(err.alarm) } };
    }
    this.homingAbort = null;
    this.syncPositions();
    // A partial $HX homes only those axes; the machine counts as homed after a full cycle.
    if (axes === undefined) this.homed = true;
    this.positionKnown = true;
    this.setState('Idle');
    return { ok: true };
  }

  jog(line: string): CommandResult {
    if (this.state !== 'Idle' && this.state !== 'Jog') return this.refuse(ERROR.notIdle);
    if (this.jogCancelling) return this.refuse(ERROR.notIdle);
    const result = parseJog(line, this.interp, 0);
    if (!result.ok) return this.refuse(result.error.code, result.error.message);
    if (this.outsideTravel(result.move.targetMm)) return this.refuse(ERROR.travelExceeded);
    this.motion.push(result.move);
    this.motion.flush();
    this.setState('Jog');
    this.motion.pump();
    return { ok: true };
  }

  jogCancel(): CommandResult {
    if (this.state !== 'Jog') return { ok: true };
    this.jogCancelling = true;
    this.motion.hold();
    this.service();
    return { ok: true };
  }

  override(target: OverrideTarget, action: OverrideAction): CommandResult {
    if (!isValidOverride(target, action)) return this.refuse(ERROR.invalidStatement);
    this.overridesValue = applyOverride(this.overridesValue, target, action);
    const o = this.overridesValue;
    this.motion.setOverrides(o.feedPct / 100, o.rapidPct / 100);
    if (target === 'spindle') {
      this.outputs.spindleOverridePct = o.spindlePct;
      const heldOff = this.state === 'Door' || this.spindleStop === 'stopped';
      if (!heldOff) this.outputs.applySpindle();
    }
    return { ok: true };
  }

  sleep(): CommandResult {
    if (this.state !== 'Idle' && this.state !== 'Alarm') return this.refuse(ERROR.notIdle);
    this.emergencyOff();
    this.outputs.setDriversEnabled(false);
    this.setState('Sleep');
    return { ok: true };
  }

  idle(): Promise<MachineStateName> {
    if (this.isSettled()) return Promise.resolve(this.state);
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Synchronously stops motion and puts every output at its safe level (signals, crashes). */
  emergencyOff(): void {
    this.motion.stopNow();
    this.laser.off();
    this.outputs.allOff();
  }

  /** What the output pins are at now (for logs that prove the safe state). */
  outputSnapshot(): ReturnType<MachineOutputs['snapshot']> {
    return this.outputs.snapshot();
  }

  /** Stops everything, outputs safe, and closes the board. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.emergencyOff();
    this.homingAbort?.(ALARM.homingReset);
    this.abortWork(commandError(ERROR.notIdle, 'Machine closed'));
    await this.board.close();
  }

  // ---- The streaming loop ----

  /** Runs whatever can run now: input lines, barriers, holds, state changes. */
  private service(): void {
    if (this.servicing) {
      this.serviceAgain = true;
      return;
    }
    this.servicing = true;
    try {
      do {
        this.serviceAgain = false;
        this.serviceOnce();
      } while (this.serviceAgain);
    } finally {
      this.servicing = false;
    }
  }

  private serviceOnce(): void {
    if (this.closed || this.state === 'Home') return;
    this.motion.pump();
    if (this.motion.holdStatus() === 'held') this.onHoldComplete();
    if (this.state === 'Alarm' || this.state === 'Sleep') return;
    if (this.motion.holdStatus() !== 'none' || this.paused || this.state === 'Door') return;
    this.runInput();
    this.motion.pump();
    if (this.motion.holdStatus() === 'held') {
      this.serviceAgain = true;
      return;
    }
    this.finishIfDone();
    this.laser.update();
    this.emit('position', this.status());
  }

  /** Interprets lines and acts on their actions until something must wait. */
  private runInput(): void {
    for (;;) {
      if (this.probeFinish !== null) return;
      if (this.barrier !== null && !this.tryBarrier()) return;
      if (this.state === 'Alarm' || this.paused || this.motion.holdStatus() !== 'none') return;
      if (this.actions.length > 0) {
        this.act(this.actions.shift() as MachineAction);
        continue;
      }
      if (this.motion.aheadUs() >= LOOKAHEAD_US) return;
      // A full window of moves too short to brake over: fix the oldest (a bounded lookahead,
      // as Grbl's) rather than wait for input that is not read, and run dry.
      if (this.motion.plannedMoves() >= MAX_PENDING_MOVES && !this.motion.releaseOldest()) return;
      if (!this.nextLine()) {
        // No input now: let the planner finish what it has so the machine moves.
        if (this.motion.aheadUs() < 2 * this.config.maxQueuedMs * 1000) this.motion.flush();
        return;
      }
    }
  }

  /** Takes and interprets the next line; false when none is available now. */
  private nextLine(): boolean {
    const pending = this.interactive.shift();
    if (pending !== undefined) {
      this.interactiveLine++;
      pending.resolve(this.interpret(pending.text, this.interactiveLine));
      return true;
    }
    const job = this.job;
    if (job === null) return false;
    const text = job.source.take();
    if (text === null) return false;
    job.line++;
    const result = this.interpret(text, job.line);
    this.emit(
      'line',
      result.ok ? { line: job.line, ok: true } : { line: job.line, ok: false, error: result.error },
    );
    return true;
  }

  private interpret(text: string, line: number): CommandResult {
    const trimmed = text.trim();
    if (trimmed.startsWith('$')) {
      // `$` commands belong to the operator, not to a job: Grbl's "'$' not idle".
      return this.refuse(ERROR.notIdle);
    }
    const result = this.interp.interpretLine(text, line);
    if (!result.ok) {
      const error = { code: result.error.code, message: result.error.message };
      // Node's EventEmitter throws on an 'error' nobody listens to: a bad line is no crash.
      if (this.listenerCount('error') > 0) this.emit('error', { line, ok: false, error });
      return { ok: false, error };
    }
    if (this.state === 'Check') return { ok: true };
    // Soft limits: a target outside travel stops the job before any of this line moves.
    for (const action of result.actions) {
      if (action.kind === 'move' && this.outsideTravel(action.targetMm)) {
        this.softLimit();
        return {
          ok: false,
          error: { code: ALARM.softLimit, message: alarmMessage(ALARM.softLimit) },
        };
      }
    }
    this.actions.push(...result.actions);
    // A job runs from its first line to its last; single lines only when they move or wait.
    if (this.state === 'Idle' && this.job !== null) this.setState('Run');
    return { ok: true };
  }

  private act(action: MachineAction): void {
    switch (action.kind) {
      case 'move':
        if (action.probe !== undefined) {
          this.startBarrier(action);
          return;
        }
        if (this.state === 'Idle') this.setState('Run');
        this.motion.push(action);
        return;
      case 'spindle':
        if (this.outputs.laserMode && action.spindle.mode !== 'off') {
          // In laser mode the power rides on the moves: no stop needed (Grbl's $32). M5
          // waits for the moves before it, which still carry the laser on.
          this.outputs.setSpindle(action.spindle);
          return;
        }
        this.startBarrier(action);
        return;
      default:
        this.startBarrier(action);
    }
  }

  private startBarrier(action: MachineAction): void {
    this.motion.flush();
    this.barrier = { action, line: action.line };
    const waits = action.kind === 'dwell' || action.kind === 'move' || !this.motion.isIdle();
    if (this.state === 'Idle' && waits) this.setState('Run');
  }

  /** Runs the barrier's action once motion has stopped; true when input may continue. */
  private tryBarrier(): boolean {
    const barrier = this.barrier;
    if (barrier === null) return true;
    if (this.barrierTimer !== undefined) return false;
    if (!this.motion.isIdle()) return false;
    const action = barrier.action;
    switch (action.kind) {
      case 'spindle':
        this.outputs.setSpindle(action.spindle);
        if (action.spindle.mode !== 'off' && this.config.spindle.spinUpS > 0) {
          return this.wait(this.config.spindle.spinUpS);
        }
        break;
      case 'coolant':
        this.outputs.setCoolant(action.mist, action.flood);
        break;
      case 'dwell':
        this.barrier = null;
        return this.wait(action.timeS);
      case 'pause':
        this.barrier = null;
        if (action.reason === 'M1') return true;
        // M0 and M6 (manual tool change, as grblHAL): hold until cycle start.
        this.paused = true;
        this.setState('Hold');
        return false;
      case 'end':
        this.outputs.allOff();
        break;
      case 'move':
        this.barrier = null;
        this.runProbe(action);
        return false;
    }
    this.barrier = null;
    return true;
  }

  /** Waits timeS of clock time, then lets input continue. */
  private wait(timeS: number): boolean {
    if (this.barrier === null)
      this.barrier = { action: { kind: 'dwell', line: 0, timeS }, line: 0 };
    this.barrierTimer = this.board.clock.setTimer(timeS * US_PER_S, () => {
      this.barrierTimer = undefined;
      this.barrier = null;
      this.service();
    });
    return false;
  }

  /** G38.x: moves until the probe input changes, then reports where it did. */
  private runProbe(move: LinearMove): void {
    const probe = this.board.input('probe');
    const mode = move.probe ?? { towards: true, errorOnFail: true };
    const wanted = mode.towards;
    if (probe === undefined || probe.read() === wanted) {
      this.failWork(ALARM.probeInitial, true);
      return;
    }
    let touched = false;
    const onChange = (active: boolean): void => {
      if (active !== wanted || touched) return;
      touched = true;
      this.motion.stopNow();
      // stop() emits no event: look at the machine now.
      this.service();
    };
    probe.on('change', onChange);
    this.probeDetach = () => probe.off('change', onChange);
    this.probeFinish = () => {
      const positionMm = this.motion.positionMm();
      this.syncPositions();
      this.lastProbe = { positionMm, touched };
      this.emit('probe', { touched, machinePositionMm: positionMm });
      if (!touched && mode.errorOnFail) {
        this.failWork(ALARM.probeContact, true);
        return;
      }
      this.service();
    };
    this.motion.push(move);
    this.motion.flush();
    this.motion.pump();
  }

  /** A completed hold: raise a pending alarm, end a jog, or wait for resume. */
  private onHoldComplete(): void {
    this.laser.off();
    if (this.alarmAfterHold !== null) {
      const code = this.alarmAfterHold;
      this.alarmAfterHold = null;
      this.motion.discardHeld();
      this.abortWork(commandError(code, alarmMessage(code)));
      this.syncPositions();
      this.raiseAlarm(code, true);
      return;
    }
    if (this.jogCancelling) {
      this.jogCancelling = false;
      this.motion.discardHeld();
      this.syncPositions();
      const door = this.doorAfterJog || this.board.input('door')?.read() === true;
      this.doorAfterJog = false;
      if (door) this.enterDoor();
      else this.setState('Idle');
      this.notifyIdle();
      return;
    }
    if (this.state === 'Door' && this.doorStop === 'stopping') {
      // Grbl's door: spindle and coolant off once motion has stopped.
      this.doorStop = 'stopped';
      this.outputs.pinsOff();
    }
    if (this.state === 'Hold' && this.spindleStop === 'pending') this.stopSpindle();
    if (this.resumeAfterHold) {
      this.resumeAfterHold = false;
      this.resume();
    }
  }

  private finishIfDone(): void {
    if (this.probeFinish !== null && this.motion.isIdle()) {
      const finish = this.probeFinish;
      this.probeFinish = null;
      this.probeDetach?.();
      this.probeDetach = null;
      finish();
      return;
    }
    if (this.hasWork()) return;
    const job = this.job;
    if (job !== null) {
      this.job = null;
      const failure = job.source.failure();
      if (failure !== null) {
        this.emit('job', {
          kind: 'failed',
          name: job.name,
          error: { code: ERROR.notIdle, message: `Job source failed: ${failure.message}` },
        });
      } else {
        const durationS = (this.board.clock.nowUs() - job.startedUs) / US_PER_S;
        this.emit('job', { kind: 'finished', name: job.name, durationS });
      }
    }
    this.laser.off();
    if (this.state === 'Run' || this.state === 'Jog') this.setState('Idle');
    this.notifyIdle();
  }

  /** Lines, actions, a barrier or motion remain. */
  private hasWork(): boolean {
    return (
      this.interactive.length > 0 ||
      this.actions.length > 0 ||
      this.barrier !== null ||
      this.probeFinish !== null ||
      !this.motion.isIdle() ||
      (this.job !== null && !this.job.source.done())
    );
  }

  // ---- Safety ----

  private onInput(role: InputRole, active: boolean): void {
    if (this.closed) return;
    if (LIMIT_INPUTS.includes(role)) {
      if (active) this.onLimit();
      return;
    }
    switch (role) {
      case 'estop':
        if (active) this.estop();
        return;
      case 'door':
        if (active) this.openDoor();
        return;
      case 'hold':
        if (active) this.hold();
        return;
      case 'resume':
        if (active) this.resume();
        return;
      case 'reset':
        if (active) this.reset();
        return;
      default:
        return;
    }
  }

  /** Hard limit: stop at once, outputs off, Alarm 1, position no longer trusted. */
  private onLimit(): void {
    if (!this.config.limits.hard || this.state === 'Home') return;
    if (this.state === 'Alarm' && !this.motion.isMoving()) return;
    this.emergencyOff();
    this.abortWork(commandError(ALARM.hardLimit, alarmMessage(ALARM.hardLimit)));
    this.syncPositions();
    this.homed = false;
    this.raiseAlarm(ALARM.hardLimit, false);
  }

  private onUnderrun(): void {
    if (this.state !== 'Run' && this.state !== 'Jog' && this.state !== 'Hold') return;
    // The host fell behind: the motion ran dry at speed. Position is exact, speed was not.
    this.emergencyOff();
    this.abortWork(commandError(ALARM.abortCycle, 'Step stream underrun'));
    this.syncPositions();
    this.raiseAlarm(ALARM.abortCycle, true, 'Step stream ran dry mid-motion (host stall)');
  }

  /** A job line leaves travel: a controlled stop, then Alarm 2 with position kept. */
  private softLimit(): void {
    this.actions = [];
    this.job?.source.cancel();
    if (this.motion.isIdle()) {
      this.abortWork(commandError(ALARM.softLimit, alarmMessage(ALARM.softLimit)));
      this.raiseAlarm(ALARM.softLimit, true);
      return;
    }
    this.alarmAfterHold = ALARM.softLimit;
    this.laser.off();
    if (this.state !== 'Hold') this.setState('Hold');
    this.motion.hold();
  }

  /** Soft limits apply once the machine knows where it is: after homing, as in Grbl. */
  private softLimits(): boolean {
    return this.config.limits.soft && this.homed;
  }

  private outsideTravel(targetMm: VecMm): boolean {
    return this.softLimits() && outsideTravel(this.config, targetMm);
  }

  /** Enters Alarm: outputs off, work dropped, the 'alarm' event. */
  private raiseAlarm(code: number, positionKnown: boolean, message = alarmMessage(code)): void {
    this.outputs.allOff();
    this.laser.off();
    this.alarmCode = code;
    if (!positionKnown) this.positionKnown = false;
    this.setState('Alarm');
    this.emit('alarm', { code, message });
    this.notifyIdle();
  }

  /** An alarm that ends the work in progress (the job fails) with motion already at rest. */
  private failWork(code: number, positionKnown: boolean): void {
    this.abortWork(commandError(code, alarmMessage(code)));
    this.syncPositions();
    this.raiseAlarm(code, positionKnown);
  }

  /** Drops the job, queued lines, actions and barriers; the job reports failure. */
  private abortWork(error: CommandError): void {
    this.actions = [];
    if (this.barrierTimer !== undefined) this.board.clock.clearTimer(this.barrierTimer);
    this.barrierTimer = undefined;
    this.cancelSpinUp();
    this.barrier = null;
    this.probeFinish = null;
    this.probeDetach?.();
    this.probeDetach = null;
    this.paused = false;
    this.jogCancelling = false;
    this.doorAfterJog = false;
    this.resumeAfterHold = false;
    this.alarmAfterHold = null;
    for (const pending of this.interactive.splice(0)) pending.resolve({ ok: false, error });
    const job = this.job;
    if (job !== null) {
      this.job = null;
      job.source.cancel();
      this.emit('job', { kind: 'failed', name: job.name, error });
    }
  }

  // ---- Helpers ----

  private toggleCheckMode(): CommandResult {
    if (this.state === 'Check') {
      // Grbl leaves check mode with a soft reset: modal state and position resync.
      this.interp.resetModal();
      this.syncPositions();
      this.setState('Idle');
      return { ok: true };
    }
    if (this.state !== 'Idle' || this.hasWork()) return this.refuse(ERROR.notIdle);
    this.setState('Check');
    return { ok: true };
  }

  /** The interpreter and planner continue from where the machine actually is. */
  private syncPositions(): void {
    this.interp.setPositionMm(this.motion.positionMm());
  }

  private toWorkMm(machineMm: VecMm): VecMm {
    const offset = this.interp.activeOffsetMm();
    return { x: machineMm.x - offset.x, y: machineMm.y - offset.y, z: machineMm.z - offset.z };
  }

  private jobProgress(): JobProgress | null {
    const job = this.job;
    if (job === null) return null;
    const totalLines = job.source.totalLines ?? job.line;
    const elapsedS = (this.board.clock.nowUs() - job.startedUs) / US_PER_S;
    return {
      name: job.name,
      line: job.line,
      totalLines,
      progress: totalLines > 0 ? Math.min(1, job.line / totalLines) : 0,
      elapsedS,
      remainingS: job.estimateS === null ? null : Math.max(0, job.estimateS - elapsedS),
    };
  }

  private setState(state: MachineStateName): void {
    if (this.state === state) return;
    this.state = state;
    if (state !== 'Alarm') this.alarmCode = null;
    // A door stop lives in Door, a spindle stop in Hold (a door clears it, as Grbl).
    if (state !== 'Door') this.doorStop = null;
    else if (this.doorStop === null) this.doorStop = 'stopped';
    if (state !== 'Hold') this.spindleStop = 'none';
    if (state !== 'Jog') this.doorAfterJog = false;
    this.emit('state', this.status());
  }

  /** The state now (a method, so TypeScript does not narrow it across awaits). */
  private isIn(state: MachineStateName): boolean {
    return this.state === state;
  }

  private isSettled(): boolean {
    if (this.state === 'Alarm' || this.state === 'Sleep') return true;
    return (this.state === 'Idle' || this.state === 'Check') && !this.hasWork();
  }

  private notifyIdle(): void {
    if (!this.isSettled()) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve(this.state);
  }

  private refuse(code: number, message?: string): CommandResult {
    return { ok: false, error: commandError(code, message) };
  }
}

/** The motion queue as the machine uses it (homing drives it too). */
export type MachineMotion = MotionQueue;

/** Opens the configured board (the simulator by default) and builds the machine on it. */
export async function createMachine(
  config: MachineConfig,
  options: MachineOptions = {},
): Promise<Machine> {
  // The backend's factory opens the board; the sim's plant comes from the config.
  const board = await openMachineBoard(config, {
    clock: options.clock ?? config.sim.clock,
    ...(options.configDir !== undefined ? { configDir: options.configDir } : {}),
  });
  return new Machine(config, board);
}

/** Unused input roles a board may lack; exported for adapters listing capabilities. */
export function boardInputs(board: Board): InputRole[] {
  return INPUT_ROLES.filter((role): role is InputRole => board.input(role) !== undefined);
}
