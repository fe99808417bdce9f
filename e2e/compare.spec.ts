/**
 * The Compare page in a real browser against `coconut serve`: a tiny CoT run and a tiny Coconut
 * run trained on graph questions (reachability format) by real engine processes, and the Coconut
 * run evaluated on a held-out split with k forced to 0 and 1. The page must show the grid of each
 * dataset, the overlaid curves and the category bars; a click on a bar lists its questions, and a
 * question from that list is shown side by side — CoT's written path on the graph, Coconut's node
 * values after exporting its checkpoint from the page. The report and the grid download.
 */
import { readFileSync } from 'node:fs';
import { expect, test, type Download, type Page } from '@playwright/test';
import { startServedWorkbench, type ServedWorkbench } from './serveHost.js';
import { callApi, createRun, TINY_MODEL, TINY_TRAINING, waitForCompleted, writeGraphDataset } from './tinyRuns.js';

test.describe.configure({ mode: 'serial' });

let served: ServedWorkbench;
const ids = { cot: '', coconut: '', evaluation: '' };
let validPath = '';

test.beforeAll(async () => {
  test.setTimeout(600_000);
  served = await startServedWorkbench();
  const data = writeGraphDataset(served.home, 11, { train: 1000, valid: 16, test: 12 });
  validPath = data.valid;
  const common = { ...TINY_TRAINING, batch_size_training: 16, train_path: data.train, val_path: data.valid };
  // CoT gets a little more room (4 epochs, a wider layer): enough to write edges, so its paths have something to draw.
  ids.cot = await createRun(served, { name: 'e2e-cot', cot: true, num_epochs: 4, ...common, offline_model: { ...TINY_MODEL, n_embd: 64 } });
  ids.coconut = await createRun(served, { name: 'e2e-coconut', coconut: true, c_thought: 1, epochs_per_stage: 1, max_latent_stage: 1, num_epochs: 2, ...common });
  await waitForCompleted(served, ids.cot);
  await waitForCompleted(served, ids.coconut);
  // The paper's analysis: the trained Coconut run on a held-out split, `<eot>` forced after k = 0 and 1 thoughts.
  const evaluation = await callApi<{ id: string }>(served, 'runs.evaluate', { id: ids.coconut, checkpoint: 'best', dataset: data.test, thoughts: { from: 0, to: 1 } });
  ids.evaluation = evaluation.id;
  await waitForCompleted(served, ids.evaluation);
});
test.afterAll(async () => {
  await served?.stop();
});

async function downloadText(download: Download): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of await download.createReadStream()) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** Clicks the middle of the i-th of n stacked bars: a stack fills 0–100 %, so some category's segment is there. */
async function clickBar(page: Page, index: number, count: number): Promise<void> {
  const chart = page.getByTestId('compare-category-chart');
  // Mouse coordinates are the viewport's: the chart must be on screen.
  await chart.scrollIntoViewIfNeeded();
  const box = await chart.boundingBox();
  if (!box) throw new Error('the category chart is not on the page');
  // The chart's grid (lib/compareCategories.ts): 48 px left, 16 right, 38 top, 48 bottom.
  const band = (box.width - 64) / count;
  await page.mouse.click(box.x + 48 + band * (index + 0.5), box.y + 38 + (box.height - 86) / 2);
}

