/**
 * One question side by side: the questions of two runs' prediction files paired by record
 * index, and the filters the Compare page offers — where the two disagree (one right, one wrong)
 * or where one side's verdict is a chosen category.
 */
import type { AnalysedQuestion, PathCategory } from '../../../common/analysis';
import type { RunSummary } from '../../../common/runs';

/** One side of the comparison: a run and the prediction file its answers come from. */
export interface CompareSide {
  run: RunSummary;
  file: string;
  /** The file in words (`epoch 3`, `k=2`). */
  fileLabel: string;
}

export interface QuestionPair {
  idx: number;
  /** The first run's output (the one whose written path is drawn); null when its file lacks the record. */
  a: AnalysedQuestion | null;
  b: AnalysedQuestion | null;
}

export type Side = 'a' | 'b';

export type PairFilter = { kind: 'all' } | { kind: 'disagree' } | { kind: 'category'; side: Side; category: PathCategory };

/** Both lists by record index, ascending; a record only one file has keeps an empty side. */
export function pairQuestions(a: readonly AnalysedQuestion[], b: readonly AnalysedQuestion[]): QuestionPair[] {
  const pairs = new Map<number, QuestionPair>();
  for (const row of a) pairs.set(row.idx, { idx: row.idx, a: row, b: null });
  for (const row of b) {
    const pair = pairs.get(row.idx);
    if (pair) pair.b = row;
    else pairs.set(row.idx, { idx: row.idx, a: null, b: row });
  }
  return [...pairs.values()].sort((x, y) => x.idx - y.idx);
}

/** One right and the other wrong (both must have answered). */
export function disagree(pair: QuestionPair): boolean {
  return pair.a !== null && pair.b !== null && pair.a.correct !== pair.b.correct;
}

export function filterPairs(pairs: readonly QuestionPair[], filter: PairFilter): QuestionPair[] {
  switch (filter.kind) {
    case 'all':
      return [...pairs];
    case 'disagree':
      return pairs.filter(disagree);
    case 'category':
      return pairs.filter((pair) => pair[filter.side]?.verdict?.category === filter.category);
  }
}

/** How many pairs each filter keeps, for the filter's labels. */
export function filterCounts(pairs: readonly QuestionPair[]): { all: number; disagree: number; aRight: number; bRight: number } {
  let disagreeing = 0;
  let aRight = 0;
  let bRight = 0;
  for (const pair of pairs) {
    if (disagree(pair)) {
      disagreeing++;
      if (pair.a?.correct) aRight++;
      else bRight++;
    }
  }
  return { all: pairs.length, disagree: disagreeing, aRight, bRight };
}

/** The filter as text for the address bar and back (`all`, `disagree`, `a:hallucination`). */
export function filterKey(filter: PairFilter): string {
  return filter.kind === 'category' ? `${filter.side}:${filter.category}` : filter.kind;
}

/** The next position in a list of `length` after moving `step` from `current` (clamped; -1 when empty). */
export function moveIndex(current: number, step: number, length: number): number {
  if (length === 0) return -1;
  if (current < 0) return step >= 0 ? 0 : length - 1;
  return Math.min(length - 1, Math.max(0, current + step));
}

/**
 * Which runs go on which side by default: A (its written path drawn) the first run that does not
 * think in continuous thoughts — CoT first —, B the first Coconut run that is not A, else the next run.
 */
export function defaultSides(runs: ReadonlyArray<{ id: string; method: string }>): { a: string | null; b: string | null } {
  const a = runs.find((run) => run.method === 'cot') ?? runs.find((run) => run.method !== 'coconut') ?? runs[0] ?? null;
  const others = runs.filter((run) => run.id !== a?.id);
  const b = others.find((run) => run.method === 'coconut') ?? others[0] ?? null;
  return { a: a?.id ?? null, b: b?.id ?? null };
}
