// The long-running controller: a machine on its board, its events logged, and the protocol
// adapters (MQTT, Grbl TCP) attached to it. `minifactory run` is a thin shell around this.
import type { MachineConfig } from './config/schema.js';
import type { Logger } from './log.js';
import { createMachine, type Machine } from './machine/machine.js';
import { mqttDaemonAdapter } from './mqtt/adapter.js';
import { grblDaemonAdapter } from './grbl/server.js';

/** What an attached adapter gives back: a way to detach it. */
export interface AdapterHandle {
  close(): Promise<void> | void;
}

/**
 * An interface that drives the machine (MQTT, Grbl TCP). It sees the machine only through
 * MachineApi (commands and events) and decides from the config whether it is enabled.
 */
export type DaemonAdapter = (
  machine: Machine,
  config: MachineConfig,
  log: Logger,
) => Promise<AdapterHandle | null>;

/**
 * The adapters every daemon starts, in order; protocol modules add theirs here (e.g. the
 * MQTT adapter from src/mqtt/). Each returns null when its config section disables it.
 */
export const DEFAULT_ADAPTERS: DaemonAdapter[] = [mqttDaemonAdapter, grblDaemonAdapter];

export interface DaemonOptions {
  log: Logger;
  /** Clock of the simulator (default: config.sim.clock). */
  clock?: 'real' | 'virtual';
  /** The config file's folder, where a relative board path is resolved. */
  configDir?: string;
  /**
   * Called once the machine exists, before any adapter starts: where the process installs
   * its signal and crash handlers, so no moment of the start-up is unprotected.
   */
  onMachine?: (machine: Machine, stop: () => Promise<void>) => void;
  /** Adapters to start instead of DEFAULT_ADAPTERS. */
  adapters?: DaemonAdapter[];
}

export interface Daemon {
  machine: Machine;
  /** Detaches the adapters, stops the machine with its outputs safe, closes the board. */
  stop(): Promise<void>;
}

/** Opens the machine, logs what it does, and starts the adapters. */
export async function startDaemon(config: MachineConfig, options: DaemonOptions): Promise<Daemon> {
  const log = options.log;
  const machine = await createMachine(config, {
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    ...(options.configDir !== undefined ? { configDir: options.configDir } : {}),
  });
  logMachineEvents(machine, log);
  const handles: AdapterHandle[] = [];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    for (const handle of handles.reverse()) {
      try {
        await handle.close();
      } catch (err) {
        log.warn({ err }, 'adapter failed to close');
      }
    }
    await machine.close();
    log.info({ outputs: machine.outputSnapshot() }, 'machine closed, outputs safe');
  };
  options.onMachine?.(machine, stop);
  try {
    for (const adapter of options.adapters ?? DEFAULT_ADAPTERS) {
      const handle = await adapter(machine, config, log);
      if (handle !== null) handles.push(handle);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  const status = machine.status();
  log.info(
    { machine: machine.id, board: machine.board.name, state: status.state, alarm: status.alarm },
    'machine ready',
  );
  return { machine, stop };
}

/** State changes, alarms, jobs and rejected lines go to the log. */
function logMachineEvents(machine: Machine, log: Logger): void {
  machine.on('state', (status) => {
    log.info(
      { state: status.state, alarm: status.alarm, positionMm: status.machinePositionMm },
      `state ${status.state}`,
    );
  });
  machine.on('alarm', (alarm) => {
    log.error(
      { alarm: alarm.code, outputs: machine.outputSnapshot() },
      `ALARM:${alarm.code} ${alarm.message}`,
    );
  });
  machine.on('job', (event) => {
    if (event.kind === 'failed') log.warn({ job: event.name, error: event.error }, 'job failed');
    else log.info({ job: event.name, ...event }, `job ${event.kind}`);
  });
  machine.on('error', (event) => {
    log.warn(
      { line: event.line, code: event.error.code },
      `error:${event.error.code} ${event.error.message}`,
    );
  });
}
