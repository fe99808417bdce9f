/**
 * The runs list's sort, filters and selection (lib/runsTable does the work). The state outlives
 * the view, so coming back from a run's page finds the list as it was left.
 */
import { computed, reactive, watch, type ComputedRef, type Ref } from 'vue';
import type { RunSummary } from '../../../common/runs';
import {
  DEFAULT_SORT,
  NO_FILTER,
  filterOptions,
  filterRuns,
  isFiltering,
  nextSort,
  pruneSelection,
  selectRange,
  sortRuns,
  toggleSelected,
  type FilterOption,
  type RunsFilter,
  type SortKey,
  type SortState,
} from '../lib/runsTable';

export interface RunsTableState {
  sort: SortState;
  filter: RunsFilter;
  selected: Set<string>;
  /** The run clicked last: where a shift-click range starts. */
  anchor: string | null;
}

export function createRunsTableState(): RunsTableState {
  return { sort: { ...DEFAULT_SORT }, filter: { ...NO_FILTER }, selected: new Set(), anchor: null };
}

/** One per app: what the runs view was showing when it was left. */
const remembered = reactive(createRunsTableState()) as RunsTableState;

export interface RunsTable {
  state: RunsTableState;
  /** The runs that pass the filters, in the chosen order. */
  visible: ComputedRef<RunSummary[]>;
  options: ComputedRef<{ methods: FilterOption[]; statuses: FilterOption[]; datasets: FilterOption[] }>;
  filtering: ComputedRef<boolean>;
  /** Selected runs in the order shown, then any the filters hide (in the same sort). */
  selectedIds: ComputedRef<string[]>;
  hiddenSelected: ComputedRef<number>;
  sortBy: (key: SortKey) => void;
  toggle: (id: string, range?: boolean) => void;
  clearSelection: () => void;
  clearFilters: () => void;
  setFilter: <K extends keyof RunsFilter>(key: K, value: RunsFilter[K]) => void;
}

export function useRunsTable(runs: Ref<readonly RunSummary[]>, initial: RunsTableState = remembered): RunsTable {
  const state = reactive(initial) as RunsTableState;
  const sorted = computed(() => sortRuns(runs.value, state.sort));
  const visible = computed(() => filterRuns(sorted.value, state.filter));
  const options = computed(() => filterOptions(runs.value, state.filter));
  const filtering = computed(() => isFiltering(state.filter));
  const selectedIds = computed(() => {
    const shown = visible.value.map((r) => r.id).filter((id) => state.selected.has(id));
    const shownSet = new Set(shown);
    const hidden = sorted.value.map((r) => r.id).filter((id) => state.selected.has(id) && !shownSet.has(id));
    return [...shown, ...hidden];
  });
  const hiddenSelected = computed(() => {
    const shown = new Set(visible.value.map((r) => r.id));
    return selectedIds.value.filter((id) => !shown.has(id)).length;
  });

  // A run deleted (here or elsewhere) leaves the selection. Only once the list has loaded:
  // an empty list while it loads must not clear what was chosen before.
  watch(
    () => runs.value,
    (list) => {
      if (list.length === 0) return;
      const pruned = pruneSelection(state.selected, list);
      if (pruned.size !== state.selected.size) state.selected = pruned;
      if (state.anchor !== null && !pruned.has(state.anchor) && !list.some((r) => r.id === state.anchor)) state.anchor = null;
    },
    { immediate: true },
  );

  return {
    state,
    visible,
    options,
    filtering,
    selectedIds,
    hiddenSelected,
    sortBy: (key) => {
      state.sort = nextSort(state.sort, key);
    },
    toggle: (id, range = false) => {
      const order = visible.value.map((r) => r.id);
      state.selected = range ? selectRange(state.selected, order, state.anchor, id) : toggleSelected(state.selected, id);
      state.anchor = id;
    },
    clearSelection: () => {
      state.selected = new Set();
      state.anchor = null;
    },
    clearFilters: () => {
      state.filter = { ...NO_FILTER };
    },
    setFilter: (key, value) => {
      state.filter = { ...state.filter, [key]: value };
    },
  };
}
