/**
 * The thought inspector in a real browser against `coconut serve`: a tiny Coconut run trained on
 * graph questions (reachability format) by a real engine process, its checkpoint exported to an
 * ONNX bundle from the page, then inspected — the thoughts, the logit lens and the graph's node
 * values must follow the k slider.
 */
import { expect, test, type Locator, type Page } from '@playwright/test';
import { startServedWorkbench, type ServedWorkbench } from './serveHost.js';
import { createRun, TINY_TRAINING, writeGraphDataset } from './tinyRuns.js';

test.describe.configure({ mode: 'serial' });

let served: ServedWorkbench;
let runId: string;

test.beforeAll(async () => {
  test.setTimeout(300_000);
  served = await startServedWorkbench();
  const data = writeGraphDataset(served.home, 7, { train: 600, valid: 16 });
  // Through stage 2 (two thoughts) in three short epochs: the checkpoint has thoughts to inspect.
  runId = await createRun(served, {
    name: 'e2e-inspect',
    coconut: true,
    c_thought: 1,
    epochs_per_stage: 1,
    max_latent_stage: 2,
    num_epochs: 3,
    batch_size_training: 16,
    ...TINY_TRAINING,
    train_path: data.train,
    val_path: data.valid,
  });
});
test.afterAll(async () => {
  await served?.stop();
});

const attr = async (locator: Locator, name: string): Promise<string> => (await locator.getAttribute(name)) ?? '';

/** Waits until the inspection on the page answers the current inputs. */
async function settled(page: Page): Promise<void> {
  await expect(page.getByTestId('inspection')).toHaveAttribute('data-current', 'true');
  await expect(page.getByTestId('inspect-loading')).toHaveCount(0);
}

test('a trained Coconut run is exported and inspected: thoughts, logit lens and node values follow k', async ({ page }) => {
  test.setTimeout(420_000);
  await page.goto(served.openUrl);
  await page.goto(`${served.baseUrl}#/runs/${runId}`);
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed', { timeout: 240_000 });

  // The run page offers the inspector once a checkpoint exists.
  await page.getByTestId('inspect-link').click();
  const view = page.getByTestId('inspect-view');
  await expect(view).toBeVisible();
  expect(page.url()).toContain(`#/inspect/${runId}`);

  // The best checkpoint has no bundle yet: the page exports it by itself, with a progress bar.
  const bar = page.getByTestId('bundle-bar');
  await expect(page.getByTestId('checkpoint-select')).toHaveValue('best');
  await expect(bar).toHaveAttribute('data-state', /exporting|ready/);
  await expect(bar).toHaveAttribute('data-state', 'ready', { timeout: 180_000 });

  // Pick a graph question from the validation set.
  const rows = page.locator('[data-testid="question-row"][data-graph="true"]');
  await expect(rows.first()).toBeVisible();
  await rows.nth(1).click();
  await expect(page.getByTestId('question-text')).toHaveValue((await rows.nth(1).locator('.text').textContent()) ?? '');
  await settled(page);

  // k starts at the trained stage's thoughts (stage 2, one thought per step: 2).
  const slider = page.getByTestId('k-slider');
  const strip = page.getByTestId('thoughts-strip');
  const heatmap = page.getByTestId('lens-heatmap');
  const graph = page.getByTestId('inspect-graph');
  await expect(page.getByTestId('k-value')).toHaveText('2');
  await expect(strip).toHaveAttribute('data-thoughts', '2');
  const rowsPerThought = Number(await attr(heatmap, 'data-rows'));
  expect(rowsPerThought).toBe(2); // the embedding row and one block
  await expect(heatmap).toHaveAttribute('data-cells', String(2 * rowsPerThought));
  await expect(graph).toHaveAttribute('data-k', '2');
  await expect(graph).toHaveAttribute('data-steps', '3');
  const colorsAtTwo = await attr(graph, 'data-colors');
  await expect(page.getByTestId('inspect-answer')).toHaveAttribute('data-correct', /^(true|false)$/);
  await expect(page.getByTestId('inspect-timing')).toContainText('cpu');

  // Fewer thoughts: the strip, the lens and the graph's colours all change.
  await slider.fill('0');
  await expect(page.getByTestId('k-value')).toHaveText('0');
  await settled(page);
  await expect(strip).toHaveAttribute('data-thoughts', '0');
  await expect(heatmap).toHaveAttribute('data-cells', '0');
  await expect(graph).toHaveAttribute('data-k', '0');
  await expect(graph).toHaveAttribute('data-steps', '1');
  const colorsAtZero = await attr(graph, 'data-colors');
  expect(colorsAtZero).not.toBe(colorsAtTwo);

  await slider.fill('1');
  await settled(page);
  await expect(strip).toHaveAttribute('data-thoughts', '1');
  await expect(heatmap).toHaveAttribute('data-cells', String(rowsPerThought));
  await expect(graph).toHaveAttribute('data-k', '1');

  // The keyboard moves k as well (outside any field).
  await page.getByRole('heading', { name: /Inspect/ }).click();
  await page.keyboard.press('ArrowRight');
  await expect(page.getByTestId('k-value')).toHaveText('2');
  await settled(page);
  await expect(strip).toHaveAttribute('data-thoughts', '2');
  await expect(graph).toHaveAttribute('data-colors', colorsAtTwo);

  // Stepping the graph back through k = 2, 1, 0 recolours it without asking again.
  await page.getByTestId('graph-step-back').click();
  await expect(graph).toHaveAttribute('data-k', '1');
  await page.keyboard.press('[');
  await expect(graph).toHaveAttribute('data-k', '0');
  expect(await attr(graph, 'data-colors')).not.toBe(colorsAtTwo);
  await expect(strip).toHaveAttribute('data-thoughts', '2');

  // Downloads: the whole inspection as JSON, a chart as SVG.
  const [json] = await Promise.all([page.waitForEvent('download'), page.getByTestId('inspection-json').click()]);
  expect(json.suggestedFilename()).toMatch(/^inspection-.*-best-k2\.json$/);
  const saved = JSON.parse(await streamText(await json.createReadStream())) as { thoughts: unknown[]; node_values: unknown };
  expect(saved.thoughts).toHaveLength(2);
  expect(saved.node_values).not.toBeNull();
  const [svg] = await Promise.all([page.waitForEvent('download'), page.getByTestId('lens-export-svg').click()]);
  expect(await streamText(await svg.createReadStream())).toMatch(/^<svg/);

  // A question longer than the model's positions: one clear message, and the page keeps working.
  const question = (await page.getByTestId('question-text').inputValue()).trim();
  await page.getByTestId('question-text').fill(Array.from({ length: 16 }, () => question).join(' '));
  await expect(page.getByTestId('inspect-error')).toContainText('positions');
  await expect(page.getByTestId('inspection')).toHaveAttribute('data-current', 'false');
  await rows.nth(0).click();
  await settled(page);
  await expect(page.getByTestId('inspect-error')).toHaveCount(0);
  await expect(strip).toHaveAttribute('data-thoughts', '2');

  // A word the run never saw is read as unknown, as the engine reads it, and said so.
  await page.getByTestId('question-detach').click();
  await page.getByTestId('question-text').fill('zzz_unknown ? 1 : 2 3');
  await settled(page);
  await expect(page.getByTestId('inspect-warnings')).toContainText('zzz_unknown');
  await expect(page.getByTestId('inspect-answer')).toHaveAttribute('data-correct', 'unknown');
  await expect(page.getByTestId('inspect-graph')).toHaveCount(0);
});

async function streamText(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
