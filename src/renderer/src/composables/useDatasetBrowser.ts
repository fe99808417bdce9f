/**
 * One split of one dataset: its statistics, and its records a page at a time, filtered by a
 * search that is sent once typing pauses. Changing dataset or split starts over at page one.
 */
import { computed, onScopeDispose, ref, watch, type ComputedRef, type Ref } from 'vue';
import type { DatasetRecordView, DatasetStats } from '../../../common/api';
import type { ClientApi } from '../api';

export const RECORDS_PER_PAGE = 20;

export interface DatasetBrowser {
  stats: Ref<DatasetStats | null>;
  statsError: Ref<string | null>;
  query: Ref<string>;
  page: Ref<number>;
  pageCount: ComputedRef<number>;
  total: Ref<number>;
  records: Ref<DatasetRecordView[]>;
  loadingRecords: Ref<boolean>;
  recordsError: Ref<string | null>;
  /** The record shown in full (its index in the split), or null. */
  selected: Ref<number | null>;
  selectedRecord: ComputedRef<DatasetRecordView | null>;
  nextPage: () => void;
  previousPage: () => void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function useDatasetBrowser(
  api: ClientApi,
  dataset: Ref<string | null>,
  split: Ref<string | null>,
  options: { searchDelayMs?: number } = {},
): DatasetBrowser {
  const stats = ref<DatasetStats | null>(null);
  const statsError = ref<string | null>(null);
  const query = ref('');
  const page = ref(0);
  const total = ref(0);
  const records = ref<DatasetRecordView[]>([]);
  const loadingRecords = ref(false);
  const recordsError = ref<string | null>(null);
  const selected = ref<number | null>(null);
  let statsCall = 0;
  let recordsCall = 0;
  let searchTimer: ReturnType<typeof setTimeout> | null = null;

  const pageCount = computed(() => Math.max(1, Math.ceil(total.value / RECORDS_PER_PAGE)));

  async function loadStats(): Promise<void> {
    const call = ++statsCall;
    stats.value = null;
    statsError.value = null;
    if (dataset.value === null || split.value === null) return;
    try {
      const result = await api.call('datasets.stats', { name: dataset.value, split: split.value });
      if (call === statsCall) stats.value = result;
    } catch (e) {
      if (call === statsCall) statsError.value = message(e);
    }
  }

  async function loadRecords(): Promise<void> {
    const call = ++recordsCall;
    if (dataset.value === null || split.value === null) {
      records.value = [];
      total.value = 0;
      return;
    }
    loadingRecords.value = true;
    try {
      const result = await api.call('datasets.records', {
        name: dataset.value,
        split: split.value,
        query: query.value,
        offset: page.value * RECORDS_PER_PAGE,
        limit: RECORDS_PER_PAGE,
      });
      if (call !== recordsCall) return;
      records.value = result.records;
      total.value = result.total;
      recordsError.value = null;
      // Keep the open record when it is still on the page; otherwise show the page's first.
      if (!result.records.some((record) => record.index === selected.value)) selected.value = result.records[0]?.index ?? null;
    } catch (e) {
      if (call === recordsCall) recordsError.value = message(e);
    } finally {
      if (call === recordsCall) loadingRecords.value = false;
    }
  }

  watch(
    [dataset, split],
    () => {
      query.value = '';
      page.value = 0;
      selected.value = null;
      void loadStats();
      void loadRecords();
    },
    { immediate: true },
  );

  watch(query, () => {
    if (searchTimer !== null) clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      searchTimer = null;
      if (page.value === 0) void loadRecords();
      else page.value = 0;
    }, options.searchDelayMs ?? 250);
  });
  watch(page, () => void loadRecords());
  onScopeDispose(() => {
    if (searchTimer !== null) clearTimeout(searchTimer);
  });

  return {
    stats,
    statsError,
    query,
    page,
    pageCount,
    total,
    records,
    loadingRecords,
    recordsError,
    selected,
    selectedRecord: computed(() => records.value.find((record) => record.index === selected.value) ?? null),
    nextPage: () => {
      if (page.value + 1 < pageCount.value) page.value++;
    },
    previousPage: () => {
      if (page.value > 0) page.value--;
    },
  };
}
