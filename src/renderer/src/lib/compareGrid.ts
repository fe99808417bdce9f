/**
 * The Compare page's Table-1-style grid: for each chosen run (one row per forced thought count k
 * when an evaluation forced them) its accuracy at the best and at the last evaluation, and what
 * an answer cost at the best one — generated tokens, forward passes, milliseconds per question.
 * Runs are grouped by the dataset their predictions answer (the config's val_path): accuracies
 * on different datasets are not comparable, so each dataset gets its own grid.
 */
import type { EngineEvent, EvalEvent } from '../../../common/events';
import type { RunStatus, RunSummary } from '../../../common/runs';
import { methodLabel } from './format';

/** One evaluation as the grid shows it. */
export interface Measure {
  accuracy: number;
  correct: number;
  total: number;
  /** As the events count it, from 0 (shown from 1). */
  epoch: number;
  stage: number;
  mean_new_tokens: number;
  mean_forward_passes: number | null;
  ms_per_question: number | null;
  /** The predictions file, relative to the run folder, when the event names one. */
  predictions: string | null;
}

export interface GridRow {
  /** Unique within a grid: the run, and k for forced evaluations. */
  key: string;
  runId: string;
  /** The run's page. */
  href: string;
  name: string;
  method: string;
  methodLabel: string;
  seed: number | null;
  status: RunStatus;
  /** `<eot>` forced after exactly this many thoughts (`coconut eval --thoughts`); null otherwise. */
  forcedThoughts: number | null;
  /** For an evaluation run: the run and checkpoint it evaluated. */
  evalOf: { run: string; checkpoint: string } | null;
  /** Evaluations behind this row. */
  evaluations: number;
  /** The most accurate evaluation (the earliest of equals, as the engine keeps its best checkpoint). */
  best: Measure | null;
  last: Measure | null;
}

export interface DatasetGrid {
  /** The val_path the runs answer; null when a run did not record one. */
  dataset: string | null;
  label: string;
  runIds: string[];
  rows: GridRow[];
}

export interface RunWithEvents {
  run: RunSummary;
  events: readonly EngineEvent[];
}

/** `eval-N-kK.jsonl`, or `eval-N-kK-C.jsonl` when the name was taken (C: the copy). */
const FORCED_FILE = /-k(\d+)(?:-\d+)?\.jsonl$/;

/**
 * The k an evaluation forced: the event's `forced_thoughts` when the engine wrote it, else the
 * `-kK` its predictions file is named with (evaluations written before the field existed).
 */
export function forcedThoughtsOf(event: EvalEvent): number | null {
  if (event.forced_thoughts !== undefined) return event.forced_thoughts;
  const match = FORCED_FILE.exec(event.predictions ?? '');
  return match ? Number(match[1]) : null;
}

export function measureOf(event: EvalEvent): Measure {
  return {
    accuracy: event.accuracy,
    correct: event.correct,
    total: event.total,
    epoch: event.epoch,
    stage: event.stage,
    mean_new_tokens: event.mean_new_tokens,
    mean_forward_passes: event.mean_forward_passes ?? null,
    ms_per_question: event.ms_per_question ?? null,
    predictions: event.predictions ?? null,
  };
}

/** The best of some evaluations: highest accuracy, the earliest among equals. */
export function bestOf(evals: readonly EvalEvent[]): EvalEvent | null {
  let best: EvalEvent | null = null;
  for (const event of evals) if (best === null || event.accuracy > best.accuracy) best = event;
  return best;
}

export const runHref = (id: string): string => `#/runs/${encodeURIComponent(id)}`;

/** A run's rows: one for its ordinary evaluations (if any, or if none at all), one per forced k. */
export function gridRowsOf(run: RunSummary, events: readonly EngineEvent[]): GridRow[] {
  const evals = events.filter((event): event is EvalEvent => event.type === 'eval');
  const groups = new Map<number | null, EvalEvent[]>();
  for (const event of evals) {
    const k = forcedThoughtsOf(event);
    groups.set(k, [...(groups.get(k) ?? []), event]);
  }
  if (groups.size === 0) groups.set(null, []);
  const order = [...groups.keys()].sort((a, b) => (a === null ? -1 : b === null ? 1 : a - b));
  return order.map((k) => {
    const group = groups.get(k) ?? [];
    const best = bestOf(group);
    const last = group[group.length - 1] ?? null;
    return {
      key: k === null ? run.id : `${run.id}#k${k}`,
      runId: run.id,
      href: runHref(run.id),
      name: run.name,
      method: run.method,
      methodLabel: methodLabel(run.method),
      seed: run.seed ?? null,
      status: run.status,
      forcedThoughts: k,
      evalOf: run.eval_of ?? null,
      evaluations: group.length,
      best: best ? measureOf(best) : null,
      last: last ? measureOf(last) : null,
    };
  });
}

