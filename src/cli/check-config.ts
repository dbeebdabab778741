// `minifactory check-config FILE`: validate a machine config and print it with defaults filled in.
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { ConfigError } from '../config/errors.js';
import { loadMachineConfig } from '../config/load.js';

/** Adds the `check-config` subcommand. */
export function registerCheckConfig(program: Command): void {
  program
    .command('check-config')
    .argument('<file>', 'machine config (YAML)')
    .description('validate a machine config; print it with every default filled in')
    .action((file: string) => {
      try {
        const config = loadMachineConfig(file);
        process.stdout.write(stringify(config));
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        console.error(err.message);
        process.exitCode = 2;
      }
    });
}
