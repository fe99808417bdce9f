/**
 * A comparison as one page to keep or send: the runs, the Table-1-style grid of each dataset, the
 * path-category table and its chart, in Markdown or as a self-contained HTML file. The chart is
 * embedded as an SVG image (a data: URL), so the file opens anywhere without the workbench and
 * an image cannot run anything.
 */
import { CATEGORY_TITLES, PATH_CATEGORIES } from '../../../common/analysis';
import { barFileLabel, percentOf, stepCounts, stepsCell, type CategoryBar } from './compareCategories';
import { measureWhere, type DatasetGrid, type GridRow, type Measure } from './compareGrid';
import { methodLabel } from './format';

export interface ReportRun {
  id: string;
  name: string;
  method: string;
  seed: number | null;
  status: string;
  dataset: string | null;
}

export interface CompareReportInput {
  title?: string;
  generatedAt: Date;
  /** The comparison's address in the workbench (`#/compare?runs=…`). */
  link: string;
  runs: ReportRun[];
  grids: DatasetGrid[];
  /** The category chart's bars and the dataset they answer; null when none was drawn. */
  categories: { dataset: string | null; bars: CategoryBar[] } | null;
  /** The category chart as drawn (an SVG document); null when there is none. */
  chartSvg: string | null;
  /** Things the reader must know (runs of different datasets, runs without predictions). */
  notes: string[];
}

const DEFAULT_TITLE = 'Coconut Workbench — comparison';

const pct = (fraction: number | null | undefined) => (fraction === null || fraction === undefined ? '—' : `${(fraction * 100).toFixed(1)} %`);
const num = (value: number | null | undefined, digits = 1) => (value === null || value === undefined ? '—' : value.toFixed(digits));

function accuracyCell(row: GridRow, measure: Measure | null): string {
  return measure ? `${pct(measure.accuracy)} (${measureWhere(row, measure)})` : '—';
}

interface Table {
  head: string[];
  rows: string[][];
  /** Columns aligned right (numbers). */
  numeric: boolean[];
}

function runsTable(runs: readonly ReportRun[]): Table {
  return {
    head: ['Method', 'Run', 'Id', 'Seed', 'Status', 'Dataset'],
    rows: runs.map((run) => [methodLabel(run.method), run.name, run.id, run.seed === null ? '—' : String(run.seed), run.status, run.dataset ?? '—']),
    numeric: [false, false, false, true, false, false],
  };
}

function gridTable(grid: DatasetGrid): Table {
  return {
    head: ['Method', 'Run', 'Seed', 'k', 'Accuracy (best)', 'Accuracy (last)', 'Tokens', 'Forward passes', 'ms / question'],
    rows: grid.rows.map((row) => [
      methodLabel(row.method),
      row.name,
      row.seed === null ? '—' : String(row.seed),
      row.forcedThoughts === null ? '—' : String(row.forcedThoughts),
      accuracyCell(row, row.best),
      accuracyCell(row, row.last),
      num(row.best?.mean_new_tokens),
      num(row.best?.mean_forward_passes),
      num(row.best?.ms_per_question, 2),
    ]),
    numeric: [false, false, true, true, true, true, true, true, true],
  };
}

function categoryTable(bars: readonly CategoryBar[]): Table {
  const steps = stepCounts(bars);
  return {
    head: ['Method', 'Run', 'File', 'Questions', ...PATH_CATEGORIES.map((category) => CATEGORY_TITLES[category]), ...steps.map((count) => `${count}-step accuracy`)],
    rows: bars.map((bar) => [
      methodLabel(bar.method),
      bar.runName,
      `${barFileLabel(bar)} (${bar.file})`,
      String(bar.total),
      ...PATH_CATEGORIES.map((category) => `${percentOf(bar.counts[category], bar.total).toFixed(1)} % (${bar.counts[category]})`),
      ...steps.map((count) => stepsCell(bar, count)),
    ]),
    numeric: [false, false, false, true, ...PATH_CATEGORIES.map(() => true), ...steps.map(() => true)],
  };
}

/** UTF-8 text as base64 (btoa alone takes Latin-1 only), in chunks so large charts fit the call stack. */
export function base64Utf8(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export const svgDataUrl = (svg: string): string => `data:image/svg+xml;base64,${base64Utf8(svg)}`;

// ---- Markdown ----

/** A table cell: pipes escaped, line breaks flattened, so no value can break the table. */
export function markdownCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n|\r/g, ' ');
}

function markdownTable(table: Table): string {
  const line = (cells: string[]) => `| ${cells.map(markdownCell).join(' | ')} |`;
  const rule = `|${table.numeric.map((right) => (right ? ' ---: ' : ' --- ')).join('|')}|`;
  return [line(table.head), rule, ...table.rows.map(line)].join('\n');
}

