/**
 * `coconut data …`: generate datasets, print their statistics, validate files.
 *
 *   coconut data generate prosqa --out DIR --train N --valid N --test N --seed S [options]
 *   coconut data generate prosqa --out FILE --count N --seed S [options]
 *   coconut data generate prontoqa --out DIR|FILE … [--hops N] [--no-distractors] [--phrasing varied|every]
 *   coconut data stats FILE [--json]
 *   coconut data validate FILE
 *   coconut data tokenizer FILE --out tokenizer.json
 */
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { Option, type Command } from 'commander';
import { generateDatasetFile } from '../../datasets/generate.js';
import { getGenerator, resolveGeneratorParams } from '../../datasets/generators.js';
import { generationProgressBar } from '../../datasets/progressBar.js';
import { importDataset, IMPORT_FORMATS, type ImportFormat } from '../../datasets/importer.js';
import { PRONTOQA_MAX_HOPS, PRONTOQA_PHRASINGS, PRONTOQA_SPLIT_SIZES, type ProntoQAPhrasing } from '../../datasets/prontoqa.js';
import { PROSQA_PRESET_NAMES, type ProsQAParamsInput } from '../../datasets/prosqa.js';
import { EDGE_STYLES, type EdgeStyle } from '../../datasets/reachability.js';
import { ensureDirectory } from '../../datasets/writer.js';
import { DatasetError, readDataset, readDatasetJson, validateDataset } from '../../datasets/records.js';
import { compareExistingDataset, generateSplits, splitFileName, SPLIT_NAMES, type SplitSizes } from '../../datasets/splits.js';
import { computeDatasetStats, type DatasetStats, type Histogram, type Summary } from '../../datasets/stats.js';
import { writeTokenizerFile, type TokenizerFileSummary } from '../../engine/tokenizer.js';
import { CliError, printJson } from '../output.js';
import { parseNonNegative, parsePositive, parseShare, parseWhole } from '../parsers.js';

/** Options shared by every generator: where, how many, which seed, how to report. */
interface OutputOptions {
  out: string;
  count?: number;
  train?: number;
  valid?: number;
  test?: number;
  seed: number;
  force?: boolean;
  json?: boolean;
}

interface ProsQAOptions extends OutputOptions {
  preset?: ProsQAParamsInput['preset'];
  minNodes?: number;
  maxNodes?: number;
  minSteps?: number;
  maxSteps?: number;
  meanParents?: number;
  depthWeight?: number;
  misleadingBranch?: number;
}

interface ProntoQAOptions extends OutputOptions {
  hops?: number;
  distractors?: boolean;
  phrasing?: ProntoQAPhrasing;
}

type Target = { kind: 'file'; count: number } | { kind: 'splits'; sizes: SplitSizes };

/** `--count N` writes one file; `--train/--valid/--test` write a split directory. */
function chooseTarget(options: OutputOptions): Target {
  const given = SPLIT_NAMES.filter((split) => options[split] !== undefined);
  if (options.count !== undefined) {
    if (given.length > 0) throw new CliError('give either --count (one file) or --train/--valid/--test (a split directory), not both');
    return { kind: 'file', count: options.count };
  }
  if (given.length === 0) throw new CliError('give --count N for one file, or --train N --valid N --test N for a split directory');
  if (given.length < SPLIT_NAMES.length) {
    const missing = SPLIT_NAMES.filter((split) => options[split] === undefined).map((split) => `--${split}`);
    throw new CliError(`give --train, --valid and --test together (missing ${missing.join(', ')})`);
  }
  return { kind: 'splits', sizes: { train: options.train ?? 0, valid: options.valid ?? 0, test: options.test ?? 0 } };
}

const seconds = (since: number) => Math.round((performance.now() - since) / 100) / 10;

