import { describe, expect, it } from 'vitest';
import { createRandom } from './random.js';
import {
  checkReachabilityRecord,
  drawReachability,
  generateReachabilityRecord,
  ReachabilityInvariantError,
  resolveReachabilityParams,
  type ReachabilityParams,
  type ReachabilityRecord,
} from './reachability.js';
import { buildAdjacency, distancesFrom } from './graph.js';
import { computeDatasetStats } from './stats.js';

function records(seed: number, count: number, params: ReachabilityParams): ReachabilityRecord[] {
  const rng = createRandom(seed);
  return Array.from({ length: count }, () => generateReachabilityRecord(rng, params));
}

describe('reachability parameters', () => {
  it('takes the ProsQA graph parameters and an id pool twice the largest graph', () => {
    expect(resolveReachabilityParams({ preset: 'small' })).toMatchObject({ minNodes: 8, maxNodes: 10, symbols: 20, edgeStyle: 'token' });
    expect(resolveReachabilityParams({ preset: 'small', symbols: 12 }).symbols).toBe(12);
  });

  it('refuses an id pool smaller than a graph, and unknown keys', () => {
    expect(() => resolveReachabilityParams({ preset: 'small', symbols: 9 })).toThrow(/symbols \(9\) must be at least maxNodes \(10\)/);
    expect(() => resolveReachabilityParams({ minSteps: 7 })).toThrow(/minSteps/);
    expect(() => resolveReachabilityParams({ tokens: 3 })).toThrow();
  });
});

