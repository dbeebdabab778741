// Builds a machine on the simulated board with a virtual clock, and drives that clock.
import type { VirtualClock } from '../../hal/clock.js';
import { asSimBoard, type SimBoard } from '../../hal/sim/board.js';
import { validate } from '../../src/config/load.js';
import { machineConfigSchema, type MachineConfig } from '../../src/config/schema.js';
import { createMachine, type Machine } from '../../src/machine/machine.js';

export interface TestRig {
  machine: Machine;
  sim: SimBoard;
  clock: VirtualClock;
  config: MachineConfig;
}

type Plain = Record<string, unknown>;

function merge(base: Plain, extra: Plain): Plain {
  const out: Plain = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const prev = out[key];
    out[key] =
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      typeof prev === 'object' &&
      prev !== null
        ? merge(prev as Plain, value as Plain)
        : value;
  }
  return out;
}

/** A machine on the sim board (virtual clock); `extra` is merged into the config. */
export async function rig(extra: Plain = {}): Promise<TestRig> {
  const data = merge(
    { mqtt: { enabled: false }, grbl: { enabled: false }, sim: { clock: 'virtual' } },
    extra,
  );
  const config = validate(machineConfigSchema, data, 'test');
  const machine = await createMachine(config, { clock: 'virtual' });
  const sim = asSimBoard(machine.board);
  if (sim === undefined || sim.virtualClock === undefined) throw new Error('not a virtual sim');
  return { machine, sim, clock: sim.virtualClock, config };
}

/** Lets promise continuations run (they never run inside the clock's timers). */
export async function ticks(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * Runs the clock (and the microtasks between its events) until predicate holds; throws when
 * it does not within limitUs of simulated time.
 */
export async function runUntil(
  clock: VirtualClock,
  predicate: () => boolean,
  limitUs = 600e6,
): Promise<void> {
  const endUs = clock.nowUs() + limitUs;
  for (;;) {
    if (predicate()) return;
    const next = clock.nextEventUs();
    if (next === undefined || next > endUs) {
      await ticks();
      if (predicate()) return;
      if (clock.nextEventUs() === undefined || (clock.nextEventUs() as number) > endUs) {
        throw new Error(`runUntil: condition not met by ${endUs} µs (now ${clock.nowUs()})`);
      }
      continue;
    }
    // Stop when the events run out too: promise continuations may schedule more.
    clock.runUntil(() => predicate() || clock.nextEventUs() === undefined, endUs - clock.nowUs());
    await ticks(1);
  }
}

/** Runs the clock until the promise settles; returns its value. */
export async function drive<T>(
  clock: VirtualClock,
  promise: Promise<T>,
  limitUs = 600e6,
): Promise<T> {
  let settled = false;
  let value: T | undefined;
  let error: unknown;
  let failed = false;
  promise.then(
    (v) => {
      settled = true;
      value = v;
    },
    (e: unknown) => {
      settled = true;
      failed = true;
      error = e;
    },
  );
  await runUntil(clock, () => settled, limitUs);
  if (failed) throw error;
  return value as T;
}

/** Runs until the machine is settled (Idle/Alarm with nothing queued). */
export async function settle(rigged: TestRig, limitUs = 600e6): Promise<string> {
  return drive(rigged.clock, rigged.machine.idle(), limitUs);
}
