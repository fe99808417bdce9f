/**
 * `coconut sweep CONFIG --seeds 0,1,2 [--name NAME] [--test DATASET] [--json]`: the same config
 * trained once per seed, as jobs of the home (queued together, tagged with one sweep id in each
 * `run.json`), followed with a bar per seed; then per seed the validation accuracy at the last and
 * the best epoch (and, with --test, the last checkpoint's accuracy on DATASET), and their mean,
 * standard deviation and range over the seeds.
 *
 * `coconut sweep --quickstart --seeds 0,1,2 [--test [DATASET]] [--fresh] [--json]`: the
 * quickstart's two steps (CoT, then Coconut from its checkpoint) per seed, with CoT against
 * Coconut and their difference per seed.
 */
import cliProgress from 'cli-progress';
import { InvalidArgumentError, type Command } from 'commander';
import pLimit from 'p-limit';
import { parse as parseYaml, parseDocument } from 'yaml';
import type { RunStreamMessage } from '../../../common/api.js';
import { CONFIG_BOUNDS, type RunConfig } from '../../../common/config.js';
import type { RunStatus, RunSummary } from '../../../common/runs.js';
import { parseSeedList, spread, type EpochAccuracy, type Spread } from '../../../common/sweep.js';
import { ensureQuickstartDataset } from '../../datasets/quickstart.js';
import { checkConfig, configToYaml, readConfigFile } from '../../runs/configText.js';
import { newSweepId, runAccuracies, testCheckpoint } from '../../runs/sweeps.js';
import { Workbench } from '../../workbench/workbench.js';
import { CliError, printJson } from '../output.js';
import { parseWhole } from '../parsers.js';
import { percent } from '../progress.js';
import { DEFAULT_QUICKSTART_PRESET, QUICKSTART_PRESETS, describeQuickstartPresets, parseQuickstartPreset, trainQuickstartPair, type QuickstartPreset } from './quickstart.js';
import { describeEnd } from './train.js';

interface SweepCommandOptions {
  seeds: number[];
  /** Config keys set in every run (`--set KEY=VALUE`, repeatable). */
  set?: Record<string, unknown>;
  name?: string;
  /** A dataset file; `true` (the flag alone) means the quickstart's test split, with --quickstart only. */
  test?: string | true;
  json?: boolean;
  quickstart?: boolean;
  /** With --quickstart: the recipe (dataset and the two steps' presets). */
  preset?: QuickstartPreset;
  fresh?: boolean;
  /** Runs (with --quickstart: seeds' pairs) trained at the same time; default 1. */
  jobs: number;
}

/** One seed's run and its figures. */
export interface SeedRun {
  seed: number;
  run: string;
  name: string;
  status: RunStatus;
  /** Why the run failed (its `last_error`); null otherwise. */
  error: string | null;
  /** Validation accuracy at the last and at the best evaluated epoch (`epoch` 0-based, as in the events). */
  last: EpochAccuracy | null;
  best: EpochAccuracy | null;
  /** With --test: the last checkpoint's accuracy on the test dataset and the evaluation run that measured it (null when the run did not complete). */
  test: { accuracy: number | null; run: string; status: RunStatus } | null;
}

/** Spreads over the completed runs. */
interface FigureSpreads {
  last: Spread | null;
  best: Spread | null;
  test: Spread | null;
}

/** `--set KEY=VALUE`: a top-level config key and its value as YAML reads it (`0.001`, `true`, `{n_layer: 1}`). */
function parseSetting(text: string, previous: Record<string, unknown> | undefined): Record<string, unknown> {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(text);
  if (!match) throw new InvalidArgumentError(`${JSON.stringify(text)}: give KEY=VALUE, such as lr=0.001`);
  const [, key, value] = match as unknown as [string, string, string];
  if (key === 'seed') throw new InvalidArgumentError('the seeds come from --seeds');
  if (key === 'name') throw new InvalidArgumentError('the runs are named with --name');
  let parsed: unknown;
  try {
    parsed = parseYaml(value);
  } catch (error) {
    throw new InvalidArgumentError(`${key}: the value is not YAML (${(error as Error).message.split('\n')[0]})`);
  }
  return { ...(previous ?? {}), [key]: parsed };
}

