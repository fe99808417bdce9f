/**
 * One split of one dataset: its statistics, and its records a page at a time, filtered by a
 * search that is sent once typing pauses. Changing dataset or split starts over at page one.
 */
import { ref, watch, type Ref } from 'vue';
import type { DatasetStats } from '../../../common/api';
import type { ClientApi } from '../api';
import { usePagedRecords, type PagedRecords } from './usePagedRecords';

export const RECORDS_PER_PAGE = 20;

/** The records of the split; the highlighted one is shown in full. */
export interface DatasetBrowser extends PagedRecords {
  stats: Ref<DatasetStats | null>;
  statsError: Ref<string | null>;
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
  let statsCall = 0;

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

  const paged = usePagedRecords(
    (request) => (dataset.value === null || split.value === null ? null : api.call('datasets.records', { name: dataset.value, split: split.value, ...request })),
    { perPage: RECORDS_PER_PAGE, searchDelayMs: options.searchDelayMs },
  );

  watch(
    [dataset, split],
    () => {
      void loadStats();
      paged.reset();
    },
    { immediate: true },
  );

  return { ...paged, stats, statsError };
}
