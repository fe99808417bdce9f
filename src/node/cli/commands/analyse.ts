/**
 * `coconut analyse …`: analyses of a model's outputs against its dataset (the paper's §5).
 *
 *   coconut analyse classify --dataset D --predictions P [--thoughts K] [--json]
 *   coconut analyse RUN [--node-values [--records N] [--thoughts K]] [--json]
 *
 * P is a JSON list of `{"idx": record index in D, "text": what the model wrote after the question}`,
 * each optionally with its own `"thoughts"` (else --thoughts, else 0); the engine's predictions
 * files (JSON Lines with the same keys) are read as well.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { CATEGORY_TITLES, classifyPath, graphProblem, PATH_CATEGORIES, type PathCategory, type PathVerdict } from '../../analysis/pathClassifier.js';
import cliProgress from 'cli-progress';
import type { NodeValueAggregate, RunAnalysis } from '../../../common/analysis.js';
import type { NodeValues } from '../../../common/inspector.js';
import { aggregateNodeValues } from '../../analysis/nodeValueAggregate.js';
import { RunAnalyser } from '../../analysis/runAnalysis.js';
import { DatasetError, readDataset, type DatasetRecord } from '../../datasets/records.js';
import { BundleError, loadBundle } from '../../inspector/bundle.js';
import { OnnxDecoder } from '../../inspector/onnxDecoder.js';
import { resolveRun } from '../../inspector/runTargets.js';
import { inspect, InspectRequestError } from '../../inspector/thoughtLoop.js';
import { RunStore } from '../../runs/runStore.js';
import { defaultHome } from '../../workbench/workbench.js';
import { bundleFor } from './inspect.js';
import { CliError, printJson } from '../output.js';
import { parseWhole } from '../parsers.js';

interface ClassifyOptions {
  dataset: string;
  predictions: string;
  thoughts?: number;
  json?: boolean;
}

export interface Prediction {
  idx: number;
  text: string;
  thoughts?: number;
}

/** How many explanations per category the table shows. */
const EXAMPLES_PER_CATEGORY = 2;

