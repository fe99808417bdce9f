/**
 * Damaged run folders in Chromium against `coconut serve`: a run whose run.json was cut short
 * stays in the runs list with a `damaged` badge and the reason naming the file, its page says what
 * is damaged and lists the lines of events.jsonl that could not be read, and it can be deleted.
 */
import { expect, test } from '@playwright/test';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServedWorkbench, type ServedWorkbench } from './serveHost.js';

test.describe.configure({ mode: 'serial' });

const DAMAGED = '20261202-030000-e2e-damaged-0001';
const TORN = '20261202-030100-e2e-torn-0002';

let served: ServedWorkbench;
test.beforeAll(async () => {
  served = await startServedWorkbench();
  writeRun(DAMAGED, 'e2e-damaged', (text) => text.slice(0, 120));
  writeRun(TORN, 'e2e-torn', (text) => text);
});
test.afterAll(async () => {
  await served?.stop();
});

const log = (t: number, message: string) => JSON.stringify({ v: 1, t, type: 'log', level: 'info', message });

/** A finished run's folder; `damage` may spoil its run.json. Its events have a torn line 2. */
function writeRun(id: string, name: string, damage: (text: string) => string): void {
  const dir = join(served.home, 'runs', id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yaml'), `name: ${name}\ncot: true\nnum_epochs: 2\n`);
  writeFileSync(join(dir, 'events.jsonl'), [log(1, 'first'), '{"v": 1, "t": 2, "type": "lo', log(3, 'third'), ''].join('\n'));
  const record = {
    id,
    name,
    status: 'completed',
    method: 'cot',
    created_at: '2026-12-02T03:00:00.000Z',
    started_at: null,
    ended_at: null,
    stage: null,
    epoch: null,
    num_epochs: 2,
    best_accuracy: null,
    last_accuracy: null,
    last_error: null,
    dir,
    pid: null,
    versions: {},
    exit_code: 0,
  };
  writeFileSync(join(dir, 'run.json'), damage(JSON.stringify(record, null, 2) + '\n'));
}

const row = (page: import('@playwright/test').Page, id: string) => page.locator(`[data-testid="run-row"][data-run-id="${id}"]`);

test('a damaged run is listed with its badge and reason, its page says what is damaged, and it can be deleted', async ({ page }) => {
  await page.goto(served.openUrl);
  await expect(page.getByTestId('run-row')).toHaveCount(2);
  const damaged = row(page, DAMAGED);
  await expect(damaged.getByTestId('run-status')).toHaveAttribute('data-status', 'damaged');
  await expect(damaged.getByTestId('run-name')).toHaveText('e2e-damaged');
  await expect(damaged.getByTestId('run-damage-reason')).toHaveText(/^run\.json cut short: the JSON is not complete at its end \(line \d+\)$/);
  await expect(row(page, TORN).getByTestId('run-status')).toHaveAttribute('data-status', 'completed');

  await damaged.click();
  await expect(page.getByTestId('run-view')).toHaveAttribute('data-run-id', DAMAGED);
  await expect(page.getByTestId('run-damage')).toContainText('Damaged: run.json cut short');
  await expect(page.getByTestId('run-damage')).toContainText(join(served.home, 'runs', DAMAGED, 'run.json'));
  await expect(page.getByTestId('event-problems')).toContainText('1 line of events.jsonl could not be read (line 2: cut short');

  await page.goto(`${served.openUrl}#/`);
  const menuButton = row(page, DAMAGED).getByTestId('run-actions-menu');
  await menuButton.focus();
  await page.keyboard.press('Enter');
  await page.locator('[role="menu"]:popover-open [data-testid="action-delete"]').click();
  await expect(page.locator('dialog[open][data-testid="delete-dialog"]')).toBeVisible();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('run-row')).toHaveCount(1);
  expect(existsSync(join(served.home, 'runs', DAMAGED))).toBe(false);
});

test('a healthy run with a torn events line lists the line on its page', async ({ page }) => {
  await page.goto(`${served.openUrl}#/runs/${TORN}`);
  await expect(page.getByTestId('run-status')).toHaveAttribute('data-status', 'completed');
  await expect(page.getByTestId('run-damage')).toHaveCount(0);
  const notice = page.getByTestId('event-problems');
  await expect(notice).toHaveAttribute('data-count', '1');
  await notice.locator('summary').click();
  await expect(notice.getByTestId('event-problem')).toHaveText(['line 2: cut short ({"v": 1, "t": 2, "type": "lo)']);
});
