/**
 * A run's predictions read against its dataset: for every prediction file, the evaluation that
 * wrote it (epoch, stage, forced thought count, cost) and, for graph datasets, the paper's path
 * categories of every question (`pathClassifier.ts`). Serves `coconut analyse RUN` and the
 * Compare page. Never throws on what a model wrote; a file that cannot be read against the
 * dataset (a record index the dataset lacks) is reported with its problem, and the others still are.
 */
import {
  PATH_CATEGORIES,
  type AnalysedQuestion,
  type CategoryCounts,
  type FrontierNaming,
  type PathCategory,
  type PredictionFileSummary,
  type RunAnalysis,
  type StepsTally,
} from '../../common/analysis.js';
import { ApiError, type DatasetRecordView, type PredictionFilter, type PredictionRow } from '../../common/api.js';
import type { EngineEvent } from '../../common/events.js';
import { buildAdjacency, hasMisleadingBranch, walkFrontiers } from '../datasets/graph.js';
import type { DatasetRecord } from '../datasets/records.js';
import { parseConfigYaml } from '../runs/configText.js';
import type { RunStore } from '../runs/runStore.js';
import { ClassifiedPredictions } from './classifiedPredictions.js';
import { graphProblem } from './pathClassifier.js';

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

/** Whether a graph record's first step is a choice (see FirstStepSplitSchema). */
function firstStepIsChoice(record: DatasetRecord): boolean {
  const edges = (record.edges ?? []) as [number, number][];
  const { children } = buildAdjacency((record.idx_to_symbol ?? []).length, edges);
  return hasMisleadingBranch(children, record.root as number, record.target as number);
}

/** A graph record's frontiers (`frontiers[k]`: the nodes a walk of exactly k + 1 edges reaches): its own field, else worked out from its edges. */
function frontiersOf(record: DatasetRecord): readonly (readonly number[])[] {
  if (record.frontiers !== undefined) return record.frontiers;
  const { children } = buildAdjacency((record.idx_to_symbol ?? []).length, (record.edges ?? []) as [number, number][]);
  return walkFrontiers(children, record.root as number);
}

