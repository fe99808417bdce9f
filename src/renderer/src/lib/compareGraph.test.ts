import { describe, expect, it } from 'vitest';
import type { PathVerdictView } from '../../../common/analysis';
import { shortestEdges, writtenPath, writtenPathOption } from './compareGraph';
import type { GraphRecord } from './recordGraph';

// 0 → 1 → 3 (target), 0 → 2 → 4 (the other leaf), 1 → 2
const record: GraphRecord = {
  idx_to_symbol: ['A', 'B', 'C', 'T', 'N'],
  edges: [
    [0, 1],
    [1, 3],
    [0, 2],
    [2, 4],
    [1, 2],
  ],
  root: 0,
  target: 3,
  neg_target: 4,
  steps: ['A B', 'B T'],
};

function verdict(extra: Partial<PathVerdictView>): PathVerdictView {
  return { category: 'correct_path', explanation: '', format: 'edge_pairs', thoughts: 0, steps: [], path: [], path_names: [], answer_correct: true, ...extra };
}

describe('a written path on its graph', () => {
  it('draws a valid path as written edges', () => {
    const drawn = writtenPath(record, verdict({ path: [0, 1, 3], reached: 3 }));
    expect(drawn.edges).toEqual([
      { from: 0, to: 1, kind: 'written', exists: true },
      { from: 1, to: 3, kind: 'written', exists: true },
    ]);
    expect(drawn.reachedWrong).toBeNull();
  });

  it('marks an edge the graph lacks as hallucinated', () => {
    const drawn = writtenPath(record, verdict({ category: 'hallucination', path: [0, 2, 3], missing_edge: [2, 3], bad_step: 2, answer_correct: false }));
    expect(drawn.edges).toEqual([
      { from: 0, to: 2, kind: 'written', exists: true },
      { from: 2, to: 3, kind: 'hallucinated', exists: false },
    ]);
  });

  it('marks the blamed step red even when its edge exists (a disconnected jump)', () => {
    // "A B", then "C N": the second step does not start where the first ended.
    const drawn = writtenPath(record, verdict({ category: 'hallucination', path: [0, 1, 2, 4], missing_edge: [2, 4], bad_step: 2 }));
    expect(drawn.edges.map((edge) => `${edge.from}>${edge.to}:${edge.kind}`)).toEqual(['0>1:written', '1>2:written', '2>4:hallucinated']);
  });

  it('adds the blamed edge when the path does not hold it', () => {
    const drawn = writtenPath(record, verdict({ category: 'hallucination', path: [3], missing_edge: [3, 0] }));
    expect(drawn.edges).toEqual([{ from: 3, to: 0, kind: 'hallucinated', exists: false }]);
  });

  it('marks the wrong leaf a valid path reached', () => {
    const drawn = writtenPath(record, verdict({ category: 'wrong_target', path: [0, 2, 4], reached: 4, answer_node: 4, answer_correct: false }));
    expect(drawn.reachedWrong).toBe(4);
    expect(drawn.answerNode).toBe(4);
    // A wrong answer after a right path: nothing reached is wrong.
    expect(writtenPath(record, verdict({ category: 'wrong_target', path: [0, 1, 3], reached: 3 })).reachedWrong).toBeNull();
  });

  it('draws the completion a partial path assumes, dotted, before the written part', () => {
    const drawn = writtenPath(record, verdict({ thoughts: 1, completion: 1, path: [1, 3], reached: 3 }));
    expect(drawn.edges.map((edge) => `${edge.from}>${edge.to}:${edge.kind}`)).toEqual(['0>1:completion', '1>3:written']);
  });

  it('ignores node indices outside the graph instead of failing', () => {
    const drawn = writtenPath(record, verdict({ path: [0, 99, 1], missing_edge: [7, 1], reached: 42, answer_node: 17 }));
    expect(drawn.nodes).toEqual([0, 1]);
    expect(drawn.edges).toEqual([{ from: 0, to: 1, kind: 'written', exists: true }]);
    expect(drawn.answerNode).toBeNull();
  });

  it('finds a shortest path by edges, or none', () => {
    expect(shortestEdges(5, record.edges, 0, 4)).toEqual([
      [0, 2],
      [2, 4],
    ]);
    expect(shortestEdges(5, record.edges, 3, 0)).toEqual([]);
    expect(shortestEdges(5, record.edges, 0, 0)).toEqual([]);
  });

  it('draws a curved dashed link for a hallucinated edge beside the graph’s own', () => {
    const drawn = writtenPath(record, verdict({ category: 'hallucination', path: [0, 2, 3], missing_edge: [2, 3] }));
    const option = writtenPathOption(record, drawn, 'light') as { series: Array<{ links: Array<{ source: number; target: number; lineStyle: { type?: string; curveness?: number } }>; data: Array<{ label: { formatter: string } }> }> };
    const links = option.series[0]?.links ?? [];
    expect(links).toHaveLength(record.edges.length + 1);
    const extra = links[links.length - 1];
    expect(extra).toMatchObject({ source: 2, target: 3, lineStyle: { type: 'dashed', curveness: 0.25 } });
    const wrong = writtenPathOption(record, writtenPath(record, verdict({ category: 'wrong_target', path: [0, 2, 4], reached: 4 })), 'dark') as typeof option;
    expect(wrong.series[0]?.data[4]?.label.formatter).toContain('reached');
  });
});
