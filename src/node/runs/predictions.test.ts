/**
 * A run's prediction files (`predictions/*.jsonl`, one row per validation question) read through
 * RunStore and through the real API dispatcher: filter, search, paging, the default file, a torn
 * last line, and names that are not the run's own files.
 */
import { appendFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PredictionRow } from '../../common/api.js';
import { RunConfigSchema } from '../../common/config.js';
import { ApiDispatcher } from '../api/dispatch.js';
import { tempDir } from '../testing/fixtures.js';
import { Workbench } from '../workbench/workbench.js';
import type { RunStore } from './runStore.js';

const config = RunConfigSchema.parse({ name: 'predictions', cot: true, train_path: '/data/t.json', val_path: '/data/v.json' });
const ipc = { transport: 'ipc' as const };
const all = { offset: 0, limit: 500, filter: 'all' as const, query: '' };

function rows(count: number, wrongEvery = 3): PredictionRow[] {
  return Array.from({ length: count }, (_, idx) => {
    const correct = idx % wrongEvery !== 0;
    const answer = correct ? `Tom is a wumpus${idx}.` : `Tom is a yumpus${idx}.`;
    return { idx, thoughts: 1, text: `Every step ${idx}.\n### ${answer}`, answer, correct, ...(idx % 2 === 0 ? { reasoning_match: correct } : {}) };
  });
}

function writeRows(dir: string, name: string, list: PredictionRow[], mtime: number): string {
  const path = join(dir, 'predictions', name);
  mkdirSync(join(dir, 'predictions'), { recursive: true });
  writeFileSync(path, list.map((row) => JSON.stringify(row) + '\n').join(''));
  utimesSync(path, mtime, mtime);
  return path;
}

