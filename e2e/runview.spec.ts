/**
 * A run's page in Chromium against `coconut serve`, on a run folder written the way the engine
 * writes one (events, stderr, predictions) for a Coconut run resumed from a checkpoint: no
 * training, so it takes seconds. The charts' x axes, zoom, the predictions list and the log's
 * separation of progress from problems are checked as a researcher would use them.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServedWorkbench, type ServedWorkbench } from './serveHost.js';

test.describe.configure({ mode: 'serial' });

const RUN_ID = '20261202-013339-e2e-resumed-coconut-0001';
const PER_EPOCH = 400;
const RESUME = 1;
const EPOCHS = 4;
const QUESTIONS = 12;
const T0 = 1_796_175_227;

let served: ServedWorkbench;
test.beforeAll(async () => {
  served = await startServedWorkbench();
  writeResumedRun(served.home);
});
test.afterAll(async () => {
  await served?.stop();
});

/** Which questions epoch `n` (1-based) got right: more each epoch. */
const rightAt = (epoch: number, idx: number) => idx < epoch * 3;

function writeResumedRun(home: string): void {
  const dir = join(home, 'runs', RUN_ID);
  mkdirSync(join(dir, 'predictions'), { recursive: true });
  const valPath = join(home, 'datasets', 'quickstart', 'valid.json');
  const events: object[] = [];
  const stderr: string[] = [];
  const emit = (e: object) => events.push({ v: 1, ...e });
  let t = T0;
  emit({ t, type: 'log', level: 'info', message: 'loaded checkpoints/best.pt (cot, 1 epochs)' });
  stderr.push('loaded checkpoints/best.pt (cot, 1 epochs)');
  const stages = [1, 2, 3].map((s) => ({ stage: s, first_epoch: s, last_epoch: s, removed_steps: s, thoughts: Math.min(s, 2), label: `stage ${s}` }));
  emit({
    t,
    type: 'started',
    method: 'coconut',
    num_epochs: EPOCHS,
    resume_epoch: RESUME,
    steps_per_epoch: PER_EPOCH,
    train_samples: PER_EPOCH * 16,
    val_samples: QUESTIONS,
    chance_accuracy: 0.5,
    stages,
    device: 'cpu',
    model: { id: 'offline-gpt2', parameters: 463_600, layers: 2, hidden_size: 128, vocab_size: 266 },
    versions: {},
  });
  stderr.push(`coconut: ${PER_EPOCH * 16} training / ${QUESTIONS} validation records, ${PER_EPOCH} steps per epoch, 3 stage(s), on cpu`);
  // Global steps count on from the checkpoint: the first is RESUME·PER_EPOCH + 1.
  let step = RESUME * PER_EPOCH;
  for (let epoch = RESUME; epoch < EPOCHS; epoch++) {
    emit({ t: (t += 1), type: 'stage', stage: epoch, epoch, removed_steps: epoch, thoughts: Math.min(epoch, 2), label: `stage ${epoch}` });
    stderr.push(`epoch ${epoch + 1}/${EPOCHS}: stage ${epoch} · ${Math.min(epoch, 2)} thoughts`);
    for (let e = 1; e <= PER_EPOCH; e++) {
      step += 1;
      const loss = 0.3 + 2 / (e + 2) + 0.05 * Math.sin(step);
      emit({ t: (t += 0.05), type: 'step', stage: epoch, epoch, step, epoch_step: e, steps_in_epoch: PER_EPOCH, loss, lr: 1e-3, samples_per_s: 600, tokens_per_s: 30_000 });
      if (e % 100 === 0) stderr.push(`epoch ${epoch + 1}/${EPOCHS} stage ${epoch} step ${e}/${PER_EPOCH} loss ${loss.toFixed(4)} (600 samples/s)`);
    }
    const done = epoch + 1;
    const rows = Array.from({ length: QUESTIONS }, (_, idx) => {
      const correct = rightAt(done, idx);
      const answer = correct ? `a${idx}` : `wrong${idx}`;
      return { idx, thoughts: Math.min(epoch, 2), text: `### ${answer}`, answer, correct };
    });
    const file = `predictions/epoch-${done}.jsonl`;
    writeFileSync(join(dir, file), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const correct = rows.filter((r) => r.correct).length;
    emit({ t: (t += 1), type: 'eval', stage: epoch, epoch, split: 'val', accuracy: correct / QUESTIONS, correct, total: QUESTIONS, cot_match: null, mean_new_tokens: 2, seconds: 0.2, predictions: file });
    stderr.push(`epoch ${done} eval: accuracy ${correct}/${QUESTIONS} = ${((100 * correct) / QUESTIONS).toFixed(1)}% (0.2 s)`, "  e.g. generated '### a0', expected 'a0'");
    emit({ t, type: 'checkpoint', stage: epoch, epoch, path: `checkpoints/epoch-${done}.pt`, best: true });
    stderr.push(`saved checkpoints/epoch-${done}.pt`);
    if (epoch === 2) {
      stderr.push('/usr/lib/python3/site-packages/torch/utils/data.py:120: UserWarning: a deprecated argument', '  warnings.warn(message)');
    }
  }
  emit({ t: (t += 1), type: 'finished', status: 'completed', best_accuracy: 1, best_epoch: 3, final_accuracy: 1, seconds: t - T0 });
  stderr.push(`done in ${Math.round(t - T0)} s: best accuracy 100.0% (epoch 4)`);

  writeFileSync(join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
  writeFileSync(join(dir, 'stderr.log'), stderr.join('\n') + '\n');
  writeFileSync(join(dir, 'stdout.log'), '');
  writeFileSync(join(dir, 'config.yaml'), `name: e2e-resumed\ncoconut: true\nresume: ${RESUME}\nnum_epochs: ${EPOCHS}\nval_path: ${valPath}\n`);
  const iso = (s: number) => new Date(s * 1000).toISOString();
  const record = {
    id: RUN_ID,
    name: 'e2e-resumed',
    status: 'completed',
    method: 'coconut',
    created_at: iso(T0 - 5),
    started_at: iso(T0 - 4),
    ended_at: iso(t),
    stage: 3,
    epoch: 3,
    num_epochs: EPOCHS,
    best_accuracy: 1,
    last_accuracy: 1,
    last_error: null,
    gpus: [],
    dir,
    val_path: valPath,
    seed: 0,
    pid: null,
    versions: {},
    exit_code: 0,
  };
  writeFileSync(join(dir, 'run.json'), JSON.stringify(record, null, 2) + '\n');
}

const range = async (page: Page, chart: string): Promise<[number, number]> => {
  const text = (await page.getByTestId(chart).getAttribute('data-x-range')) ?? '';
  const [from, to] = text.split(',').map(Number);
  return [from ?? Number.NaN, to ?? Number.NaN];
};

test('the charts of a resumed run start at its first step, switch x axes and zoom together', async ({ page }) => {
  await page.goto(`${served.openUrl}#/runs/${RUN_ID}`);
  await expect(page.getByTestId('run-view')).toHaveAttribute('data-replayed', 'true');
  const steps = (EPOCHS - RESUME) * PER_EPOCH;
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', String(steps));
  await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-points', String(EPOCHS - RESUME));
  for (const chart of ['lr-chart', 'samples-chart', 'tokens-chart']) {
    await expect(page.getByTestId(chart)).toHaveAttribute('data-points', String(steps));
  }

  // Steps continue from the checkpoint: neither from zero nor restarting.
  expect(await range(page, 'loss-chart')).toEqual([RESUME * PER_EPOCH + 1, EPOCHS * PER_EPOCH]);

  // One switch moves every chart of the page to the same axis.
  await page.getByTestId('loss-chart-x').selectOption('epoch');
  await expect(page.getByTestId('accuracy-chart')).toHaveAttribute('data-x-mode', 'epoch');
  const [epochFrom, epochTo] = await range(page, 'loss-chart');
  expect(epochFrom).toBeCloseTo(RESUME + 1 / PER_EPOCH, 6);
  expect(epochTo).toBe(EPOCHS);
  expect(await range(page, 'accuracy-chart')).toEqual([RESUME + 1, EPOCHS]);

  await page.getByTestId('lr-chart-x').selectOption('relative');
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-x-mode', 'relative');
  const [relFrom, relTo] = await range(page, 'loss-chart');
  expect(relFrom).toBeGreaterThan(0); // the first step comes after the start of training
  expect(relFrom).toBeLessThan(3);
  expect(relTo).toBeGreaterThan(relFrom + 50);

  await page.getByTestId('loss-chart-x').selectOption('step');
  // Box zoom: drag across the middle of the loss plot; every chart follows, and y refits.
  const plot = page.getByTestId('loss-chart');
  const box = (await plot.boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 6 });
  await page.mouse.up();
  await expect(plot).toHaveAttribute('data-zoomed', 'true');
  await expect(page.getByTestId('tokens-chart')).toHaveAttribute('data-zoomed', 'true');
  const [zoomFrom, zoomTo] = await range(page, 'loss-chart');
  expect(zoomFrom).toBeGreaterThan(RESUME * PER_EPOCH + 1);
  expect(zoomTo).toBeLessThan(EPOCHS * PER_EPOCH);
  expect(await range(page, 'lr-chart')).toEqual([zoomFrom, zoomTo]);
  await page.getByTestId('loss-chart-reset').click();
  await expect(plot).toHaveAttribute('data-zoomed', 'false');
  expect(await range(page, 'loss-chart')).toEqual([RESUME * PER_EPOCH + 1, EPOCHS * PER_EPOCH]);
});

test('every prediction is listed: by evaluation, right or wrong, searched', async ({ page }) => {
  await page.goto(`${served.openUrl}#/runs/${RUN_ID}`);
  const list = page.getByTestId('run-predictions');
  // The newest evaluation (after epoch 4) by default.
  await expect(list).toHaveAttribute('data-file', 'epoch-4.jsonl');
  await expect(list).toHaveAttribute('data-total', String(QUESTIONS));
  await page.getByTestId('predictions-file').selectOption('epoch-2.jsonl');
  await expect(list).toHaveAttribute('data-file', 'epoch-2.jsonl');
  await page.getByTestId('predictions-filter-wrong').click();
  const wrong = QUESTIONS - 2 * 3;
  await expect(list).toHaveAttribute('data-total', String(wrong));
  await expect(page.getByTestId('prediction-row')).toHaveCount(wrong);
  await expect(page.getByTestId('prediction-row').and(page.locator('[data-correct="true"]'))).toHaveCount(0);
  await page.getByTestId('predictions-search').fill('wrong11');
  await expect(list).toHaveAttribute('data-total', '1');
  await expect(page.getByTestId('prediction-row')).toHaveAttribute('data-idx', '11');
  // A row opens on the question it answered (the run's validation record).
  await page.getByTestId('prediction-row').click();
  await expect(page.getByTestId('prediction-record')).toContainText('expected');
});

test('the log keeps the engine`s progress apart from warnings and counts only the problems', async ({ page }) => {
  await page.goto(`${served.openUrl}#/runs/${RUN_ID}`);
  const problems = page.getByTestId('log-problems');
  await expect(problems).toHaveAttribute('data-warnings', '1');
  await expect(problems).toHaveAttribute('data-errors', '0');
  await expect(problems).toHaveText('1 warning');
  const lines = page.getByTestId('log-line');
  await expect(lines.and(page.locator('[data-kind="warning"]'))).toHaveCount(2); // the warning and its source line
  await expect(lines.and(page.locator('[data-kind="progress"]'))).toHaveCount(0);
  await page.getByTestId('log-show-progress').check();
  await expect(lines.and(page.locator('[data-kind="progress"]')).first()).toBeVisible();
  expect(await lines.and(page.locator('[data-kind="progress"]')).count()).toBeGreaterThan(10);
  await expect(lines.filter({ hasText: 'stage 2 step 100/400' })).toHaveAttribute('data-kind', 'progress');
  await page.getByTestId('log-problems-only').check();
  await expect(lines).toHaveCount(2);
});