async function readText(path: string, what: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${what} ${basename(path)}: no such file (${path})`);
    if (code === 'EISDIR') throw new CliError(`${what} ${basename(path)}: is a folder, not a file (${path})`);
    throw new CliError(`${what} ${basename(path)}: cannot read ${path}: ${(error as Error).message}`);
  }
}

/** A JSON list, or JSON Lines (one object a line, as the engine writes predictions). */
function parseEntries(text: string, name: string): { entries: unknown[]; where: (i: number) => string } {
  try {
    const value = JSON.parse(text) as unknown;
    // One JSON Lines entry alone is one object on one line.
    if (typeof value === 'object' && value !== null && !Array.isArray(value) && !text.trim().includes('\n')) {
      return { entries: [value], where: () => 'line 1' };
    }
    if (!Array.isArray(value)) throw new CliError(`predictions ${name}: must be a JSON list of {"idx", "text"} entries`);
    return { entries: value, where: (i) => `entry ${i}` };
  } catch (error) {
    if (error instanceof CliError) throw error;
    const lines = text.split('\n').map((line, i) => [i + 1, line.trim()] as const).filter(([, line]) => line !== '');
    if (lines.length < 2 && !text.trim().startsWith('{')) throw new CliError(`predictions ${name}: not valid JSON (${(error as Error).message})`);
    const entries = lines.map(([number, line]) => {
      try {
        return JSON.parse(line) as unknown;
      } catch (lineError) {
        throw new CliError(`predictions ${name}: line ${number}: not valid JSON (${(lineError as Error).message})`);
      }
    });
    return { entries, where: (i) => `line ${lines[i]?.[0] ?? i + 1}` };
  }
}

/** Parse and check the predictions file's entries; one error naming the first bad one. */
export function parsePredictions(text: string, name: string): Prediction[] {
  const { entries, where } = parseEntries(text, name);
  return entries.map((entry, i) => {
    const at = `predictions ${name}: ${where(i)}`;
    if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) throw new CliError(`${at}: must be an object {"idx", "text"}`);
    const { idx, text: written, thoughts } = entry as Record<string, unknown>;
    if (idx === undefined) throw new CliError(`${at}: "idx" is missing`);
    if (typeof idx !== 'number' || !Number.isSafeInteger(idx) || idx < 0) throw new CliError(`${at}: "idx" must be a record index (a whole number from 0)`);
    if (written === undefined) throw new CliError(`${at}: "text" is missing`);
    if (typeof written !== 'string') throw new CliError(`${at}: "text" must be a string (what the model wrote after the question)`);
    if (thoughts !== undefined && (typeof thoughts !== 'number' || !Number.isSafeInteger(thoughts) || thoughts < 0)) {
      throw new CliError(`${at}: "thoughts" must be a whole number from 0`);
    }
    return thoughts === undefined ? { idx, text: written } : { idx, text: written, thoughts };
  });
}

export interface ClassifiedPrediction extends Omit<PathVerdict, 'category' | 'explanation'> {
  idx: number;
  category: PathCategory;
  explanation: string;
}

/** Classify every prediction against its record; throws CliError for a missing record or one without a graph. */
export function classifyPredictions(records: readonly DatasetRecord[], predictions: readonly Prediction[], datasetName: string, predictionsName: string, thoughts = 0): ClassifiedPrediction[] {
  return predictions.map((prediction, i) => {
    const record = records[prediction.idx];
    if (record === undefined) {
      const range = records.length === 0 ? 'it has no records' : `${records.length} records: 0..${records.length - 1}`;
      throw new CliError(`predictions ${predictionsName}: entry ${i}: "idx" ${prediction.idx} is not a record of ${datasetName} (${range})`);
    }
    const problem = graphProblem(record);
    if (problem !== null) throw new CliError(`${datasetName}: record ${prediction.idx} ${problem}; path categories need graph records (ProsQA or reachability)`);
    const { category, explanation, ...details } = classifyPath(record, prediction.text, { thoughts: prediction.thoughts ?? thoughts });
    return { idx: prediction.idx, category, explanation, ...details };
  });
}

/** Counts per category with percentages, then the first few explanations of each. */
export function formatCategoryTable(results: readonly ClassifiedPrediction[]): string {
  const total = results.length;
  const width = Math.max(...PATH_CATEGORIES.map((c) => CATEGORY_TITLES[c].length));
  const lines = [`${total} outputs`];
  for (const category of PATH_CATEGORIES) {
    const count = results.filter((r) => r.category === category).length;
    const percent = total === 0 ? 0 : (100 * count) / total;
    lines.push(`  ${CATEGORY_TITLES[category].padEnd(width)}  ${String(count).padStart(String(total).length)}  ${percent.toFixed(1).padStart(5)} %`);
  }
  const examples = PATH_CATEGORIES.flatMap((category) =>
    results
      .filter((r) => r.category === category)
      .slice(0, EXAMPLES_PER_CATEGORY)
      .map((r) => `  [${CATEGORY_TITLES[category]}] #${r.idx}: ${r.explanation}`),
  );
  if (examples.length > 0) lines.push('', 'examples:', ...examples);
  return lines.join('\n');
}

async function runClassify(options: ClassifyOptions): Promise<void> {
  const datasetName = basename(options.dataset);
  const predictionsName = basename(options.predictions);
  let records: DatasetRecord[];
  try {
    records = await readDataset(options.dataset);
  } catch (error) {
    if (error instanceof DatasetError) throw new CliError(`dataset ${error.message}`);
    throw error;
  }
  const predictions = parsePredictions(await readText(options.predictions, 'predictions'), predictionsName);
  const results = classifyPredictions(records, predictions, datasetName, predictionsName, options.thoughts ?? 0);
  if (options.json) printJson(results);
  else console.log(formatCategoryTable(results));
}

interface RunAnalyseOptions {
  nodeValues?: boolean;
  records: number;
  thoughts?: number;
  checkpoint: string;
  json?: boolean;
}

const pct = (value: number): string => `${(100 * value).toFixed(1)}%`;
const fixed = (value: number | null, digits = 1): string => (value === null ? '–' : value.toFixed(digits));

