// `minifactory check-config FILE`: validate a machine config and its board file, and print
// the config with every default filled in.
import path from 'node:path';
import type { Command } from 'commander';
import { stringify } from 'yaml';
import { loadBoard } from '../config/board.js';
import { ConfigError } from '../config/errors.js';
import { loadMachineConfig } from '../config/load.js';

/** Adds the `check-config` subcommand. */
export function registerCheckConfig(program: Command): void {
  program
    .command('check-config')
    .argument('<file>', 'machine config (YAML)')
    .description('validate a machine config and its board; print it with every default filled in')
    .action((file: string) => {
      try {
        const config = loadMachineConfig(file);
        // The board is resolved as `run` resolves it: a relative path from the config's folder.
        const board = loadBoard(config.board, path.dirname(file));
        process.stdout.write(stringify(config));
        process.stderr.write(`${file}: ok (board ${board.name}, backend ${board.backend})\n`);
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err;
        console.error(err.message);
        process.exitCode = 2;
      }
    });
}
