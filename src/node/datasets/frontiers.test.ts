/**
 * The graph generators' `frontiers` field: `frontiers[j]` lists the nodes reached from the root by
 * a walk of exactly j + 1 edges. Checked against every walk from the root, enumerated edge by edge
 * here (not with graph.ts), so a bug shared with the generator cannot hide.
 */
import { describe, expect, it } from 'vitest';
import { walkFrontiers } from './graph.js';
import { generateProsQARecord, resolveProsQAParams } from './prosqa.js';
import { createRandom, type Random } from './random.js';
import { generateReachabilityRecord, resolveReachabilityParams } from './reachability.js';
import { recordProblems } from './records.js';

interface GraphRecord {
  steps: string[];
  idx_to_symbol: string[];
  edges: [number, number][];
  root: number;
  target: number;
  frontiers: number[][];
}

/** Length → the nodes where some walk of that length from `root` ends, by extending every walk one edge at a time. */
function walkEnds(edges: readonly [number, number][], root: number, maxLength: number): Map<number, Set<number>> {
  const ends = new Map<number, Set<number>>();
  let walks: number[][] = [[root]];
  for (let length = 1; length <= maxLength && walks.length > 0; length++) {
    walks = walks.flatMap((walk) => edges.filter(([from]) => from === walk.at(-1)).map(([, to]) => [...walk, to]));
    if (walks.length > 0) ends.set(length, new Set(walks.map((walk) => walk.at(-1)!)));
  }
  return ends;
}

function expectRightFrontiers(record: GraphRecord): void {
  const nodeCount = record.idx_to_symbol.length;
  const ends = walkEnds(record.edges, record.root, nodeCount + 1);
  record.frontiers.forEach((nodes, j) => {
    // Every listed node is at the end of a walk of exactly j + 1 edges, listed once, in order.
    for (const node of nodes) expect(ends.get(j + 1)?.has(node), `node ${node} in frontiers[${j}]`).toBe(true);
    expect(nodes).toEqual([...new Set(nodes)].sort((a, b) => a - b));
    // And no such node is missing.
    expect(nodes).toHaveLength(ends.get(j + 1)?.size ?? 0);
  });
  // The list ends where the walks do (these graphs have no cycles), so it covers every step.
  expect(record.frontiers).toHaveLength(ends.size);
  expect(record.frontiers.length).toBeGreaterThanOrEqual(record.steps.length);
  expect(record.frontiers[record.steps.length - 1]).toContain(record.target);
  expect(recordProblems(record)).toEqual([]);
}

const generators: [string, (rng: Random) => GraphRecord][] = [
  ['prosqa (small)', (rng) => generateProsQARecord(rng, resolveProsQAParams({ preset: 'small' }))],
  ['prosqa (official)', (rng) => generateProsQARecord(rng, resolveProsQAParams({ preset: 'official' }))],
  ['reachability (the quickstart graphs)', (rng) => generateReachabilityRecord(rng, resolveReachabilityParams({ preset: 'small', minNodes: 6, maxNodes: 8 }))],
  ['reachability (pairs)', (rng) => generateReachabilityRecord(rng, resolveReachabilityParams({ preset: 'small', edgeStyle: 'pair' }))],
];

describe('frontiers written by the graph generators', () => {
  it.each(generators)('%s: every node reachable by a walk of exactly j + 1 edges, and no other', (_name, generate) => {
    const rng = createRandom(7);
    for (let i = 0; i < 40; i++) expectRightFrontiers(generate(rng));
  });

  it('hold more than one node where the graph branches', () => {
    const rng = createRandom(2);
    const params = resolveProsQAParams({ preset: 'official' });
    const records = Array.from({ length: 20 }, () => generateProsQARecord(rng, params));
    expect(records.some((record) => record.frontiers.some((nodes) => nodes.length > 1))).toBe(true);
  });
});

describe('walkFrontiers', () => {
  it('follows walks, not shortest distances: a node comes back at every length it can be reached', () => {
    // 0→1→2→3 and 0→3: node 3 is one edge away and three.
    expect(walkFrontiers([[1, 3], [2], [3], []], 0)).toEqual([[1, 3], [2], [3]]);
  });

  it('stops after one list per node on a graph with a cycle', () => {
    const frontiers = walkFrontiers([[1], [0]], 0);
    expect(frontiers).toEqual([[1], [0]]);
  });

  it('is empty for a root without edges', () => {
    expect(walkFrontiers([[], [0]], 0)).toEqual([]);
  });
});
