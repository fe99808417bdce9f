/**
 * The run's validation questions for the inspector's picker: a page at a time, filtered by a
 * search sent once typing pauses. `highlighted` follows the arrow keys; a record is only
 * inspected once it is picked (Enter or a click), so moving through the list stays cheap.
 */
import { computed, onScopeDispose, ref, watch, type ComputedRef, type Ref } from 'vue';
import type { DatasetRecordView } from '../../../common/api';
import type { ClientApi } from '../api';

export const QUESTIONS_PER_PAGE = 12;

export interface InspectRecords {
  query: Ref<string>;
  page: Ref<number>;
  pageCount: ComputedRef<number>;
  total: Ref<number>;
  records: Ref<DatasetRecordView[]>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  /** The validation file the questions come from. */
  path: Ref<string | null>;
  highlighted: Ref<number | null>;
  highlightedRecord: ComputedRef<DatasetRecordView | null>;
  /** Moves the highlight by `step` records within the page. */
  move: (step: number) => void;
  nextPage: () => void;
  previousPage: () => void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function useInspectRecords(api: ClientApi, runId: Ref<string>, options: { searchDelayMs?: number } = {}): InspectRecords {
  const query = ref('');
  const page = ref(0);
  const total = ref(0);
  const records = ref<DatasetRecordView[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const path = ref<string | null>(null);
  const highlighted = ref<number | null>(null);
  let latest = 0;
  let searchTimer: ReturnType<typeof setTimeout> | null = null;

  const pageCount = computed(() => Math.max(1, Math.ceil(total.value / QUESTIONS_PER_PAGE)));

  async function load(): Promise<void> {
    const call = ++latest;
    loading.value = true;
    try {
      const result = await api.call('inspect.records', {
        id: runId.value,
        query: query.value,
        offset: page.value * QUESTIONS_PER_PAGE,
        limit: QUESTIONS_PER_PAGE,
      });
      if (call !== latest) return;
      records.value = result.records;
      total.value = result.total;
      path.value = result.path;
      error.value = null;
      if (!result.records.some((record) => record.index === highlighted.value)) highlighted.value = result.records[0]?.index ?? null;
    } catch (e) {
      if (call !== latest) return;
      error.value = message(e);
      records.value = [];
      total.value = 0;
    } finally {
      if (call === latest) loading.value = false;
    }
  }

  watch(
    runId,
    () => {
      query.value = '';
      page.value = 0;
      highlighted.value = null;
      void load();
    },
    { immediate: true },
  );
  watch(query, () => {
    if (searchTimer !== null) clearTimeout(searchTimer);
    searchTimer = setTimeout(() => {
      searchTimer = null;
      if (page.value === 0) void load();
      else page.value = 0;
    }, options.searchDelayMs ?? 250);
  });
  watch(page, () => void load());
  onScopeDispose(() => {
    if (searchTimer !== null) clearTimeout(searchTimer);
  });

  return {
    query,
    page,
    pageCount,
    total,
    records,
    loading,
    error,
    path,
    highlighted,
    highlightedRecord: computed(() => records.value.find((record) => record.index === highlighted.value) ?? null),
    move: (step: number) => {
      const at = records.value.findIndex((record) => record.index === highlighted.value);
      const next = records.value[Math.min(records.value.length - 1, Math.max(0, at + step))];
      if (next) highlighted.value = next.index;
    },
    nextPage: () => {
      if (page.value + 1 < pageCount.value) page.value++;
    },
    previousPage: () => {
      if (page.value > 0) page.value--;
    },
  };
}
