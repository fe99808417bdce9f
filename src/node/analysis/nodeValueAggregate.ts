/**
 * Node values over many graph questions (the paper's Figures 7–8 for the user's run): after k
 * thoughts the frontier is the nodes k steps from the root (the root's children for k = 0 and 1,
 * as the next written step would name them); their values are averaged by height (shortest and
 * longest distance to a leaf), split by whether the node lies on the branch to the answer, and
 * the frontier's top-1/2/3 values are summed per question ("how much of the mass sits on the best
 * few nodes"). An inspection that names its frontiers (`NodeValues.frontiers`: for a
 * frontier-supervised model the nodes a walk of exactly k + 1 edges reaches) is read at those.
 * Pure: the inspections come from the thought inspector.
 */
import type { NodeValueAggregate } from '../../common/analysis.js';
import { frontierAt, type NodeValues } from '../../common/inspector.js';

type HeightMeasure = 'shortest' | 'longest';

interface Bucket {
  correct: number[];
  incorrect: number[];
}

const mean = (values: readonly number[]): number | null => (values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length);

/** Aggregates inspections that all scored k = 0..thoughts (shorter ones contribute to the ks they have). */
export function aggregateNodeValues(inspections: readonly NodeValues[], thoughts: number): NodeValueAggregate {
  const buckets = new Map<string, Bucket>();
  const tops: { top1: number; top2: number; top3: number; n: number }[] = Array.from({ length: thoughts + 1 }, () => ({ top1: 0, top2: 0, top3: 0, n: 0 }));
  for (const inspection of inspections) {
    for (let k = 0; k <= thoughts; k += 1) {
      const ringed = frontierAt(inspection, k);
      const frontier = inspection.nodes.filter((node) => ringed.has(node.index) && node.values[k] !== undefined);
      if (frontier.length === 0) continue;
      for (const node of frontier) {
        const value = node.values[k] as number;
        for (const measure of ['shortest', 'longest'] as const) {
          const key = `${k}|${measure}|${node.height[measure]}`;
          const bucket = buckets.get(key) ?? { correct: [], incorrect: [] };
          (node.on_answer_branch ? bucket.correct : bucket.incorrect).push(value);
          buckets.set(key, bucket);
        }
      }
      const sorted = frontier.map((node) => node.values[k] as number).sort((a, b) => b - a);
      const top = tops[k] as (typeof tops)[number];
      top.top1 += sorted[0] ?? 0;
      top.top2 += (sorted[0] ?? 0) + (sorted[1] ?? 0);
      top.top3 += (sorted[0] ?? 0) + (sorted[1] ?? 0) + (sorted[2] ?? 0);
      top.n += 1;
    }
  }
  const byHeight = [...buckets]
    .map(([key, bucket]) => {
      const [k, measure, height] = key.split('|') as [string, HeightMeasure, string];
      return {
        k: Number(k),
        height: Number(height),
        measure,
        correct_mean: mean(bucket.correct),
        correct_nodes: bucket.correct.length,
        incorrect_mean: mean(bucket.incorrect),
        incorrect_nodes: bucket.incorrect.length,
      };
    })
    .sort((a, b) => a.k - b.k || a.measure.localeCompare(b.measure) || a.height - b.height);
  return {
    records: inspections.length,
    thoughts,
    by_height: byHeight,
    top_cumulative: tops.map((top, k) => ({ k, top1: top.n ? top.top1 / top.n : 0, top2: top.n ? top.top2 / top.n : 0, top3: top.n ? top.top3 / top.n : 0 })),
  };
}
