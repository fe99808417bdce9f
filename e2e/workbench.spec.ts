/**
 * The workbench in a real browser: Debian's Chromium against `coconut serve`, with real engine
 * processes training a tiny model. Each test drives the UI the way a researcher would.
 */
import { expect, test, type Page } from '@playwright/test';
import { startServedWorkbench, type ServedWorkbench } from './serveHost.js';

test.describe.configure({ mode: 'serial' });

let served: ServedWorkbench;
test.beforeAll(async () => {
  served = await startServedWorkbench();
});
test.afterAll(async () => {
  await served?.stop();
});

/** A model small enough to train in seconds, big enough that its progress can be watched. */
const TINY = {
  'offline_model.n_layer': 1,
  'offline_model.n_embd': 48,
  'offline_model.n_head': 2,
  batch_size_training: 4,
};

/**
 * Starts from the CoT template (it trains from scratch; the Coconut one continues a CoT
 * checkpoint) and picks the method in the form, as a user would.
 */
async function newRun(page: Page, method: 'cot' | 'coconut', fields: Record<string, string | number>): Promise<void> {
  await page.getByTestId('new-run-button').click();
  await expect(page.getByTestId('new-run-view')).toBeVisible();
  await expect(page.getByTestId('yaml-editor')).toHaveAttribute('data-ready', 'true');
  await page.getByTestId('template-cot').click();
  await page.getByTestId('field-method').selectOption(method);
  for (const [key, value] of Object.entries({ ...TINY, ...fields })) {
    await page.getByTestId(`field-${key}`).fill(String(value));
  }
  await expect(page.getByTestId('config-check-state')).toHaveAttribute('data-state', 'ok');
}

const points = async (page: Page, chart: string): Promise<number> => Number(await page.getByTestId(chart).getAttribute('data-points'));

test('a run created from the UI streams its loss curve and advances through the curriculum; a reload replays it', async ({ page }) => {
  await page.goto(served.openUrl);
  await expect(page.getByTestId('runs-view')).toBeVisible();
  // The GPU inventory: "no GPU" with the reason where there is none (CI), a summary otherwise.
  const gpuStatus = page.getByTestId('gpu-status');
  await expect(gpuStatus).toBeVisible();
  if ((await gpuStatus.getAttribute('data-gpus')) === '0') {
    await expect(gpuStatus).toHaveText('no GPU');
    await expect(gpuStatus).toHaveAttribute('title', /^no GPU: |^nvidia-smi failed: /);
  } else {
    await expect(gpuStatus).toHaveText(/^\d+ GPUs? · [\d.]+\/[\d.]+ GiB · \d+ %$/);
  }
  await newRun(page, 'coconut', { name: 'e2e-coconut', num_epochs: 3, epochs_per_stage: 1, max_latent_stage: 2 });
  await page.getByTestId('submit-run').click();
  await expect(page.getByTestId('run-view')).toBeVisible();

  // Sample the page while the run trains: the curve must grow and the timeline move on.
  const seenPoints = new Set<number>();
  const seenStages = new Set<string>();
  const status = page.getByTestId('run-status');
  await expect
    .poll(
      async () => {
        seenPoints.add(await points(page, 'loss-chart'));
        seenStages.add((await page.getByTestId('stage-timeline').getAttribute('data-current-stage')) ?? '');
        return status.getAttribute('data-status');
      },
      { timeout: 180_000, intervals: [150] },
    )
    .toMatch(/^(completed|failed|cancelled|interrupted)$/);
  await expect(status).toHaveAttribute('data-status', 'completed');
  const lossPoints = await points(page, 'loss-chart');
  expect([...seenPoints].filter((n) => n > 0 && n < lossPoints).length, `loss points seen: ${[...seenPoints]}`).toBeGreaterThan(0);
  expect(seenStages.has('0') || seenStages.has('1'), `stages seen: ${[...seenStages]}`).toBe(true);
  await expect(page.getByTestId('stage-timeline')).toHaveAttribute('data-current-stage', '2');
  await expect(page.getByTestId('stage-segment')).toHaveCount(3);
  await expect(page.getByTestId('summary-card')).toBeVisible();
  expect(await points(page, 'accuracy-chart')).toBe(3);

  await page.reload();
  await expect(page.getByTestId('run-view')).toHaveAttribute('data-replayed', 'true');
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', String(lossPoints));
  await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-points', '3');
  await expect(status).toHaveAttribute('data-status', 'completed');

  await page.goto(served.baseUrl);
  const row = page.getByTestId('run-row').filter({ hasText: 'e2e-coconut' });
  await expect(row).toHaveAttribute('data-status', 'completed');
});

test('a running run can be cancelled from its page', async ({ page }) => {
  await page.goto(served.openUrl);
  await newRun(page, 'cot', { name: 'e2e-cancel', num_epochs: 500 });
  await page.getByTestId('submit-run').click();
  await expect(page.getByTestId('run-view')).toBeVisible();
  await expect.poll(() => points(page, 'loss-chart'), { timeout: 120_000 }).toBeGreaterThan(0);
  await page.getByTestId('cancel-button').click();
  await page.getByTestId('cancel-confirm').click();
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'cancelled', { timeout: 10_000 });
});

test('a bad config is caught in the form, next to the field, before anything is created', async ({ page }) => {
  await page.goto(served.openUrl);
  await newRun(page, 'cot', { name: 'e2e-bad' });
  await page.getByTestId('field-offline_model.n_head').fill('5');
  await expect(page.getByTestId('field-error-offline_model.n_head')).toBeVisible();
  await page.getByTestId('field-train_path').fill('datasets/missing/train.json');
  await expect(page.getByTestId('field-error-train_path')).toContainText('file not found');
  await page.getByTestId('submit-run').click();
  await expect(page.getByTestId('new-run-view')).toBeVisible();
  await page.goto(served.baseUrl);
  await expect(page.getByTestId('run-row').filter({ hasText: 'e2e-bad' })).toHaveCount(0);
});

test('the config editor completes keys and values from the config schema', async ({ page }) => {
  await page.goto(served.openUrl);
  await newRun(page, 'coconut', { name: 'e2e-complete' });
  const editor = page.locator('.monaco-editor').first();
  await editor.click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('curric');
  await page.keyboard.press('Control+Space');
  const suggestions = page.locator('.suggest-widget');
  await expect(suggestions).toContainText('curriculum');
  await page.keyboard.press('Enter');
  // The accepted key comes with its default, and the form sees the YAML change.
  await expect(page.locator('.monaco-editor .view-lines')).toContainText('curriculum: true');
});
