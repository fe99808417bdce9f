/**
 * The Datasets page in a real browser against `coconut serve`: generate a dataset from the form,
 * watch it finish, then read its statistics, search its records and look at one record's graph.
 */
import { expect, test } from '@playwright/test';
import { startServedWorkbench, type ServedWorkbench } from './serveHost.js';

test.describe.configure({ mode: 'serial' });

let served: ServedWorkbench;
test.beforeAll(async () => {
  served = await startServedWorkbench();
});
test.afterAll(async () => {
  await served?.stop();
});

const number = async (locator: import('@playwright/test').Locator, attribute: string): Promise<number> => Number(await locator.getAttribute(attribute));

test('a dataset generated from the form shows its statistics, searchable records and answer-path graphs', async ({ page }) => {
  await page.goto(served.openUrl);
  await page.getByTestId('nav-datasets').click();
  await expect(page.getByTestId('datasets-view')).toBeVisible();
  // The served home's hand-made dataset (no dataset.json) is listed with its splits.
  const quickstart = page.locator('[data-testid="dataset-row"][data-name="quickstart"]');
  await expect(quickstart).toBeVisible();
  await expect(quickstart.getByTestId('split-count-valid')).toContainText('12');

  // The form: reachability with the small preset; untouched graph sizes follow the preset.
  await page.keyboard.press('n');
  const form = page.getByTestId('dataset-create-form');
  await expect(form).toBeVisible();
  await expect(page.getByTestId('dataset-name')).toBeFocused();
  await page.getByTestId('dataset-name').fill('e2e-graphs');
  await page.getByTestId('dataset-generator').selectOption('reachability');
  await expect(page.getByTestId('param-preset')).toHaveValue('official');
  await expect(page.getByTestId('param-maxNodes')).toHaveValue('28');
  await page.getByTestId('param-preset').fill('small');
  await expect(page.getByTestId('param-maxNodes')).toHaveValue('10');
  await page.getByTestId('param-minSteps').fill('9');
  await expect(form).toContainText('minSteps');
  await page.getByTestId('param-minSteps').fill('2');
  await page.getByTestId('size-train').fill('1500');
  await page.getByTestId('size-valid').fill('60');
  await page.getByTestId('size-test').fill('40');
  await page.getByTestId('dataset-seed').fill('5');
  await page.getByTestId('dataset-seed').press('Enter');

  // Progress to the end, then the new dataset opens and is in the list.
  const job = page.locator('[data-testid="dataset-job"][data-name="e2e-graphs"]');
  await expect(job).toHaveAttribute('data-status', 'completed', { timeout: 60_000 });
  expect(await number(job, 'data-done')).toBe(1600);
  expect(await number(job, 'data-total')).toBe(1600);
  await expect(job.getByTestId('dataset-job-progress')).toHaveAttribute('aria-valuenow', '1600');
  const row = page.locator('[data-testid="dataset-row"][data-name="e2e-graphs"]');
  await expect(row).toHaveAttribute('data-records', '1600');
  await expect(row.getByTestId('split-count-train')).toContainText('1,500');
  await expect(page.getByTestId('dataset-detail')).toHaveAttribute('data-name', 'e2e-graphs');
  await expect(page.getByTestId('dataset-generator-info')).toContainText('reachability');
  await expect(page.getByTestId('dataset-generator-info')).toContainText('seed 5');

  // Statistics of the train split: 2–3 steps, 8–10-node graphs.
  await expect(page.getByTestId('dataset-stats')).toHaveAttribute('data-records', '1500');
  await expect.poll(() => number(page.getByTestId('steps-chart'), 'data-points')).toBe(2);
  expect(await number(page.getByTestId('question-chart'), 'data-points')).toBeGreaterThan(0);
  expect(await number(page.getByTestId('nodes-chart'), 'data-points')).toBeGreaterThan(0);
  expect(await number(page.getByTestId('edges-chart'), 'data-points')).toBeGreaterThan(0);

  // Paging with the buttons and the arrow keys.
  const range = page.getByTestId('record-range');
  await expect(range).toHaveText('1–20 of 1500');
  await page.getByTestId('record-next').click();
  await expect(range).toHaveText('21–40 of 1500');
  await expect(page.getByTestId('record-row').first()).toHaveAttribute('data-index', '20');
  await page.getByTestId('datasets-view').click({ position: { x: 5, y: 5 } });
  await page.keyboard.press('ArrowLeft');
  await expect(range).toHaveText('1–20 of 1500');

  // Search for the first step of a record: every match contains it, the record among them.
  await page.getByTestId('record-row').nth(3).click();
  const detail = page.getByTestId('record-detail');
  await expect(detail).toHaveAttribute('data-index', '3');
  const step = ((await detail.locator('.steps li').first().textContent()) ?? '').trim();
  expect(step).toMatch(/^\d+_\d+$/);
  await page.getByTestId('record-search').fill(step);
  await expect.poll(() => number(range, 'data-total')).toBeLessThan(1500);
  const matches = await number(range, 'data-total');
  expect(matches).toBeGreaterThan(0);
  await expect(page.locator('[data-testid="record-row"][data-index="3"]')).toBeVisible();
  for (const text of await page.getByTestId('record-row').allTextContents()) expect(text).toContain(step);
  await page.getByTestId('record-search').fill('999_999 no such edge');
  await expect(range).toHaveText('no records');
  await page.getByTestId('record-search').fill('');
  await expect(range).toHaveText('1–20 of 1500');

  // A record's graph: nodes laid out, the answer path from the entity to the answer highlighted.
  await page.getByTestId('record-row').nth(3).click();
  const graph = page.getByTestId('record-graph');
  await expect(graph).toBeVisible();
  const nodes = await number(graph, 'data-nodes');
  expect(nodes).toBeGreaterThanOrEqual(5);
  expect(nodes).toBeLessThanOrEqual(10);
  const pathNodes = await number(graph, 'data-path-nodes');
  const steps = await detail.locator('.steps li').count();
  expect(pathNodes).toBe(steps + 1);
  expect(await number(graph, 'data-path-edges')).toBe(steps);
  const answer = ((await page.getByTestId('record-answer').textContent()) ?? '').trim();
  expect((await graph.getAttribute('data-answer-path'))?.split(' → ').at(-1)).toBe(answer);
  expect(await graph.getAttribute('data-negative')).toMatch(/^\d+$/);
  expect(await graph.getAttribute('data-negative')).not.toBe(answer);
  // The canvas has been drawn on.
  expect(await graph.locator('canvas').count()).toBeGreaterThan(0);

  // The same name again is refused, naming the field, and nothing new is listed.
  await page.getByTestId('new-dataset-button').click();
  await page.getByTestId('dataset-name').fill('e2e-graphs');
  await page.getByTestId('dataset-name').press('Enter');
  await expect(page.getByTestId('dataset-create-error')).toHaveText('name: a dataset named e2e-graphs already exists');
  await page.getByTestId('dataset-name').fill('../outside');
  await page.getByTestId('dataset-name').press('Enter');
  await expect(page.getByTestId('dataset-create-error')).toContainText(/^name: /);
  await expect(page.getByTestId('dataset-row')).toHaveCount(2);
});

test('a generation can be cancelled from its progress bar, and leaves no dataset behind', async ({ page }) => {
  await page.goto(`${served.openUrl}#/datasets`);
  await page.getByTestId('new-dataset-button').click();
  await page.getByTestId('dataset-name').fill('e2e-cancelled');
  await page.getByTestId('dataset-generator').selectOption('prosqa');
  // Official-size graphs, many of them: minutes of work, so there is time to cancel.
  await page.getByTestId('size-train').fill('500000');
  await page.getByTestId('dataset-seed').press('Enter');
  const job = page.locator('[data-testid="dataset-job"][data-name="e2e-cancelled"]');
  await expect(job).toHaveAttribute('data-status', 'running');
  await expect.poll(() => number(job, 'data-done'), { timeout: 30_000 }).toBeGreaterThan(0);
  await job.getByTestId('dataset-job-cancel').click();
  await expect(job).toHaveAttribute('data-status', 'cancelled', { timeout: 10_000 });
  expect(await number(job, 'data-done')).toBeLessThan(500_000);
  await page.reload();
  await expect(page.getByTestId('datasets-view')).toBeVisible();
  await expect(page.locator('[data-testid="dataset-row"][data-name="e2e-cancelled"]')).toHaveCount(0);
});