async function runGenerate(generatorName: string, paramsInput: Record<string, unknown>, options: OutputOptions): Promise<void> {
  const generator = getGenerator(generatorName);
  const target = chooseTarget(options);
  let params: unknown;
  try {
    params = resolveGeneratorParams(generator, paramsInput);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  const bar = generationProgressBar(options.json !== true && process.stderr.isTTY === true);
  const started = performance.now();
  try {
    if (target.kind === 'file') {
      const existing = await stat(options.out).catch(() => null);
      if (existing?.isDirectory()) throw new CliError(`${options.out} is a folder; with --count, --out names a file (e.g. ${join(options.out, 'data.json')})`);
      const name = basename(options.out);
      const written = await generateDatasetFile({
        generator,
        params,
        seed: options.seed,
        count: target.count,
        outFile: options.out,
        onProgress: (done, total) => bar.update(name, done, total),
      });
      bar.stop();
      const summary = { out: options.out, generator: generator.name, params, seed: options.seed, records: written, seconds: seconds(started) };
      if (options.json) printJson(summary);
      else console.log(`wrote ${written} ${generator.name} records to ${options.out} in ${summary.seconds} s (seed ${options.seed})`);
      return;
    }

    const request = { generator: generator.name, params: paramsInput, seed: options.seed, sizes: target.sizes, outDir: options.out };
    const comparison = options.force ? null : await compareExistingDataset(request);
    const files = Object.fromEntries(SPLIT_NAMES.map((split) => [split, join(options.out, splitFileName(split))]));
    if (comparison?.matches) {
      if (options.json) printJson({ ...request, params, files, generated: false, seconds: 0 });
      else console.log(`${options.out} already holds this dataset (same generator, parameters, seed and sizes); --force makes it again`);
      return;
    }
    await generateSplits({ ...request, onProgress: (p) => bar.update(splitFileName(p.split), p.done, p.total) });
    bar.stop();
    const took = seconds(started);
    if (options.json) printJson({ ...request, params, files, generated: true, seconds: took });
    else {
      const { train, valid, test } = target.sizes;
      console.log(`wrote ${generator.name} train ${train}, valid ${valid}, test ${test} records to ${options.out} in ${took} s (seed ${options.seed})`);
    }
  } catch (error) {
    bar.stop();
    if (error instanceof CliError) throw error;
    throw new CliError((error as Error).message);
  }
}

function addOutputOptions(command: Command): Command {
  return command
    .requiredOption('--out <path>', 'output: a directory for --train/--valid/--test, a file for --count')
    .option('--count <n>', 'write one file with this many records', parseWhole(1))
    .option('--train <n>', 'training records (with --valid and --test: writes DIR/train.json, valid.json, test.json, dataset.json)', parseWhole(0))
    .option('--valid <n>', 'validation records', parseWhole(0))
    .option('--test <n>', 'test records', parseWhole(0))
    .requiredOption('--seed <n>', 'random seed (same seed and options, same records)', parseWhole(0))
    .option('--force', 'regenerate a split directory even if it already matches')
    .option('--json', 'print a JSON summary and no progress bar');
}

/** The graph options ProsQA and the reachability format share (the same graphs, rendered differently). */
function addGraphOptions(command: Command): Command {
  return command
    .addOption(new Option('--preset <name>', 'graph sizes: official (17–28 nodes, 3–6 steps), small (8–10 nodes, 2–3 steps) or hard (30–40 nodes, 6–9 steps)').choices(PROSQA_PRESET_NAMES).default('official'))
    .option('--min-nodes <n>', 'fewest nodes per graph', parseWhole(3))
    .option('--max-nodes <n>', 'most nodes per graph', parseWhole(3))
    .option('--min-steps <n>', 'shortest reasoning path, in steps', parseWhole(1))
    .option('--max-steps <n>', 'longest reasoning path, in steps', parseWhole(1))
    .option('--mean-parents <x>', 'mean number of parents of a new node (Poisson)', parsePositive)
    .option('--depth-weight <x>', 'preference for deep parents: weight = depth · x + 1', parseNonNegative)
    .option('--misleading-branch <share>', 'the share of records (0-1) whose entity has a child that does not lead to the answer (the first step is a choice)', parseShare);
}

/** Only the options the user gave, so the generator's own defaults fill the rest. */
function givenParams(options: object, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, (options as Record<string, unknown>)[key]]).filter(([, value]) => value !== undefined));
}

const GRAPH_PARAM_KEYS = ['preset', 'minNodes', 'maxNodes', 'minSteps', 'maxSteps', 'meanParents', 'depthWeight', 'misleadingBranch'] as const;

function registerGenerateCommands(data: Command): void {
  const generate = data.command('generate').description('generate a dataset offline');
  addOutputOptions(
    addGraphOptions(
      generate.command('prosqa').description('ProsQA-style questions over random "every X is a Y" graphs (Coconut paper, Algorithm 1)'),
    ),
  ).action(async (options: ProsQAOptions) => {
    await runGenerate('prosqa', givenParams(options, GRAPH_PARAM_KEYS), options);
  });

  addOutputOptions(
    addGraphOptions(
      generate
        .command('reachability')
        .description('the same graph questions in the compact format, each node and each edge one token ("3_7 7_9 … ? 3 : 9 5"), for fast training from scratch'),
    )
      .option('--symbols <n>', 'node ids are drawn from 0..n-1 for every record (default: twice the largest graph)', parseWhole(3))
      .addOption(new Option('--edge-style <style>', 'an edge as one token "3_7" (learns fast from scratch) or as a pair "3 7 |"').choices(EDGE_STYLES)),
  ).action(async (options: ProsQAOptions & { symbols?: number; edgeStyle?: EdgeStyle }) => {
    await runGenerate('reachability', givenParams(options, [...GRAPH_PARAM_KEYS, 'symbols', 'edgeStyle']), options);
  });

  const { train, valid, test } = PRONTOQA_SPLIT_SIZES;
  addOutputOptions(
    generate
      .command('prontoqa')
      .description(`ProntoQA-style true/false questions over a fictional "-pus" ontology (the paper's splits: --train ${train} --valid ${valid} --test ${test})`)
      .option('--hops <n>', `rule applications in the proof, 1–${PRONTOQA_MAX_HOPS} (default 5, the paper's)`, parseWhole(1))
      .option('--no-distractors', 'state only the rules of the proof (default: distractor concepts and properties too)')
      .addOption(new Option('--phrasing <style>', 'rules in three forms at random, or always "Every X is …"').choices(PRONTOQA_PHRASINGS)),
  ).action(async (options: ProntoQAOptions) => {
    await runGenerate('prontoqa', givenParams(options, ['hops', 'distractors', 'phrasing']), options);
  });
}

