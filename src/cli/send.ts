// `minifactory send`: placeholder until its issue lands.
import type { Command } from 'commander';

/** Adds the `send` subcommand. */
export function registerSend(program: Command): void {
  program
    .command('send')
    .description('(not yet implemented)')
    .action(() => {
      console.error('minifactory send: not yet implemented');
      process.exitCode = 1;
    });
}
