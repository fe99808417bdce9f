/**
 * A page of one of a run's prediction files (`runs.predictions`): which file, right/wrong, a search
 * sent once typing pauses, and paging. Asked again when `refresh` changes (an evaluation wrote a
 * new file); while the reader has not chosen a file, the newest is shown.
 */
import { computed, ref, watch, type Ref } from 'vue';
import type { PredictionFilter, PredictionRow } from '../../../common/api';
import type { ClientApi } from '../api';
import { useDebounced } from './useDebounced';

export const PREDICTIONS_PER_PAGE = 25;

export function useRunPredictions(api: ClientApi, runId: Ref<string>, refresh: Ref<unknown>) {
  const files = ref<string[]>([]);
  /** The file asked for; null: the newest. */
  const chosen = ref<string | null>(null);
  /** The file shown (the server's answer). */
  const file = ref<string | null>(null);
  const filter = ref<PredictionFilter>('all');
  const query = ref('');
  const { settled: settledQuery, flush } = useDebounced(query, 250);
  const page = ref(0);
  const total = ref(0);
  const rows = ref<PredictionRow[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  let latest = 0;

  const pageCount = computed(() => Math.max(1, Math.ceil(total.value / PREDICTIONS_PER_PAGE)));

  async function load(): Promise<void> {
    const call = ++latest;
    loading.value = true;
    try {
      const answer = await api.call('runs.predictions', {
        id: runId.value,
        ...(chosen.value ? { file: chosen.value } : {}),
        filter: filter.value,
        query: settledQuery.value.trim(),
        offset: page.value * PREDICTIONS_PER_PAGE,
        limit: PREDICTIONS_PER_PAGE,
      });
      if (call !== latest) return;
      files.value = answer.files;
      file.value = answer.file;
      total.value = answer.total;
      rows.value = answer.rows;
      error.value = null;
      // The page fell off the end (fewer rows after a refresh): go to the last one that exists.
      if (answer.rows.length === 0 && answer.total > 0 && page.value > 0) page.value = pageCount.value - 1;
    } catch (e) {
      if (call !== latest) return;
      error.value = e instanceof Error ? e.message : String(e);
      rows.value = [];
      total.value = 0;
    } finally {
      if (call === latest) {
        loading.value = false;
        loaded.value = true;
      }
    }
  }

  watch([chosen, filter, settledQuery], () => {
    page.value = 0;
    void load();
  });
  watch(page, () => void load());
  watch(runId, () => {
    chosen.value = null;
    query.value = '';
    flush();
    page.value = 0;
    void load();
  });
  watch(refresh, () => void load(), { immediate: true });

  return {
    files,
    chosen,
    file,
    filter,
    query,
    flushQuery: flush,
    page,
    pageCount,
    total,
    rows,
    loading,
    loaded,
    error,
    nextPage: () => {
      if (page.value < pageCount.value - 1) page.value += 1;
    },
    previousPage: () => {
      if (page.value > 0) page.value -= 1;
    },
  };
}
