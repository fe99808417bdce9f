/**
 * `coconut quickstart`: the main job on the embedded default. Generates a small dataset of
 * ProsQA graphs in the compact reachability format, trains a small GPT-2 with chain-of-thought,
 * then continues from that checkpoint with the Coconut curriculum through every stage, prints
 * both accuracies, and opens the workbench.
 * Finished steps are reused, so a second call takes seconds.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { parseDocument } from 'yaml';
import type { RunSummary } from '../../../common/runs.js';
import type { RunSweep } from '../../../common/sweep.js';
import { presetPath } from '../../api/handlers.js';
import { checkConfig } from '../../runs/configText.js';
import { launchDesktop } from '../../desktop/electron.js';
import { QUICKSTART_DATASET, ensureQuickstartDataset, type QuickstartDatasetName } from '../../datasets/quickstart.js';
import { configToYaml } from '../../runs/configText.js';
import { Workbench } from '../../workbench/workbench.js';
import { CliError, printJson } from '../output.js';
import { percent } from '../progress.js';
import { serveUntilInterrupted, serveWorkbench } from './serve.js';
import { describeEnd, trainConfig } from './train.js';

/**
 * One quickstart recipe: its dataset, its two step presets (CoT, then Coconut from the CoT run's
 * best checkpoint), the time printed before starting (measured on a 2-core machine without a GPU,
 * README "Performance"; update together with the presets) and what its two accuracies show.
 */
export interface QuickstartRecipe {
  dataset: QuickstartDatasetName;
  cot: string;
  coconut: string;
  estimate: { datasetSeconds: number; cotMinutes: number; coconutMinutes: number };
  /** For `--preset`'s help. */
  summary: string;
  /** Printed under the two accuracies at the end. */
  reading: string;
}

/**
 * `frontier`, the default: the quickstart's graphs, Coconut trained with frontier supervision; on
 * them its all-thought stage reached 84–96 % on every seed measured, where the paper's curriculum
 * fell to 54 % on the earlier data (README "Frontier supervision on the quickstart", with a CoT
 * trained as long). `reference`: the same data with the paper's curriculum, one flag away.
 * `larger`: larger graphs with more steps, frontier supervision, about half an hour.
 */
export const QUICKSTART_PRESETS = {
  frontier: {
    dataset: QUICKSTART_DATASET,
    cot: 'quickstart-cot',
    coconut: 'quickstart-coconut-frontier',
    estimate: { datasetSeconds: 5, cotMinutes: 3, coconutMinutes: 8 },
    summary: 'frontier supervision on 6-8-node graphs (the default)',
    reading:
      "Every question has a wrong turn at its first step. CoT writes one path; Coconut's last stage answers after two continuous thoughts and no written step, trained to hold the nodes one and two edges from the entity at once.",
  },
  reference: {
    dataset: QUICKSTART_DATASET,
    cot: 'quickstart-cot',
    coconut: 'quickstart-coconut',
    estimate: { datasetSeconds: 5, cotMinutes: 3, coconutMinutes: 5 },
    summary: "the paper's curriculum on the same graphs",
    reading:
      "The paper's curriculum: Coconut's last stage answers after two continuous thoughts and no written step; on the quickstart's earlier graphs it fell to 54 % in our seed-0 run, near chance (README: Frontier supervision on the quickstart).",
  },
  larger: {
    dataset: 'quickstart-larger',
    cot: 'quickstart-larger-cot',
    coconut: 'quickstart-larger-coconut-frontier',
    estimate: { datasetSeconds: 10, cotMinutes: 12, coconutMinutes: 16 },
    summary: 'frontier supervision on 10-14-node graphs with 3-4 steps (about half an hour)',
    reading:
      "Every question has a wrong turn at its first step and 3-4 steps to the answer. CoT writes one path; Coconut's last stage answers after three continuous thoughts trained to hold the nodes one, two and three edges from the entity (README: Larger graphs).",
  },
} as const satisfies Record<string, QuickstartRecipe>;
export type QuickstartPreset = keyof typeof QUICKSTART_PRESETS;
export const DEFAULT_QUICKSTART_PRESET: QuickstartPreset = 'frontier';

