/** `coconut runs list [--json]`. */
import type { Command } from 'commander';
import { toSummary } from '../../runs/runStore.js';
import { defaultHome } from '../../workbench/workbench.js';
import { RunStore } from '../../runs/runStore.js';
import { printJson } from '../output.js';
import { percent } from '../progress.js';

export function registerRunsCommands(program: Command): void {
  const runs = program.command('runs').description('runs in the workbench home');
  runs
    .command('list')
    .description('list runs, newest first')
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) => {
      const summaries = new RunStore(defaultHome()).list().map(toSummary);
      if (options.json) {
        printJson(summaries);
        return;
      }
      if (summaries.length === 0) {
        console.log(`no runs yet in ${defaultHome()}`);
        return;
      }
      console.table(
        summaries.map((run) => ({
          id: run.id,
          status: run.status,
          method: run.method,
          stage: run.stage ?? '–',
          epoch: run.epoch === null ? '–' : `${run.epoch + 1}/${run.num_epochs ?? '?'}`,
          'best acc': percent(run.best_accuracy),
        })),
      );
      // A damaged run's table row says only `damaged`; the reason names the file to look at.
      for (const run of summaries) if (run.damage) console.log(`${run.id}: ${run.damage.file} ${run.damage.reason} (${run.damage.path})`);
    });
}
