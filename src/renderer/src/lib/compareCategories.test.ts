import { describe, expect, it } from 'vitest';
import { PATH_CATEGORIES, type CategoryCounts, type PredictionFileSummary, type RunAnalysis } from '../../../common/analysis';
import {
  barLabels,
  barsOfRun,
  categoryChartOption,
  categoryRecords,
  categorySeries,
  choosableFiles,
  defaultFileOf,
  defaultSideFile,
  segmentAt,
  categoryTableColumns,
  stepCounts,
  stepsCell,
} from './compareCategories';

const counts = (values: Partial<CategoryCounts>): CategoryCounts => ({ ...Object.fromEntries(PATH_CATEGORIES.map((c) => [c, 0])), ...values }) as CategoryCounts;

function file(name: string, accuracy: number, extra: Partial<PredictionFileSummary> = {}): PredictionFileSummary {
  return {
    file: name,
    epoch: null,
    stage: null,
    forced_thoughts: null,
    thoughts: 0,
    total: 10,
    correct: Math.round(accuracy * 10),
    accuracy,
    mean_new_tokens: null,
    mean_forward_passes: null,
    ms_per_question: null,
    categories: counts({ correct_path: Math.round(accuracy * 10), hallucination: 10 - Math.round(accuracy * 10) }),
    first_step: null,
    frontier: null,
    by_steps: [],
    problem: null,
    ...extra,
  };
}

function analysis(id: string, method: string, files: PredictionFileSummary[]): RunAnalysis {
  return { run_id: id, name: `run-${id}`, method, val_path: '/d/valid.json', graph: true, files, problem: null };
}

describe('which files make bars', () => {
  const cot = analysis('cot', 'cot', [
    file('epoch-1.jsonl', 0.4, { epoch: 0 }),
    file('epoch-2.jsonl', 0.7, { epoch: 1 }),
    file('epoch-3.jsonl', 0.7, { epoch: 2 }),
    file('epoch-4.jsonl', 0.9, { epoch: 3, problem: 'the file is cut short' }),
    file('epoch-5.jsonl', 0.95, { epoch: 4, categories: null }),
  ]);

  it('defaults to the most accurate classified file, the earliest of equals', () => {
    expect(choosableFiles(cot).map((f) => f.file)).toEqual(['epoch-1.jsonl', 'epoch-2.jsonl', 'epoch-3.jsonl']);
    expect(defaultFileOf(cot)).toBe('epoch-2.jsonl');
    expect(barsOfRun(cot, null).map((bar) => bar.file)).toEqual(['epoch-2.jsonl']);
  });

  it('follows the chosen file, and ignores a choice that is not choosable', () => {
    expect(barsOfRun(cot, 'epoch-1.jsonl').map((bar) => bar.file)).toEqual(['epoch-1.jsonl']);
    expect(barsOfRun(cot, 'epoch-4.jsonl').map((bar) => bar.file)).toEqual(['epoch-2.jsonl']);
  });

  it('gives one bar per forced k, in k order, when an evaluation forced them', () => {
    const coconut = analysis('coco', 'coconut', [
      file('eval-1-k2.jsonl', 0.9, { forced_thoughts: 2, thoughts: 2 }),
      file('eval-1-k0.jsonl', 0.6, { forced_thoughts: 0 }),
      file('eval-1-k1.jsonl', 0.8, { forced_thoughts: 1, thoughts: 1 }),
      file('epoch-1.jsonl', 0.5, { epoch: 0 }),
    ]);
    const bars = barsOfRun(coconut, 'epoch-1.jsonl');
    expect(bars.map((bar) => bar.forced)).toEqual([0, 1, 2]);
    expect(bars[2]?.key).toBe('coco:eval-1-k2.jsonl');
    expect(bars[2]?.total).toBe(10);
  });

  it('shows the largest forced k side by side, else the chosen file', () => {
    const coconut = analysis('coco', 'coconut', [file('eval-1-k0.jsonl', 0.6, { forced_thoughts: 0 }), file('eval-1-k2.jsonl', 0.9, { forced_thoughts: 2 })]);
    expect(defaultSideFile(coconut, null)).toBe('eval-1-k2.jsonl');
    expect(defaultSideFile(cot, 'epoch-3.jsonl')).toBe('epoch-3.jsonl');
    expect(defaultSideFile(analysis('none', 'cot', []), null)).toBeNull();
  });

  it('gives no bar when nothing was classified', () => {
    expect(barsOfRun(analysis('x', 'cot', [file('epoch-1.jsonl', 0.5, { categories: null })]), null)).toEqual([]);
    expect(barsOfRun(analysis('y', 'cot', []), null)).toEqual([]);
  });
});

