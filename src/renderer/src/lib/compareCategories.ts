/**
 * The category chart of the Compare page (the paper's Figure 5 for the user's runs): for each
 * chosen run the six path categories of one or more prediction files, as stacked percentages —
 * a CoT run at its chosen epoch (the best by default), a Coconut evaluation at each forced thought
 * count k it has, else at its chosen epoch.
 */
import {
  CATEGORY_TITLES,
  PATH_CATEGORIES,
  type CategoryCounts,
  type PathCategory,
  type PredictionFileSummary,
  type RunAnalysis,
  type StepsTally,
} from '../../../common/analysis';
import { axisStyle, chartTheme, tooltipStyle } from './chartTheme';
import type { EChartsOption } from './echarts';
import { methodLabel } from './format';
import type { Scheme } from './stageColors';

export interface CategoryBar {
  /** `run:file`, unique on a chart. */
  key: string;
  runId: string;
  runName: string;
  method: string;
  file: string;
  /** The file's thought count (k). */
  thoughts: number;
  /** The k an evaluation forced, or null. */
  forced: number | null;
  /** The file's epoch as the events count it (from 0), or null. */
  epoch: number | null;
  counts: CategoryCounts;
  /** Questions classified (the sum of the counts). */
  total: number;
  accuracy: number;
  /** Accuracy per number of reasoning steps, over all the file's questions (named nodes included). */
  bySteps: StepsTally[];
}

/** Files the analysis could classify (a graph dataset, read without a problem). */
export function classifiedFiles(analysis: RunAnalysis): PredictionFileSummary[] {
  return analysis.files.filter((file) => file.categories !== null && file.problem === null);
}

/** The files a user picks one of (every classified file that did not force k), in epoch order. */
export function choosableFiles(analysis: RunAnalysis): PredictionFileSummary[] {
  return classifiedFiles(analysis).filter((file) => file.forced_thoughts === null);
}

/** The most accurate choosable file, the earliest of equals (the epoch of the best checkpoint). */
export function defaultFileOf(analysis: RunAnalysis): string | null {
  let best: PredictionFileSummary | null = null;
  for (const file of choosableFiles(analysis)) if (best === null || file.accuracy > best.accuracy) best = file;
  return best?.file ?? null;
}

function barOf(analysis: RunAnalysis, file: PredictionFileSummary): CategoryBar {
  const counts = file.categories as CategoryCounts;
  return {
    key: `${analysis.run_id}:${file.file}`,
    runId: analysis.run_id,
    runName: analysis.name,
    method: analysis.method,
    file: file.file,
    thoughts: file.thoughts,
    forced: file.forced_thoughts,
    epoch: file.epoch,
    counts,
    total: PATH_CATEGORIES.reduce((sum, category) => sum + counts[category], 0),
    accuracy: file.accuracy,
    bySteps: file.by_steps,
  };
}

/**
 * A run's bars: one per forced k when it has such files (in k order), else the chosen file
 * (`chosen`, when it is one of the choosable files, else the default). None when nothing was classified.
 */
export function barsOfRun(analysis: RunAnalysis, chosen: string | null): CategoryBar[] {
  const classified = classifiedFiles(analysis);
  const forced = classified.filter((file) => file.forced_thoughts !== null).sort((a, b) => (a.forced_thoughts as number) - (b.forced_thoughts as number));
  if (forced.length > 0) return forced.map((file) => barOf(analysis, file));
  const choosable = choosableFiles(analysis);
  const name = choosable.some((file) => file.file === chosen) ? chosen : defaultFileOf(analysis);
  const file = choosable.find((candidate) => candidate.file === name);
  return file ? [barOf(analysis, file)] : [];
}

/** Which file of a bar, in words: `k=2` for a forced count, else `epoch 3` (from 1), else the file name. */
export function barFileLabel(bar: Pick<CategoryBar, 'forced' | 'epoch' | 'file'>): string {
  if (bar.forced !== null) return `k=${bar.forced}`;
  if (bar.epoch !== null) return `epoch ${bar.epoch + 1}`;
  return bar.file;
}