const fixed = (value: number, digits = 2) => (Number.isInteger(value) ? String(value) : value.toFixed(digits));
const range = (summary: Summary) => `mean ${fixed(summary.mean)} (min ${summary.min}, max ${summary.max})`;

function histogramLines(histogram: Histogram, total: number): string[] {
  return Object.entries(histogram).map(([value, n]) => `  ${value.padStart(3)}: ${String(n).padStart(7)}  (${((100 * n) / Math.max(1, total)).toFixed(1)}%)`);
}

function statsText(file: string, stats: DatasetStats): string {
  const lines = [
    `${file}: ${stats.records} records`,
    `steps per record: ${range(stats.steps)}`,
    ...histogramLines(stats.steps.histogram, stats.records),
    `question length in words: ${range(stats.questionWords)}`,
  ];
  if (stats.graph !== null) {
    const graph = stats.graph;
    lines.push(
      `graphs (${graph.records} records): nodes ${range(graph.nodes)}; edges ${range(graph.edges)}`,
      `shortest paths from the entity to the answer: ${range(graph.shortestPaths)}`,
      ...histogramLines(graph.shortestPaths.histogram, graph.records),
    );
  }
  return lines.join('\n');
}

async function readForCli<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof DatasetError) throw new CliError(error.message);
    throw error;
  }
}

export function registerDataCommands(program: Command): void {
  const data = program.command('data').description('datasets: generate, inspect, validate');
  registerGenerateCommands(data);

  data
    .command('import')
    .argument('<file>', 'a dataset in the reference JSON, JSON Lines (.jsonl), or GSM8k-Aug text (.txt: question||steps ## answer) format')
    .requiredOption('--out <file>', 'where to write the dataset as a JSON list of {question, steps, answer}')
    .addOption(new Option('--format <name>', 'input format (default: from the file extension)').choices(IMPORT_FORMATS))
    .option('--json', 'print a JSON summary')
    .description('convert and validate a dataset; nothing is written unless every record is valid')
    .action(async (file: string, options: { out: string; format?: ImportFormat; json?: boolean }) => {
      const started = performance.now();
      await ensureDirectory(dirname(options.out));
      let records: number;
      try {
        records = await importDataset({ input: file, output: options.out, format: options.format });
      } catch (error) {
        if (!(error instanceof DatasetError)) throw error;
        if (error.problems.length === 1) throw new CliError(`${error.message}; nothing was written to ${options.out}`);
        // Every problem, one per line, then one line that sums up; nothing was written.
        for (const problem of error.problems) console.error(problem);
        throw new CliError(`${basename(file)} has the problems above; nothing was written to ${options.out}`);
      }
      const took = (performance.now() - started) / 1000;
      const summary = { file, out: options.out, records, seconds: Number(took.toFixed(2)), records_per_s: Math.round(records / Math.max(took, 1e-9)) };
      if (options.json) printJson(summary);
      else console.log(`imported ${records} records into ${options.out} in ${summary.seconds} s (${summary.records_per_s} records/s)`);
    });

  data
    .command('tokenizer')
    .argument('<file>', 'training set (a JSON list of {question, steps, answer})')
    .requiredOption('--out <file>', 'where to write tokenizer.json')
    .option('--json', 'print a JSON summary')
    .description("write the word-level tokenizer.json the offline model builds from this training set (made by the engine, so it is the file training would make)")
    .action(async (file: string, options: { out: string; json?: boolean }) => {
      let summary: TokenizerFileSummary;
      try {
        summary = await writeTokenizerFile(file, options.out);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      if (options.json) printJson(summary);
      else console.log(`wrote ${summary.out}: ${summary.vocab_size} tokens from ${summary.records} records`);
    });

  data
    .command('stats')
    .argument('<file>', 'dataset file (a JSON list of {question, steps, answer})')
    .description('records, steps per record, question length, and graph sizes when records carry graphs')
    .option('--json', 'print JSON')
    .action(async (file: string, options: { json?: boolean }) => {
      const records = await readForCli(() => readDataset(file));
      const stats = computeDatasetStats(records);
      if (options.json) printJson({ file, ...stats });
      else console.log(statsText(file, stats));
    });

  data
    .command('validate')
    .argument('<file>', 'dataset file (a JSON list of {question, steps, answer})')
    .description('check every record; exit code 0 only when all are valid, otherwise one problem per line on stderr')
    .action(async (file: string) => {
      const value = await readForCli(() => readDatasetJson(file));
      const { records, errors } = validateDataset(value, basename(file));
      if (errors.length > 0) {
        for (const error of errors) console.error(error);
        process.exitCode = 1;
        return;
      }
      console.log(`${file}: ${records} records, all valid`);
    });
}