/** One line per prediction file: what evaluated it, accuracy, cost, and the categories as percentages. */
export function formatRunAnalysis(analysis: RunAnalysis): string {
  const lines = [`${analysis.name} (${analysis.method}, run ${analysis.run_id}) on ${analysis.val_path ?? 'no dataset'}`];
  if (analysis.problem) return [...lines, analysis.problem].join('\n');
  const short = ['CLabel', 'ILabel', 'CPath', 'LPath', 'Halluc', 'WrongT'];
  const frontier = analysis.files.some((file) => file.frontier);
  const graphColumns = [...short, 'choice', 'direct', ...(frontier ? ['named'] : [])];
  const header = ['file'.padEnd(22), 'epoch', 'stage', '  k', 'accuracy', 'tokens', 'passes', ...(analysis.graph ? graphColumns.map((s) => s.padStart(7)) : [])];
  lines.push(header.join(' '));
  for (const file of analysis.files) {
    const cells = [
      file.file.padEnd(22),
      (file.epoch === null ? '–' : String(file.epoch + 1)).padStart(5),
      (file.stage === null ? '–' : String(file.stage)).padStart(5),
      String(file.forced_thoughts ?? file.thoughts).padStart(3),
      pct(file.accuracy).padStart(8),
      fixed(file.mean_new_tokens).padStart(6),
      fixed(file.mean_forward_passes).padStart(6),
    ];
    const categories = file.categories;
    if (categories) {
      // Over the questions classified: a frontier-supervised stage's named nodes are not.
      const classified = PATH_CATEGORIES.reduce((sum, category) => sum + categories[category], 0);
      cells.push(...PATH_CATEGORIES.map((category) => pct(categories[category] / Math.max(1, classified)).padStart(7)));
    } else if (file.first_step) cells.push(...PATH_CATEGORIES.map(() => '–'.padStart(7)));
    if (file.first_step) cells.push(...[file.first_step.choice, file.first_step.direct].map((tally) => (tally.total ? pct(tally.correct / tally.total) : '–').padStart(7)));
    if (frontier && file.first_step) cells.push((file.frontier ? pct(file.frontier.on_frontier / file.frontier.named) : '–').padStart(7));
    lines.push(cells.join(' ') + (file.problem ? `  (${file.problem})` : ''));
  }
  if (!analysis.graph) lines.push('(no path categories: the dataset has no graph records)');
  const split = analysis.files.find((file) => file.first_step)?.first_step;
  if (split) {
    lines.push(
      `choice / direct: accuracy on the ${split.choice.total} questions whose entity has a child that does not lead to the answer ` +
        `(a written first step can go wrong) and on the other ${split.direct.total}`,
    );
  }
  if (frontier) {
    lines.push(
      'named: of the questions a frontier-supervised stage answered by naming a node, the share whose node a walk of exactly k + 1 edges ' +
        'from the entity reaches (what the k thoughts were trained to hold)',
    );
  }
  lines.push('epoch counts from 1 as the checkpoints do; k: the thoughts every question got (forced with coconut eval --thoughts)');
  lines.push(...formatBySteps(analysis));
  return lines.join('\n');
}

/** Accuracy per number of reasoning steps, a line per file; nothing when every question has the same number. */
function formatBySteps(analysis: RunAnalysis): string[] {
  const counts = new Set(analysis.files.flatMap((file) => file.by_steps.map((tally) => tally.steps)));
  if (counts.size < 2) return [];
  const lines = ['accuracy by reasoning steps (questions):'];
  for (const file of analysis.files) {
    if (file.by_steps.length === 0) continue;
    const cells = file.by_steps.map((tally) => `${tally.steps} steps ${pct(tally.correct / tally.total).padStart(6)} (${tally.total})`);
    lines.push(`  ${file.file.padEnd(22)} ${cells.join('  ')}`);
  }
  return lines;
}

/** Node-value figures as two small tables: by height per k, and the frontier's top-1/2/3 mass. */
export function formatNodeValues(aggregate: NodeValueAggregate): string {
  const lines = [`node values over ${aggregate.records} questions (frontier after k thoughts; mean value, answer branch / other branch):`];
  for (const row of aggregate.by_height.filter((entry) => entry.measure === 'shortest')) {
    lines.push(`  k=${row.k} height ${row.height} (shortest): ${fixed(row.correct_mean, 3)} (${row.correct_nodes} nodes) / ${fixed(row.incorrect_mean, 3)} (${row.incorrect_nodes} nodes)`);
  }
  lines.push('cumulative value of the top-1/2/3 frontier nodes:');
  for (const row of aggregate.top_cumulative) lines.push(`  k=${row.k}: ${row.top1.toFixed(3)} / ${row.top2.toFixed(3)} / ${row.top3.toFixed(3)}`);
  return lines.join('\n');
}

