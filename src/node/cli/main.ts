/** The `coconut` command line. Each command lives in `commands/`; this file only wires them. */
import { Command, CommanderError } from 'commander';
import { ApiError } from '../../common/api.js';
import { workbenchVersion } from '../workbench/workbench.js';
import { registerAnalyseCommands } from './commands/analyse.js';
import { registerBenchCommand } from './commands/bench.js';
import { registerConfigCommands } from './commands/config.js';
import { registerDataCommands } from './commands/data.js';
import { registerEvalCommand } from './commands/eval.js';
import { registerInspectCommands } from './commands/inspect.js';
import { registerQuickstartCommand } from './commands/quickstart.js';
import { registerRunsCommands } from './commands/runs.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSweepCommand } from './commands/sweep.js';
import { registerTrainCommand } from './commands/train.js';
import { CliError } from './output.js';

const program = new Command('coconut')
  .description('Coconut Workbench: train and inspect models that reason in continuous thoughts')
  .version(workbenchVersion())
  .showHelpAfterError('(run with --help for usage)');

registerQuickstartCommand(program);
registerDataCommands(program);
registerTrainCommand(program);
registerSweepCommand(program);
registerEvalCommand(program);
registerConfigCommands(program);
registerRunsCommands(program);
registerInspectCommands(program);
registerServeCommand(program);
registerBenchCommand(program);
registerAnalyseCommands(program);

try {
  await program.parseAsync(process.argv);
} catch (error) {
  if (error instanceof CommanderError) {
    process.exitCode = error.exitCode;
  } else if (error instanceof CliError || error instanceof ApiError) {
    console.error(`coconut: ${error.message}`);
    for (const issue of error instanceof ApiError ? error.issues : []) console.error(`  ${issue.path}: ${issue.message}`);
    process.exitCode = error instanceof CliError ? error.exitCode : 1;
  } else {
    console.error(`coconut: unexpected error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exitCode = 70;
  }
}
