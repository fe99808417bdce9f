/**
 * The runs list as a researcher handles it, in a real browser against `coconut serve` with three
 * tiny runs trained by real engine processes (two datasets, two methods): sort by a header (and
 * back), filter, select a range into Compare, clone / re-run / resume a run into the new-run
 * form, fill a checkpoint from the picker when the Coconut template's `resume: 1` has none, and
 * delete a run after confirming (a running one is refused with the host's reason).
 */
import { expect, test, type Page } from '@playwright/test';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tinyRecords } from '../src/node/testing/fixtures.js';
import { startServedWorkbench, type ServedWorkbench } from './serveHost.js';
import { callApi, createRun, runStatus, TINY_TRAINING, waitForCompleted } from './tinyRuns.js';

test.describe.configure({ mode: 'serial' });

let served: ServedWorkbench;
const ids = { alpha: '', beta: '', gamma: '' };
const data = { train: '', valid: '', otherValid: '' };

const tiny = { ...TINY_TRAINING, batch_size_training: 8 };

test.beforeAll(async () => {
  test.setTimeout(420_000);
  served = await startServedWorkbench();
  for (const name of ['small', 'other']) mkdirSync(join(served.home, 'datasets', name), { recursive: true });
  data.train = join(served.home, 'datasets', 'small', 'train.json');
  data.valid = join(served.home, 'datasets', 'small', 'valid.json');
  data.otherValid = join(served.home, 'datasets', 'other', 'valid.json');
  writeFileSync(data.train, JSON.stringify(tinyRecords(48, 3)));
  writeFileSync(data.valid, JSON.stringify(tinyRecords(8, 4)));
  writeFileSync(data.otherValid, JSON.stringify(tinyRecords(8, 5)));
  const create = (config: Record<string, unknown>) => createRun(served, { ...tiny, train_path: data.train, ...config });
  // Created in this order, so newest first is gamma, beta, alpha.
  ids.alpha = await create({ name: 'alpha-cot', cot: true, num_epochs: 1, val_path: data.valid });
  ids.beta = await create({ name: 'beta-coconut', coconut: true, c_thought: 1, epochs_per_stage: 1, max_latent_stage: 1, num_epochs: 2, val_path: data.valid });
  ids.gamma = await create({ name: 'gamma-cot', cot: true, num_epochs: 1, val_path: data.otherValid });
  for (const id of Object.values(ids)) await waitForCompleted(served, id);
});
test.afterAll(async () => {
  await served?.stop();
});

/** Every row has its own (closed) dialogs: the one open is the one meant. */
const openDialog = (page: Page, testid: string) => page.locator(`dialog[open][data-testid="${testid}"]`);
const rowNames = (page: Page) => page.getByTestId('run-row').getByTestId('run-name').allTextContents();
const row = (page: Page, name: string) => page.getByTestId('run-row').filter({ has: page.getByTestId('run-name').getByText(name, { exact: true }) });

async function openRuns(page: Page): Promise<void> {
  await page.goto(served.openUrl);
  await expect(page.getByTestId('run-row')).toHaveCount(3);
}

/** Opens a row's action menu (by keyboard: the menu button, then Enter) and picks an item. */
async function runAction(page: Page, name: string, action: 'clone' | 'seed' | 'resume' | 'delete'): Promise<void> {
  const menuButton = row(page, name).getByTestId('run-actions-menu');
  await menuButton.focus();
  await page.keyboard.press('Enter');
  const item = page.locator(`[role="menu"]:popover-open [data-testid="action-${action}"]`);
  await expect(item).toBeVisible();
  await item.click();
}

