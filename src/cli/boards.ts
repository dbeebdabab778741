// `minifactory boards`: placeholder until its issue lands.
import type { Command } from 'commander';

/** Adds the `boards` subcommand. */
export function registerBoards(program: Command): void {
  program
    .command('boards')
    .description('(not yet implemented)')
    .action(() => {
      console.error('minifactory boards: not yet implemented');
      process.exitCode = 1;
    });
}