test('CoT and Coconut side by side: grid, curves, category bars, a bar’s questions, one question on the graph', async ({ page }) => {
  test.setTimeout(420_000);
  await page.goto(served.openUrl);
  await page.goto(`${served.baseUrl}#/compare?runs=${ids.cot},${ids.coconut},${ids.evaluation}`);
  const view = page.getByTestId('compare-view');
  await expect(view).toBeVisible();
  await expect(page.getByTestId('compare-chip')).toHaveCount(3);

  // Two datasets (validation, test): said so, and one grid each.
  await expect(page.getByTestId('compare-datasets-warning')).toContainText('2 different datasets');
  const grids = page.getByTestId('compare-grid');
  await expect(grids).toHaveCount(2);
  const validGrid = grids.nth(0);
  await expect(validGrid.locator('[data-testid="compare-grid-row"]')).toHaveCount(2);
  await expect(validGrid.locator(`[data-run-id="${ids.cot}"]`)).toHaveAttribute('data-method', 'cot');
  await expect(validGrid.locator(`[data-run-id="${ids.coconut}"]`)).toHaveAttribute('data-method', 'coconut');
  await expect(validGrid.locator(`[data-run-id="${ids.cot}"] [data-testid="grid-best"]`)).toContainText(/\d+\.\d %\s*epoch [12]/);
  await expect(validGrid.locator(`[data-run-id="${ids.cot}"] [data-testid="grid-best"]`)).toHaveAttribute('href', `#/runs/${ids.cot}`);
  // The forced evaluation: one row per k.
  await expect(grids.nth(1).locator('[data-testid="compare-grid-row"]')).toHaveCount(2);
  await expect(grids.nth(1).locator('[data-testid="compare-grid-row"]').nth(1)).toHaveAttribute('data-k', '1');

  // The curves: a loss line per trained run, accuracy lines for all three.
  await expect(page.getByTestId('compare-curves')).toHaveAttribute('data-loss-series', '2');
  await expect(page.getByTestId('compare-loss')).not.toHaveAttribute('data-points', '0');
  await expect(page.getByTestId('compare-accuracy')).not.toHaveAttribute('data-points', '0');

  // The category bars of the validation set's runs (the first dataset with categories): CoT and Coconut.
  const categories = page.getByTestId('compare-categories');
  await expect(categories).toHaveAttribute('data-bars', '2');
  await expect(page.getByTestId('compare-category-table').locator('tbody tr')).toHaveCount(2);
  // Accuracy per number of reasoning steps: a column per step count of the validation questions, when they have several.
  const stepCounts = new Set((JSON.parse(readFileSync(validPath, 'utf8')) as Array<{ steps: string[] }>).map((record) => record.steps.length));
  const stepsCells = page.getByTestId('compare-category-table').getByTestId('steps-accuracy');
  await expect(stepsCells).toHaveCount(stepCounts.size > 1 ? 2 * stepCounts.size : 0);
  if (stepCounts.size > 1) await expect(stepsCells.first()).toHaveText(/^(\d+\.\d % \(\d+\/\d+\)|—)$/);

  // A click on CoT's bar lists that category's questions.
  await clickBar(page, 0, 2);
  const barQuestions = page.getByTestId('compare-bar-questions');
  await expect(barQuestions).toBeVisible();
  await expect(barQuestions).toHaveAttribute('data-run-id', ids.cot);
  const category = (await barQuestions.getAttribute('data-category')) ?? '';
  expect(category).not.toBe('');
  const listed = barQuestions.getByTestId('bar-question');
  await expect(listed.first()).toBeVisible();
  expect(Number(await barQuestions.getAttribute('data-total'))).toBeGreaterThan(0);

  // Its first question side by side: CoT's verdict is the clicked category, its path on the graph.
  const idx = (await listed.first().getAttribute('data-idx')) ?? '';
  await listed.first().click();
  const question = page.getByTestId('compare-question');
  await expect(question).toHaveAttribute('data-idx', idx);
  await expect(page.getByTestId('compare-answer-a')).toHaveAttribute('data-category', category);
  await expect(page.getByTestId('compare-answer-b')).toHaveAttribute('data-correct', /^(true|false)$/);
  await expect(page.getByTestId('compare-question-text')).not.toBeEmpty();
  await expect(question.getByTestId('compare-explanation').first()).not.toBeEmpty();
  if (!['correct_label', 'incorrect_label'].includes(category)) await expect(page.getByTestId('written-path')).toBeVisible();
  if (category === 'hallucination') await expect(question.getByTestId('compare-explanation').first()).toContainText('step');

  // j moves to the next question of the list (all questions, paired by index).
  await page.getByRole('heading', { name: 'Compare' }).click();
  const rows = page.getByTestId('compare-question-row');
  expect(await rows.count()).toBe(16);
  const selectedRow = page.locator('[data-testid="compare-question-row"][aria-selected="true"]');
  await expect(selectedRow).toHaveAttribute('data-idx', idx);
  await page.keyboard.press('j');
  await expect(question).not.toHaveAttribute('data-idx', idx);
  await page.keyboard.press('k');
  await expect(question).toHaveAttribute('data-idx', idx);
  // In the list, the arrow keys do the same.
  await selectedRow.click();
  await page.keyboard.press('ArrowDown');
  await expect(question).not.toHaveAttribute('data-idx', idx);
  await page.keyboard.press('ArrowUp');
  await expect(question).toHaveAttribute('data-idx', idx);

  // The disagreement filter keeps only questions one run got right and the other wrong.
  await page.getByTestId('compare-question-filter').selectOption('disagree');
  const disagreeing = Number(await page.getByTestId('compare-question-list').getAttribute('data-total'));
  const sides = await rows.evaluateAll((elements) => elements.map((element) => element.textContent ?? ''));
  expect(sides).toHaveLength(disagreeing);
  for (const text of sides) expect(/A ✓/.test(text) !== /B ✓/.test(text)).toBe(true);
  await page.getByTestId('compare-question-filter').selectOption('all');

  // Coconut's node values: its checkpoint has no bundle yet; the page offers the export, then draws them.
  const thoughts = page.getByTestId('compare-thoughts');
  await expect(thoughts).toHaveAttribute('data-state', /missing|stale/);
  await thoughts.getByTestId('export-button').click();
  await expect(thoughts).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });
  await expect(thoughts.getByTestId('inspect-graph')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('compare-thoughts-answer')).toContainText('answers');

  // Downloads: the grid as CSV, the report as HTML with the chart embedded.
  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('grid-csv').click()]);
  const csvText = await downloadText(csv);
  expect(csvText.split('\r\n')[0]).toMatch(/^dataset,method,name,run_id/);
  expect(csvText).toContain(ids.cot);
  expect(csvText).toContain(ids.evaluation);
  const [report] = await Promise.all([page.waitForEvent('download'), page.getByTestId('report-html').click()]);
  expect(report.suggestedFilename()).toMatch(/^compare-\d{4}-\d\d-\d\d-.*\.html$/);
  const html = await downloadText(report);
  expect(html).toContain('e2e-cot');
  expect(html).toContain('e2e-coconut');
  expect(html).toMatch(/<img class="chart" alt="Path categories" src="data:image\/svg\+xml;base64,/);

  // The test split's categories: the forced evaluation, one bar per k.
  await page.getByTestId('compare-focus').selectOption({ index: 1 });
  await expect(page.getByTestId('compare-focus')).toHaveValue(/test\.json$/);
  await expect(categories).toHaveAttribute('data-bars', '2');
  await expect(page.getByTestId('compare-category-table')).toContainText('k=1');
});