/** `--preset NAME` of `coconut quickstart` and `coconut sweep --quickstart`. */
export function parseQuickstartPreset(value: string): QuickstartPreset {
  if (value in QUICKSTART_PRESETS) return value as QuickstartPreset;
  throw new CliError(`--preset: '${value}' is not a quickstart preset (${Object.keys(QUICKSTART_PRESETS).join(', ')})`);
}

/** `--preset`'s help: every recipe and what it trains. */
export function describeQuickstartPresets(): string {
  return Object.entries(QUICKSTART_PRESETS)
    .map(([name, recipe]) => `${name}: ${recipe.summary}`)
    .join('; ');
}

function presetText(name: string, overrides: Record<string, unknown> = {}, nameSuffix = ''): string {
  const document = parseDocument(readFileSync(presetPath(name), 'utf8'));
  for (const [key, value] of Object.entries(overrides)) document.set(key, value);
  if (nameSuffix) document.set('name', `${String(document.get('name') ?? name)}${nameSuffix}`);
  return document.toString();
}

/** A completed run of exactly this resolved config, if one exists. */
function findCompleted(workbench: Workbench, text: string): RunSummary | null {
  const check = checkConfig(text, workbench.home);
  if (!check.config) return null;
  const wanted = configToYaml(check.config);
  for (const run of workbench.store.list()) {
    if (run.status !== 'completed' || run.name !== check.config.name) continue;
    if (workbench.store.configText(run.id) === wanted) return run;
  }
  return null;
}

interface StepOptions {
  fresh: boolean;
  quiet: boolean;
  bars: boolean;
  sweep?: RunSweep;
}

async function trainOrReuse(workbench: Workbench, text: string, label: string, { fresh, quiet, bars, sweep }: StepOptions): Promise<RunSummary> {
  const done = fresh ? null : findCompleted(workbench, text);
  if (done) {
    if (!quiet) console.log(`${label}: reusing the completed run ${done.id} (--fresh trains again)`);
    return done;
  }
  const run = await trainConfig(workbench, text, label, {
    baseDir: workbench.home,
    showProgress: bars && !quiet && process.stderr.isTTY === true,
    label,
    sweep,
  });
  if (!quiet) console.log(describeEnd(run));
  if (run.status !== 'completed') {
    throw new CliError(`${label} did not complete (${run.status}); see ${run.dir}/stderr.log`, run.status === 'cancelled' ? 130 : 1);
  }
  return run;
}

export interface QuickstartPairOptions {
  /** Train again even when a completed run of the same config exists. */
  fresh: boolean;
  /** No progress bars or progress lines. */
  quiet: boolean;
  /** A terminal bar per run (default true; off when several pairs train at once, where bars would overwrite each other). */
  progressBars?: boolean;
  /** Both steps with this seed, their names ending in ` · seed S`; default: the presets' own seed and names. */
  seed?: number;
  /** The seed sweep both runs belong to (`coconut sweep --quickstart`). */
  sweepId?: string;
  /** Config keys set in both steps (`coconut sweep --set`), such as `debug: true` for a quick check of the pipeline. */
  overrides?: Record<string, unknown>;
  /** The recipe; default DEFAULT_QUICKSTART_PRESET. */
  preset?: QuickstartPreset;
}

/**
 * A quickstart recipe's two steps on its dataset (generated already): CoT, then Coconut from the CoT
 * run's best checkpoint. Each step reuses a completed run of exactly its config unless `fresh`.
 */
