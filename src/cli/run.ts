// `minifactory run`: placeholder until its issue lands.
import type { Command } from 'commander';

/** Adds the `run` subcommand. */
export function registerRun(program: Command): void {
  program
    .command('run')
    .description('(not yet implemented)')
    .action(() => {
      console.error('minifactory run: not yet implemented');
      process.exitCode = 1;
    });
}
