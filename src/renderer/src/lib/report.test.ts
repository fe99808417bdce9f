import { describe, expect, it } from 'vitest';
import { PATH_CATEGORIES, type CategoryCounts, type RunAnalysis } from '../../../common/analysis';
import type { EvalEvent } from '../../../common/events';
import type { RunSummary } from '../../../common/runs';
import { barsOfRun } from './compareCategories';
import { buildGrids } from './compareGrid';
import { base64Utf8, markdownCell, reportFileName, reportHtml, reportMarkdown, type CompareReportInput } from './report';

const dataset = '/home/datasets/graphs/valid.json';

function run(id: string, name: string, method: string): RunSummary {
  return {
    id,
    name,
    status: 'completed',
    method,
    created_at: '2026-01-01T00:00:00Z',
    started_at: null,
    ended_at: null,
    stage: null,
    epoch: null,
    num_epochs: 2,
    best_accuracy: null,
    last_accuracy: null,
    last_error: null,
    dir: `/home/runs/${id}`,
    val_path: dataset,
    seed: 3,
  };
}

const evalAt = (epoch: number, accuracy: number, tokens: number): EvalEvent => ({
  v: 1,
  t: epoch,
  type: 'eval',
  stage: 0,
  epoch,
  split: 'valid',
  accuracy,
  correct: 0,
  total: 8,
  cot_match: null,
  mean_new_tokens: tokens,
  mean_forward_passes: tokens + 1,
  ms_per_question: 1.234,
  seconds: 1,
});

const counts = (values: Partial<CategoryCounts>): CategoryCounts => ({ ...Object.fromEntries(PATH_CATEGORIES.map((c) => [c, 0])), ...values }) as CategoryCounts;
const analysis = (id: string, name: string, method: string, categories: CategoryCounts): RunAnalysis => ({
  run_id: id,
  name,
  method,
  val_path: dataset,
  graph: true,
  problem: null,
  files: [
    {
      file: 'epoch-2.jsonl',
      epoch: 1,
      stage: 1,
      forced_thoughts: null,
      thoughts: 0,
      total: 8,
      correct: 4,
      accuracy: 0.5,
      mean_new_tokens: null,
      mean_forward_passes: null,
      ms_per_question: null,
      categories,
      first_step: null,
      frontier: null,
      by_steps: [
        { steps: 1, total: 5, correct: id === 'r1' ? 3 : 4 },
        { steps: 2, total: 3, correct: id === 'r1' ? 1 : 3 },
      ],
      problem: null,
    },
  ],
});

const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><text>Coconut – ü</text></svg>';

function input(): CompareReportInput {
  const cot = run('r1', 'cot | <script>alert(1)</script>', 'cot');
  const coconut = run('r2', 'coconut_run', 'coconut');
  return {
    generatedAt: new Date('2026-03-04T05:06:07Z'),
    link: '#/compare?runs=r1,r2',
    runs: [cot, coconut].map((r) => ({ id: r.id, name: r.name, method: r.method, seed: r.seed ?? null, status: r.status, dataset: r.val_path ?? null })),
    grids: buildGrids([
      { run: cot, events: [evalAt(0, 0.25, 20), evalAt(1, 0.5, 18)] },
      { run: coconut, events: [evalAt(0, 0.875, 6)] },
    ]),
    categories: {
      dataset,
      bars: [
        ...barsOfRun(analysis('r1', cot.name, 'cot', counts({ correct_path: 2, hallucination: 4, wrong_target: 2 })), null),
        ...barsOfRun(analysis('r2', coconut.name, 'coconut', counts({ correct_path: 7, incorrect_label: 1 })), null),
      ],
    },
    chartSvg: svg,
    notes: ['Runs b and c answer another dataset.'],
  };
}

const decodeDataUrl = (url: string) => new TextDecoder().decode(Uint8Array.from(atob(url.replace(/^data:image\/svg\+xml;base64,/, '')), (c) => c.charCodeAt(0)));