function parseSeeds(text: string): number[] {
  try {
    return parseSeedList(text, CONFIG_BOUNDS.seed);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

const completed = (row: SeedRun): boolean => row.status === 'completed';

function figureSpreads(rows: readonly SeedRun[], tested: boolean): FigureSpreads {
  const done = rows.filter(completed);
  const values = (pick: (row: SeedRun) => number | null | undefined): number[] =>
    done.map(pick).filter((value): value is number => typeof value === 'number');
  return {
    last: spread(values((row) => row.last?.accuracy)),
    best: spread(values((row) => row.best?.accuracy)),
    test: tested ? spread(values((row) => row.test?.accuracy)) : null,
  };
}

function seedRun(workbench: Workbench, seed: number, run: RunSummary, test: SeedRun['test']): SeedRun {
  const error = run.status === 'completed' ? null : (run.last_error ?? null);
  return { seed, run: run.id, name: run.name, status: run.status, error, ...runAccuracies(workbench.store, run.id), test };
}

// ---------------------------------------------------------------------------------------------
// Progress: one bar per seed (queued, training, testing, done), or a line per ended run.

interface SeedBar {
  onMessage(message: RunStreamMessage): void;
  status(text: string): void;
  end(run: RunSummary): void;
}

class SweepProgress {
  private readonly multi: cliProgress.MultiBar | null;

  constructor(
    enabled: boolean,
    private readonly quiet: boolean,
  ) {
    this.multi = enabled
      ? new cliProgress.MultiBar(
          { format: '{label} |{bar}| {percentage}% · {status}', hideCursor: true, fps: 5, clearOnComplete: false },
          cliProgress.Presets.shades_classic,
        )
      : null;
  }

  bar(label: string): SeedBar {
    const bar = this.multi?.create(1, 0, { label, status: 'queued' }) ?? null;
    const fields = { stage: '-', epoch: '-', epochs: '-', loss: '-', acc: '–' };
    const training = (): string => `stage ${fields.stage} · epoch ${fields.epoch}/${fields.epochs} · loss ${fields.loss} · val acc ${fields.acc}`;
    return {
      onMessage: (message) => {
        if (!bar || message.kind !== 'event') return;
        const event = message.event;
        if (event.type === 'started') {
          fields.epochs = String(event.num_epochs);
          bar.setTotal(Math.max(1, (event.num_epochs - event.resume_epoch) * event.steps_per_epoch));
          bar.update(0, { status: training() });
        } else if (event.type === 'step') {
          fields.stage = String(event.stage);
          fields.epoch = String(event.epoch + 1);
          fields.loss = event.loss.toFixed(3);
          bar.increment(1, { status: training() });
        } else if (event.type === 'eval') {
          fields.acc = percent(event.accuracy);
          bar.update({ status: training() });
        }
      },
      status: (text) => bar?.update({ status: text }),
      end: (run) => {
        if (bar) {
          if (run.status === 'completed') bar.update(bar.getTotal());
          bar.update({ status: `${run.status} · val acc ${percent(run.last_accuracy)} (best ${percent(run.best_accuracy)})` });
        } else if (!this.quiet) {
          console.error(describeEnd(run));
        }
      },
    };
  }

  log(line: string): void {
    if (this.quiet) return;
    if (this.multi) this.multi.log(`${line}\n`);
    else console.error(line);
  }

  stop(): void {
    this.multi?.stop();
  }
}

/** Cancels every run the sweep queued when the user presses Ctrl-C (each engine saves what it has). */
function cancelOnInterrupt(workbench: Workbench, live: Set<string>): { interrupted: () => boolean; dispose: () => void } {
  let interrupted = false;
  const cancel = (): void => {
    interrupted = true;
    for (const id of live) workbench.jobs.cancel(id);
  };
  process.on('SIGINT', cancel);
  process.on('SIGTERM', cancel);
  return {
    interrupted: () => interrupted,
    dispose: () => {
      process.off('SIGINT', cancel);
      process.off('SIGTERM', cancel);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The table.

interface Column<Row> {
  header: string;
  cell: (row: Row) => string;
  /** The column's figure for the summary rows; absent for columns without one. */
  value?: (row: Row) => number | null | undefined;
  /** Accuracies print as percentages, differences as signed points. */
  kind?: 'percent' | 'points';
}

const points = (value: number | null | undefined, signed = false): string =>
  value == null ? '–' : `${signed && value > 0 ? '+' : ''}${(value * 100).toFixed(1)}`;

const withEpoch = (figure: EpochAccuracy | null): string => (figure ? `${percent(figure.accuracy)} (ep ${figure.epoch + 1})` : '–');

function renderTable<Row>(rows: readonly Row[], columns: readonly Column<Row>[], counts: (row: Row) => boolean): string {
  const summaryRows: string[][] = [];
  const spreads = columns.map((column) => {
    if (!column.value) return null;
    const values = rows.filter(counts).map(column.value).filter((value): value is number => typeof value === 'number');
    return spread(values);
  });
  const summaryCell = (index: number, pick: (s: Spread, column: Column<Row>) => string): string => {
    const s = spreads[index];
    const column = columns[index]!;
    return s ? pick(s, column) : '';
  };
  const asFigure = (value: number, column: Column<Row>): string => (column.kind === 'points' ? points(value, true) : percent(value));
  summaryRows.push(columns.map((_, i) => (i === 0 ? 'mean' : summaryCell(i, (s, c) => asFigure(s.mean, c)))));
  summaryRows.push(columns.map((_, i) => (i === 0 ? 'sd (points)' : summaryCell(i, (s) => points(s.sd)))));
  summaryRows.push(columns.map((_, i) => (i === 0 ? 'min–max' : summaryCell(i, (s, c) => `${asFigure(s.min, c)} – ${asFigure(s.max, c)}`))));

  const body = rows.map((row) => columns.map((column) => column.cell(row)));
  const all = [columns.map((column) => column.header), ...body, ...summaryRows];
  const widths = columns.map((_, i) => Math.max(...all.map((line) => line[i]!.length)));
  const format = (line: string[]): string => line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('  ');
  return [format(all[0]!), rule, ...body.map(format), rule, ...summaryRows.map(format)].join('\n');
}

// ---------------------------------------------------------------------------------------------
// A config over seeds.

function seededConfigs(path: string, name: string | undefined, seeds: readonly number[], settings: Record<string, unknown>): RunConfig[] {
  let text: string;
  try {
    text = readConfigFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new CliError(code ? `cannot read ${path}: ${code}` : (error as Error).message);
  }
  const issues = (where: string, check: ReturnType<typeof checkConfig>): string =>
    check.issues.map((issue) => `${where}: ${issue.path ? `config key '${issue.path}': ` : ''}${issue.message}`).join('\n');
  const where = Object.keys(settings).length > 0 ? `${path} with --set ${Object.keys(settings).join(', ')}` : path;
  if (Object.keys(settings).length > 0) {
    const document = parseDocument(text);
    for (const [key, value] of Object.entries(settings)) document.set(key, value);
    text = document.toString();
  }
  const base = checkConfig(text, process.cwd());
  if (!base.config) throw new CliError(issues(where, base));
  const baseName = name ?? base.config.name;
  // Every seed's config is checked before any run is queued: a sweep starts whole or not at all.
  return seeds.map((seed) => {
    const check = checkConfig(configToYaml({ ...base.config!, seed, name: `${baseName} · seed ${seed}` }), process.cwd());
    if (!check.config) throw new CliError(issues(`${where} and seed ${seed}`, check));
    return check.config;
  });
}

async function sweepConfig(workbench: Workbench, configPath: string, options: SweepCommandOptions): Promise<void> {
  if (options.test === true) throw new CliError('--test needs a dataset file for a config sweep (--test DATASET)');
  if (options.fresh) throw new CliError('--fresh applies to --quickstart only (a config sweep always trains)');
  const quiet = options.json === true;
  const configs = seededConfigs(configPath, options.name, options.seeds, options.set ?? {});
  const sweepId = newSweepId();
  const live = new Set<string>();
  const interrupt = cancelOnInterrupt(workbench, live);
  const progress = new SweepProgress(!quiet && process.stderr.isTTY === true, quiet);
  const test = options.test;
  let rows: SeedRun[];
  try {
    const queued = configs.map((config) => {
      const run = workbench.jobs.submit(config, { sweep: { id: sweepId } });
      live.add(run.id);
      return { seed: config.seed, run };
    });
    progress.log(`sweep ${sweepId}: ${queued.length} runs of ${configPath} queued (seeds ${options.seeds.join(', ')})`);
    rows = await Promise.all(
      queued.map(async ({ seed, run }) => {
        const bar = progress.bar(`seed ${seed}`);
        const stopFollowing = workbench.jobs.subscribeRun(run.id, bar.onMessage);
        let final: RunSummary;
        try {
          final = await workbench.jobs.waitForEnd(run.id);
        } finally {
          stopFollowing();
          live.delete(run.id);
        }
        bar.end(final);
        if (test === undefined || final.status !== 'completed' || interrupt.interrupted()) {
          return seedRun(workbench, seed, final, null);
        }
        bar.status(`testing on ${test}`);
        let following = (): void => {};
        const result = await testCheckpoint(workbench.store, workbench.jobs, { runId: final.id, checkpoint: 'last', dataset: test, baseDir: process.cwd() }, (evaluation) => {
          live.add(evaluation.id);
          following = workbench.jobs.subscribeRun(evaluation.id, (message) => {
            if (message.kind === 'event' && message.event.type === 'eval_progress') bar.status(`testing ${message.event.done}/${message.event.total}`);
          });
        }).finally(() => following());
        live.delete(result.run.id);
        bar.status(`${final.status} · val acc ${percent(final.last_accuracy)} · test acc ${percent(result.accuracy)}`);
        return seedRun(workbench, seed, final, { accuracy: result.accuracy, run: result.run.id, status: result.run.status });
      }),
    );
  } finally {
    progress.stop();
    interrupt.dispose();
  }

  if (options.json) {
    printJson({ sweep: sweepId, config: configPath, seeds: options.seeds, runs: rows, summary: figureSpreads(rows, test !== undefined) });
  } else {
    const columns: Column<SeedRun>[] = [
      { header: 'seed', cell: (row) => String(row.seed) },
      { header: 'run', cell: (row) => row.run },
      { header: 'status', cell: (row) => row.status },
      { header: 'last epoch', cell: (row) => withEpoch(row.last), value: (row) => row.last?.accuracy },
      { header: 'best epoch', cell: (row) => withEpoch(row.best), value: (row) => row.best?.accuracy },
    ];
    if (test !== undefined) columns.push({ header: `test (last checkpoint)`, cell: (row) => percent(row.test?.accuracy), value: (row) => row.test?.accuracy });
    console.log(`\nSweep ${sweepId}: validation accuracy per seed${test !== undefined ? `, and on ${test}` : ''}; summary over the completed runs`);
    console.log(renderTable(rows, columns, completed));
    printProblems(rows);
  }
  setExitCode(rows.flatMap((row) => [row.status, ...(row.test ? [row.test.status] : [])]));
}

/** Why each run that did not complete ended so (the table says only its status). */
function printProblems(rows: readonly SeedRun[]): void {
  for (const row of rows) {
    if (row.status !== 'completed') console.log(`${row.name} (${row.run}): ${row.status}${row.error ? `: ${row.error}` : ''}`);
    else if (row.test && row.test.status !== 'completed') console.log(`${row.name}: its test evaluation ${row.test.run} ended ${row.test.status}`);
  }
}

function setExitCode(statuses: readonly RunStatus[]): void {
  if (statuses.includes('cancelled')) process.exitCode = 130;
  else if (statuses.some((status) => status !== 'completed')) process.exitCode = 1;
}

// ---------------------------------------------------------------------------------------------
// The quickstart's pair over seeds.

interface PairSeedRow {
  seed: number;
  cot: SeedRun;
  coconut: SeedRun;
  /** Coconut's figure minus CoT's (in accuracy units: 0.05 is five points). */
  difference: { last: number | null; test: number | null };
}

const minus = (a: number | null | undefined, b: number | null | undefined): number | null => (a == null || b == null ? null : a - b);

async function sweepQuickstart(workbench: Workbench, options: SweepCommandOptions): Promise<void> {
  const preset = options.preset ?? DEFAULT_QUICKSTART_PRESET;
  const recipe = QUICKSTART_PRESETS[preset];
  if (options.name !== undefined) {
    throw new CliError(`--name applies to a config sweep; the quickstart names its runs after its presets (here \`${recipe.cot} · seed S\` and \`${recipe.coconut} · seed S\`)`);
  }
  const quiet = options.json === true;
  const dataset = await ensureQuickstartDataset(workbench.datasetsDir, { name: recipe.dataset, showProgress: !quiet && process.stderr.isTTY === true });
  const test = options.test === true ? dataset.files.test : options.test;
  const sweepId = newSweepId();
  if (!quiet) console.log(`sweep ${sweepId}: the quickstart's ${preset} recipe (${recipe.cot}, then ${recipe.coconut} from its checkpoint) for seed${options.seeds.length === 1 ? '' : 's'} ${options.seeds.join(', ')} on ${dataset.dir}`);
  const live = new Set<string>();
  const interrupt = cancelOnInterrupt(workbench, live);
  const rows: PairSeedRow[] = [];
  const tested = async (seed: number, run: RunSummary): Promise<SeedRun> => {
    if (test === undefined) return seedRun(workbench, seed, run, null);
    const result = await testCheckpoint(workbench.store, workbench.jobs, { runId: run.id, checkpoint: 'last', dataset: test, baseDir: process.cwd() }, (evaluation) => live.add(evaluation.id));
    live.delete(result.run.id);
    if (!quiet) console.log(`${run.name}: test accuracy ${percent(result.accuracy)} (last checkpoint; evaluation run ${result.run.id})`);
    return seedRun(workbench, seed, run, { accuracy: result.accuracy, run: result.run.id, status: result.run.status });
  };
  // Seeds' pairs run `jobs` at a time; one terminal bar per run only when they run one at a time.
  const limit = pLimit(options.jobs);
  let failed = false;
  const trainSeed = async (seed: number): Promise<void> => {
    if (failed || interrupt.interrupted()) return;
    // Each step handles Ctrl-C for its own run and throws when its run does not complete.
    const pair = await trainQuickstartPair(workbench, {
      fresh: options.fresh === true,
      quiet,
      progressBars: options.jobs === 1,
      seed,
      sweepId,
      overrides: options.set,
      preset,
    }).catch((error: unknown) => {
      failed = true;
      throw error;
    });
    const cot = await tested(seed, pair.cot);
    const coconut = await tested(seed, pair.coconut);
    rows.push({ seed, cot, coconut, difference: { last: minus(coconut.last?.accuracy, cot.last?.accuracy), test: minus(coconut.test?.accuracy, cot.test?.accuracy) } });
  };
  try {
    const results = await Promise.allSettled(options.seeds.map((seed) => limit(() => trainSeed(seed))));
    // A failed seed stops the seeds not yet started; those running finish, then the first error is reported.
    const failure = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failure) throw failure.reason;
  } finally {
    interrupt.dispose();
  }
  rows.sort((a, b) => options.seeds.indexOf(a.seed) - options.seeds.indexOf(b.seed));

  const both = (row: PairSeedRow): boolean => completed(row.cot) && completed(row.coconut);
  if (options.json) {
    const counted = rows.filter(both);
    const values = (pick: (row: PairSeedRow) => number | null | undefined): Spread | null =>
      spread(counted.map(pick).filter((value): value is number => typeof value === 'number'));
    printJson({
      sweep: sweepId,
      pipeline: 'quickstart',
      dataset: dataset.dir,
      test: test ?? null,
      seeds: rows,
      summary: {
        cot: figureSpreads(rows.map((row) => row.cot), test !== undefined),
        coconut: figureSpreads(rows.map((row) => row.coconut), test !== undefined),
        difference: { last: values((row) => row.difference.last), test: test === undefined ? null : values((row) => row.difference.test) },
      },
    });
  } else {
    const columns: Column<PairSeedRow>[] = [
      { header: 'seed', cell: (row) => String(row.seed) },
      { header: 'CoT last', cell: (row) => percent(row.cot.last?.accuracy), value: (row) => row.cot.last?.accuracy },
      { header: 'CoT best', cell: (row) => withEpoch(row.cot.best), value: (row) => row.cot.best?.accuracy },
      { header: 'Coconut last', cell: (row) => percent(row.coconut.last?.accuracy), value: (row) => row.coconut.last?.accuracy },
      { header: 'Coconut best', cell: (row) => withEpoch(row.coconut.best), value: (row) => row.coconut.best?.accuracy },
      { header: 'Coconut − CoT', cell: (row) => points(row.difference.last, true), value: (row) => row.difference.last, kind: 'points' },
    ];
    if (test !== undefined) {
      columns.push(
        { header: 'CoT test', cell: (row) => percent(row.cot.test?.accuracy), value: (row) => row.cot.test?.accuracy },
        { header: 'Coconut test', cell: (row) => percent(row.coconut.test?.accuracy), value: (row) => row.coconut.test?.accuracy },
        { header: 'test Coconut − CoT', cell: (row) => points(row.difference.test, true), value: (row) => row.difference.test, kind: 'points' },
      );
    }
    console.log(
      `\nSweep ${sweepId}: validation accuracy at the last epoch (Coconut: its last stage) and the best epoch per seed` +
        `${test !== undefined ? `, and each last checkpoint on ${test}` : ''}; differences in points`,
    );
    console.log(renderTable(rows, columns, both));
    printProblems(rows.flatMap((row) => [row.cot, row.coconut]));
  }
  setExitCode(rows.flatMap((row) => [row.cot, row.coconut]).flatMap((run) => [run.status, ...(run.test ? [run.test.status] : [])]));
}

export function registerSweepCommand(program: Command): void {
  program
    .command('sweep')
    .description('train one config (or the quickstart pair) once per seed and summarise the accuracies over the seeds')
    .argument('[config]', 'run config (YAML); its seed and name are replaced per run')
    .requiredOption('--seeds <list>', 'seeds, such as 0,1,2 or 0..4', parseSeeds)
    .option('--set <key=value>', 'set a config key in every run, as YAML (repeatable): --set lr=0.0005, --set debug=true', parseSetting)
    .option('--name <name>', "the runs' name before ` · seed S` (default: the config's name)")
    .option('--test [dataset]', "evaluate each run's last checkpoint on this dataset (with --quickstart alone: its test split)")
    .option('--quickstart', "the quickstart's CoT then Coconut per seed, instead of a config")
    .option('--fresh', 'with --quickstart: train again even where a completed run of the same config and seed exists')
    .option('--preset <name>', `with --quickstart, the recipe: ${describeQuickstartPresets()}`, parseQuickstartPreset)
    .option('--jobs <n>', 'runs trained at the same time (with --quickstart: seeds); on CPU give each run fewer threads (--set num_threads=1)', parseWhole(1), 1)
    .option('--json', 'print the runs and the summary as JSON, no progress')
    .action(async (config: string | undefined, options: SweepCommandOptions) => {
      if (options.quickstart && config !== undefined) throw new CliError('give a config or --quickstart, not both');
      if (!options.quickstart && config === undefined) throw new CliError('give a config file to sweep (or --quickstart)');
      if (!options.quickstart && options.preset !== undefined) throw new CliError('--preset applies to --quickstart only');
      const workbench = new Workbench(undefined, { maxConcurrent: options.jobs });
      if (options.quickstart) await sweepQuickstart(workbench, options);
      else await sweepConfig(workbench, config!, options);
    });
}
