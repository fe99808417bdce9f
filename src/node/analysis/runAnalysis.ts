/**
 * A run's predictions read against its dataset: for every prediction file, the evaluation that
 * wrote it (epoch, stage, forced thought count, cost) and, for graph datasets, the paper's path
 * categories of every question (`pathClassifier.ts`). Serves `coconut analyse RUN` and the
 * Compare page. Never throws on what a model wrote; a file that cannot be read against the
 * dataset (a record index the dataset lacks) is reported with its problem, and the others still are.
 */
import { PATH_CATEGORIES, type AnalysedQuestion, type CategoryCounts, type PathCategory, type PredictionFileSummary, type RunAnalysis } from '../../common/analysis.js';
import { ApiError, type DatasetRecordView, type PredictionFilter, type PredictionRow } from '../../common/api.js';
import type { EngineEvent } from '../../common/events.js';
import type { DatasetRecord } from '../datasets/records.js';
import type { RunStore } from '../runs/runStore.js';
import { classifyPath, graphProblem } from './pathClassifier.js';

/** Reads a dataset file's records (the workbench's cached `DatasetStore`, or a plain reader in tests). */
export type RecordSource = (path: string) => Promise<readonly DatasetRecord[]>;

type EvalEvent = Extract<EngineEvent, { type: 'eval' }>;

