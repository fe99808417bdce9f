import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../../../common/runs';
import {
  DEFAULT_SORT,
  datasetLabel,
  filterOptions,
  filterRuns,
  isFiltering,
  nextSort,
  NO_FILTER,
  pruneSelection,
  selectRange,
  sortRuns,
  toggleSelected,
} from './runsTable';

function run(id: string, fields: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: id,
    status: 'completed',
    method: 'cot',
    created_at: '2025-01-01T00:00:00Z',
    started_at: null,
    ended_at: null,
    stage: null,
    epoch: null,
    num_epochs: 3,
    best_accuracy: null,
    last_accuracy: null,
    last_error: null,
    dir: `/home/runs/${id}`,
    ...fields,
  };
}

const runs = [
  run('a', { name: 'Coconut small', method: 'coconut', best_accuracy: 0.5, created_at: '2025-01-02T00:00:00Z', val_path: '/h/datasets/q/valid.json', stage: 2 }),
  run('b', { name: 'cot baseline', method: 'cot', best_accuracy: 0.9, created_at: '2025-01-03T00:00:00Z', val_path: '/h/datasets/q/valid.json', stage: 0 }),
  run('c', { name: 'cot run 10', method: 'cot', best_accuracy: null, status: 'running', created_at: '2025-01-01T00:00:00Z', val_path: '/h/datasets/p/test.json' }),
  run('d', { name: 'cot run 9', method: 'no_cot', best_accuracy: 0.7, status: 'failed', created_at: '2025-01-04T00:00:00Z' }),
];
const ids = (list: RunSummary[]) => list.map((r) => r.id);

describe('sorting the runs list', () => {
  it('opens newest first and reverses on a second click of the same header', () => {
    expect(ids(sortRuns(runs, DEFAULT_SORT))).toEqual(['d', 'b', 'a', 'c']);
    const reversed = nextSort(DEFAULT_SORT, 'created_at');
    expect(reversed).toEqual({ key: 'created_at', direction: 'asc' });
    expect(ids(sortRuns(runs, reversed))).toEqual(['c', 'a', 'b', 'd']);
  });

  it('sorts a new column in its natural direction: names A to Z (numbers in order), accuracy highest first', () => {
    const byName = nextSort(DEFAULT_SORT, 'name');
    expect(byName.direction).toBe('asc');
    // Case-insensitive, and "run 9" before "run 10".
    expect(ids(sortRuns(runs, byName))).toEqual(['a', 'b', 'd', 'c']);
    expect(ids(sortRuns(runs, nextSort(byName, 'best_accuracy')))).toEqual(['b', 'd', 'a', 'c']);
  });

  it('keeps runs without a value last in both directions', () => {
    const up = { key: 'best_accuracy', direction: 'asc' } as const;
    expect(ids(sortRuns(runs, up))).toEqual(['a', 'd', 'b', 'c']);
    expect(ids(sortRuns(runs, { key: 'dataset', direction: 'asc' })).at(-1)).toBe('d');
    expect(ids(sortRuns(runs, { key: 'dataset', direction: 'desc' })).at(-1)).toBe('d');
  });

  it('orders statuses by lifecycle, and breaks ties newest first', () => {
    expect(ids(sortRuns(runs, { key: 'status', direction: 'asc' }))).toEqual(['c', 'b', 'a', 'd']);
    expect(ids(sortRuns(runs, { key: 'method', direction: 'asc' }))).toEqual(['a', 'b', 'c', 'd']);
  });

  it('does not change the list it is given', () => {
    const before = ids(runs);
    sortRuns(runs, { key: 'name', direction: 'desc' });
    expect(ids(runs)).toEqual(before);
  });
});

