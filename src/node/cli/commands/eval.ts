/**
 * `coconut eval RUN --dataset FILE [--checkpoint best|last|epoch-N] [--thoughts K|FROM..TO] [--json]`:
 * a trained run evaluated on any dataset (its held-out test split, typically) as a new run of the
 * home (`runs/evaluation.ts`), followed to its end: a progress bar over the questions, a line per
 * evaluation, then where its predictions are. With a thought range every k gets `<eot>` forced after exactly k thoughts.
 */
import cliProgress from 'cli-progress';
import type { Command } from 'commander';
import type { EngineEvent } from '../../../common/events.js';
import type { RunSummary } from '../../../common/runs.js';
import { resolveRun } from '../../inspector/runTargets.js';
import { parseThoughtRange, submitEvaluation } from '../../runs/evaluation.js';
import { Workbench } from '../../workbench/workbench.js';
import { CliError, printJson } from '../output.js';
import { percent } from '../progress.js';

interface EvalOptions {
  dataset: string;
  checkpoint: string;
  thoughts?: string;
  json?: boolean;
}

type EvalEvent = Extract<EngineEvent, { type: 'eval' }>;

function describeEval(event: EvalEvent): string {
  const k = event.forced_thoughts !== undefined ? `k=${event.forced_thoughts}` : `stage ${event.stage}`;
  return `${k}: accuracy ${percent(event.accuracy)} (${event.correct}/${event.total}), ${event.mean_new_tokens.toFixed(1)} new tokens, ${event.mean_forward_passes?.toFixed(1) ?? "?"} forward passes per question → ${event.predictions ?? 'no predictions file'}`;
}

export function registerEvalCommand(program: Command): void {
  program
    .command('eval')
    .description("evaluate a trained run's checkpoint on a dataset (as a new run of the home, with the same predictions files)")
    .argument('<run>', 'a run id (`coconut runs list`)')
    .requiredOption('--dataset <file>', 'the dataset to answer, e.g. the test split of the run\'s dataset folder')
    .option('--checkpoint <which>', 'best, last, epoch-N or a checkpoint file', 'best')
    .option('--thoughts <k>', 'force exactly K continuous thoughts, or each of FROM..TO (Coconut-style runs)')
    .option('--json', 'print the evaluation run and its eval events as JSON, no progress lines')
    .action(async (runArgument: string, options: EvalOptions) => {
      const workbench = new Workbench();
      const { runId } = resolveRun(workbench.store, runArgument);
      if (runId === null || !workbench.store.has(runId)) {
        throw new CliError(`${runArgument} is not a run of ${workbench.home} (\`coconut runs list\`); coconut eval makes the evaluation a run beside it`);
      }
      const thoughts = options.thoughts === undefined ? undefined : parseThoughtRange(options.thoughts);
      const run = await submitEvaluation(workbench.store, workbench.jobs, {
        runId,
        checkpoint: options.checkpoint,
        dataset: options.dataset,
        thoughts,
        baseDir: process.cwd(),
        allowCheckpointFiles: true,
      });
      const evals: EvalEvent[] = [];
      if (!options.json) console.error(`${run.name}: queued as run ${run.id}`);
      const bar = !options.json && process.stderr.isTTY ? new cliProgress.SingleBar({ format: '{label} |{bar}| {value}/{total} questions', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      let barRunning = false;
      const stopBar = (): void => {
        if (barRunning) bar?.stop();
        barRunning = false;
      };
      const stopFollowing = workbench.jobs.subscribeRun(run.id, (message) => {
        if (message.kind !== 'event') return;
        if (message.event.type === 'eval_progress' && bar) {
          const label = message.event.forced_thoughts === undefined ? 'evaluating' : `k=${message.event.forced_thoughts}`;
          if (!barRunning) bar.start(message.event.total, message.event.done, { label });
          else bar.update(message.event.done, { label });
          barRunning = true;
        } else if (message.event.type === 'eval') {
          stopBar();
          evals.push(message.event);
          if (!options.json) console.error(describeEval(message.event));
        } else if (message.event.type === 'log' && message.event.level !== 'info' && !options.json) {
          console.error(`${message.event.level}: ${message.event.message}`);
        }
      });
      const cancel = (): void => {
        workbench.jobs.cancel(run.id);
      };
      process.once('SIGINT', cancel);
      process.once('SIGTERM', cancel);
      let final: RunSummary;
      try {
        final = await workbench.jobs.waitForEnd(run.id);
      } finally {
        process.off('SIGINT', cancel);
        process.off('SIGTERM', cancel);
        stopFollowing();
        stopBar();
      }
      if (options.json) printJson({ run: final, evals });
      else if (final.status === 'completed') console.log(`${final.name}: completed · run ${final.id} · predictions in ${final.dir}/predictions`);
      else console.log(`${final.name}: ${final.status}${final.last_error ? `: ${final.last_error}` : ''} (logs in ${final.dir})`);
      if (final.status !== 'completed') process.exitCode = final.status === 'cancelled' ? 130 : 1;
    });
}