async function nodeValuesOfRun(runDir: string, runArgument: string, valPath: string, options: RunAnalyseOptions, progress: boolean): Promise<NodeValueAggregate> {
  const records = (await readDataset(valPath)).filter((record) => graphProblem(record) === null).slice(0, options.records);
  if (records.length === 0) throw new CliError(`${valPath} has no graph records: node values need ProsQA or reachability questions`);
  const bundleDir = await bundleFor(runArgument, options.checkpoint, progress);
  const bundle = loadBundle(bundleDir);
  const thoughts = options.thoughts ?? bundle.manifest.default_thoughts;
  const decoder = await OnnxDecoder.open(bundle.dir, bundle.manifest);
  const bar = progress && process.stderr.isTTY ? new cliProgress.SingleBar({ format: 'node values |{bar}| {value}/{total} questions', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  bar?.start(records.length, 0);
  const values: NodeValues[] = [];
  try {
    for (const record of records) {
      const inspection = await inspect(bundle, decoder, { record, thoughts, top: 1, cache: true });
      if (inspection.node_values) values.push(inspection.node_values);
      bar?.increment();
    }
  } catch (error) {
    if (error instanceof InspectRequestError || error instanceof BundleError) throw new CliError(`${runDir}: ${error.message}`);
    throw error;
  } finally {
    bar?.stop();
    await decoder.release();
  }
  return aggregateNodeValues(values, thoughts);
}

async function runAnalyseRun(runArgument: string, options: RunAnalyseOptions): Promise<void> {
  const store = new RunStore(defaultHome());
  const { runId, dir } = resolveRun(store, runArgument);
  if (runId === null || !store.has(runId)) throw new CliError(`${runArgument} is not a run of ${store.home} (\`coconut runs list\`)`);
  const analysis = await new RunAnalyser(store, (path) => readDataset(path)).analyse(runId);
  let nodeValues: NodeValueAggregate | null = null;
  if (options.nodeValues) {
    if (analysis.val_path === null) throw new CliError(`run ${runId} names no dataset (val_path)`);
    // An evaluation run has no checkpoint of its own: the one it evaluated answers for it.
    const evalOf = store.read(runId).eval_of ?? null;
    const source = evalOf ? { run: evalOf.run, checkpoint: evalOf.checkpoint } : { run: runId, checkpoint: options.checkpoint };
    nodeValues = await nodeValuesOfRun(dir, source.run, analysis.val_path, { ...options, checkpoint: source.checkpoint }, !options.json);
  }
  if (options.json) printJson(nodeValues ? { ...analysis, node_values: nodeValues } : analysis);
  else {
    console.log(formatRunAnalysis(analysis));
    if (nodeValues) console.log(`\n${formatNodeValues(nodeValues)}`);
  }
  if (analysis.problem) process.exitCode = 1;
}

export function registerAnalyseCommands(program: Command): void {
  const analyse = program
    .command('analyse')
    .description("analyse a model's outputs against its dataset: `analyse RUN` for a run's prediction files, `analyse classify` for any outputs")
    .argument('[run]', "a run id: every prediction file's accuracy, cost and path categories")
    .option('--node-values', "also the node values of the run's checkpoint over its questions (the thought inspector; exports a bundle first when needed)")
    .option('--records <n>', 'questions for --node-values', parseWhole(1), 100)
    .option('--thoughts <k>', "thoughts for --node-values (default: the checkpoint's last stage)", parseWhole(0))
    .option('--checkpoint <which>', 'checkpoint for --node-values: best, last or epoch-N', 'best')
    .option('--json', 'print the analysis as JSON')
    .action(async (run: string | undefined, options: RunAnalyseOptions) => {
      if (run === undefined) throw new CliError('give a run id (coconut analyse RUN) or a subcommand (coconut analyse classify …)');
      await runAnalyseRun(run, options);
    });
  analyse
    .command('classify')
    .description('put each output in a path category (Correct Label/Path, Longer Path, Hallucination, Wrong Target, Incorrect Label)')
    .requiredOption('--dataset <file>', 'the dataset the predictions answer (graph records: ProsQA or reachability)')
    .requiredOption('--predictions <file>', 'a JSON list of {"idx", "text", optional "thoughts"}, or the engine\'s predictions JSON Lines')
    .option('--thoughts <k>', 'continuous thoughts that replaced the first k steps (an entry\'s own "thoughts" wins)', parseWhole(0))
    .option('--json', 'print a JSON list of {idx, category, explanation, …}')
    // `--json` and `--thoughts` after `classify` are parsed by `analyse` (which has them too): merge both.
    .action(async (_options: ClassifyOptions, command: Command) => runClassify(command.optsWithGlobals<ClassifyOptions>()));
}
