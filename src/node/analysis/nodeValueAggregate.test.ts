import { describe, expect, it } from 'vitest';
import type { NodeValues } from '../../common/inspector.js';
import { frontierDepth } from '../../common/inspector.js';
import { aggregateNodeValues } from './nodeValueAggregate.js';

function node(index: number, depth: number | null, shortest: number, longest: number, onAnswer: boolean, values: number[]) {
  return { node: `n${index}`, index, height: { shortest, longest }, depth, on_answer_branch: onAnswer, values };
}

// Root 0 → 1 (answer branch, height 1/2) and 2 (other branch, height 0); 1 → 3 (depth 2, height 0/1).
const first: NodeValues = {
  format: 'edge_tokens',
  query: 'next_step',
  prefixes: ['', '', ''],
  frontiers: [],
  nodes: [
    node(0, 0, 2, 2, true, [0.01, 0.0, 0.0]),
    node(1, 1, 1, 2, true, [0.6, 0.7, 0.1]),
    node(2, 1, 0, 0, false, [0.3, 0.2, 0.05]),
    node(3, 2, 0, 1, true, [0.05, 0.05, 0.8]),
  ],
};
const second: NodeValues = {
  format: 'edge_tokens',
  query: 'next_step',
  prefixes: ['', '', ''],
  frontiers: [],
  nodes: [node(0, 0, 1, 1, true, [0, 0, 0]), node(1, 1, 0, 0, true, [0.9, 0.5, 0.2]), node(2, null, 0, 0, false, [0.5, 0.5, 0.5])],
};

describe('node value aggregates', () => {
  it('scores the root’s children at k = 0 and 1, then the next frontier', () => {
    expect([0, 1, 2, 3].map((k) => frontierDepth(k))).toEqual([1, 1, 2, 3]);
  });

  it('averages frontier values by height, split by branch, and never counts unreachable nodes', () => {
    const aggregate = aggregateNodeValues([first, second], 2);
    expect(aggregate.records).toBe(2);
    const at = (k: number, measure: 'shortest' | 'longest', height: number) => aggregate.by_height.find((row) => row.k === k && row.measure === measure && row.height === height);
    // k = 0, shortest height 1: only node 1 of the first question (answer branch).
    expect(at(0, 'shortest', 1)).toMatchObject({ correct_mean: 0.6, correct_nodes: 1, incorrect_mean: null, incorrect_nodes: 0 });
    // k = 0, shortest height 0: node 2 of the first (other branch, 0.3) and node 1 of the second (answer branch, 0.9).
    expect(at(0, 'shortest', 0)).toMatchObject({ correct_mean: 0.9, incorrect_mean: 0.3 });
    // k = 2: only the first question has a depth-2 node.
    expect(at(2, 'longest', 1)).toMatchObject({ correct_mean: 0.8, correct_nodes: 1 });
    expect(aggregate.by_height.filter((row) => row.k === 2)).toHaveLength(2);
  });

  it("reads an inspection at the frontiers it names (a frontier-supervised model's walks of k + 1 edges)", () => {
    // Named frontiers one edge further than the depth rule: k = 0 → node 1 … k = 1 → node 3.
    const named: NodeValues = { ...first, query: 'named_node', frontiers: [[1, 2], [3], []] };
    const aggregate = aggregateNodeValues([named], 2);
    expect(aggregate.top_cumulative.map((row) => row.top1)).toEqual([0.6, 0.05, 0]);
    expect(aggregate.by_height.filter((row) => row.k === 1).map((row) => [row.measure, row.height, row.correct_mean])).toEqual([
      ['longest', 1, 0.05],
      ['shortest', 0, 0.05],
    ]);
  });

  it('sums the top-1/2/3 frontier values per question, then averages', () => {
    const aggregate = aggregateNodeValues([first, second], 2);
    const k1 = aggregate.top_cumulative[1]!;
    // first: 0.7, 0.2 → top1 0.7, top2 0.9; second: 0.5 alone.
    expect(k1.top1).toBeCloseTo((0.7 + 0.5) / 2);
    expect(k1.top2).toBeCloseTo((0.9 + 0.5) / 2);
    expect(k1.top3).toBeCloseTo((0.9 + 0.5) / 2);
    expect(aggregate.top_cumulative[2]).toMatchObject({ top1: 0.8, top2: 0.8 });
  });
});
