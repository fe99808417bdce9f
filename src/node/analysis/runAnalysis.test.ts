/**
 * A run's predictions analysed through the real API dispatcher on real files: categories per
 * file, the eval event's figures, questions filtered by category and by record, the record
 * itself, and every bad input (no predictions, another dataset's indices, a non-graph dataset).
 */
import { appendFileSync, mkdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PredictionRow } from '../../common/api.js';
import { RunConfigSchema } from '../../common/config.js';
import { EVENT_SCHEMA_VERSION } from '../../common/events.js';
import { createRandom } from '../datasets/random.js';
import { generateReachabilityRecord, resolveReachabilityParams, type ReachabilityRecord } from '../datasets/reachability.js';
import { formatRunAnalysis } from '../cli/commands/analyse.js';
import { DispatchedApi } from '../testing/dispatchedApi.js';
import { tempDir } from '../testing/fixtures.js';
import { Workbench } from '../workbench/workbench.js';



function graphRecords(count: number): ReachabilityRecord[] {
  const rng = createRandom(11);
  const params = resolveReachabilityParams({ preset: 'small' });
  return Array.from({ length: count }, () => generateReachabilityRecord(rng, params));
}

/** What a model that writes the record's own path, then its answer, would write. */
const ownPath = (record: ReachabilityRecord): string => [...record.steps, `### ${record.answer}`].join('\n');
const otherLeaf = (record: ReachabilityRecord): string => record.idx_to_symbol[record.neg_target] as string;