test('sorts by any column (a second click reverses, headers work from the keyboard) and filters by method, status, dataset and name', async ({ page }) => {
  await openRuns(page);
  expect(await rowNames(page)).toEqual(['gamma-cot', 'beta-coconut', 'alpha-cot']);
  await expect(row(page, 'gamma-cot').locator('td.dataset')).toHaveText('other/valid.json');

  await page.getByTestId('sort-name').click();
  await expect(page.getByTestId('sort-name')).toHaveAttribute('data-direction', 'asc');
  expect(await rowNames(page)).toEqual(['alpha-cot', 'beta-coconut', 'gamma-cot']);
  await page.getByTestId('sort-name').click();
  expect(await rowNames(page)).toEqual(['gamma-cot', 'beta-coconut', 'alpha-cot']);
  // The method header from the keyboard: CoT after Coconut, A to Z.
  await page.getByTestId('sort-method').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('sort-method')).toHaveAttribute('data-direction', 'asc');
  await expect(page.locator('th[aria-sort="ascending"]')).toHaveCount(1);
  expect((await rowNames(page))[0]).toBe('beta-coconut');

  await page.getByTestId('filter-method').selectOption('cot');
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  await expect(page.getByTestId('filter-count')).toHaveText('2 of 3');
  await page.getByTestId('filter-dataset').selectOption(data.otherValid);
  expect(await rowNames(page)).toEqual(['gamma-cot']);
  await page.getByTestId('filter-clear').click();
  await expect(page.getByTestId('run-row')).toHaveCount(3);

  await page.getByTestId('filter-status').selectOption('completed');
  await expect(page.getByTestId('run-row')).toHaveCount(3);
  // `/` jumps to the name filter; every word must match.
  await page.locator('body').press('/');
  await expect(page.getByTestId('filter-text')).toBeFocused();
  await page.keyboard.type('cot GAM');
  expect(await rowNames(page)).toEqual(['gamma-cot']);
  await page.keyboard.type('x');
  await expect(page.getByTestId('runs-filtered-out')).toBeVisible();
  await page.getByTestId('filter-clear').click();
  await expect(page.getByTestId('run-row')).toHaveCount(3);
});

test('selects runs (a box, a shift-click range, x on a row) and opens them in Compare', async ({ page }) => {
  await openRuns(page);
  await page.getByTestId('sort-name').click();
  expect(await rowNames(page)).toEqual(['alpha-cot', 'beta-coconut', 'gamma-cot']);
  await expect(page.getByTestId('compare-button')).toBeDisabled();

  await row(page, 'alpha-cot').getByTestId('run-select').click();
  await row(page, 'gamma-cot').getByTestId('run-select').click({ modifiers: ['Shift'] });
  await expect(page.getByTestId('compare-button')).toContainText('Compare (3)');
  // x on a focused row takes it out again.
  await row(page, 'beta-coconut').focus();
  await page.keyboard.press('x');
  await expect(page.getByTestId('compare-button')).toContainText('Compare (2)');
  await expect(row(page, 'beta-coconut')).toHaveAttribute('aria-selected', 'false');

  await page.getByTestId('compare-button').click();
  await expect(page).toHaveURL(new RegExp(`#/compare\\?runs=${ids.alpha},${ids.gamma}$`));
});

