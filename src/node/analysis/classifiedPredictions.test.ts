import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PredictionRow } from '../../common/api.js';
import { tempDir } from '../testing/fixtures.js';
import { ClassifiedPredictions } from './classifiedPredictions.js';

const row = (idx: number, correct: boolean): PredictionRow => ({ idx, thoughts: 0, text: `### ${correct ? 'yes' : 'no!'}`, answer: correct ? 'yes' : 'no!', correct });

describe('ClassifiedPredictions', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  /** Writes rows with a fixed modification time, so a rewrite of the same size keeps the same stamp. */
  function write(name: string, rows: PredictionRow[]): string {
    const path = join(dir.path, name);
    writeFileSync(path, rows.map((entry) => JSON.stringify(entry) + '\n').join(''));
    utimesSync(path, 1_000_000, 1_000_000);
    return path;
  }

  it('keeps only the most recently used files', () => {
    const cache = new ClassifiedPredictions(2);
    const a = write('a.jsonl', [row(0, true)]);
    const b = write('b.jsonl', [row(0, true)]);
    const c = write('c.jsonl', [row(0, true)]);
    cache.rows(a);
    cache.rows(b);
    cache.rows(a); // a is now the most recent: c's arrival drops b
    cache.rows(c);
    write('a.jsonl', [row(1, true)]);
    write('b.jsonl', [row(1, true)]);
    expect(cache.rows(a).map((entry) => entry.idx)).toEqual([0]); // still cached, same stamp
    expect(cache.rows(b).map((entry) => entry.idx)).toEqual([1]); // dropped, so read again
  });

  it('classifies a file once per dataset, and again against another dataset', () => {
    const cache = new ClassifiedPredictions();
    const path = write('epoch-1.jsonl', [row(0, true), row(1, false)]);
    const records = [{ question: 'q', steps: [], answer: 'yes' }];
    const first = cache.analysed(path, records, false);
    expect(cache.analysed(path, records, false)).toBe(first);
    expect(cache.analysed(path, [...records], false)).not.toBe(first);
    expect(first.map((entry) => [entry.idx, entry.correct, entry.verdict])).toEqual([
      [0, true, null],
      [1, false, null],
    ]);
  });

  it('names the line of a damaged file', () => {
    const path = join(dir.path, 'bad.jsonl');
    writeFileSync(path, 'not json\n' + JSON.stringify(row(0, true)) + '\n');
    expect(() => new ClassifiedPredictions().rows(path)).toThrow(/bad\.jsonl: line 1 is not a prediction row/);
  });
});