export async function trainQuickstartPair(workbench: Workbench, options: QuickstartPairOptions): Promise<{ cot: RunSummary; coconut: RunSummary }> {
  const keys = { ...options.overrides, ...(options.seed === undefined ? {} : { seed: options.seed }) };
  const suffix = options.seed === undefined ? '' : ` · seed ${options.seed}`;
  const step = (name: string): RunSweep | undefined => (options.sweepId === undefined ? undefined : { id: options.sweepId, step: name });
  const common = { fresh: options.fresh, quiet: options.quiet, bars: options.progressBars ?? true };
  const recipe = QUICKSTART_PRESETS[options.preset ?? DEFAULT_QUICKSTART_PRESET];
  const cot = await trainOrReuse(workbench, presetText(recipe.cot, keys, suffix), `CoT${suffix}`, { ...common, sweep: step('cot') });
  const coconutText = presetText(recipe.coconut, { ...keys, load_model_path: join(cot.dir, 'checkpoints', 'best.pt') }, suffix);
  const coconut = await trainOrReuse(workbench, coconutText, `Coconut${suffix}`, { ...common, sweep: step('coconut') });
  return { cot, coconut };
}

export function registerQuickstartCommand(program: Command): void {
  program
    .command('quickstart')
    .description('generate the default dataset, train CoT then Coconut on it, and open the workbench')
    .option('--no-open', 'do not open the workbench at the end')
    .option('--fresh', 'train again even if the default runs already completed')
    .option('--json', 'print the two run summaries as JSON at the end (implies --no-open)')
    .option('--preset <name>', `the recipe: ${describeQuickstartPresets()}`, parseQuickstartPreset, DEFAULT_QUICKSTART_PRESET)
    .action(async (options: { open: boolean; fresh?: boolean; json?: boolean; preset: QuickstartPreset }) => {
      const quiet = options.json === true;
      const workbench = new Workbench();
      const recipe = QUICKSTART_PRESETS[options.preset];
      const { datasetSeconds, cotMinutes, coconutMinutes } = recipe.estimate;
      if (!quiet) {
        console.log(
          `Quickstart in ${workbench.home}: a graph-reasoning dataset (ProsQA graphs, one token per edge; ~${datasetSeconds} s), ` +
            `CoT training (~${cotMinutes} min), then Coconut through its curriculum (~${coconutMinutes} min): ` +
            `about ${cotMinutes + coconutMinutes} minutes on 2 CPU cores, less on a GPU.`,
        );
      }
      const dataset = await ensureQuickstartDataset(workbench.datasetsDir, { name: recipe.dataset, showProgress: !quiet && process.stderr.isTTY === true });
      if (!quiet) console.log(`dataset: ${dataset.dir} (${dataset.created ? 'generated' : 'already there'})`);

      const { cot, coconut } = await trainQuickstartPair(workbench, { fresh: options.fresh === true, quiet, preset: options.preset });

      if (quiet) {
        printJson({ dataset: dataset.dir, cot, coconut });
        return;
      }
      // The last epoch is what each method ends with (for Coconut: every step a continuous thought);
      // the best epoch may be an earlier Coconut stage that still writes steps out.
      console.log(
        `\nValidation accuracy on ${dataset.name} (chance 50 %), last epoch (best epoch):` +
          `\n  CoT      ${percent(cot.last_accuracy)} (${percent(cot.best_accuracy)})` +
          `\n  Coconut  ${percent(coconut.last_accuracy)} (${percent(coconut.best_accuracy)})` +
          `\n${recipe.reading}` +
          `\nA CPU-sized model: a seed's figures move by a few points between machines; \`npx coconut sweep --quickstart${options.preset === DEFAULT_QUICKSTART_PRESET ? '' : ` --preset ${options.preset}`} --seeds 0,1,2 --test\` gives the spread.`,
      );
      if (!options.open) return;
      const desktop = launchDesktop();
      if (desktop.started) {
        console.log('opened the workbench window');
        return;
      }
      console.log(`No desktop window: ${desktop.problem}. Serving the same UI on loopback instead.`);
      const host = await serveWorkbench(workbench, 0);
      console.log(`Coconut Workbench: ${host.openUrl}\n(Ctrl-C stops.)`);
      await serveUntilInterrupted(workbench, host);
    });
}
