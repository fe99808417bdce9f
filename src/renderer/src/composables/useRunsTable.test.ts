import { describe, expect, it } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import type { RunSummary } from '../../../common/runs';
import { createRunsTableState, useRunsTable } from './useRunsTable';

function run(id: string, created: string, method = 'cot'): RunSummary {
  return {
    id,
    name: `run ${id}`,
    status: 'completed',
    method,
    created_at: created,
    started_at: null,
    ended_at: null,
    stage: null,
    epoch: null,
    num_epochs: 1,
    best_accuracy: null,
    last_accuracy: null,
    last_error: null,
    dir: `/r/${id}`,
  };
}

function table(initial: RunSummary[]) {
  const runs = ref<RunSummary[]>(initial);
  const scope = effectScope();
  const t = scope.run(() => useRunsTable(runs, createRunsTableState()))!;
  return { runs, t, scope };
}

const ids = (list: RunSummary[]) => list.map((r) => r.id);

describe('useRunsTable', () => {
  const list = [run('a', '2025-01-01', 'coconut'), run('b', '2025-01-02'), run('c', '2025-01-03', 'coconut'), run('d', '2025-01-04')];

  it('sorts by a header, and reverses on the second click', () => {
    const { t, scope } = table(list);
    expect(ids(t.visible.value)).toEqual(['d', 'c', 'b', 'a']);
    t.sortBy('created_at');
    expect(ids(t.visible.value)).toEqual(['a', 'b', 'c', 'd']);
    scope.stop();
  });

  it('selects a range in the order shown, under the filters', () => {
    const { t, scope } = table(list);
    t.setFilter('method', 'coconut');
    expect(ids(t.visible.value)).toEqual(['c', 'a']);
    t.clearFilters();
    t.toggle('d');
    t.toggle('b', true);
    expect(t.selectedIds.value).toEqual(['d', 'c', 'b']);
    // Filtering hides a selected run: it stays selected, after the ones shown, and is counted.
    t.setFilter('method', 'coconut');
    expect(t.selectedIds.value).toEqual(['c', 'd', 'b']);
    expect(t.hiddenSelected.value).toBe(2);
    t.clearSelection();
    expect(t.selectedIds.value).toEqual([]);
    scope.stop();
  });

  it('drops deleted runs from the selection once the list changes, but not while it is empty (loading)', async () => {
    const { runs, t, scope } = table(list);
    t.toggle('a');
    t.toggle('b');
    runs.value = [];
    await nextTick();
    expect(t.selectedIds.value).toEqual([]);
    expect([...t.state.selected].sort()).toEqual(['a', 'b']);
    runs.value = list.filter((r) => r.id !== 'a');
    await nextTick();
    expect([...t.state.selected]).toEqual(['b']);
    scope.stop();
  });
});