/** What a frontier-supervised stage writes: one word and no answer marker; null for anything else. */
function namedWord(text: string): string | null {
  const word = text.trim();
  return word !== '' && !/[\s#]/.test(word) ? word : null;
}

/** How many of the questions answered by naming a node named one on the frontier its thoughts stood for. */
function frontierNaming(rows: readonly PredictionRow[], records: readonly DatasetRecord[], frontiers: readonly (readonly (readonly number[])[])[]): FrontierNaming | null {
  const tally = { named: 0, on_frontier: 0 };
  for (const row of rows) {
    const word = namedWord(row.text);
    if (word === null) continue;
    tally.named += 1;
    const node = (records[row.idx]!.idx_to_symbol ?? []).indexOf(word);
    if (node >= 0 && (frontiers[row.idx]![row.thoughts] ?? []).includes(node)) tally.on_frontier += 1;
  }
  return tally.named > 0 ? tally : null;
}

/** Accuracy per number of reasoning steps, ascending. */
function stepsTallies(rows: readonly PredictionRow[], records: readonly DatasetRecord[]): StepsTally[] {
  const bySteps = new Map<number, StepsTally>();
  for (const row of rows) {
    const steps = records[row.idx]!.steps.length;
    const tally = bySteps.get(steps) ?? { steps, total: 0, correct: 0 };
    tally.total += 1;
    if (row.correct) tally.correct += 1;
    bySteps.set(steps, tally);
  }
  return [...bySteps.values()].sort((a, b) => a.steps - b.steps);
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

/** The records of a dataset that cannot be read: one array, so the file's (verdictless) rows stay cached. */
const NO_RECORDS: readonly DatasetRecord[] = [];

export class RunAnalyser {
  private readonly predictions = new ClassifiedPredictions();
  /** Whether each dataset (the store's cached record arrays) has graphs: checked once, not on every page. */
  private readonly graphs = new WeakMap<readonly DatasetRecord[], boolean>();
  /** Per dataset, whether each record's first step is a choice: worked out once, not per file and call. */
  private readonly choices = new WeakMap<readonly DatasetRecord[], boolean[]>();
  /** Per dataset, every record's frontiers (the same). */
  private readonly frontiers = new WeakMap<readonly DatasetRecord[], (readonly (readonly number[])[])[]>();
  /** Per run, whether it trains with frontier supervision: a run's config is written once, so it is read once, not on every page. */
  private readonly frontierRuns = new Map<string, boolean>();

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
    const graph = this.isGraph(dataset.records);
    const events = evalEventsByFile(this.store.events(id));
    const frontier = graph && this.trainsFrontier(id);
    const summaries = files.map((file) => this.summariseFile(id, file, dataset.path, dataset.records, { graph, frontier }, events.get(file)));
    return { ...head, val_path: dataset.path, graph, files: summaries, problem: null };
  }

  private summariseFile(
    id: string,
    file: string,
    valPath: string,
    records: readonly DatasetRecord[],
    { graph, frontier }: { graph: boolean; frontier: boolean },
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
    let path: string;
    let rows: PredictionRow[];
    try {
      path = this.store.predictionFile(id, file).path as string; // `file` is one of the run's
      rows = this.predictions.rows(path);
    } catch (error) {
      return { file, ...fromEvent, thoughts: 0, total: 0, correct: 0, accuracy: 0, categories: null, first_step: null, frontier: null, by_steps: [], problem: (error as Error).message };
    }
    const correct = rows.filter((row) => row.correct).length;
    const figures = { file, ...fromEvent, thoughts: mode(rows.map((row) => row.thoughts)), total: rows.length, correct, accuracy: rows.length ? correct / rows.length : 0 };
    const problem = rows.map((row) => rowProblem(row, records, file, valPath)).find((found) => found !== null) ?? null;
    if (problem !== null) return { ...figures, categories: null, first_step: null, frontier: null, by_steps: [], problem };
    const bySteps = stepsTallies(rows, records);
    if (!graph) return { ...figures, categories: null, first_step: null, frontier: null, by_steps: bySteps, problem };
    const categories = emptyCounts();
    let classified = 0;
    for (const { verdict, text } of this.predictions.analysed(path, records, graph)) {
      // A node named by a frontier-supervised stage is no written path: it has no category.
      if (!verdict || (frontier && namedWord(text) !== null)) continue;
      categories[verdict.category] += 1;
      classified += 1;
    }
    const firstStep = { choice: { total: 0, correct: 0 }, direct: { total: 0, correct: 0 } };
    const choices = this.firstStepChoices(records);
    for (const row of rows) {
      const tally = choices[row.idx] ? firstStep.choice : firstStep.direct;
      tally.total += 1;
      if (row.correct) tally.correct += 1;
    }
    const naming = frontier ? frontierNaming(rows, records, this.recordFrontiers(records)) : null;
    return { ...figures, categories: classified > 0 ? categories : null, first_step: firstStep, frontier: naming, by_steps: bySteps, problem: null };
  }

  /** One file's questions with their verdicts: filtered by category, right/wrong and record indices, then paged. */
  async questions(
    id: string,
    options: { file?: string; category?: PathCategory; filter: PredictionFilter; indices?: number[]; offset: number; limit: number },
  ): Promise<{ file: string | null; total: number; offset: number; rows: AnalysedQuestion[] }> {
    const { file, path } = this.store.predictionFile(id, options.file);
    if (file === null || path === null) return { file, total: 0, offset: options.offset, rows: [] };
    const rows = this.predictions.rows(path);
    const dataset = await this.dataset(id);
    let analysed: AnalysedQuestion[];
    if ('problem' in dataset) {
      if (options.category) throw new ApiError('not_found', `${dataset.problem}; categories need the dataset`);
      analysed = this.predictions.analysed(path, NO_RECORDS, false);
    } else {
      const problem = rows.map((row) => rowProblem(row, dataset.records, file, dataset.path)).find((found) => found !== null);
      if (problem) throw new ApiError('bad_request', problem);
      const graph = this.isGraph(dataset.records);
      if (options.category && !graph) throw new ApiError('bad_request', `${dataset.path} has no graph records: path categories apply to ProsQA and reachability datasets`);
      analysed = this.predictions.analysed(path, dataset.records, graph);
    }
    let chosen = analysed;
    if (options.indices) {
      const byIdx = new Map(analysed.map((row) => [row.idx, row]));
      chosen = options.indices.map((idx) => byIdx.get(idx)).filter((row): row is AnalysedQuestion => row !== undefined);
    }
    chosen = chosen.filter((row) => options.filter === 'all' || row.correct === (options.filter === 'right'));
    if (options.category) {
      const frontier = this.trainsFrontier(id);
      chosen = chosen.filter((row) => row.verdict?.category === options.category && !(frontier && namedWord(row.text) !== null));
    }
    return page(file, chosen, options);
  }

  private firstStepChoices(records: readonly DatasetRecord[]): boolean[] {
    let choices = this.choices.get(records);
    if (choices === undefined) this.choices.set(records, (choices = records.map(firstStepIsChoice)));
    return choices;
  }

  private recordFrontiers(records: readonly DatasetRecord[]): (readonly (readonly number[])[])[] {
    let frontiers = this.frontiers.get(records);
    if (frontiers === undefined) this.frontiers.set(records, (frontiers = records.map(frontiersOf)));
    return frontiers;
  }

  /** Whether the run trains with frontier supervision (its config says so; an evaluation run carries the config it evaluated). */
  private trainsFrontier(id: string): boolean {
    let frontier = this.frontierRuns.get(id);
    if (frontier === undefined) {
      const text = this.store.configTextIfReadable(id);
      const parsed = text === null ? null : parseConfigYaml(text);
      frontier = parsed !== null && parsed.ok && parsed.config.frontier_supervision === true;
      // An unreadable config may be a run still being created: ask again next time.
      if (text !== null) this.frontierRuns.set(id, frontier);
    }
    return frontier;
  }

  private isGraph(records: readonly DatasetRecord[]): boolean {
    let graph = this.graphs.get(records);
    if (graph === undefined) this.graphs.set(records, (graph = isGraphDataset(records)));
    return graph;
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