/** The eval event that wrote each predictions file, by file name. */
function evalEventsByFile(events: readonly EngineEvent[]): Map<string, EvalEvent> {
  const byFile = new Map<string, EvalEvent>();
  for (const event of events) {
    if (event.type === 'eval' && event.predictions) byFile.set(event.predictions.replace(/^predictions\//, ''), event);
  }
  return byFile;
}

function emptyCounts(): CategoryCounts {
  return Object.fromEntries(PATH_CATEGORIES.map((category) => [category, 0])) as CategoryCounts;
}

/** The most common value (ties: the smaller), 0 for none. */
function mode(values: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  let best = 0;
  let bestCount = 0;
  for (const [value, count] of [...counts].sort((a, b) => a[0] - b[0])) {
    if (count > bestCount) [best, bestCount] = [value, count];
  }
  return best;
}

/** Whether every record carries a usable graph (categories need one). */
export function isGraphDataset(records: readonly DatasetRecord[]): boolean {
  return records.length > 0 && records.every((record) => graphProblem(record) === null);
}

/** Why a row cannot be read against the dataset, or null. */
function rowProblem(row: PredictionRow, records: readonly DatasetRecord[], file: string, valPath: string): string | null {
  if (row.idx < records.length) return null;
  return `${file}: record ${row.idx} is not in ${valPath} (${records.length} records): these predictions answer another dataset`;
}

export function classifyRow(row: PredictionRow, record: DatasetRecord | undefined, graph: boolean): AnalysedQuestion {
  const base = { idx: row.idx, thoughts: row.thoughts, text: row.text, answer: row.answer, correct: row.correct };
  if (!graph || record === undefined) return { ...base, verdict: null };
  return { ...base, verdict: classifyPath(record, row.text, { thoughts: row.thoughts }) };
}

export class RunAnalyser {
  constructor(
    private readonly store: RunStore,
    private readonly readRecords: RecordSource,
  ) {}

  /** The dataset a run's predictions answer, and its records; null with the reason when there is none. */
  private async dataset(id: string): Promise<{ path: string; records: readonly DatasetRecord[] } | { path: string | null; problem: string }> {
    const record = this.store.read(id);
    const path = record.val_path ?? null;
    if (path === null) return { path, problem: `run ${id}'s config names no val_path` };
    try {
      return { path, records: await this.readRecords(path) };
    } catch (error) {
      return { path, problem: `run ${id}'s dataset ${path}: ${(error as Error).message}` };
    }
  }

  async analyse(id: string): Promise<RunAnalysis> {
    const record = this.store.read(id);
    const head = { run_id: id, name: record.name, method: record.method };
    const files = this.store.predictionFiles(id);
    const dataset = await this.dataset(id);
    if ('problem' in dataset) return { ...head, val_path: dataset.path, graph: false, files: [], problem: dataset.problem };
    if (files.length === 0) {
      return { ...head, val_path: dataset.path, graph: false, files: [], problem: `run ${id} has no predictions yet (they are written after each evaluation)` };
    }
    const graph = isGraphDataset(dataset.records);
    const events = evalEventsByFile(this.store.events(id));
    const summaries = files.map((file) => this.summariseFile(id, file, dataset.path, dataset.records, graph, events.get(file)));
    return { ...head, val_path: dataset.path, graph, files: summaries, problem: null };
  }

  private summariseFile(
    id: string,
    file: string,
    valPath: string,
    records: readonly DatasetRecord[],
    graph: boolean,
    event: EvalEvent | undefined,
  ): PredictionFileSummary {
    const fromEvent = {
      epoch: event?.epoch ?? null,
      stage: event?.stage ?? null,
      forced_thoughts: event?.forced_thoughts ?? null,
      mean_new_tokens: event?.mean_new_tokens ?? null,
      mean_forward_passes: event?.mean_forward_passes ?? null,
      ms_per_question: event?.ms_per_question ?? null,
    };
    let rows: PredictionRow[];
    try {
      rows = this.store.predictionRows(id, file).rows;
    } catch (error) {
      return { file, ...fromEvent, thoughts: 0, total: 0, correct: 0, accuracy: 0, categories: null, problem: (error as Error).message };
    }
    const correct = rows.filter((row) => row.correct).length;
    const figures = { file, ...fromEvent, thoughts: mode(rows.map((row) => row.thoughts)), total: rows.length, correct, accuracy: rows.length ? correct / rows.length : 0 };
    const problem = rows.map((row) => rowProblem(row, records, file, valPath)).find((found) => found !== null) ?? null;
    if (problem !== null || !graph) return { ...figures, categories: null, problem };
    const categories = emptyCounts();
    for (const row of rows) {
      const verdict = classifyRow(row, records[row.idx], graph).verdict;
      if (verdict) categories[verdict.category] += 1;
    }
    return { ...figures, categories, problem: null };
  }

  /** One file's questions with their verdicts: filtered by category, right/wrong and record indices, then paged. */
  async questions(
    id: string,
    options: { file?: string; category?: PathCategory; filter: PredictionFilter; indices?: number[]; offset: number; limit: number },
  ): Promise<{ file: string | null; total: number; offset: number; rows: AnalysedQuestion[] }> {
    const { file, rows } = this.store.predictionRows(id, options.file);
    if (file === null) return { file, total: 0, offset: options.offset, rows: [] };
    const dataset = await this.dataset(id);
    if ('problem' in dataset) {
      if (options.category) throw new ApiError('not_found', `${dataset.problem}; categories need the dataset`);
      return page(file, rows.map((row) => classifyRow(row, undefined, false)), options);
    }
    const problem = rows.map((row) => rowProblem(row, dataset.records, file, dataset.path)).find((found) => found !== null);
    if (problem) throw new ApiError('bad_request', problem);
    const graph = isGraphDataset(dataset.records);
    if (options.category && !graph) throw new ApiError('bad_request', `${dataset.path} has no graph records: path categories apply to ProsQA and reachability datasets`);
    let chosen = rows;
    if (options.indices) {
      const byIdx = new Map(rows.map((row) => [row.idx, row]));
      chosen = options.indices.map((idx) => byIdx.get(idx)).filter((row): row is PredictionRow => row !== undefined);
    }
    chosen = chosen.filter((row) => options.filter === 'all' || row.correct === (options.filter === 'right'));
    let analysed = chosen.map((row) => classifyRow(row, dataset.records[row.idx], graph));
    if (options.category) analysed = analysed.filter((row) => row.verdict?.category === options.category);
    return page(file, analysed, options);
  }

  /** One record of the dataset the run's predictions answer. */
  async record(id: string, index: number): Promise<DatasetRecordView> {
    const dataset = await this.dataset(id);
    if ('problem' in dataset) throw new ApiError('not_found', dataset.problem);
    const record = dataset.records[index];
    if (record === undefined) throw new ApiError('not_found', `${dataset.path} has no record ${index} (${dataset.records.length} records)`);
    return { index, ...record };
  }
}

function page(file: string, rows: AnalysedQuestion[], options: { offset: number; limit: number }) {
  return { file, total: rows.length, offset: options.offset, rows: rows.slice(options.offset, options.offset + options.limit) };
}