/** A short name for a dataset file: its folder and file name (`prosqa/test.json`). */
export function datasetLabel(path: string | null): string {
  if (path === null) return 'dataset not recorded';
  const parts = path.split(/[\\/]+/).filter((part) => part !== '');
  return parts.slice(-2).join('/') || path;
}

/** Runs by the dataset they answer, in the order the datasets first appear. */
export function groupByDataset<T extends { run: RunSummary }>(items: readonly T[]): Array<{ dataset: string | null; label: string; items: T[] }> {
  const groups = new Map<string | null, T[]>();
  for (const item of items) {
    const dataset = item.run.val_path ?? null;
    groups.set(dataset, [...(groups.get(dataset) ?? []), item]);
  }
  const labels = [...groups.keys()].map(datasetLabel);
  return [...groups.entries()].map(([dataset, grouped], i) => {
    // Two different paths may end alike (`a/x/valid.json`, `b/x/valid.json`): then show them whole.
    const label = labels[i] as string;
    const clash = labels.filter((other) => other === label).length > 1;
    return { dataset, label: clash && dataset !== null ? dataset : label, items: grouped };
  });
}

export function buildGrids(runs: readonly RunWithEvents[]): DatasetGrid[] {
  return groupByDataset(runs).map((group) => ({
    dataset: group.dataset,
    label: group.label,
    runIds: group.items.map((item) => item.run.id),
    rows: group.items.flatMap((item) => gridRowsOf(item.run, item.events)),
  }));
}

/** Where a measure comes from, in words: the epoch (from 1), or the checkpoint an evaluation run read. */
export function measureWhere(row: GridRow, measure: Measure): string {
  if (row.evalOf) return `${row.evalOf.checkpoint} checkpoint`;
  return `epoch ${measure.epoch + 1}`;
}

/** The row's name as tables print it: method, run name, seed and forced k. */
export function rowTitle(row: GridRow): string {
  const seed = row.seed === null ? '' : ` · seed ${row.seed}`;
  const k = row.forcedThoughts === null ? '' : ` · k=${row.forcedThoughts}`;
  return `${row.methodLabel} · ${row.name}${seed}${k}`;
}

export const GRID_COLUMNS = [
  'dataset',
  'method',
  'name',
  'run_id',
  'seed',
  'forced_thoughts',
  'evaluations',
  'best_accuracy',
  'best_epoch',
  'last_accuracy',
  'last_epoch',
  'mean_new_tokens',
  'mean_forward_passes',
  'ms_per_question',
] as const;
export type GridColumn = (typeof GRID_COLUMNS)[number];

/** One flat record per row (epochs from 1, accuracies as fractions, costs at the best evaluation). */
export function gridRecords(grids: readonly DatasetGrid[]): Array<Record<GridColumn, string | number | null>> {
  return grids.flatMap((grid) =>
    grid.rows.map((row) => ({
      dataset: grid.dataset,
      method: row.method,
      name: row.name,
      run_id: row.runId,
      seed: row.seed,
      forced_thoughts: row.forcedThoughts,
      evaluations: row.evaluations,
      best_accuracy: row.best?.accuracy ?? null,
      best_epoch: row.best ? row.best.epoch + 1 : null,
      last_accuracy: row.last?.accuracy ?? null,
      last_epoch: row.last ? row.last.epoch + 1 : null,
      mean_new_tokens: row.best?.mean_new_tokens ?? null,
      mean_forward_passes: row.best?.mean_forward_passes ?? null,
      ms_per_question: row.best?.ms_per_question ?? null,
    })),
  );
}

/** A CSV field: quoted when it holds a separator, a quote or a line break (RFC 4180). */
export function csvField(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) || text !== text.trim() ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsv<C extends string>(columns: readonly C[], records: ReadonlyArray<Record<C, string | number | boolean | null>>): string {
  const lines = [columns.map(csvField).join(','), ...records.map((record) => columns.map((column) => csvField(record[column])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

export function gridCsv(grids: readonly DatasetGrid[]): string {
  return toCsv(GRID_COLUMNS, gridRecords(grids));
}

export function gridJson(grids: readonly DatasetGrid[]): string {
  return `${JSON.stringify(
    grids.map((grid) => ({ dataset: grid.dataset, rows: gridRecords([grid]).map(({ dataset: _dataset, ...rest }) => rest) })),
    null,
    2,
  )}\n`;
}