/**
 * The axis label, two short lines: the method (numbered `#1`, `#2` in the order chosen when several
 * runs share it; the legend table below names them in full), then which evaluation: `epoch 3`, or
 * `epoch 4 · k=2` for a forced count. Run names are too long for an axis: side by side they overlap.
 */
export function barLabels(bars: readonly CategoryBar[]): string[] {
  const runsByMethod = new Map<string, string[]>();
  for (const bar of bars) {
    const runs = runsByMethod.get(bar.method) ?? [];
    if (!runs.includes(bar.runId)) runs.push(bar.runId);
    runsByMethod.set(bar.method, runs);
  }
  return bars.map((bar) => {
    const runs = runsByMethod.get(bar.method) ?? [];
    const method = methodLabel(bar.method);
    const who = runs.length > 1 ? `${method} #${runs.indexOf(bar.runId) + 1}` : method;
    const which = bar.forced !== null && bar.epoch !== null ? `epoch ${bar.epoch + 1} · k=${bar.forced}` : barFileLabel(bar);
    return `${who}\n${which}`;
  });
}

export const percentOf = (count: number, total: number): number => (total > 0 ? (100 * count) / total : 0);

export interface CategorySegment {
  /** Percent of the bar's classified questions. */
  value: number;
  count: number;
  total: number;
}

export interface CategorySeries {
  category: PathCategory;
  name: string;
  data: CategorySegment[];
}

/** One series per category (the stack's layers), one value per bar. */
export function categorySeries(bars: readonly CategoryBar[]): CategorySeries[] {
  return PATH_CATEGORIES.map((category) => ({
    category,
    name: CATEGORY_TITLES[category],
    data: bars.map((bar) => ({ value: percentOf(bar.counts[category], bar.total), count: bar.counts[category], total: bar.total })),
  }));
}

/** What a click on the chart names: the bar (by its index on the axis) and the category (by series). */
export function segmentAt(bars: readonly CategoryBar[], seriesIndex: number, dataIndex: number): { bar: CategoryBar; category: PathCategory } | null {
  const bar = bars[dataIndex];
  const category = PATH_CATEGORIES[seriesIndex];
  return bar && category ? { bar, category } : null;
}

/** Colours that read as the verdicts: greens for right answers by path, red for hallucination, orange for the wrong leaf. */
export const CATEGORY_COLORS: Record<Scheme, Record<PathCategory, string>> = {
  light: {
    correct_label: '#9fcf9a',
    incorrect_label: '#b9bfca',
    correct_path: '#2e9e6a',
    longer_path: '#3b6fd6',
    hallucination: '#d1503e',
    wrong_target: '#d9822b',
  },
  dark: {
    correct_label: '#7fb17a',
    incorrect_label: '#5d6575',
    correct_path: '#52c48f',
    longer_path: '#6f9bf2',
    hallucination: '#ee7a68',
    wrong_target: '#f0a35a',
  },
};