describe('the comparison report in Markdown', () => {
  const markdown = reportMarkdown(input());

  it('lists the runs, the grid with epochs and costs, and the category table', () => {
    expect(markdown).toMatch(/^# Coconut Workbench — comparison\n/);
    expect(markdown).toContain('Generated 2026-03-04T05:06:07.000Z · 2 runs');
    expect(markdown).toContain('> Runs b and c answer another dataset.');
    expect(markdown).toContain('| CoT | cot \\| <script>alert(1)</script> | 3 | — | 50.0 % (epoch 2) | 50.0 % (epoch 2) | 18.0 | 19.0 | 1.23 |');
    expect(markdown).toContain('| Coconut | coconut_run | 3 | — | 87.5 % (epoch 1) | 87.5 % (epoch 1) | 6.0 | 7.0 | 1.23 |');
    expect(markdown).toContain('| CoT | cot \\| <script>alert(1)</script> | epoch 2 (epoch-2.jsonl) | 8 | 0.0 % (0) | 0.0 % (0) | 25.0 % (2) | 0.0 % (0) | 50.0 % (4) | 25.0 % (2) | 60.0 % (3/5) | 33.3 % (1/3) |');
    expect(markdown).toContain('| 1-step accuracy | 2-step accuracy |');
  });

  it('keeps every table row the width of its header', () => {
    const tableLines = markdown.split('\n').filter((line) => line.startsWith('|'));
    const widths = (line: string) => line.replace(/\\\|/g, '').split('|').length;
    const blocks: string[][] = [];
    for (const line of markdown.split('\n')) {
      if (!line.startsWith('|')) blocks.push([]);
      else blocks[blocks.length - 1]?.push(line);
    }
    expect(tableLines.length).toBeGreaterThan(8);
    for (const block of blocks.filter((b) => b.length > 0)) expect(new Set(block.map(widths)).size).toBe(1);
  });

  it('embeds the chart as an SVG data URL that decodes to the chart', () => {
    const match = /!\[Path categories\]\((data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+)\)/.exec(markdown);
    expect(match).not.toBeNull();
    expect(decodeDataUrl(match?.[1] ?? '')).toBe(svg);
  });

  it('leaves the category section out when there are no bars', () => {
    const without = reportMarkdown({ ...input(), categories: null, chartSvg: null });
    expect(without).not.toContain('Path categories');
    expect(without).toContain('## Accuracy and cost — graphs/valid.json');
  });
});

describe('the comparison report in HTML', () => {
  const html = reportHtml(input());

  it('is one self-contained document with escaped text', () => {
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).not.toContain('<script>');
    expect(html).toContain('cot | &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toMatch(/<link|src="http/);
  });

  it('has the runs, grid and category tables with one cell per header', () => {
    for (const name of ['runs', 'grid', 'categories']) {
      const table = new RegExp(`<table data-table="${name}">([\\s\\S]*?)</table>`).exec(html)?.[1] ?? '';
      const rows = table.match(/<tr>[\s\S]*?<\/tr>/g) ?? [];
      expect(rows.length).toBeGreaterThan(1);
      const cells = rows.map((row) => (row.match(/<t[hd][ >]/g) ?? []).length);
      expect(new Set(cells).size).toBe(1);
    }
    expect(html).toContain('<td class="n">87.5 % (epoch 1)</td>');
  });

  it('embeds the chart as an image', () => {
    const src = /<img class="chart" alt="Path categories" src="([^"]+)">/.exec(html)?.[1] ?? '';
    expect(decodeDataUrl(src)).toBe(svg);
  });
});

describe('report helpers', () => {
  it('encodes UTF-8 to base64 like a byte encoder', () => {
    expect(base64Utf8('ü')).toBe('w7w=');
    expect(base64Utf8('x'.repeat(70_000))).toHaveLength(Math.ceil(70_000 / 3) * 4);
  });

  it('keeps a cell on one line without breaking the table', () => {
    expect(markdownCell('a|b\nc\\')).toBe('a\\|b c\\\\');
  });

  it('names the file by date and runs, safely', () => {
    const runs = input().runs;
    expect(reportFileName(runs, new Date('2026-03-04T05:06:07Z'), 'md')).toBe('compare-2026-03-04-cot_script_alert_1_script-vs-coconut_run.md');
    expect(reportFileName([], new Date('2026-03-04T05:06:07Z'), 'html')).toBe('compare-2026-03-04-comparison.html');
  });
});