describe('run analysis API', () => {
  let home: ReturnType<typeof tempDir>;
  let workbench: Workbench;
  let api: DispatchedApi;
  let records: ReachabilityRecord[];
  let valPath: string;

  beforeEach(() => {
    home = tempDir();
    workbench = new Workbench(home.path);
    api = new DispatchedApi(workbench);
    records = graphRecords(6);
    valPath = join(home.path, 'valid.json');
    writeFileSync(valPath, JSON.stringify(records));
  });
  afterEach(async () => {
    await workbench.datasetJobs.close();
    home.remove();
  });

  function runWith(files: Record<string, PredictionRow[]>, dataset = valPath, keys: Record<string, unknown> = {}) {
    const config = RunConfigSchema.parse({ name: 'analysed', coconut: true, train_path: dataset, val_path: dataset, ...keys });
    const run = workbench.store.create(config, {});
    mkdirSync(join(run.dir, 'predictions'), { recursive: true });
    for (const [name, rows] of Object.entries(files)) {
      writeFileSync(join(run.dir, 'predictions', name), rows.map((row) => JSON.stringify(row) + '\n').join(''));
    }
    return run;
  }

  function evalEvent(runDir: string, file: string, fields: Record<string, unknown>): void {
    const event = { v: EVENT_SCHEMA_VERSION, t: 1, type: 'eval', stage: 1, epoch: 2, split: 'val', accuracy: 0.5, correct: 3, total: 6, cot_match: null, mean_new_tokens: 4.5, mean_forward_passes: 6.5, ms_per_question: 2, seconds: 1, predictions: `predictions/${file}`, ...fields };
    appendFileSync(join(runDir, 'events.jsonl'), JSON.stringify(event) + '\n');
  }

  const row = (idx: number, text: string, correct: boolean, thoughts = 0): PredictionRow => ({ idx, thoughts, text, answer: text.split('#').at(-1)?.trim() ?? '', correct });

  it('counts the six categories per file and takes the figures from the eval event that wrote it', async () => {
    const r = records;
    const cot = [
      row(0, ownPath(r[0]!), true),
      row(1, ownPath(r[1]!), true),
      row(2, `zz_qq\n### ${r[2]!.answer}`, true), // a step naming no node
      row(3, `### ${r[3]!.answer}`, true),
      row(4, `### ${otherLeaf(r[4]!)}`, false),
      row(5, ownPath(r[5]!), true),
    ];
    const run = runWith({ 'epoch-3.jsonl': cot, 'eval-3-k1.jsonl': cot.map((entry) => ({ ...entry, thoughts: 1 })) });
    evalEvent(run.dir, 'epoch-3.jsonl', {});
    evalEvent(run.dir, 'eval-3-k1.jsonl', { forced_thoughts: 1, mean_new_tokens: 2 });

    const analysis = await api.call('analysis.run', { id: run.id });
    expect(analysis).toMatchObject({ run_id: run.id, method: 'coconut', val_path: valPath, graph: true, problem: null });
    const [epoch, forced] = analysis.files;
    expect(epoch).toMatchObject({ file: 'epoch-3.jsonl', epoch: 2, stage: 1, forced_thoughts: null, thoughts: 0, total: 6, correct: 5, mean_new_tokens: 4.5, problem: null });
    expect(epoch!.categories).toEqual({ correct_label: 1, incorrect_label: 1, correct_path: 3, longer_path: 0, hallucination: 1, wrong_target: 0 });
    expect(forced).toMatchObject({ file: 'eval-3-k1.jsonl', forced_thoughts: 1, thoughts: 1, mean_new_tokens: 2 });
    const total = Object.values(forced!.categories!).reduce((a, b) => a + b, 0);
    expect(total).toBe(6);

    // Accuracy split by whether the entity has a child that cannot reach the answer (worked out here by a walk over the edges).
    const reaches = (record: ReachabilityRecord, from: number): boolean =>
      from === record.target || record.edges.some(([source, destination]) => source === from && reaches(record, destination));
    const isChoice = (record: ReachabilityRecord): boolean => record.edges.some(([source, child]) => source === record.root && !reaches(record, child));
    const expected = { choice: { total: 0, correct: 0 }, direct: { total: 0, correct: 0 } };
    cot.forEach((entry) => {
      const tally = isChoice(r[entry.idx]!) ? expected.choice : expected.direct;
      tally.total += 1;
      if (entry.correct) tally.correct += 1;
    });
    expect(epoch!.first_step).toEqual(expected);
    expect([expected.choice.total > 0, expected.direct.total > 0]).toEqual([true, true]);
  });

  it('counts, for a frontier-supervised run, the named nodes on the frontier their thoughts stood for; accuracy by steps for every run', async () => {
    const r = records;
    // Record 5 without its frontiers field: the analysis walks its edges instead.
    writeFileSync(valPath, JSON.stringify(r.map((record, i) => (i === 5 ? { ...record, frontiers: undefined } : record))));
    const name = (record: ReachabilityRecord, node: number): string => record.idx_to_symbol[node] as string;
    const named = (idx: number, node: number, thoughts: number): PredictionRow => {
      const text = name(r[idx]!, node);
      return row(idx, text, text === r[idx]!.answer, thoughts);
    };
    expect(r.every((record) => record.frontiers.length >= 2)).toBe(true);
    const stageRows = [
      named(0, r[0]!.frontiers[0]![0]!, 0), // a child of the entity after no thought: on its frontier
      named(1, r[1]!.frontiers[1]!.at(-1)!, 1), // two edges away after one thought: on it
      named(2, r[2]!.root, 1), // the entity itself: a walk never returns to it
      named(3, r[3]!.frontiers[0]![0]!, 1), // one edge away, asked for two: off unless a walk of two edges also reaches it
      row(4, 'zz_qq', false, 1), // one word that is no node: named, off the frontier
      row(5, `${name(r[5]!, r[5]!.frontiers[0]![0]!)}`, false, 0), // frontier from the edges
      row(0, `### ${r[0]!.answer}`, true, 2), // an answer after the marker is not a named node
    ];
    const expectedOn = 3 + (r[3]!.frontiers[1]!.includes(r[3]!.frontiers[0]![0]!) ? 1 : 0);
    const frontierRun = runWith({ 'epoch-2.jsonl': stageRows, 'epoch-3.jsonl': [row(0, `### ${r[0]!.answer}`, true, 2)] }, valPath, { frontier_supervision: true });
    const analysis = await api.call('analysis.run', { id: frontierRun.id });
    const [stage, last] = analysis.files;
    expect(stage!.frontier).toEqual({ named: 6, on_frontier: expectedOn });
    expect(last!.frontier).toBeNull();
    // Named nodes are no written paths: only the one answer is classified, and a stage of names alone has no categories.
    expect(stage!.categories).toMatchObject({ correct_label: 1, hallucination: 0 });
    const sum = (counts: Record<string, number> | null) => Object.values(counts ?? {}).reduce((a, b) => a + b, 0);
    expect(sum(stage!.categories)).toBe(1);
    const namesOnly = runWith({ 'epoch-1.jsonl': stageRows.slice(0, 6) }, valPath, { frontier_supervision: true });
    expect((await api.call('analysis.run', { id: namesOnly.id })).files[0]).toMatchObject({ categories: null, frontier: { named: 6 } });
    expect((await api.call('analysis.questions', { id: frontierRun.id, file: 'epoch-2.jsonl', category: 'hallucination' })).total).toBe(0);

    const bySteps = new Map<number, { steps: number; total: number; correct: number }>();
    for (const entry of stageRows) {
      const steps = r[entry.idx]!.steps.length;
      const tally = bySteps.get(steps) ?? { steps, total: 0, correct: 0 };
      bySteps.set(steps, { steps, total: tally.total + 1, correct: tally.correct + (entry.correct ? 1 : 0) });
    }
    expect(stage!.by_steps).toEqual([...bySteps.values()].sort((a, b) => a.steps - b.steps));
    expect(last!.by_steps).toEqual([{ steps: r[0]!.steps.length, total: 1, correct: 1 }]);

    // `coconut analyse RUN` prints the share in its own column and a line per file by steps.
    const table = formatRunAnalysis(analysis).split('\n');
    expect(table[1]).toMatch(/ direct +named$/);
    expect(table.find((line) => line.startsWith('epoch-2.jsonl'))).toMatch(new RegExp(` ${((100 * expectedOn) / 6).toFixed(1)}%$`));
    expect(table.find((line) => line.startsWith('epoch-3.jsonl'))).toMatch(/ –$/);
    expect(bySteps.size).toBeGreaterThan(1); // the small preset's 2- and 3-step questions
    expect(table).toContain('accuracy by reasoning steps (questions):');
    const cells = [...bySteps.values()].sort((a, b) => a.steps - b.steps).map((tally) => `${tally.steps} steps +${((100 * tally.correct) / tally.total).toFixed(1)}% \\(${tally.total}\\)`);
    expect(table.find((line) => line.startsWith('  epoch-2.jsonl'))).toMatch(new RegExp(cells.join(' +')));

    // The same outputs from a run without frontier supervision: no named-node share.
    const plainRun = runWith({ 'epoch-2.jsonl': stageRows });
    const plain = (await api.call('analysis.run', { id: plainRun.id })).files[0]!;
    expect(plain).toMatchObject({ frontier: null, by_steps: stage!.by_steps });
    expect(sum(plain.categories)).toBe(7);
    expect((await api.call('analysis.questions', { id: plainRun.id, category: 'hallucination' })).total).toBeGreaterThan(0);
  });

  it('lists one category’s questions with the verdict that explains them, or chosen records in order', async () => {
    const r = records;
    const run = runWith({ 'epoch-1.jsonl': [row(0, ownPath(r[0]!), true), row(1, `zz_qq\n### ${r[1]!.answer}`, true), row(2, `### ${otherLeaf(r[2]!)}`, false)] });
    const hallucinated = await api.call('analysis.questions', { id: run.id, category: 'hallucination' });
    expect(hallucinated.total).toBe(1);
    expect(hallucinated.rows[0]).toMatchObject({ idx: 1, verdict: { category: 'hallucination', bad_step: 1 } });
    expect(hallucinated.rows[0]!.verdict!.explanation).toMatch(/zz_qq|node/);

    const chosen = await api.call('analysis.questions', { id: run.id, indices: [2, 0, 99] });
    expect(chosen.rows.map((entry) => [entry.idx, entry.verdict?.category])).toEqual([
      [2, 'incorrect_label'],
      [0, 'correct_path'],
    ]);
    const wrong = await api.call('analysis.questions', { id: run.id, filter: 'wrong' });
    expect(wrong.rows.map((entry) => entry.idx)).toEqual([2]);
    expect(await api.call('analysis.record', { id: run.id, index: 2 })).toMatchObject({ index: 2, question: r[2]!.question, edges: r[2]!.edges });
  });

  it('pages from the file as read once, and reads it again when its modification time or size changes', async () => {
    const run = runWith({ 'epoch-1.jsonl': [row(0, ownPath(records[0]!), true), row(1, '### x ', true)] });
    const file = join(run.dir, 'predictions', 'epoch-1.jsonl');
    const write = (rows: PredictionRow[], mtime: number) => {
      writeFileSync(file, rows.map((entry) => JSON.stringify(entry) + '\n').join(''));
      utimesSync(file, mtime, mtime);
    };
    const wrong = async () => (await api.call('analysis.questions', { id: run.id, filter: 'wrong' })).rows.map((entry) => entry.idx);
    write([row(0, ownPath(records[0]!), true), row(1, '### x ', true)], 1_000_000);
    expect(await wrong()).toEqual([]);
    const size = statSync(file).size;
    // Same size, same time: taken for the file already read (what the cache is keyed on).
    write([row(0, ownPath(records[0]!), true), row(1, '### x', false)], 1_000_000);
    expect(statSync(file).size).toBe(size);
    expect(await wrong()).toEqual([]);
    utimesSync(file, 1_000_060, 1_000_060);
    expect(await wrong()).toEqual([1]);
    // A row appended within the same second: the size tells.
    appendFileSync(file, JSON.stringify(row(2, `### ${otherLeaf(records[2]!)}`, false)) + '\n');
    utimesSync(file, 1_000_060, 1_000_060);
    expect(await wrong()).toEqual([1, 2]);
    expect((await api.call('analysis.run', { id: run.id })).files[0]).toMatchObject({ total: 3, correct: 1 });
  });

  it('says what is wrong instead of failing: no predictions, another dataset, records without graphs', async () => {
    const none = runWith({});
    expect((await api.call('analysis.run', { id: none.id })).problem).toMatch(/no predictions yet/);

    const foreign = runWith({ 'epoch-1.jsonl': [row(0, '### x', false), row(40, '### y', false)] });
    const analysis = await api.call('analysis.run', { id: foreign.id });
    expect(analysis.files[0]!.categories).toBeNull();
    expect(analysis.files[0]!.problem).toMatch(/record 40 is not in .*valid\.json \(6 records\)/);
    await expect(api.call('analysis.questions', { id: foreign.id })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringMatching(/record 40/) });
    await expect(api.call('analysis.record', { id: foreign.id, index: 40 })).rejects.toMatchObject({ code: 'not_found' });

    const plainPath = join(home.path, 'plain.json');
    writeFileSync(plainPath, JSON.stringify([{ question: 'Is it?', steps: ['yes'], answer: 'True' }]));
    const plain = runWith({ 'epoch-1.jsonl': [row(0, 'yes ### True', true)] }, plainPath);
    const plainAnalysis = await api.call('analysis.run', { id: plain.id });
    expect(plainAnalysis).toMatchObject({ graph: false, problem: null });
    expect(plainAnalysis.files[0]).toMatchObject({ categories: null, accuracy: 1, problem: null });
    await expect(api.call('analysis.questions', { id: plain.id, category: 'hallucination' })).rejects.toMatchObject({ message: expect.stringMatching(/no graph records/) });
    await expect(api.call('analysis.questions', { id: plain.id, file: '../run.json' })).rejects.toMatchObject({ code: 'not_found' });

    const missing = runWith({ 'epoch-1.jsonl': [row(0, '### x', false)] }, join(home.path, 'gone.json'));
    expect((await api.call('analysis.run', { id: missing.id })).problem).toMatch(/gone\.json/);
  });
});