describe('run predictions', () => {
  let home: ReturnType<typeof tempDir>;
  let workbench: Workbench;
  let store: RunStore;
  let dispatcher: ApiDispatcher;
  beforeEach(() => {
    home = tempDir();
    workbench = new Workbench(home.path);
    store = workbench.store;
    dispatcher = new ApiDispatcher(workbench);
  });
  afterEach(async () => {
    await workbench.datasetJobs.close();
    home.remove();
  });

  it('has no rows and no file before the first evaluation', () => {
    const run = store.create(config, {});
    expect(store.predictions(run.id, undefined, all)).toEqual({ files: [], file: null, total: 0, offset: 0, rows: [] });
  });

  it('lists the files in epoch order, reads the latest by default, and filters, searches and pages', () => {
    const run = store.create(config, {});
    writeRows(run.dir, 'epoch-2.jsonl', rows(4), 1_000);
    writeRows(run.dir, 'epoch-10.jsonl', rows(30), 3_000);
    writeRows(run.dir, 'epoch-1.jsonl', rows(2), 2_000);
    writeRows(run.dir, 'eval-2.jsonl', rows(5), 500);
    writeFileSync(join(run.dir, 'predictions', '.epoch-11.jsonl.x1.tmp'), 'half');
    writeFileSync(join(run.dir, 'predictions', 'notes.txt'), 'mine');

    const latest = store.predictions(run.id, undefined, all);
    expect(latest.files).toEqual(['epoch-1.jsonl', 'epoch-2.jsonl', 'epoch-10.jsonl', 'eval-2.jsonl']);
    expect(latest.file).toBe('epoch-10.jsonl');
    expect(latest.total).toBe(30);
    expect(latest.rows).toEqual(rows(30));

    const wrong = store.predictions(run.id, 'epoch-10.jsonl', { ...all, filter: 'wrong' });
    expect(wrong.total).toBe(10);
    expect(wrong.rows.every((row) => !row.correct)).toBe(true);
    const right = store.predictions(run.id, 'epoch-10.jsonl', { ...all, filter: 'right' });
    expect(right.total).toBe(20);
    expect(right.rows.map((row) => row.idx)).toEqual(rows(30).filter((row) => row.correct).map((row) => row.idx));

    // Paging over the filtered rows.
    const page = store.predictions(run.id, 'epoch-10.jsonl', { ...all, filter: 'right', offset: 5, limit: 4 });
    expect(page).toMatchObject({ total: 20, offset: 5 });
    expect(page.rows.map((row) => row.idx)).toEqual(right.rows.slice(5, 9).map((row) => row.idx));

    // Every word, any case, in the text or the answer.
    const found = store.predictions(run.id, 'epoch-10.jsonl', { ...all, query: '  YUMPUS12  tom ' });
    expect(found.rows.map((row) => row.idx)).toEqual([12]);
    expect(store.predictions(run.id, 'epoch-10.jsonl', { ...all, query: 'step 17.' }).rows.map((row) => row.idx)).toEqual([17]);
    expect(store.predictions(run.id, 'epoch-10.jsonl', { ...all, query: 'wumpus12' }).total).toBe(0);
    expect(store.predictions(run.id, 'epoch-10.jsonl', { ...all, filter: 'right', query: 'yumpus' }).total).toBe(0);

    expect(store.predictions(run.id, 'epoch-1.jsonl', all).rows).toEqual(rows(2));
  });

  it('orders only_eval files with forced thought counts by number, then thoughts, then copy', () => {
    const run = store.create(config, {});
    // Written out of order, as several evaluations of different checkpoints would leave them.
    const names = ['eval-3-k10.jsonl', 'eval-3-k2-2.jsonl', 'eval-10-k0.jsonl', 'eval-3.jsonl', 'eval-3-k2.jsonl', 'eval-3-2.jsonl', 'epoch-3.jsonl', 'eval-3-k0.jsonl'];
    names.forEach((name, index) => writeRows(run.dir, name, rows(2), 1_000 + index));
    for (const name of ['eval-3-k.jsonl', 'eval-3-kx.jsonl', 'epoch-3-k1.jsonl', 'eval-3-k1-.jsonl', 'eval--k1.jsonl']) {
      writeFileSync(join(run.dir, 'predictions', name), '');
    }
    expect(store.predictionFiles(run.id)).toEqual([
      'epoch-3.jsonl',
      'eval-3.jsonl',
      'eval-3-2.jsonl',
      'eval-3-k0.jsonl',
      'eval-3-k2.jsonl',
      'eval-3-k2-2.jsonl',
      'eval-3-k10.jsonl',
      'eval-10-k0.jsonl',
    ]);
    // The last one written is the default, and each forced file reads by its name.
    expect(store.predictions(run.id, undefined, all).file).toBe('eval-3-k0.jsonl');
    expect(store.predictions(run.id, 'eval-3-k2-2.jsonl', all).rows).toEqual(rows(2));
  });

  it('skips a torn last line but reports a damaged one in the middle', () => {
    const run = store.create(config, {});
    const path = writeRows(run.dir, 'epoch-1.jsonl', rows(3), 1_000);
    appendFileSync(path, '{"idx": 3, "thoughts": 1, "te');
    expect(store.predictions(run.id, 'epoch-1.jsonl', all).rows).toEqual(rows(3));
    appendFileSync(path, '\n' + JSON.stringify(rows(5)[4]) + '\n');
    expect(() => store.predictions(run.id, 'epoch-1.jsonl', all)).toThrow(/epoch-1\.jsonl: line 4 is not a prediction row/);
  });

  it('reads only the run\'s own prediction files', () => {
    const run = store.create(config, {});
    writeRows(run.dir, 'epoch-1.jsonl', rows(3), 1_000);
    for (const name of ['../run.json', '../../other/predictions/epoch-1.jsonl', '/etc/passwd', 'epoch-1.jsonl/..', 'epoch-2.jsonl', 'notes.txt']) {
      expect(() => store.predictions(run.id, name, all)).toThrow(
        `run ${run.id} has no prediction file ${JSON.stringify(name)} (it has epoch-1.jsonl)`,
      );
    }
  });

  it('answers runs.predictions through the API with its defaults, and one clear error for a bad file', async () => {
    const run = store.create(config, {});
    writeRows(run.dir, 'epoch-1.jsonl', rows(3), 1_000);
    writeRows(run.dir, 'epoch-2.jsonl', rows(80), 2_000);
    const reply = await dispatcher.call('runs.predictions', { id: run.id }, ipc);
    expect(reply.ok).toBe(true);
    if (!reply.ok) return;
    expect(reply.result).toMatchObject({ files: ['epoch-1.jsonl', 'epoch-2.jsonl'], file: 'epoch-2.jsonl', total: 80, offset: 0 });
    expect((reply.result as { rows: unknown[] }).rows).toHaveLength(50);

    const filtered = await dispatcher.call('runs.predictions', { id: run.id, file: 'epoch-1.jsonl', filter: 'wrong', limit: 10 }, ipc);
    expect(filtered).toEqual({ ok: true, result: { files: ['epoch-1.jsonl', 'epoch-2.jsonl'], file: 'epoch-1.jsonl', total: 1, offset: 0, rows: [rows(3)[0]] } });

    const bad = await dispatcher.call('runs.predictions', { id: run.id, file: '../run.json' }, ipc);
    expect(bad).toEqual({
      ok: false,
      error: {
        code: 'not_found',
        message: `run ${run.id} has no prediction file "../run.json" (it has epoch-1.jsonl, epoch-2.jsonl)`,
        issues: [],
      },
    });
    const badFilter = await dispatcher.call('runs.predictions', { id: run.id, filter: 'maybe' }, ipc);
    expect(badFilter.ok).toBe(false);
  });
});
