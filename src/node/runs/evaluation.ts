/**
 * Evaluating a trained run on another dataset (`coconut eval`, `runs.evaluate`): a new run with
 * `only_eval`, whose config is the source run's with the checkpoint, the dataset and (for the
 * paper's analysis) the forced thought counts set. Being a run, it queues, shows progress, can be
 * cancelled and lists like any other; its predictions files are training's, and `eval_of` in its
 * `run.json` points back to what it evaluated.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { ApiError, type ThoughtRange } from '../../common/api.js';
import { methodOf, type RunConfig } from '../../common/config.js';
import { MAX_INSPECT_THOUGHTS } from '../../common/inspector.js';
import { hasThoughtMarkers } from '../../common/methods.js';
import type { RunSummary } from '../../common/runs.js';
import { WordLevelTokenizer, wordsOf } from '../../common/tokenizer/wordLevel.js';
import { DatasetError, readDataset, type DatasetRecord } from '../datasets/records.js';
import { resolveCheckpoint } from '../inspector/runTargets.js';
import type { JobManager } from '../jobs/jobManager.js';
import { checkConfig, configToYaml } from './configText.js';
import { RUN_FILES, type RunStore } from './runStore.js';

export interface EvaluationRequest {
  /** The run to evaluate. */
  runId: string;
  /** `best`, `last`, `epoch-N` (or a file, from the command line). */
  checkpoint: string;
  /** A dataset file: absolute, or relative to `baseDir`. */
  dataset: string;
  thoughts?: ThoughtRange;
  /** Where a relative dataset path starts: the working directory for the CLI, the home for the API. */
  baseDir: string;
  /** The command line may name any checkpoint file; the API only the run's own. */
  allowCheckpointFiles?: boolean;
  /**
   * Reads the dataset's records: the workbench's cached `DatasetStore` where one serves (the
   * Compare and Inspect pages have usually read the same split); default: the file, once.
   */
  readRecords?: (path: string) => Promise<readonly DatasetRecord[]>;
}

/** `1..3` or `2` (the command line's form of a thought range). */
export function parseThoughtRange(text: string): ThoughtRange {
  const match = /^\s*(\d+)\s*(?:(?:\.\.|-)\s*(\d+)\s*)?$/.exec(text);
  if (!match) throw new ApiError('bad_request', `--thoughts ${JSON.stringify(text)}: give a count K or a range FROM..TO, such as 0..3`);
  const from = Number(match[1]);
  const to = match[2] === undefined ? from : Number(match[2]);
  if (from > to) throw new ApiError('bad_request', `--thoughts ${text}: ${from} is greater than ${to}`);
  if (to > MAX_INSPECT_THOUGHTS) throw new ApiError('bad_request', `--thoughts ${text}: at most ${MAX_INSPECT_THOUGHTS} thoughts`);
  return { from, to };
}

function describeRange(range: ThoughtRange): string {
  return range.from === range.to ? `k=${range.from}` : `k=${range.from}..${range.to}`;
}

/** The 0-based epoch a checkpoint finished: `epoch-N.pt` is epoch N-1; `best.pt` as its last checkpoint event says. */
function checkpointEpoch(store: RunStore, runId: string, file: string): number | null {
  const named = /^epoch-(\d+)\.pt$/.exec(basename(file));
  if (named) return Number(named[1]) - 1;
  const relative = `${RUN_FILES.checkpoints}/${basename(file)}`;
  let epoch: number | null = null;
  for (const event of store.events(runId)) {
    if (event.type === 'checkpoint' && event.path === relative) epoch = event.epoch;
  }
  return epoch;
}

/**
 * How much of a dataset the run's word-level tokenizer cannot read: the share of word occurrences
 * it maps to `<unk>`, and the first record with such words. A vocabulary built from the training
 * set misses a few rare words of any other split, so only a dataset that is mostly unknown words
 * is from another vocabulary. Null when the tokenizer is not word-level (a subword one reads any text).
 */
function unknownWords(runDir: string, records: readonly DatasetRecord[]): { share: number; index: number; words: string[] } | null {
  let tokenizer: WordLevelTokenizer;
  try {
    tokenizer = WordLevelTokenizer.fromJSON(readFileSync(join(runDir, 'tokenizer.json'), 'utf8'));
  } catch {
    return null;
  }
  const unk = tokenizer.unkTokenId;
  let words = 0;
  let unknown = 0;
  let first: { index: number; words: string[] } | null = null;
  for (const [index, record] of records.entries()) {
    const recordWords = [record.question, ...record.steps, record.answer].flatMap((text) => wordsOf(text));
    const missing = recordWords.filter((word) => tokenizer.encode(word).includes(unk));
    words += recordWords.length;
    unknown += missing.length;
    if (missing.length > 0 && first === null) first = { index, words: [...new Set(missing)].slice(0, 5) };
  }
  return first === null ? null : { share: unknown / Math.max(1, words), ...first };
}

