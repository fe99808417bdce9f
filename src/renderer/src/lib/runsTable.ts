/**
 * The runs list as a researcher handles it: sort by any column, filter by method, status, dataset
 * and name, and select several runs (a range with shift) to compare (lib/compareRoute writes the
 * Compare page's address). Pure functions over `RunSummary` lists; `useRunsTable` keeps the state.
 */
import { RUN_STATUSES, type RunStatus, type RunSummary } from '../../../common/runs';
import { methodLabel } from './format';

export const SORT_KEYS = ['name', 'status', 'method', 'dataset', 'stage', 'epoch', 'best_accuracy', 'created_at'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export type SortDirection = 'asc' | 'desc';
export interface SortState {
  key: SortKey;
  direction: SortDirection;
}

/** Newest first, as the list has always opened. */
export const DEFAULT_SORT: SortState = { key: 'created_at', direction: 'desc' };

/** Numbers and dates are most often wanted largest or newest first; names A to Z. */
const FIRST_DIRECTION: Record<SortKey, SortDirection> = {
  name: 'asc',
  status: 'asc',
  method: 'asc',
  dataset: 'asc',
  stage: 'desc',
  epoch: 'desc',
  best_accuracy: 'desc',
  created_at: 'desc',
};

/** Clicking a header: another column sorts in its natural direction, the same column reverses. */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) return { key, direction: current.direction === 'asc' ? 'desc' : 'asc' };
  return { key, direction: FIRST_DIRECTION[key] };
}

/** `…/datasets/quickstart/valid.json` → `quickstart/valid.json`: enough to tell datasets apart in a column. */
export function datasetLabel(path: string | null | undefined): string | null {
  if (!path) return null;
  const parts = path.split(/[\\/]+/).filter((part) => part !== '');
  return parts.slice(-2).join('/') || null;
}

type SortValue = string | number | null;

function sortValue(run: RunSummary, key: SortKey): SortValue {
  switch (key) {
    case 'name':
      return run.name.toLowerCase();
    case 'status':
      // Lifecycle order (queued, running, completed, …) reads better than A to Z.
      return RUN_STATUSES.indexOf(run.status);
    case 'method':
      return methodLabel(run.method).toLowerCase();
    case 'dataset':
      return datasetLabel(run.val_path)?.toLowerCase() ?? null;
    case 'stage':
      return run.stage;
    case 'epoch':
      return run.epoch;
    case 'best_accuracy':
      return run.best_accuracy;
    case 'created_at':
      return run.created_at;
  }
}

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b), undefined, { numeric: true });
}

/**
 * Sorted copy. Runs without a value (no accuracy yet, no dataset recorded) go last in either
 * direction, so reversing a column never buries the runs that have one; ties keep newest first.
 */
export function sortRuns(runs: readonly RunSummary[], sort: SortState): RunSummary[] {
  const sign = sort.direction === 'asc' ? 1 : -1;
  return [...runs].sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
    } else {
      const order = compareValues(va, vb);
      if (order !== 0) return sign * order;
    }
    return b.created_at.localeCompare(a.created_at) || a.id.localeCompare(b.id);
  });
}

export interface RunsFilter {
  /** A method name (`cot`, `coconut`, …); empty for every method. */
  method: string;
  status: RunStatus | '';
  /** A run's val_path; empty for every dataset. */
  dataset: string;
  /** Words that must all occur (any case) in the run's name or id. */
  text: string;
}

export const NO_FILTER: RunsFilter = { method: '', status: '', dataset: '', text: '' };

export function isFiltering(filter: RunsFilter): boolean {
  return filter.method !== '' || filter.status !== '' || filter.dataset !== '' || filter.text.trim() !== '';
}

export function filterRuns(runs: readonly RunSummary[], filter: RunsFilter): RunSummary[] {
  const words = filter.text.toLowerCase().split(/\s+/).filter((word) => word !== '');
  return runs.filter((run) => {
    if (filter.method && run.method !== filter.method) return false;
    if (filter.status && run.status !== filter.status) return false;
    if (filter.dataset && (run.val_path ?? '') !== filter.dataset) return false;
    if (words.length > 0) {
      const haystack = `${run.name} ${run.id}`.toLowerCase();
      if (!words.every((word) => haystack.includes(word))) return false;
    }
    return true;
  });
}

export interface FilterOption {
  value: string;
  label: string;
  count: number;
}

/**
 * The choices each filter offers: only values some run has, with how many runs have each. The
 * chosen value stays offered (with 0) when no run has it any more, so the select never lies.
 */
export function filterOptions(
  runs: readonly RunSummary[],
  chosen: RunsFilter = NO_FILTER,
): { methods: FilterOption[]; statuses: FilterOption[]; datasets: FilterOption[] } {
  const tally = (values: Array<string | null | undefined>, label: (value: string) => string, keep: string): FilterOption[] => {
    const counts = new Map<string, number>();
    for (const value of values) if (value) counts.set(value, (counts.get(value) ?? 0) + 1);
    if (keep && !counts.has(keep)) counts.set(keep, 0);
    return [...counts].map(([value, count]) => ({ value, label: label(value), count }));
  };
  const byLabel = (a: FilterOption, b: FilterOption) => a.label.localeCompare(b.label);
  return {
    methods: tally(runs.map((r) => r.method), methodLabel, chosen.method).sort(byLabel),
    statuses: tally(runs.map((r) => r.status), (s) => s, chosen.status).sort(
      (a, b) => RUN_STATUSES.indexOf(a.value as RunStatus) - RUN_STATUSES.indexOf(b.value as RunStatus),
    ),
    datasets: tally(runs.map((r) => r.val_path), (p) => datasetLabel(p) ?? p, chosen.dataset).sort(byLabel),
  };
}

/** One id in or out of the selection (a new set). */
export function toggleSelected(selected: ReadonlySet<string>, id: string): Set<string> {
  const next = new Set(selected);
  if (next.has(id)) next.delete(id);
  else next.add(id);
  return next;
}

/**
 * Shift-click: every run between the anchor (the last one clicked) and the target, in the order
 * shown, takes the state the target is switched to. Without an anchor that is still shown, only
 * the target toggles.
 */
export function selectRange(selected: ReadonlySet<string>, order: readonly string[], anchor: string | null, target: string): Set<string> {
  const to = order.indexOf(target);
  const from = anchor === null ? -1 : order.indexOf(anchor);
  if (to < 0) return new Set(selected);
  if (from < 0) return toggleSelected(selected, target);
  const on = !selected.has(target);
  const next = new Set(selected);
  for (let i = Math.min(from, to); i <= Math.max(from, to); i++) {
    const id = order[i] as string;
    if (on) next.add(id);
    else next.delete(id);
  }
  return next;
}

/** The selection without runs that no longer exist (deleted elsewhere). */
export function pruneSelection(selected: ReadonlySet<string>, runs: readonly RunSummary[]): Set<string> {
  const ids = new Set(runs.map((r) => r.id));
  return new Set([...selected].filter((id) => ids.has(id)));
}
