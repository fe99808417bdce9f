/**
 * The GPU side of the run view, on machines without a GPU: `nvidia-smi` is replaced by a small
 * script on the host's PATH that reports one GPU whose memory and load move. Everything else is
 * real: the host reads the inventory, the job manager gives the run GPU 0 (CUDA_VISIBLE_DEVICES),
 * the engine trains (on the CPU, as torch finds no CUDA), and the page charts the readings.
 */
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { tempDir } from '../src/node/testing/fixtures.js';
import { startServedWorkbench, type ServedWorkbench } from './serveHost.js';

let served: ServedWorkbench;
const bin = tempDir('coconut-fake-gpu-');

test.beforeAll(async () => {
  const script = join(bin.path, 'nvidia-smi');
  // Answers the inventory's query (index, name, memory.total, memory.used, utilization.gpu).
  writeFileSync(script, '#!/bin/sh\ns=$(date +%s)\necho "0, Stand-in GPU, 81920, $((2000 + (s % 10) * 300)), $(((s * 7) % 100))"\n');
  chmodSync(script, 0o755);
  served = await startServedWorkbench({ env: { PATH: `${bin.path}:${process.env.PATH ?? ''}` } });
});
test.afterAll(async () => {
  await served?.stop();
  bin.remove();
});

async function call(method: string, request: unknown): Promise<Record<string, unknown>> {
  const reply = await fetch(`${served.baseUrl}api/${method}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(request),
  });
  const body = (await reply.json()) as { ok: boolean; result?: Record<string, unknown>; error?: unknown };
  if (!body.ok) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
  return body.result!;
}

test('a run holding a GPU charts that GPU’s memory and utilisation while it trains', async ({ page }) => {
  const run = await call('runs.create', {
    config_yaml: [
      'cot: true',
      'name: e2e-gpu',
      'train_path: datasets/quickstart/train.json',
      'val_path: datasets/quickstart/valid.json',
      'offline_model: {n_layer: 1, n_embd: 48, n_head: 2}',
      'batch_size_training: 4',
      'num_epochs: 200',
      'device: auto',
    ].join('\n'),
  });
  await page.goto(`${served.openUrl}#/runs/${String(run.id)}`);
  await expect(page.getByTestId('gpu-status')).toHaveText(/^1 GPU · /);
  await expect(page.getByTestId('run-view')).toContainText('(GPU 0)');
  const chart = page.getByTestId('gpu-chart');
  await expect(chart).toBeVisible();
  // A reading every two seconds while the run is active.
  await expect.poll(async () => Number(await chart.getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);

  await call('runs.cancel', { id: run.id });
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'cancelled', { timeout: 20_000 });
  // Sampling stops with the run.
  const stopped = Number(await chart.getAttribute('data-points'));
  await page.waitForTimeout(4500);
  expect(Number(await chart.getAttribute('data-points'))).toBe(stopped);
});