describe('series and labels', () => {
  const cot = barsOfRun(analysis('a', 'cot', [file('epoch-3.jsonl', 0.5, { epoch: 2, categories: counts({ correct_path: 1, hallucination: 2, wrong_target: 1 }) })]), null);
  const coco = barsOfRun(analysis('b', 'coconut', [file('e-k1.jsonl', 0.5, { forced_thoughts: 1, categories: counts({ correct_label: 3, longer_path: 1 }) })]), null);
  const bars = [...cot, ...coco];

  it('stacks percentages of each bar that sum to 100, with the counts beside them', () => {
    const series = categorySeries(bars);
    expect(series.map((s) => s.category)).toEqual([...PATH_CATEGORIES]);
    const hallucination = series.find((s) => s.category === 'hallucination');
    expect(hallucination?.data[0]).toEqual({ value: 50, count: 2, total: 4 });
    for (const index of [0, 1]) expect(series.reduce((sum, s) => sum + (s.data[index]?.value ?? 0), 0)).toBeCloseTo(100);
  });

  it('gives 0 % rather than NaN for a bar with no questions', () => {
    const empty = barsOfRun(analysis('e', 'cot', [file('epoch-1.jsonl', 0, { categories: counts({}) })]), null);
    expect(categorySeries(empty).every((s) => s.data[0]?.value === 0)).toBe(true);
  });

  it('names bars by method and file, adding the run name only where methods repeat', () => {
    expect(barLabels(bars)).toEqual(['CoT\nepoch 3', 'Coconut\nk=1']);
    const twoCots = [...cot, ...barsOfRun(analysis('c', 'cot', [file('epoch-1.jsonl', 0.1, { epoch: 0 })]), null)];
    expect(barLabels(twoCots)).toEqual(['CoT #1\nepoch 3', 'CoT #2\nepoch 1']);
  });

  it('maps a clicked segment back to its bar and category', () => {
    expect(segmentAt(bars, 4, 0)).toEqual({ bar: cot[0], category: 'hallucination' });
    expect(segmentAt(bars, 0, 1)?.bar.runId).toBe('b');
    expect(segmentAt(bars, 6, 0)).toBeNull();
    expect(segmentAt(bars, 0, 2)).toBeNull();
  });

  it('builds one stacked series per category on a 0–100 axis', () => {
    const option = categoryChartOption(bars, 'light') as { series: Array<{ stack: string; data: number[] }>; yAxis: { max: number } };
    expect(option.series).toHaveLength(6);
    expect(new Set(option.series.map((s) => s.stack)).size).toBe(1);
    expect(option.yAxis.max).toBe(100);
    expect(option.series[4]?.data).toEqual([50, 0]);
  });

  it('tabulates counts with epochs from 1', () => {
    expect(categoryRecords(bars)[0]).toMatchObject({ run_id: 'a', file: 'epoch-3.jsonl', epoch: 3, k: 0, questions: 4, hallucination: 2 });
    expect(categoryRecords(bars)[1]).toMatchObject({ k: 1, epoch: null, correct_label: 3 });
  });
});

describe('accuracy per number of reasoning steps', () => {
  const tallies = (...rows: Array<[number, number, number]>) => rows.map(([steps, total, correct]) => ({ steps, total, correct }));
  const cot = barsOfRun(analysis('a', 'cot', [file('epoch-2.jsonl', 0.5, { epoch: 1, by_steps: tallies([3, 6, 4], [4, 4, 1]) })]), null);
  const coco = barsOfRun(analysis('b', 'coconut', [file('epoch-9.jsonl', 0.7, { epoch: 8, by_steps: tallies([2, 2, 2], [3, 8, 5]) })]), null);
  const bars = [...cot, ...coco];

  it('has a column per step count any bar has, only when there are several', () => {
    expect(stepCounts(bars)).toEqual([2, 3, 4]);
    expect(stepCounts(cot)).toEqual([3, 4]);
    const single = barsOfRun(analysis('c', 'cot', [file('epoch-1.jsonl', 0.5, { by_steps: tallies([2, 10, 5]) })]), null);
    expect(stepCounts(single)).toEqual([]);
    expect(categoryTableColumns(single)).toHaveLength(14);
    expect(categoryTableColumns(bars).slice(-3)).toEqual(['accuracy_2_steps', 'accuracy_3_steps', 'accuracy_4_steps']);
  });

  it('prints each bar’s share with its counts, and a dash where it has no such question', () => {
    expect([2, 3, 4].map((steps) => stepsCell(cot[0]!, steps))).toEqual(['—', '66.7 % (4/6)', '25.0 % (1/4)']);
    expect(stepsCell(coco[0]!, 3)).toBe('62.5 % (5/8)');
  });

  it('puts the shares in the table records, null where a bar has none', () => {
    const [first, second] = categoryRecords(bars);
    expect(first).toMatchObject({ accuracy_2_steps: null, accuracy_3_steps: 4 / 6, accuracy_4_steps: 0.25 });
    expect(second).toMatchObject({ accuracy_2_steps: 1, accuracy_3_steps: 5 / 8, accuracy_4_steps: null });
  });
});
