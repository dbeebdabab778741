// `minifactory plan`: placeholder until its issue lands.
import type { Command } from 'commander';

/** Adds the `plan` subcommand. */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .description('(not yet implemented)')
    .action(() => {
      console.error('minifactory plan: not yet implemented');
      process.exitCode = 1;
    });
}
