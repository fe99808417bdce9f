/**
 * The questions of two runs' prediction files side by side: both files read whole (in pages of
 * the API's largest size), paired by record index, filtered (all, where the two disagree, where
 * one side's verdict is a chosen category) and shown a page at a time, with one question chosen
 * and the keyboard moving the choice.
 */
import { computed, ref, watch, type ComputedRef, type Ref } from 'vue';
import type { AnalysedQuestion } from '../../../common/analysis';
import type { ClientApi } from '../api';
import { filterPairs, moveIndex, pairQuestions, type PairFilter, type QuestionPair } from '../lib/compareQuestions';

/** A run's prediction file. */
export interface FileRef {
  runId: string;
  file: string;
}

/** The API's largest page. */
const PAGE_SIZE = 5000;
/** Enough for any validation or test split the paper uses many times over; more would be slow to pair in the page. */
export const MAX_COMPARED_QUESTIONS = 50_000;
export const PAIRS_PER_PAGE = 40;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Every question of one file (up to the cap), with whether the cap cut it short. */
export async function readAllQuestions(api: ClientApi, ref_: FileRef): Promise<{ rows: AnalysedQuestion[]; total: number }> {
  const rows: AnalysedQuestion[] = [];
  let total = 0;
  do {
    const page = await api.call('analysis.questions', { id: ref_.runId, file: ref_.file, filter: 'all', offset: rows.length, limit: PAGE_SIZE });
    total = page.total;
    rows.push(...page.rows);
    if (page.rows.length === 0) break;
  } while (rows.length < total && rows.length < MAX_COMPARED_QUESTIONS);
  return { rows, total };
}

export interface CompareQuestions {
  pairs: Ref<QuestionPair[]>;
  filter: Ref<PairFilter>;
  filtered: ComputedRef<QuestionPair[]>;
  page: Ref<number>;
  pageCount: ComputedRef<number>;
  shown: ComputedRef<QuestionPair[]>;
  /** The chosen question's record index, or null. */
  selected: Ref<number | null>;
  selectedPair: ComputedRef<QuestionPair | null>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  /** Set when a file held more questions than are compared. */
  truncated: Ref<boolean>;
  select: (idx: number) => void;
  /** Moves the choice through the filtered list (j/k, arrows), turning pages as needed. */
  move: (step: number) => void;
}

export function useCompareQuestions(api: ClientApi, a: Ref<FileRef | null>, b: Ref<FileRef | null>): CompareQuestions {
  const pairs = ref<QuestionPair[]>([]);
  const filter = ref<PairFilter>({ kind: 'all' });
  const page = ref(0);
  const selected = ref<number | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  const truncated = ref(false);
  let latest = 0;

  async function load(): Promise<void> {
    const call = ++latest;
    const left = a.value;
    const right = b.value;
    if (left === null || right === null) {
      pairs.value = [];
      loading.value = false;
      error.value = null;
      return;
    }
    loading.value = true;
    try {
      const [first, second] = await Promise.all([readAllQuestions(api, left), readAllQuestions(api, right)]);
      if (call !== latest) return;
      pairs.value = pairQuestions(first.rows, second.rows);
      truncated.value = first.rows.length < first.total || second.rows.length < second.total;
      error.value = null;
    } catch (e) {
      if (call !== latest) return;
      pairs.value = [];
      error.value = `Could not read the questions: ${message(e)}`;
    } finally {
      if (call === latest) loading.value = false;
    }
  }

  watch(() => [a.value?.runId, a.value?.file, b.value?.runId, b.value?.file], () => void load(), { immediate: true });

  const filtered = computed(() => filterPairs(pairs.value, filter.value));
  const pageCount = computed(() => Math.max(1, Math.ceil(filtered.value.length / PAIRS_PER_PAGE)));
  const shown = computed(() => filtered.value.slice(page.value * PAIRS_PER_PAGE, (page.value + 1) * PAIRS_PER_PAGE));
  const selectedPair = computed(() => (selected.value === null ? null : (pairs.value.find((pair) => pair.idx === selected.value) ?? null)));

  // A new filter starts at its first page; the choice stays if the new list still holds it.
  watch(filter, () => {
    page.value = 0;
    const at = filtered.value.findIndex((pair) => pair.idx === selected.value);
    if (at >= 0) page.value = Math.floor(at / PAIRS_PER_PAGE);
  });
  watch(pageCount, (count) => {
    if (page.value >= count) page.value = count - 1;
  });

  function select(idx: number): void {
    selected.value = idx;
    const at = filtered.value.findIndex((pair) => pair.idx === idx);
    if (at >= 0) page.value = Math.floor(at / PAIRS_PER_PAGE);
  }

  function move(step: number): void {
    const list = filtered.value;
    const next = moveIndex(
      list.findIndex((pair) => pair.idx === selected.value),
      step,
      list.length,
    );
    const pair = list[next];
    if (pair) select(pair.idx);
  }

  return { pairs, filter, filtered, page, pageCount, shown, selected, selectedPair, loading, error, truncated, select, move };
}