describe('runs.delete', () => {
  let home: ReturnType<typeof tempDir>;
  let workbench: Workbench;
  let api: DispatchedApi;
  beforeEach(() => {
    home = tempDir();
    workbench = new Workbench(home.path);
    api = new DispatchedApi(workbench);
  });
  afterEach(async () => {
    await workbench.datasetJobs.close();
    home.remove();
  });

  const config = RunConfigSchema.parse({ name: 'gone', cot: true, train_path: '/t.json', val_path: '/v.json' });

  it('removes a finished run whole, keeps the others, and refuses one still queued or running', async () => {
    const kept = workbench.store.create(config, {});
    const done = workbench.store.create(config, {});
    workbench.store.update(done.id, { status: 'completed' });
    writeFileSync(join(done.dir, 'events.jsonl'), '');
    await api.call('runs.delete', { id: done.id });
    expect((await api.call('runs.list', {})).map((run) => run.id)).toEqual([kept.id]);
    await expect(api.call('runs.get', { id: done.id })).rejects.toMatchObject({ code: 'not_found' });
    await expect(api.call('runs.delete', { id: kept.id })).rejects.toMatchObject({ code: 'conflict', message: expect.stringMatching(/queued: cancel it first/) });
    expect(workbench.store.has(kept.id)).toBe(true);
  });

  it('deletes a run kept outside the home, link and folder', async () => {
    const outside = join(home.path, 'elsewhere', 'run');
    const run = workbench.store.create(config, {}, { outsideDir: outside });
    workbench.store.update(run.id, { status: 'failed' });
    await api.call('runs.delete', { id: run.id });
    expect(workbench.store.has(run.id)).toBe(false);
    const { existsSync } = await import('node:fs');
    expect(existsSync(outside)).toBe(false);
  });

  it('keeps val_path, seed and eval_of in the summary', async () => {
    const run = workbench.store.create({ ...config, seed: 7 }, {}, { evalOf: { run: 'source', checkpoint: 'best' } });
    expect(await api.call('runs.get', { id: run.id })).toMatchObject({ run: { val_path: '/v.json', seed: 7, eval_of: { run: 'source', checkpoint: 'best' } } });
  });
});
