import { describe, expect, it } from 'vitest';
import { answerPath, buildRecordGraph, layersOf, type GraphRecord } from './recordGraph';

/**
 * 0 → 1 → 3 and 0 → 2 → 3 (two shortest paths to the answer 3); 4 → 5 is the other side's leaf.
 * The steps name the path through 2.
 */
const DIAMOND: GraphRecord = {
  idx_to_symbol: ['alex', 'wumpus', 'yumpus', 'zumpus', 'rompus', 'numpus'],
  edges: [
    [0, 1],
    [0, 2],
    [1, 3],
    [2, 3],
    [4, 5],
  ],
  root: 0,
  target: 3,
  neg_target: 5,
  steps: ['Alex is a yumpus.', 'Alex is a zumpus.'],
};

describe('record graph', () => {
  it('picks the shortest path that the steps describe', () => {
    expect(answerPath(DIAMOND)).toEqual([0, 2, 3]);
    expect(answerPath({ ...DIAMOND, steps: ['Alex is a wumpus.', 'Alex is a zumpus.'] })).toEqual([0, 1, 3]);
    // Reachability steps are edge tokens: "0_2" names node 2 as well.
    expect(answerPath({ ...DIAMOND, idx_to_symbol: ['0', '1', '2', '3', '4', '5'], steps: ['0_2', '2_3'] })).toEqual([0, 2, 3]);
    expect(answerPath({ ...DIAMOND, target: 5 })).toEqual([]);
  });

  it('layers nodes so that every edge points to a later layer', () => {
    const layers = layersOf(6, DIAMOND.edges);
    expect(layers).toEqual([0, 1, 1, 2, 0, 1]);
    for (const [from, to] of DIAMOND.edges) expect(layers[to]).toBeGreaterThan(layers[from]!);
  });

  it('marks roles and the edges of the answer path', () => {
    const view = buildRecordGraph(DIAMOND);
    expect(view.nodes.map((node) => node.role)).toEqual(['root', 'other', 'path', 'target', 'other', 'negative']);
    expect(view.edges.filter((edge) => edge.onPath).map((edge) => [edge.from, edge.to])).toEqual([
      [0, 2],
      [2, 3],
    ]);
    expect(view.layers).toBe(3);
    const layerOne = view.nodes.filter((node) => node.layer === 1).map((node) => node.offset);
    expect(new Set(layerOne).size).toBe(layerOne.length);
  });
});