describe('reachability generation', () => {
  const small = resolveReachabilityParams({ preset: 'small', minNodes: 6, maxNodes: 8 });

  it('is deterministic for a seed', () => {
    expect(records(3, 20, small)).toEqual(records(3, 20, small));
    expect(records(3, 5, small)).not.toEqual(records(4, 5, small));
  });

  it('writes each edge as one "a_b" token, asks "? entity : option option" and answers with the target id', () => {
    for (const record of records(5, 100, small)) {
      const id = (node: number) => record.idx_to_symbol[node] as string;
      expect(record.question).toMatch(/^(\d+_\d+ )+\? \d+ : \d+ \d+$/);
      expect(record.question).toContain(`? ${id(record.root)} :`);
      expect(record.answer).toBe(id(record.target));
      expect(record.steps[0]?.startsWith(`${id(record.root)}_`)).toBe(true);
      expect(record.steps.at(-1)?.endsWith(`_${record.answer}`)).toBe(true);
      for (const step of record.steps) expect(step).toMatch(/^\d+_\d+$/);
    }
  });

  it('writes "a b |" pairs with the pair edge style, and still keeps its invariants', () => {
    const pairs = resolveReachabilityParams({ preset: 'small', edgeStyle: 'pair' });
    for (const record of records(6, 100, pairs)) {
      expect(record.question).toMatch(/^(\d+ \d+ \| )+\? \d+ : \d+ \d+$/);
      for (const step of record.steps) expect(step).toMatch(/^\d+ \d+$/);
      expect(() => checkReachabilityRecord(record)).not.toThrow();
      expect(() => checkReachabilityRecord({ ...record, question: record.question.replace(' | ', ' | 99 98 | ') })).toThrow(/edges/);
    }
  });

  it('keeps every invariant over 200 seeds, drawing ids from the whole pool', () => {
    const used = new Set<string>();
    for (let seed = 0; seed < 200; seed++) {
      const rng = createRandom(seed);
      let accepted = 0;
      for (let draw = 0; accepted < 3 && draw < 100; draw++) {
        const record = drawReachability(rng, small);
        if (record === null) continue;
        accepted++;
        expect(() => checkReachabilityRecord(record, small), `seed ${seed}`).not.toThrow();
        for (const id of record.idx_to_symbol) used.add(id);
      }
      expect(accepted).toBe(3);
    }
    expect([...used].map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: small.symbols }, (_, i) => i));
  });

  it('does not give the entity away by its id, nor the answer by its position among the options', () => {
    const sample = records(8, 400, small);
    const entityIds = new Set(sample.map((r) => r.idx_to_symbol[r.root]));
    expect(entityIds.size).toBeGreaterThan(small.symbols / 2);
    const answerFirst = sample.filter((r) => r.question.endsWith(`: ${r.answer} ${r.idx_to_symbol[r.neg_target]}`)).length;
    expect(answerFirst / sample.length).toBeGreaterThan(0.4);
    expect(answerFirst / sample.length).toBeLessThan(0.6);
  });

  it('has the graph sizes and step counts asked for, as the dataset statistics see them', () => {
    const stats = computeDatasetStats(records(9, 300, small));
    expect(stats.graph!.nodes.min).toBeGreaterThanOrEqual(6);
    expect(stats.graph!.nodes.max).toBeLessThanOrEqual(8);
    expect(Object.keys(stats.steps.histogram)).toEqual(['2', '3']);
  });

  it('with misleadingBranch 1, gives every entity a child that does not lead to the answer, and the check holds it to that', () => {
    const misleading = resolveReachabilityParams({ preset: 'small', minNodes: 6, maxNodes: 8, misleadingBranch: 1 });
    const leadsAstray = (record: ReachabilityRecord) => {
      const { children } = buildAdjacency(record.idx_to_symbol.length, record.edges);
      return (children[record.root] ?? []).some((child) => distancesFrom(children, child)[record.target] === -1);
    };
    const plain = records(5, 300, small);
    const chosen = records(5, 300, misleading);
    expect(plain.filter(leadsAstray).length).toBeLessThan(150);
    expect(chosen.every(leadsAstray)).toBe(true);
    const forced = plain.find((record) => !leadsAstray(record)) as ReachabilityRecord;
    expect(() => checkReachabilityRecord(forced, small)).not.toThrow();
    expect(() => checkReachabilityRecord(forced, misleading)).toThrow(/misleadingBranch/);
  });

  it('with a misleadingBranch share, gives about that share of records a misleading branch on top of those drawn so anyway', () => {
    const leadsAstray = (record: ReachabilityRecord) => {
      const { children } = buildAdjacency(record.idx_to_symbol.length, record.edges);
      return (children[record.root] ?? []).some((child) => distancesFrom(children, child)[record.target] === -1);
    };
    const share = (misleadingBranch: number) =>
      records(8, 2000, resolveReachabilityParams({ preset: 'small', minNodes: 6, maxNodes: 8, misleadingBranch })).filter(leadsAstray).length / 2000;
    const natural = share(0);
    // Half required, the other half at the natural rate: 0.5 + 0.5 · natural, within sampling error.
    expect(Math.abs(share(0.5) - (0.5 + 0.5 * natural))).toBeLessThan(0.04);
    expect(share(1)).toBe(1);
  });

  it('names misleadingBranch when it is what leaves no graph to draw', () => {
    // Five nodes hold a 2-step path and the negative leaf with its parent, and nothing more: room for
    // the question, none for a child of the entity that leads away from the answer.
    const tight = { preset: 'small', minNodes: 5, maxNodes: 5, minSteps: 2, maxSteps: 2 } as const;
    expect(() => generateReachabilityRecord(createRandom(1), resolveReachabilityParams(tight))).not.toThrow();
    expect(() => generateReachabilityRecord(createRandom(1), resolveReachabilityParams({ ...tight, misleadingBranch: 1 }))).toThrow(
      'no graph fit 5–5 nodes and 2–2 steps with a misleading branch (misleadingBranch) in 10000 draws; widen the node or step range, or lower the misleading-branch share',
    );
  });

  it('leaves misleadingBranch out of the resolved parameters when it is 0, so older manifests still match', () => {
    expect(resolveReachabilityParams({ preset: 'small', misleadingBranch: 0 })).toEqual(resolveReachabilityParams({ preset: 'small' }));
    expect(resolveReachabilityParams({ preset: 'small', misleadingBranch: 0.5 }).misleadingBranch).toBe(0.5);
    expect(() => resolveReachabilityParams({ preset: 'small', misleadingBranch: 1.5 })).toThrow();
  });
});

describe('reachability invariant check', () => {
  const params = resolveReachabilityParams({ preset: 'small' });
  const [good] = records(21, 1, params) as [ReachabilityRecord];
  const broken = (change: (r: ReachabilityRecord) => void) => {
    const copy = structuredClone(good);
    change(copy);
    return () => checkReachabilityRecord(copy, params);
  };

  it('accepts a generated record', () => {
    expect(() => checkReachabilityRecord(good, params)).not.toThrow();
  });

  it('catches a reachable negative, a broken path, a wrong answer, an extra edge and a foreign id', () => {
    expect(broken((r) => ([r.target, r.neg_target] = [r.neg_target, r.target]))).toThrow(ReachabilityInvariantError);
    expect(broken((r) => r.steps.pop())).toThrow(/steps|path/);
    expect(broken((r) => r.steps.reverse())).toThrow(ReachabilityInvariantError);
    expect(broken((r) => (r.answer = r.idx_to_symbol[r.neg_target] as string))).toThrow(/answer/);
    expect(broken((r) => (r.question = `99_98 ${r.question}`))).toThrow(/edges/);
    expect(broken((r) => r.edges.push([r.root, r.neg_target]))).toThrow(ReachabilityInvariantError);
    expect(broken((r) => (r.idx_to_symbol[r.root] = 'x'))).toThrow(/number/);
  });
});
