/** `coconut train --config FILE [--run-dir DIR]`: one run through the job manager, with progress. */
import type { Command } from 'commander';
import type { RunSummary } from '../../../common/runs.js';
import type { RunSweep } from '../../../common/sweep.js';
import { checkConfig, readConfigFile } from '../../runs/configText.js';
import { Workbench } from '../../workbench/workbench.js';
import { CliError, printJson } from '../output.js';
import { percent, terminalProgress } from '../progress.js';

export interface TrainOptions {
  /** Relative paths in the config resolve against this folder. */
  baseDir: string;
  runDir?: string;
  showProgress: boolean;
  label?: string;
  /** Records the run as part of this seed sweep (`coconut sweep`). */
  sweep?: RunSweep;
}

/** Trains one config to its end. Ctrl-C cancels the run (the engine saves what it has). */
export async function trainConfig(workbench: Workbench, configText: string, where: string, options: TrainOptions): Promise<RunSummary> {
  const check = checkConfig(configText, options.baseDir);
  if (!check.config) {
    throw new CliError(check.issues.map((issue) => `${where}: ${issue.path ? `config key '${issue.path}': ` : ''}${issue.message}`).join('\n'));
  }
  const run = workbench.jobs.submit(check.config, { outsideDir: options.runDir, sweep: options.sweep });
  const progress = terminalProgress(options.label ?? check.config.name, options.showProgress);
  const stopFollowing = workbench.jobs.subscribeRun(run.id, (message) => progress.onMessage(message));
  const cancel = (): void => {
    workbench.jobs.cancel(run.id);
  };
  process.once('SIGINT', cancel);
  process.once('SIGTERM', cancel);
  try {
    return await workbench.jobs.waitForEnd(run.id);
  } finally {
    process.off('SIGINT', cancel);
    process.off('SIGTERM', cancel);
    stopFollowing();
    progress.stop();
  }
}

function duration(run: RunSummary): string {
  if (!run.started_at || !run.ended_at) return '';
  const seconds = (Date.parse(run.ended_at) - Date.parse(run.started_at)) / 1000;
  return ` in ${seconds >= 90 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(0)} s`}`;
}

export function describeEnd(run: RunSummary): string {
  const accuracy = `best val accuracy ${percent(run.best_accuracy)}, last ${percent(run.last_accuracy)}${duration(run)}`;
  if (run.status === 'completed') return `${run.name}: completed · ${accuracy} · ${run.dir}`;
  if (run.status === 'cancelled') return `${run.name}: cancelled · ${accuracy} · ${run.dir}`;
  return `${run.name}: ${run.status}: ${run.last_error ?? 'no error message'} (logs in ${run.dir})`;
}

export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train one config (reference YAML files load unchanged) and wait for it to end')
    .requiredOption('--config <file>', 'run config (YAML)')
    .option('--run-dir <dir>', 'put the run in this new folder instead of the workbench home')
    .option('--json', 'print the final run summary as JSON, no progress bar')
    .action(async (options: { config: string; runDir?: string; json?: boolean }) => {
      let text: string;
      try {
        // As the engine reads it: UTF-8 only, within the size limit.
        text = readConfigFile(options.config);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        throw new CliError(code ? `cannot read ${options.config}: ${code}` : (error as Error).message);
      }
      const workbench = new Workbench();
      const run = await trainConfig(workbench, text, options.config, {
        baseDir: process.cwd(),
        runDir: options.runDir,
        showProgress: !options.json && process.stderr.isTTY === true,
      });
      if (options.json) printJson(run);
      else console.log(describeEnd(run));
      if (run.status !== 'completed') process.exitCode = run.status === 'cancelled' ? 130 : 1;
    });
}
