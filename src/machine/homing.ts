// Grbl's homing cycle for one or more axis groups: seek the switch fast, back off, locate it
// slowly, pull off, then set the machine position to the end of travel (max or 0). Failures
// carry Grbl's alarm codes 6-9.
import type { Clock, DigitalInput } from '../../hal/types.js';
import type { Axis, LinearMove, VecMm } from '../../motion/types.js';
import type { MachineConfig } from '../config/schema.js';
import { ALARM } from './codes.js';
import type { MotionQueue } from './motion-queue.js';

/** Seek distance: Grbl searches 1.5 × travel before giving up (alarm 9). */
const SEEK_TRAVEL_FACTOR = 1.5;
/** Locate distance: Grbl's HOMING_AXIS_LOCATE_SCALAR × pull-off. */
const LOCATE_PULLOFF_FACTOR = 5;
/** Least locate distance when the pull-off is tiny, mm. */
const MIN_LOCATE_MM = 1;

/** A homing cycle that failed, with its Grbl alarm code. */
export class HomingFailure extends Error {
  constructor(readonly alarm: number) {
    super(`homing failed: alarm ${alarm}`);
    this.name = 'HomingFailure';
  }
}

export interface HomingContext {
  /** Groups homed in order; each group's axes move together. */
  cycle: Axis[][];
  config: MachineConfig;
  motion: MotionQueue;
  clock: Clock;
  limits: Record<Axis, DigitalInput | undefined>;
  /** Receives the function that aborts the cycle (reset → 6, door → 7) with an alarm code. */
  onAbort: (abort: (alarm: number) => void) => void;
}

/** Runs the homing cycle; resolves homed, or rejects with a HomingFailure. */
export async function runHomingCycle(ctx: HomingContext): Promise<void> {
  let aborted: number | null = null;
  let cancelWait: ((alarm: number) => void) | null = null;
  ctx.onAbort((alarm) => {
    if (aborted !== null) return;
    aborted = alarm;
    ctx.motion.stopNow();
    cancelWait?.(alarm);
  });
  const check = (): void => {
    if (aborted !== null) throw new HomingFailure(aborted);
  };
  const homing = ctx.config.homing;
  for (const group of ctx.cycle) {
    for (const axis of group) {
      if (ctx.limits[axis] === undefined) throw new HomingFailure(ALARM.homingApproach);
    }
    const towards = (axis: Axis): number => (homing.towardsMax[axis] ? 1 : -1);
    const seekMm = (axis: Axis): number => SEEK_TRAVEL_FACTOR * ctx.config.axes[axis].travelMm;
    const locateMm = Math.max(MIN_LOCATE_MM, LOCATE_PULLOFF_FACTOR * homing.pullOffMm);

    await approach(ctx, group, towards, seekMm, homing.seekMmMin, (w) => (cancelWait = w));
    check();
    await pause(ctx, homing.debounceMs, (w) => (cancelWait = w));
    check();
    await retract(ctx, group, towards, homing.pullOffMm, homing.seekMmMin, (w) => (cancelWait = w));
    check();
    await approach(
      ctx,
      group,
      towards,
      () => locateMm,
      homing.feedMmMin,
      (w) => (cancelWait = w),
    );
    check();
    await pause(ctx, homing.debounceMs, (w) => (cancelWait = w));
    check();
    await retract(ctx, group, towards, homing.pullOffMm, homing.seekMmMin, (w) => (cancelWait = w));
    check();
    // The switch point minus the pull-off is the end of travel by definition.
    const positionMm = ctx.motion.positionMm();
    for (const axis of group) {
      positionMm[axis] = homing.towardsMax[axis] ? ctx.config.axes[axis].travelMm : 0;
    }
    ctx.motion.setPositionMm(positionMm);
  }
}

type WaitHook = (cancel: ((alarm: number) => void) | null) => void;

/** Moves the group towards its switches until each one closes (alarm 9 when one never does). */
async function approach(
  ctx: HomingContext,
  group: Axis[],
  towards: (axis: Axis) => number,
  maxMm: (axis: Axis) => number,
  feedMmMin: number,
  hook: WaitHook,
): Promise<void> {
  const startMm = ctx.motion.positionMm();
  const endMm: Partial<Record<Axis, number>> = {};
  for (const axis of group) endMm[axis] = startMm[axis] + towards(axis) * maxMm(axis);
  const found = new Set<Axis>(group.filter((axis) => ctx.limits[axis]?.read() === true));
  while (found.size < group.length) {
    const targetMm = ctx.motion.positionMm();
    for (const axis of group) {
      if (!found.has(axis)) targetMm[axis] = endMm[axis] as number;
    }
    const watched = group.filter((axis) => !found.has(axis));
    const hit = await guardedMove(ctx, targetMm, feedMmMin, watched, true, hook);
    if (hit === null) throw new HomingFailure(ALARM.homingApproach);
    for (const axis of hit) found.add(axis);
  }
}

/** Moves the group away from its switches; each must open (alarm 8 when one does not). */
async function retract(
  ctx: HomingContext,
  group: Axis[],
  towards: (axis: Axis) => number,
  distMm: number,
  feedMmMin: number,
  hook: WaitHook,
): Promise<void> {
  const targetMm = ctx.motion.positionMm();
  for (const axis of group) targetMm[axis] -= towards(axis) * distMm;
  if (distMm > 0) await guardedMove(ctx, targetMm, feedMmMin, [], true, hook);
  for (const axis of group) {
    if (ctx.limits[axis]?.read() === true) throw new HomingFailure(ALARM.homingPullOff);
  }
}

/**
 * One move that stops at once when a watched switch reaches `level`; resolves with the axes
 * whose switches did, or null when the move ended without any.
 */
function guardedMove(
  ctx: HomingContext,
  targetMm: VecMm,
  feedMmMin: number,
  watched: Axis[],
  level: boolean,
  hook: WaitHook,
): Promise<Axis[] | null> {
  return new Promise((resolve, reject) => {
    let done = false;
    const listeners: [DigitalInput, (active: boolean) => void][] = [];
    const finish = (): void => {
      done = true;
      hook(null);
      for (const [input, fn] of listeners) input.off('change', fn);
    };
    for (const axis of watched) {
      const input = ctx.limits[axis] as DigitalInput;
      const fn = (active: boolean): void => {
        if (done || active !== level) return;
        ctx.motion.stopNow();
        finish();
        resolve(watched.filter((a) => ctx.limits[a]?.read() === level));
      };
      input.on('change', fn);
      listeners.push([input, fn]);
    }
    hook((alarm) => {
      if (done) return;
      finish();
      reject(new HomingFailure(alarm));
    });
    const move: LinearMove = {
      kind: 'move',
      line: 0,
      targetMm,
      rapid: false,
      feedMmMin,
      spindle: { mode: 'off', speedRpm: 0 },
      // As Grbl: homing runs at its configured rates whatever the feed override.
      noFeedOverride: true,
    };
    ctx.motion.onceIdle(() => {
      if (done) return;
      finish();
      resolve(null);
    });
    ctx.motion.push(move);
    ctx.motion.flush();
    ctx.motion.pump();
  });
}

/** Waits for the switches to settle (Grbl's homing debounce delay). */
function pause(ctx: HomingContext, delayMs: number, hook: WaitHook): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = ctx.clock.setTimer(delayMs * 1000, () => {
      hook(null);
      resolve();
    });
    hook((alarm) => {
      ctx.clock.clearTimer(timer);
      hook(null);
      reject(new HomingFailure(alarm));
    });
  });
}
