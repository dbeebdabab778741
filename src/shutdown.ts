// The last line of defence: on SIGINT/SIGTERM, an uncaught exception or an unhandled
// rejection, the machine's motion stops and its outputs go to their safe level
// synchronously, before anything else can fail, and only then does the process exit.
import type { Logger } from './log.js';

/** What shutdown needs of the machine: a synchronous safe state and a proof of it. */
export interface SafeStateTarget {
  emergencyOff(): void;
  outputSnapshot(): Record<string, number | boolean>;
}

/** The process as shutdown uses it (a test passes a stand-in). */
export interface ProcessLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
  exit(code?: number): never | void;
}

export interface ShutdownOptions {
  log: Logger;
  /** Orderly stop after the safe state (adapters, board); bounded by stopTimeoutMs. */
  stop: () => Promise<void>;
  process?: ProcessLike;
  /** Default 3000. */
  stopTimeoutMs?: number;
  /** After a crash, how long the orderly stop may take to flush safe levels; default 1000. */
  crashFlushMs?: number;
}

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** Installs the handlers; returns a function that removes them. */
export function installShutdown(target: SafeStateTarget, options: ShutdownOptions): () => void {
  const proc: ProcessLike = options.process ?? process;
  const log = options.log;
  const timeoutMs = options.stopTimeoutMs ?? 3000;
  const crashFlushMs = options.crashFlushMs ?? 1000;
  let stopping = false;

  const safe = (): Record<string, number | boolean> => {
    try {
      target.emergencyOff();
    } catch (err) {
      log.fatal({ err }, 'emergency off failed');
    }
    return target.outputSnapshot();
  };

  const onSignal = (signal: unknown): void => {
    if (stopping) {
      // A second signal: do not wait for the orderly stop.
      proc.exit(1);
      return;
    }
    stopping = true;
    log.info({ signal, outputs: safe() }, 'outputs safe, shutting down');
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'orderly stop timed out');
      proc.exit(1);
    }, timeoutMs);
    options
      .stop()
      .then(() => {
        clearTimeout(timer);
        proc.exit(0);
      })
      .catch((err: unknown) => {
        clearTimeout(timer);
        log.error({ err }, 'orderly stop failed');
        proc.exit(1);
      });
  };

  const onCrash = (err: unknown): void => {
    const outputs = safe();
    log.fatal({ err, outputs }, 'uncaught error: outputs safe, exiting');
    if (stopping) {
      proc.exit(1);
      return;
    }
    stopping = true;
    // The safe levels are set, but on I2C chips and serial MCUs the writes are asynchronous:
    // let the orderly stop (which closes the board and flushes them) run, briefly, first.
    const timer = setTimeout(() => proc.exit(1), crashFlushMs);
    options
      .stop()
      .catch(() => undefined)
      .finally(() => {
        clearTimeout(timer);
        proc.exit(1);
      });
  };

  const onExit = (): void => {
    try {
      target.emergencyOff();
    } catch {
      // The board may be closed already: its close() left the outputs safe.
    }
  };

  for (const signal of SIGNALS) proc.on(signal, onSignal);
  proc.on('uncaughtException', onCrash);
  proc.on('unhandledRejection', onCrash);
  proc.on('exit', onExit);
  return () => {
    for (const signal of SIGNALS) proc.off(signal, onSignal);
    proc.off('uncaughtException', onCrash);
    proc.off('unhandledRejection', onCrash);
    proc.off('exit', onExit);
  };
}
