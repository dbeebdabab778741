// `minifactory plan FILE`: a dry run of a job: time, moves, bounds, errors; optionally the
// step log and a picture.
import type { Command } from 'commander';
import type { PlanCommandOptions } from '../plan/run-plan.js';

/** Exit code for bad usage, as for a bad config. */
const EXIT_USAGE = 2;

/** Adds the `plan` subcommand. */
export function registerPlan(program: Command): void {
  program
    .command('plan')
    .argument('<file>', 'G-code file')
    .description('plan a G-code job without a machine: time, moves, bounds, errors')
    .option('--config <file>', 'machine config (YAML); defaults when left out')
    .option('--json', 'print one JSON object instead of the text report')
    .option('--step-log <file>', 'write every step as CSV: timeUs,motor,dir (a/b/z on CoreXY)')
    .option('--svg <file>', 'draw the toolpath and the speed profile as SVG')
    // Usage errors exit 2, like a bad config; help exits 0.
    .exitOverride((err) => {
      process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
    })
    .action(async (file: string, options: PlanCommandOptions) => {
      // Loaded on use, so the other subcommands start without the motion core.
      const { runPlan } = await import('../plan/run-plan.js');
      process.exitCode = await runPlan(file, options);
    });
}