describe('filtering the runs list', () => {
  it('filters by method, status, dataset and name words together', () => {
    expect(ids(filterRuns(runs, { ...NO_FILTER, method: 'cot' }))).toEqual(['b', 'c']);
    expect(ids(filterRuns(runs, { ...NO_FILTER, status: 'running' }))).toEqual(['c']);
    expect(ids(filterRuns(runs, { ...NO_FILTER, dataset: '/h/datasets/q/valid.json' }))).toEqual(['a', 'b']);
    expect(ids(filterRuns(runs, { ...NO_FILTER, text: 'RUN cot' }))).toEqual(['c', 'd']);
    expect(ids(filterRuns(runs, { ...NO_FILTER, text: 'run', method: 'cot' }))).toEqual(['c']);
    expect(ids(filterRuns(runs, { ...NO_FILTER, text: '   ' }))).toEqual(ids(runs));
  });

  it('says whether any filter is on', () => {
    expect(isFiltering(NO_FILTER)).toBe(false);
    expect(isFiltering({ ...NO_FILTER, text: ' ' })).toBe(false);
    expect(isFiltering({ ...NO_FILTER, status: 'failed' })).toBe(true);
  });

  it('offers only values some run has, with counts, and keeps a chosen value that vanished', () => {
    const options = filterOptions(runs);
    expect(options.methods).toEqual([
      { value: 'coconut', label: 'Coconut', count: 1 },
      { value: 'cot', label: 'CoT', count: 2 },
      { value: 'no_cot', label: 'No-CoT', count: 1 },
    ]);
    expect(options.statuses.map((o) => [o.value, o.count])).toEqual([
      ['running', 1],
      ['completed', 2],
      ['failed', 1],
    ]);
    expect(options.datasets).toEqual([
      { value: '/h/datasets/p/test.json', label: 'p/test.json', count: 1 },
      { value: '/h/datasets/q/valid.json', label: 'q/valid.json', count: 2 },
    ]);
    const kept = filterOptions(runs, { ...NO_FILTER, status: 'cancelled' });
    expect(kept.statuses.find((o) => o.value === 'cancelled')).toEqual({ value: 'cancelled', label: 'cancelled', count: 0 });
  });

  it('labels datasets by their last two path parts', () => {
    expect(datasetLabel('/home/u/.coconut-workbench/datasets/quickstart/valid.json')).toBe('quickstart/valid.json');
    expect(datasetLabel('C:\\data\\prosqa\\test.json')).toBe('prosqa/test.json');
    expect(datasetLabel('valid.json')).toBe('valid.json');
    expect(datasetLabel(null)).toBeNull();
    expect(datasetLabel('')).toBeNull();
  });
});

describe('selecting runs', () => {
  const order = ['a', 'b', 'c', 'd', 'e'];

  it('toggles one run', () => {
    const one = toggleSelected(new Set(), 'b');
    expect([...one]).toEqual(['b']);
    expect([...toggleSelected(one, 'b')]).toEqual([]);
  });

  it('selects the range between the anchor and a shift-clicked run, in either direction', () => {
    expect([...selectRange(new Set(['b']), order, 'b', 'd')].sort()).toEqual(['b', 'c', 'd']);
    expect([...selectRange(new Set(['d']), order, 'd', 'a')].sort()).toEqual(['a', 'b', 'c', 'd']);
  });

  it('clears the range when the shift-clicked run was selected', () => {
    const all = new Set(order);
    expect([...selectRange(all, order, 'b', 'd')].sort()).toEqual(['a', 'e']);
  });

  it('toggles only the target when the anchor is gone or unknown', () => {
    expect([...selectRange(new Set(['x']), order, 'x', 'c')].sort()).toEqual(['c', 'x']);
    expect([...selectRange(new Set(), order, null, 'c')]).toEqual(['c']);
    expect([...selectRange(new Set(['a']), order, 'a', 'zz')]).toEqual(['a']);
  });

  it('forgets runs that no longer exist', () => {
    expect([...pruneSelection(new Set(['a', 'gone']), runs)]).toEqual(['a']);
  });
});
