import { describe, expect, it } from 'vitest';
import { QuestionSet, uniqueRecords } from './generate.js';
import type { DatasetGenerator } from './generators.js';
import { createRandom } from './random.js';

/** A generator with only `distinct` possible questions, to exercise repeat handling. */
const fewQuestions = (distinct: number): DatasetGenerator<null> => ({
  name: 'few',
  version: 1,
  description: 'test double',
  resolveParams: () => null,
  generate: (rng) => ({ question: `q${rng.int(1, distinct)}`, steps: [], answer: 'a' }),
});

const collect = async <T>(items: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe('uniqueRecords', () => {
  it('skips questions already seen, across calls sharing a set', async () => {
    const seen = new QuestionSet();
    const generator = fewQuestions(30);
    const first = await collect(uniqueRecords({ generator, params: null, rng: createRandom(1), count: 20, seen }));
    const second = await collect(uniqueRecords({ generator, params: null, rng: createRandom(2), count: 10, seen }));
    const questions = [...first, ...second].map((r) => r.question);
    expect(new Set(questions).size).toBe(30);
  });

  it('stops with an explanation when the parameters cannot give enough distinct questions', async () => {
    const stream = uniqueRecords({ generator: fewQuestions(5), params: null, rng: createRandom(1), count: 6 });
    await expect(collect(stream)).rejects.toThrow('only 5 distinct questions came out of few with these parameters; ask for fewer records or larger graphs');
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    const stream = uniqueRecords({ generator: fewQuestions(100), params: null, rng: createRandom(1), count: 5, signal: controller.signal });
    await expect(collect(stream)).rejects.toThrow();
  });
});
