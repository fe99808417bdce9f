import { describe, expect, it } from 'vitest';
import {
  checkProsQARecord,
  drawProsQA,
  generateProsQARecord,
  PROSQA_PRESETS,
  ProsQAInvariantError,
  resolveProsQAParams,
  type ProsQAParams,
  type ProsQARecord,
} from './prosqa.js';
import { createRandom } from './random.js';
import { computeDatasetStats } from './stats.js';

/**
 * Figures measured on the 300 official ProsQA validation records (Coconut's prosqa_valid.json),
 * written here so the tests never read that file.
 */
const OFFICIAL = {
  nodes: { mean: 22.82, min: 17, max: 28 },
  edges: { mean: 36.26 },
  steps: { 3: 124 / 300, 4: 133 / 300, 5: 36 / 300, 6: 7 / 300 } as Record<string, number>,
  shortestPaths: { mean: 1.61, one: 169 / 300 },
  questionWords: { mean: 180.5 },
  conceptWords: 38,
  personNames: 17,
};

function records(seed: number, count: number, params: ProsQAParams): ProsQARecord[] {
  const rng = createRandom(seed);
  return Array.from({ length: count }, () => generateProsQARecord(rng, params));
}

describe('ProsQA parameters', () => {
  it('defaults to the official preset and the paper constants', () => {
    expect(resolveProsQAParams()).toEqual({ preset: 'official', ...PROSQA_PRESETS.official, meanParents: 1.5, depthWeight: 1.5 });
  });

  it('applies overrides on top of a preset', () => {
    expect(resolveProsQAParams({ preset: 'small', maxSteps: 4 })).toMatchObject({ minNodes: 8, maxNodes: 10, minSteps: 2, maxSteps: 4 });
  });

  it('refuses impossible or unknown parameters', () => {
    expect(() => resolveProsQAParams({ minSteps: 7 })).toThrow(/minSteps \(7\) is above maxSteps \(6\)/);
    expect(() => resolveProsQAParams({ minNodes: 30 })).toThrow(/minNodes/);
    expect(() => resolveProsQAParams({ maxNodes: 5, minSteps: 3, maxSteps: 3, minNodes: 4 })).toThrow(/minSteps \+ 3/);
    expect(() => resolveProsQAParams({ maxNodes: 100 })).toThrow(/concept names/);
    expect(() => resolveProsQAParams({ nodes: 3 })).toThrow();
  });
});

