/**
 * The questions behind one segment of the category chart (a run's file and one category), read a
 * page at a time from `analysis.questions`.
 */
import { computed, ref, watch, type ComputedRef, type Ref } from 'vue';
import type { AnalysedQuestion, PathCategory } from '../../../common/analysis';
import type { ClientApi } from '../api';

export interface BarSegment {
  runId: string;
  runName: string;
  method: string;
  file: string;
  category: PathCategory;
}

export const BAR_QUESTIONS_PER_PAGE = 25;

export interface BarQuestions {
  rows: Ref<AnalysedQuestion[]>;
  total: Ref<number>;
  page: Ref<number>;
  pageCount: ComputedRef<number>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  next: () => void;
  previous: () => void;
}

export function useCompareBarQuestions(api: ClientApi, segment: Ref<BarSegment | null>): BarQuestions {
  const rows = ref<AnalysedQuestion[]>([]);
  const total = ref(0);
  const page = ref(0);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let latest = 0;

  async function load(): Promise<void> {
    const call = ++latest;
    const chosen = segment.value;
    if (chosen === null) {
      rows.value = [];
      total.value = 0;
      error.value = null;
      loading.value = false;
      return;
    }
    loading.value = true;
    try {
      const result = await api.call('analysis.questions', {
        id: chosen.runId,
        file: chosen.file,
        category: chosen.category,
        filter: 'all',
        offset: page.value * BAR_QUESTIONS_PER_PAGE,
        limit: BAR_QUESTIONS_PER_PAGE,
      });
      if (call !== latest) return;
      rows.value = result.rows;
      total.value = result.total;
      error.value = null;
    } catch (e) {
      if (call !== latest) return;
      rows.value = [];
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      if (call === latest) loading.value = false;
    }
  }

  watch(segment, () => {
    if (page.value === 0) void load();
    else page.value = 0;
  });
  watch(page, () => void load());
  if (segment.value !== null) void load();

  const pageCount = computed(() => Math.max(1, Math.ceil(total.value / BAR_QUESTIONS_PER_PAGE)));
  return {
    rows,
    total,
    page,
    pageCount,
    loading,
    error,
    next: () => {
      if (page.value + 1 < pageCount.value) page.value++;
    },
    previous: () => {
      if (page.value > 0) page.value--;
    },
  };
}