/** The stacked bars as an ECharts option: percentages on the bars, counts in the tooltip. */
export function categoryChartOption(bars: readonly CategoryBar[], scheme: Scheme): EChartsOption {
  const theme = chartTheme(scheme);
  const labels = barLabels(bars);
  const series = categorySeries(bars);
  return {
    animation: false,
    grid: { left: 48, right: 16, top: 38, bottom: 48, containLabel: false },
    legend: { top: 4, textStyle: { color: theme.text, fontSize: 11.5 }, itemWidth: 14, itemHeight: 10 },
    tooltip: {
      ...tooltipStyle(theme),
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      formatter: (params: Array<{ dataIndex: number; seriesIndex: number; marker: string }>) => {
        const first = params[0];
        const bar = first ? bars[first.dataIndex] : undefined;
        if (!bar) return '';
        const rows = params.map((param) => {
          const s = series[param.seriesIndex];
          const segment = s?.data[param.dataIndex];
          return segment ? `${param.marker}${s.name}: <b>${segment.count}</b> (${segment.value.toFixed(1)} %)` : '';
        });
        const head = `${escapeHtml(methodLabel(bar.method))} · ${escapeHtml(bar.runName)} · ${escapeHtml(barFileLabel(bar))}`;
        return `${head}<br/>${bar.total} questions · accuracy ${(bar.accuracy * 100).toFixed(1)} %<br/>${rows.join('<br/>')}`;
      },
    },
    xAxis: { type: 'category', data: labels, ...axisStyle(theme), axisLabel: { color: theme.muted, fontSize: 11, interval: 0, lineHeight: 14 } },
    yAxis: { type: 'value', min: 0, max: 100, name: '% of questions', ...axisStyle(theme) },
    series: series.map((s) => ({
      type: 'bar',
      name: s.name,
      stack: 'categories',
      barMaxWidth: 56,
      itemStyle: { color: CATEGORY_COLORS[scheme][s.category] },
      emphasis: { focus: 'series' },
      label: {
        show: true,
        color: '#fff',
        fontSize: 10.5,
        formatter: (param: { value: number }) => (param.value >= 6 ? `${Math.round(param.value)}%` : ''),
      },
      data: s.data.map((segment) => segment.value),
    })),
  };
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/**
 * The step counts the bars' questions have, ascending, when there are several (a dataset of one
 * step count says nothing more per count than the accuracy does): the paper's effect lives in the
 * longer questions, so the table shows each run's accuracy at each.
 */
export function stepCounts(bars: readonly CategoryBar[]): number[] {
  const counts = [...new Set(bars.flatMap((bar) => bar.bySteps.map((tally) => tally.steps)))].sort((a, b) => a - b);
  return counts.length > 1 ? counts : [];
}

/** A bar's tally at a step count, or null when none of its questions has that many steps. */
export function stepsTallyOf(bar: CategoryBar, steps: number): StepsTally | null {
  return bar.bySteps.find((tally) => tally.steps === steps && tally.total > 0) ?? null;
}

/** A bar's accuracy at a step count as the tables print it: `62.5 % (5/8)`, or `—` without such questions. */
export function stepsCell(bar: CategoryBar, steps: number): string {
  const tally = stepsTallyOf(bar, steps);
  return tally ? `${percentOf(tally.correct, tally.total).toFixed(1)} % (${tally.correct}/${tally.total})` : '—';
}

/** The CSV column of a step count's accuracy. */
export const stepsColumn = (steps: number): `accuracy_${number}_steps` => `accuracy_${steps}_steps`;

export const CATEGORY_TABLE_COLUMNS = ['run_id', 'run', 'method', 'file', 'k', 'epoch', 'questions', 'accuracy', ...PATH_CATEGORIES] as const;

/** The table's columns for these bars: the fixed ones, then one accuracy per step count. */
export function categoryTableColumns(bars: readonly CategoryBar[]): string[] {
  return [...CATEGORY_TABLE_COLUMNS, ...stepCounts(bars).map(stepsColumn)];
}

/** The chart as a table (counts; the report and CSV add percentages from them), with the accuracy per step count. */
export function categoryRecords(bars: readonly CategoryBar[]): Array<Record<string, string | number | null>> {
  const steps = stepCounts(bars);
  return bars.map((bar) => ({
    run_id: bar.runId,
    run: bar.runName,
    method: bar.method,
    file: bar.file,
    k: bar.forced ?? bar.thoughts,
    epoch: bar.epoch === null ? null : bar.epoch + 1,
    questions: bar.total,
    accuracy: bar.accuracy,
    ...bar.counts,
    ...Object.fromEntries(
      steps.map((count) => {
        const tally = stepsTallyOf(bar, count);
        return [stepsColumn(count), tally ? tally.correct / tally.total : null];
      }),
    ),
  }));
}

/** The file a run shows side by side by default: its last bar (the largest forced k, or the chosen epoch). */
export function defaultSideFile(analysis: RunAnalysis, chosen: string | null): string | null {
  const bars = barsOfRun(analysis, chosen);
  return bars[bars.length - 1]?.file ?? null;
}