test('clone, re-run with a new seed and resume each open the new-run form with the prepared config', async ({ page }) => {
  await openRuns(page);
  await runAction(page, 'beta-coconut', 'clone');
  await expect(page.getByTestId('new-run-view')).toBeVisible();
  await expect(page.getByTestId('prefill-banner')).toHaveAttribute('data-action', 'clone');
  await expect(page.getByTestId('field-name')).toHaveValue('beta-coconut-copy');
  // Nothing else changed: the source's own values, and the host accepts it as it is.
  await expect(page.getByTestId('field-num_epochs')).toHaveValue('2');
  await expect(page.getByTestId('field-val_path')).toHaveValue(data.valid);
  await expect(page.getByTestId('field-method')).toHaveValue('coconut');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('name: beta-coconut-copy');
  await expect(page.getByTestId('config-check-state')).toHaveAttribute('data-state', 'ok');

  await page.goto(served.baseUrl);
  await runAction(page, 'alpha-cot', 'seed');
  await expect(page.getByTestId('prefill-banner')).toContainText('with seed 1 (it had 0)');
  await expect(page.getByTestId('field-name')).toHaveValue('alpha-cot-seed1');
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('seed: 1');

  await page.goto(served.baseUrl);
  await runAction(page, 'beta-coconut', 'resume');
  const dialog = openDialog(page, 'resume-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('checkpoint-choice')).toHaveCount(2);
  await expect(dialog.getByTestId('checkpoint-choice').first()).toHaveAttribute('data-label', 'epoch-2');
  // The focus waits on the chosen checkpoint (the best); take the last epoch instead, then Enter.
  await expect(dialog.locator('input[type="radio"]:checked')).toBeFocused();
  await dialog.locator('input[type="radio"]').first().focus();
  await page.keyboard.press('Space');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('new-run-view')).toBeVisible();
  await expect(page.getByTestId('field-load_model_path')).toHaveValue(/checkpoints[\\/]epoch-2\.pt$/);
  await expect(page.getByTestId('current-checkpoint')).toContainText('epoch-2.pt');
  await expect(page.getByTestId('checkpoint-section')).toContainText('resume 2');
  await expect(page.getByTestId('prefill-note')).toContainText('raise num_epochs');
});

test("the Coconut template's resume: 1 warns without a checkpoint, and the picker fills one in", async ({ page }) => {
  await page.goto(served.openUrl);
  await page.getByTestId('new-run-button').click();
  await expect(page.getByTestId('yaml-editor')).toHaveAttribute('data-ready', 'true');
  const warning = page.locator('[data-testid="config-warning"][data-path="resume"]');
  await expect(warning).toContainText('load_model_path names no checkpoint');
  await warning.getByRole('button', { name: 'Choose a checkpoint' }).click();
  // A Coconut form opens on the newest CoT run: its stage 0 is the curriculum's first stage.
  await expect(page.getByTestId('checkpoint-run')).toHaveValue(ids.gamma);
  await page.getByTestId('checkpoint-run').selectOption(ids.alpha);
  await expect(page.getByTestId('checkpoint-choice')).toHaveCount(1);
  await expect(page.getByTestId('resume-advice')).toContainText('A CoT checkpoint has trained stage 0');
  await page.getByTestId('use-checkpoint').click();
  await expect(page.getByTestId('field-load_model_path')).toHaveValue(new RegExp(`${ids.alpha}[\\\\/]checkpoints[\\\\/]epoch-1\\.pt$`));
  await expect(page.getByTestId('config-warnings')).toHaveCount(0);
});

test('delete asks first (Escape keeps the run, Enter deletes it), and a running run is refused with the reason', async ({ page }) => {
  await openRuns(page);
  await runAction(page, 'gamma-cot', 'delete');
  const dialog = openDialog(page, 'delete-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('Delete gamma-cot?');
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('run-row')).toHaveCount(3);

  await runAction(page, 'gamma-cot', 'delete');
  await expect(dialog).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  await expect(row(page, 'gamma-cot')).toHaveCount(0);
  expect(existsSync(join(served.home, 'runs', ids.gamma))).toBe(false);

  // A run still training: the host says no, and why; nothing is removed.
  const busy = await createRun(served, { ...tiny, name: 'busy-cot', cot: true, num_epochs: 500, train_path: data.train, val_path: data.valid });
  await expect.poll(() => runStatus(served, busy), { timeout: 120_000 }).toBe('running');
  await expect(row(page, 'busy-cot')).toHaveAttribute('data-status', 'running');
  await runAction(page, 'busy-cot', 'delete');
  await page.keyboard.press('Enter');
  await expect(openDialog(page, 'delete-dialog').getByTestId('delete-dialog-error')).toContainText('cancel it first');
  await page.keyboard.press('Escape');
  await expect(row(page, 'busy-cot')).toHaveCount(1);
  await callApi(served, 'runs.cancel', { id: busy });
  await expect.poll(() => runStatus(served, busy), { timeout: 60_000 }).toBe('cancelled');
});