/** Above this share of unknown words a dataset is taken to be from another vocabulary. */
const FOREIGN_VOCABULARY_SHARE = 0.5;

/** Builds the evaluation config and checks it; throws ApiError naming the problem. */
export async function evaluationConfig(store: RunStore, request: EvaluationRequest): Promise<{ config: RunConfig; checkpointLabel: string }> {
  const record = store.read(request.runId);
  const runDir = record.dir;
  const checkpoint = resolveCheckpoint(runDir, request.checkpoint, { allowFiles: request.allowCheckpointFiles });
  const datasetPath = isAbsolute(request.dataset) ? request.dataset : resolve(request.baseDir, request.dataset);
  if (!existsSync(datasetPath) || !statSync(datasetPath).isFile()) {
    throw new ApiError('not_found', `dataset ${request.dataset}: no such file (${datasetPath})`, [{ path: 'dataset', message: 'no such file' }]);
  }
  let records: readonly DatasetRecord[];
  try {
    records = await (request.readRecords ?? readDataset)(datasetPath);
  } catch (error) {
    if (error instanceof DatasetError) throw new ApiError('bad_request', `dataset ${error.message}`, [{ path: 'dataset', message: error.message }]);
    // The store's error puts the full path before the reader's message, which names the file already.
    if (error instanceof ApiError && error.code === 'bad_request') {
      const detail = error.message.startsWith(`${datasetPath}: `) ? error.message.slice(datasetPath.length + 2) : error.message;
      throw new ApiError('bad_request', `dataset ${detail}`, [{ path: 'dataset', message: detail }]);
    }
    throw error;
  }
  if (records.length === 0) throw new ApiError('bad_request', `dataset ${datasetPath} has no records`, [{ path: 'dataset', message: 'no records' }]);
  const unknown = unknownWords(runDir, records);
  if (unknown !== null && unknown.share > FOREIGN_VOCABULARY_SHARE) {
    const words = unknown.words.map((word) => JSON.stringify(word)).join(', ');
    throw new ApiError(
      'bad_request',
      `dataset ${datasetPath}: ${(100 * unknown.share).toFixed(0)} % of its words are unknown to the run's tokenizer (record ${unknown.index}: ${words}); it does not match the run's dataset ${record.val_path ?? ''}`.trim(),
      [{ path: 'dataset', message: 'another vocabulary than the run was trained on' }],
    );
  }

  const parsed = checkConfig(store.configText(request.runId), runDir);
  if (!parsed.config) {
    const first = parsed.issues[0];
    throw new ApiError('invalid_config', `run ${request.runId}'s config no longer checks (${first ? `${first.path}: ${first.message}` : 'unknown problem'})`, parsed.issues);
  }
  const source = parsed.config;
  const method = methodOf(source);
  if (request.thoughts && !hasThoughtMarkers(method)) {
    throw new ApiError('bad_request', `run ${request.runId} is ${method}: its prompts have no continuous thoughts to count (--thoughts applies to coconut and pause-as-thought runs)`, [
      { path: 'thoughts', message: `method ${method} has no thoughts` },
    ]);
  }
  const epoch = checkpointEpoch(store, request.runId, checkpoint.file);
  const range = request.thoughts;
  const config: RunConfig = {
    ...source,
    name: `${source.name} · eval ${basename(dirname(datasetPath))}/${basename(datasetPath, '.json')}${range ? ` ${describeRange(range)}` : ''}`,
    only_eval: true,
    load_model_path: checkpoint.file,
    val_path: datasetPath,
    // The stage the checkpoint was trained at decides its thoughts when none are forced.
    resume: epoch ?? source.resume,
    max_val_samples: null,
    debug: false,
    eval_stage: 'current',
    eval_thoughts: range ? Array.from({ length: range.to - range.from + 1 }, (_, i) => range.from + i) : null,
  };
  const checked = checkConfig(configToYaml(config), runDir);
  if (!checked.config) {
    const first = checked.issues[0];
    throw new ApiError('invalid_config', `the evaluation config does not check: ${first ? `${first.path}: ${first.message}` : 'unknown problem'}`, checked.issues);
  }
  return { config: checked.config, checkpointLabel: checkpoint.label };
}

/** Queues the evaluation as a new run. */
export async function submitEvaluation(store: RunStore, jobs: JobManager, request: EvaluationRequest): Promise<RunSummary> {
  const { config, checkpointLabel } = await evaluationConfig(store, request);
  return jobs.submit(config, { evalOf: { run: request.runId, checkpoint: checkpointLabel } });
}
