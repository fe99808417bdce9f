/**
 * Records a page at a time, filtered by a search that is sent once typing pauses, with one record
 * of the page highlighted (↑/↓ move it; a new page keeps it when it is still there, else the
 * page's first). Shared by the dataset browser and the inspector's question picker; each says how
 * a page is fetched and calls `reset` when what it lists changes.
 */
import { computed, onScopeDispose, ref, watch, type ComputedRef, type Ref } from 'vue';
import type { DatasetRecordView } from '../../../common/api';

export interface RecordPage {
  records: DatasetRecordView[];
  total: number;
}

export interface PageRequest {
  query: string;
  offset: number;
  limit: number;
}

export interface PagedRecords {
  query: Ref<string>;
  page: Ref<number>;
  pageCount: ComputedRef<number>;
  total: Ref<number>;
  records: Ref<DatasetRecordView[]>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  /** The record the keys are on (its index), or null. */
  highlighted: Ref<number | null>;
  highlightedRecord: ComputedRef<DatasetRecordView | null>;
  /** Moves the highlight by `step` records within the page. */
  move: (step: number) => void;
  nextPage: () => void;
  previousPage: () => void;
  /** Starts over: no search, page one, nothing highlighted, and loads it. */
  reset: () => void;
}

/** A page of the search as a component shows it (its props, bound from `PagedRecords`). */
export interface RecordPageProps {
  records: DatasetRecordView[];
  total: number;
  page: number;
  pageCount: number;
  perPage: number;
  query: string;
  loading: boolean;
  error: string | null;
  highlighted: number | null;
}

export interface PagedRecordsOptions<P extends RecordPage> {
  perPage: number;
  searchDelayMs?: number;
  /** A failed page also empties the list (otherwise the last page stays under the error). */
  clearOnError?: boolean;
  /** Sees each page that arrives (not those overtaken by a later request). */
  onPage?: (page: P) => void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** `fetchPage` returns null when there is nothing to list (no dataset chosen): the list is then empty. */
export function usePagedRecords<P extends RecordPage>(fetchPage: (request: PageRequest) => Promise<P> | null, options: PagedRecordsOptions<P>): PagedRecords {
  const { perPage } = options;
  const query = ref('');
  const page = ref(0);
  const total = ref(0);
  const records = ref<DatasetRecordView[]>([]);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const highlighted = ref<number | null>(null);
  let latest = 0;
  let searchTimer: ReturnType<typeof setTimeout> | null = null;

  const pageCount = computed(() => Math.max(1, Math.ceil(total.value / perPage)));

  async function load(): Promise<void> {
    const call = ++latest;
    const pending = fetchPage({ query: query.value, offset: page.value * perPage, limit: perPage });
    if (pending === null) {
      records.value = [];
      total.value = 0;
      loading.value = false;
      return;
    }
    loading.value = true;
    try {
      const result = await pending;
      if (call !== latest) return;
      records.value = result.records;
      total.value = result.total;
      error.value = null;
      options.onPage?.(result);
      if (!result.records.some((record) => record.index === highlighted.value)) highlighted.value = result.records[0]?.index ?? null;
    } catch (e) {
      if (call !== latest) return;
      error.value = message(e);
      if (options.clearOnError) {
        records.value = [];
        total.value = 0;
      }
    } finally {
      if (call === latest) loading.value = false;
    }
  }

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
    reset: () => {
      query.value = '';
      page.value = 0;
      highlighted.value = null;
      void load();
    },
  };
}
