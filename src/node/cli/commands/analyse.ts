/**
 * `coconut analyse …`: analyses of a model's outputs against its dataset (DESIGN.md §4).
 *
 *   coconut analyse classify --dataset D --predictions P [--thoughts K] [--json]
 *
 * P is a JSON list of `{"idx": record index in D, "text": what the model wrote after the question}`,
 * each optionally with its own `"thoughts"` (else --thoughts, else 0); the engine's predictions
 * files (JSON Lines with the same keys) are read as well.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Command } from 'commander';
import { CATEGORY_TITLES, classifyPath, graphProblem, PATH_CATEGORIES, type PathCategory, type PathVerdict } from '../../analysis/pathClassifier.js';
import { DatasetError, readDataset, type DatasetRecord } from '../../datasets/records.js';
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

export function registerAnalyseCommands(program: Command): void {
  const analyse = program.command('analyse').description("analyse a model's outputs against its dataset");
  analyse
    .command('classify')
    .description('put each output in a path category (Correct Label/Path, Longer Path, Hallucination, Wrong Target, Incorrect Label)')
    .requiredOption('--dataset <file>', 'the dataset the predictions answer (graph records: ProsQA or reachability)')
    .requiredOption('--predictions <file>', 'a JSON list of {"idx", "text", optional "thoughts"}, or the engine\'s predictions JSON Lines')
    .option('--thoughts <k>', 'continuous thoughts that replaced the first k steps (an entry\'s own "thoughts" wins)', parseWhole(0))
    .option('--json', 'print a JSON list of {idx, category, explanation, …}')
    .action(async (options: ClassifyOptions) => runClassify(options));
}