/** Inline text outside tables: characters Markdown would read as markup are escaped. */
const markdownText = (text: string) => text.replace(/([\\`*_[\]<>#|])/g, '\\$1').replace(/\r?\n|\r/g, ' ');

export function reportMarkdown(input: CompareReportInput): string {
  const out: string[] = [`# ${markdownText(input.title ?? DEFAULT_TITLE)}`, ''];
  out.push(`Generated ${input.generatedAt.toISOString()} · ${input.runs.length} run${input.runs.length === 1 ? '' : 's'} · workbench address \`${input.link.replace(/`/g, '')}\``, '');
  for (const note of input.notes) out.push(`> ${markdownText(note)}`, '');
  out.push('## Runs', '', markdownTable(runsTable(input.runs)), '');
  for (const grid of input.grids) {
    out.push(`## Accuracy and cost — ${markdownText(grid.label)}`, '');
    if (grid.dataset !== null) out.push(`Dataset: \`${grid.dataset.replace(/`/g, '')}\``, '');
    out.push(markdownTable(gridTable(grid)), '', 'Tokens, forward passes and time per question are those of the best evaluation.', '');
  }
  if (input.categories && input.categories.bars.length > 0) {
    out.push('## Path categories', '');
    if (input.categories.dataset !== null) out.push(`Dataset: \`${input.categories.dataset.replace(/`/g, '')}\``, '');
    out.push(markdownTable(categoryTable(input.categories.bars)), '');
    if (input.chartSvg) out.push(`![Path categories](${svgDataUrl(input.chartSvg)})`, '');
  }
  return `${out.join('\n').trimEnd()}\n`;
}

// ---- HTML ----

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

function htmlTable(table: Table, testid: string): string {
  const cell = (tag: 'th' | 'td', text: string, right: boolean) => `<${tag}${right ? ' class="n"' : ''}>${escapeHtml(text)}</${tag}>`;
  const head = `<tr>${table.head.map((text, i) => cell('th', text, table.numeric[i] === true)).join('')}</tr>`;
  const body = table.rows.map((row) => `<tr>${row.map((text, i) => cell('td', text, table.numeric[i] === true)).join('')}</tr>`).join('\n');
  return `<table data-table="${testid}">\n<thead>${head}</thead>\n<tbody>\n${body}\n</tbody>\n</table>`;
}

const STYLE = `body{font:14px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;color:#1d2330;max-width:1100px;margin:32px auto;padding:0 20px}
h1{font-size:22px}h2{font-size:17px;margin-top:28px}table{border-collapse:collapse;margin:8px 0;font-size:13px}
th,td{border:1px solid #dfe3e9;padding:4px 8px;text-align:left}th{background:#f0f2f5}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:12.5px}.meta{color:#6b7385}.note{border-left:3px solid #b7791f;padding:4px 10px;background:#fbf4e8}
img.chart{max-width:100%;border:1px solid #dfe3e9;border-radius:6px}`;

export function reportHtml(input: CompareReportInput): string {
  const title = escapeHtml(input.title ?? DEFAULT_TITLE);
  const body: string[] = [`<h1>${title}</h1>`];
  body.push(
    `<p class="meta">Generated ${escapeHtml(input.generatedAt.toISOString())} · ${input.runs.length} run${input.runs.length === 1 ? '' : 's'} · workbench address <code>${escapeHtml(input.link)}</code></p>`,
  );
  for (const note of input.notes) body.push(`<p class="note">${escapeHtml(note)}</p>`);
  body.push('<h2>Runs</h2>', htmlTable(runsTable(input.runs), 'runs'));
  for (const grid of input.grids) {
    body.push(`<h2>Accuracy and cost — ${escapeHtml(grid.label)}</h2>`);
    if (grid.dataset !== null) body.push(`<p class="meta">Dataset: <code>${escapeHtml(grid.dataset)}</code></p>`);
    body.push(htmlTable(gridTable(grid), 'grid'), '<p class="meta">Tokens, forward passes and time per question are those of the best evaluation.</p>');
  }
  if (input.categories && input.categories.bars.length > 0) {
    body.push('<h2>Path categories</h2>');
    if (input.categories.dataset !== null) body.push(`<p class="meta">Dataset: <code>${escapeHtml(input.categories.dataset)}</code></p>`);
    body.push(htmlTable(categoryTable(input.categories.bars), 'categories'));
    if (input.chartSvg) body.push(`<p><img class="chart" alt="Path categories" src="${svgDataUrl(input.chartSvg)}"></p>`);
  }
  return `<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n<title>${title}</title>\n<style>\n${STYLE}\n</style>\n</head>\n<body>\n${body.join('\n')}\n</body>\n</html>\n`;
}

/** A file name for the report: the date and the runs' names, safe on every file system. */
export function reportFileName(runs: readonly ReportRun[], date: Date, extension: 'md' | 'html'): string {
  const clean = (text: string) => text.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '');
  const safe = runs.map((run) => clean(run.name)).filter((name) => name !== '').join('-vs-').slice(0, 80) || 'comparison';
  return `compare-${date.toISOString().slice(0, 10)}-${safe}.${extension}`;
}
