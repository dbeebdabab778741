// The `minifactory` command line: one subcommand per file in src/cli/.
import { Command } from 'commander';
import { registerBoards } from './cli/boards.js';
import { registerCheckConfig } from './cli/check-config.js';
import { registerPlan } from './cli/plan.js';
import { registerRun } from './cli/run.js';
import { registerSend } from './cli/send.js';

const program = new Command('minifactory')
  .description('Motion controller for small production machines: G-code to hardware-timed steps')
  .showHelpAfterError();

registerRun(program);
registerPlan(program);
registerSend(program);
registerBoards(program);
registerCheckConfig(program);

await program.parseAsync(process.argv);
