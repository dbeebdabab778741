// `minifactory run`: the machine daemon. Loads the config (default: the simulator on the real
// clock), opens the machine, logs what it does, and runs until SIGINT/SIGTERM.
import path from 'node:path';
import type { Command } from 'commander';
import { BackendLoadError } from '../../hal/index.js';
import { HardwareUnavailableError } from '../../hal/native.js';
import { ConfigError } from '../config/errors.js';
import { loadMachineConfig } from '../config/load.js';
import { startDaemon } from '../daemon.js';
import { createLogger } from '../log.js';
import { installShutdown } from '../shutdown.js';

interface RunOptions {
  config?: string;
  logLevel: string;
  json?: boolean;
}

/** Adds the `run` subcommand. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('run the machine daemon until SIGINT/SIGTERM')
    .option('-c, --config <file>', 'machine config (YAML); default: the simulator')
    .option('--log-level <level>', 'trace, debug, info, warn, error', 'info')
    .option('--json', 'JSON log lines even on a terminal')
    .action(async (options: RunOptions) => {
      let config;
      try {
        config = loadMachineConfig(options.config);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        console.error(err.message);
        process.exitCode = 2;
        return;
      }
      const log = createLogger(config.id, {
        level: options.logLevel,
        ...(options.json === true ? { pretty: false } : {}),
      });
      // Nothing else may keep the event loop alive (no adapters): hold it until a signal.
      const keepAlive = setInterval(() => {}, 1 << 30);
      try {
        await startDaemon(config, {
          log,
          ...(options.config !== undefined ? { configDir: path.dirname(options.config) } : {}),
          onMachine: (machine, stop) => {
            installShutdown(machine, {
              log,
              stop: async () => {
                clearInterval(keepAlive);
                await stop();
              },
            });
          },
        });
      } catch (err) {
        clearInterval(keepAlive);
        // A refused board file or absent hardware is the user's to fix: one clear line, no stack.
        if (
          err instanceof ConfigError ||
          err instanceof HardwareUnavailableError ||
          err instanceof BackendLoadError
        ) {
          log.fatal(`machine failed to start: ${err.message}`);
          process.exitCode = err instanceof ConfigError ? 2 : 1;
        } else {
          log.fatal({ err }, 'machine failed to start');
          process.exitCode = 1;
        }
      }
    });
}
