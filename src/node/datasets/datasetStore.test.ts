import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApiError } from '../../common/api.js';
import { tempDir, tinyRecords } from '../testing/fixtures.js';
import { DatasetStore, searchTerms, statsForDisplay } from './datasetStore.js';
import { generateSplits } from './splits.js';

describe('DatasetStore', () => {
  let home: ReturnType<typeof tempDir>;
  let dir: string;
  let store: DatasetStore;
  beforeEach(() => {
    home = tempDir();
    dir = join(home.path, 'datasets');
    store = new DatasetStore(dir);
  });
  afterEach(() => home.remove());

  const writeSplit = (dataset: string, file: string, content: unknown) => {
    mkdirSync(join(dir, dataset), { recursive: true });
    writeFileSync(join(dir, dataset, file), typeof content === 'string' ? content : JSON.stringify(content));
  };

  it('lists nothing when the datasets folder does not exist yet', async () => {
    expect(await store.list()).toEqual([]);
  });

  it('lists each dataset once with its splits in train, valid, test order and the generator from dataset.json', async () => {
    await generateSplits({ generator: 'reachability', params: { preset: 'small' }, seed: 3, sizes: { train: 12, valid: 4, test: 5 }, outDir: join(dir, 'graphs') });
    writeSplit('imported', 'zeta.json', tinyRecords(2));
    writeSplit('imported', 'test.json', tinyRecords(3));
    writeSplit('imported', 'notes.json', { not: 'a list' });
    writeSplit('imported', 'broken.json', '[{');
    writeSplit('.creating-half-1234', 'train.json', tinyRecords(1));
    writeSplit('empty', 'readme.txt', 'no splits here');

    const list = await store.list();
    expect(list.map((dataset) => dataset.name)).toEqual(['graphs', 'imported']);
    const [graphs, imported] = list;
    expect(graphs?.splits.map((split) => [split.split, split.records])).toEqual([
      ['train', 12],
      ['valid', 4],
      ['test', 5],
    ]);
    expect(graphs?.records).toBe(21);
    expect(graphs?.generator).toMatchObject({ name: 'reachability', seed: 3, params: { preset: 'small', minNodes: 8, maxNodes: 10 } });
    expect(imported?.splits.map((split) => [split.split, split.records])).toEqual([
      ['test', 3],
      ['zeta', 2],
    ]);
    expect(imported?.generator).toBeNull();
    expect(imported?.splits[0]?.path).toBe(join(dir, 'imported', 'test.json'));
  });

  it('pages records and searches question, steps and answer for every word, any case', async () => {
    await generateSplits({ generator: 'reachability', params: { preset: 'small' }, seed: 1, sizes: { train: 30, valid: 1, test: 1 }, outDir: join(dir, 'g') });
    const all = await store.records('g', 'train', { query: '', offset: 0, limit: 500 });
    expect(all.total).toBe(30);
    const page = await store.records('g', 'train', { query: '', offset: 10, limit: 7 });
    expect(page.records.map((record) => record.index)).toEqual([10, 11, 12, 13, 14, 15, 16]);
    expect(page.records[0]).toEqual(all.records[10]);
    // Graph fields come along for the graph view.
    expect(Object.keys(page.records[0] ?? {}).sort()).toEqual(['answer', 'edges', 'frontiers', 'idx_to_symbol', 'index', 'neg_target', 'question', 'root', 'steps', 'target']);

    const first = all.records[0]!;
    const step = first.steps[0]!;
    const found = await store.records('g', 'train', { query: ` ${step.toUpperCase()}  `, offset: 0, limit: 500 });
    expect(found.total).toBeGreaterThan(0);
    expect(found.records.map((record) => record.index)).toContain(0);
    for (const record of found.records) expect([record.question, ...record.steps, record.answer].join(' ')).toContain(step);
    const both = await store.records('g', 'train', { query: `${step} ${first.answer}`, offset: 0, limit: 500 });
    expect(both.records.every((record) => [record.question, ...record.steps, record.answer].join('\n').includes(first.answer))).toBe(true);
    expect((await store.records('g', 'train', { query: 'no-such-token', offset: 0, limit: 5 })).total).toBe(0);
  });

  it('sees a split file change on disk', async () => {
    writeSplit('t', 'train.json', tinyRecords(4));
    expect((await store.records('t', 'train', { query: '', offset: 0, limit: 10 })).total).toBe(4);
    writeSplit('t', 'train.json', tinyRecords(9));
    expect((await store.records('t', 'train', { query: '', offset: 0, limit: 10 })).total).toBe(9);
    expect((await store.stats('t', 'train')).records).toBe(9);
  });

  it('answers not_found for unknown datasets, unknown splits and names that leave the folder', async () => {
    writeSplit('t', 'train.json', tinyRecords(2));
    writeFileSync(join(home.path, 'secret.json'), JSON.stringify(tinyRecords(1)));
    const failure = async (name: string, split: string) => {
      const error = await store.records(name, split, { query: '', offset: 0, limit: 1 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ApiError);
      return error as ApiError;
    };
    expect((await failure('nope', 'train')).code).toBe('not_found');
    expect((await failure('..', 'secret')).code).toBe('not_found');
    expect((await failure('t/..', 'train')).code).toBe('not_found');
    expect((await failure('t', '../../secret')).code).toBe('not_found');
    const split = await failure('t', 'valid');
    expect(split.message).toBe('dataset t has no split "valid" (it has train)');
    expect(split.issues[0]?.path).toBe('split');
  });

  it('reports an invalid split file as a bad request naming the record', async () => {
    writeSplit('bad', 'train.json', [{ question: 'q', steps: [], answer: '' }]);
    await expect(store.stats('bad', 'train')).rejects.toThrow(/^bad\/train: train.json: record 0: 'answer'/);
  });
});

describe('statsForDisplay', () => {
  it('adds histograms of question length and graph sizes to the statistics', async () => {
    const records = [
      { question: 'a b c', steps: ['x'], answer: 'y' },
      { question: 'a b', steps: ['x', 'z'], answer: 'y' },
      { question: 'd e f', steps: ['x'], answer: 'y', idx_to_symbol: ['0', '1', '2'], edges: [[0, 1], [1, 2]] as [number, number][], root: 0, target: 2, neg_target: 1 },
    ];
    const stats = statsForDisplay(records);
    expect(stats.steps.histogram).toEqual({ 1: 2, 2: 1 });
    expect(stats.question_words).toEqual({ mean: 8 / 3, min: 2, max: 3, histogram: { 2: 1, 3: 2 } });
    expect(stats.graph).toEqual({
      records: 1,
      nodes: { mean: 3, min: 3, max: 3, histogram: { 3: 1 } },
      edges: { mean: 2, min: 2, max: 2, histogram: { 2: 1 } },
      shortest_paths: { mean: 1, min: 1, max: 1, histogram: { 1: 1 } },
    });
    expect(statsForDisplay(records.slice(0, 2)).graph).toBeNull();
  });

  it('splits a search into lower-case words', () => {
    expect(searchTerms('  Alex  WUMPUS\tis ')).toEqual(['alex', 'wumpus', 'is']);
    expect(searchTerms('   ')).toEqual([]);
  });
});