describe('ProsQA generation', () => {
  it('is deterministic for a seed', () => {
    const params = resolveProsQAParams();
    expect(records(11, 20, params)).toEqual(records(11, 20, params));
    expect(records(11, 5, params)).not.toEqual(records(12, 5, params));
  });

  it('writes the official fields, in the official order, then the frontiers', () => {
    const [record] = records(1, 1, resolveProsQAParams());
    expect(Object.keys(record as object)).toEqual(['question', 'answer', 'steps', 'idx_to_symbol', 'edges', 'root', 'target', 'neg_target', 'frontiers']);
  });

  it('renders facts, question, steps and answer in the official sentence forms', () => {
    for (const record of records(5, 50, resolveProsQAParams({ preset: 'small' }))) {
      const entity = record.idx_to_symbol[record.root] as string;
      expect(record.question).toMatch(new RegExp(`^((Every [a-z]+|[A-Z][a-z]+) is a [a-z]+\\. )+Is ${entity} a [a-z]+ or [a-z]+\\?$`));
      expect(record.answer).toBe(`${entity} is a ${record.idx_to_symbol[record.target]}.`);
      expect(record.steps[0]).toMatch(new RegExp(`^${entity} is a [a-z]+\\.$`));
      for (const step of record.steps.slice(1)) expect(step).toMatch(/^Every [a-z]+ is a [a-z]+\.$/);
      expect(record.root === 0 || record.root === 1).toBe(true);
    }
  });

  it('keeps every invariant over 200 seeds, for every preset', () => {
    for (const preset of ['official', 'small', 'hard'] as const) {
      const params = resolveProsQAParams({ preset });
      for (let seed = 0; seed < 200; seed++) {
        const rng = createRandom(seed);
        // Every accepted draw must pass on its own: the check is a guard, not a filter that hides bugs.
        let accepted = 0;
        // Hard graphs need more draws: a 6–9-step shortest path is the rarer outcome.
        for (let draw = 0; accepted < 3 && draw < 1000; draw++) {
          const record = drawProsQA(rng, params);
          if (record === null) continue;
          accepted++;
          expect(() => checkProsQARecord(record, params), `seed ${seed}, ${preset}`).not.toThrow();
          expect(record.steps.length, `seed ${seed}, ${preset}`).toBeGreaterThanOrEqual(params.minSteps);
          expect(record.steps.length, `seed ${seed}, ${preset}`).toBeLessThanOrEqual(params.maxSteps);
        }
        expect(accepted).toBe(3);
      }
    }
  });

  it('puts the answer first about half of the time, like the official data', () => {
    const sample = records(8, 400, resolveProsQAParams({ preset: 'small' }));
    const answerFirst = sample.filter((r) => r.question.endsWith(`a ${r.idx_to_symbol[r.target]} or ${r.idx_to_symbol[r.neg_target]}?`)).length;
    expect(answerFirst / sample.length).toBeGreaterThan(0.4);
    expect(answerFirst / sample.length).toBeLessThan(0.6);
  });

  it('matches the official statistics with the default parameters (500 records)', () => {
    const stats = computeDatasetStats(records(2024, 500, resolveProsQAParams()));
    const graph = stats.graph!;
    // Tolerances: about three standard errors of the difference between a 500-record sample and the
    // 300-record official one (node-count sd ≈ 2.0, edge-count sd ≈ 6.3, path-count sd ≈ 1.0).
    expect(graph.nodes.min).toBeGreaterThanOrEqual(OFFICIAL.nodes.min);
    expect(graph.nodes.max).toBeLessThanOrEqual(OFFICIAL.nodes.max);
    expect(Math.abs(graph.nodes.mean - OFFICIAL.nodes.mean)).toBeLessThan(0.5);
    expect(Math.abs(graph.edges.mean - OFFICIAL.edges.mean)).toBeLessThan(1.5);
    expect(Math.abs(graph.shortestPaths.mean - OFFICIAL.shortestPaths.mean)).toBeLessThan(0.2);
    expect(Math.abs((graph.shortestPaths.histogram['1'] ?? 0) / 500 - OFFICIAL.shortestPaths.one)).toBeLessThan(0.08);
    expect(Math.abs(stats.questionWords.mean - OFFICIAL.questionWords.mean)).toBeLessThan(8);
    // Steps: only 3–6, each share within 0.07 of the official share.
    expect(Object.keys(stats.steps.histogram)).toEqual(['3', '4', '5', '6']);
    for (const [steps, share] of Object.entries(OFFICIAL.steps)) {
      expect(Math.abs((stats.steps.histogram[steps] ?? 0) / 500 - share), `${steps} steps`).toBeLessThan(0.07);
    }
  });

  it('keeps the vocabulary as small as the official one', () => {
    const sample = records(3, 300, resolveProsQAParams());
    const people = new Set<string>();
    const concepts = new Set<string>();
    for (const record of sample) {
      const hasParent = new Set(record.edges.map(([, to]) => to));
      record.idx_to_symbol.forEach((name, node) => (hasParent.has(node) ? concepts : people).add(name));
    }
    expect(concepts.size).toBeLessThanOrEqual(OFFICIAL.conceptWords + 5);
    expect(people.size).toBeLessThanOrEqual(OFFICIAL.personNames + 5);
    for (const name of concepts) expect(name).toMatch(/^[a-z]+pus$/);
  });

  it('makes small-preset graphs of 8–10 nodes with 2–3 steps', () => {
    const stats = computeDatasetStats(records(9, 300, resolveProsQAParams({ preset: 'small' })));
    expect(stats.graph!.nodes.min).toBeGreaterThanOrEqual(8);
    expect(stats.graph!.nodes.max).toBeLessThanOrEqual(10);
    expect(Object.keys(stats.steps.histogram)).toEqual(['2', '3']);
  });

  it('honours custom step ranges', () => {
    const params = resolveProsQAParams({ minSteps: 5, maxSteps: 5 });
    for (const record of records(4, 20, params)) expect(record.steps).toHaveLength(5);
  });
});

describe('ProsQA invariant check', () => {
  const params = resolveProsQAParams();
  const [good] = records(21, 1, params) as [ProsQARecord];
  const broken = (change: (r: ProsQARecord) => void) => {
    const copy = structuredClone(good);
    change(copy);
    return () => checkProsQARecord(copy, params);
  };

  it('accepts a generated record', () => {
    expect(() => checkProsQARecord(good, params)).not.toThrow();
  });

  it('catches a reachable negative, a wrong path, a wrong answer and a changed question', () => {
    expect(broken((r) => ([r.target, r.neg_target] = [r.neg_target, r.target]))).toThrow(ProsQAInvariantError);
    expect(broken((r) => r.steps.pop())).toThrow(/steps|path/);
    expect(broken((r) => r.steps.reverse())).toThrow(ProsQAInvariantError);
    expect(broken((r) => (r.answer = 'Nobody is a thing.'))).toThrow(/answer/);
    expect(broken((r) => (r.question = r.question.replace('. ', '. Every x is a y. ')))).toThrow(/facts/);
    expect(broken((r) => r.edges.push([r.root, r.neg_target]))).toThrow(ProsQAInvariantError);
  });
});
