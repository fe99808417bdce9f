/**
 * Dataset statistics: what `coconut data stats` prints and what the tests compare with the
 * official ProsQA figures. Graph figures cover the records that carry the graph fields.
 */
import { buildAdjacency, shortestPathCounts } from './graph.js';
import type { DatasetRecord } from './records.js';

export interface Summary {
  mean: number;
  min: number;
  max: number;
}

/** Value → how many records have it, keys in ascending order. */
export type Histogram = Record<string, number>;

/** A summary and the histogram behind it (what the app's charts draw). */
export type Distribution = Summary & { histogram: Histogram };

export interface GraphStats {
  /** Records with graph fields. */
  records: number;
  nodes: Distribution;
  edges: Distribution;
  /** Number of distinct shortest paths from the entity (root) to the answer (target). */
  shortestPaths: Distribution;
}

export interface DatasetStats {
  records: number;
  steps: Distribution;
  questionWords: Distribution;
  graph: GraphStats | null;
}

function summarize(values: readonly number[]): Summary {
  if (values.length === 0) return { mean: 0, min: 0, max: 0 };
  let total = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const value of values) {
    total += value;
    if (value < min) min = value;
    if (value > max) max = value;
  }
  return { mean: total / values.length, min, max };
}

function distribution(values: readonly number[]): Distribution {
  return { ...summarize(values), histogram: histogram(values) };
}

function histogram(values: readonly number[]): Histogram {
  const counts = new Map<number, number>();
  for (const value of values) counts.set(value, (counts.get(value) ?? 0) + 1);
  return Object.fromEntries([...counts.entries()].sort((a, b) => a[0] - b[0]).map(([value, n]) => [String(value), n]));
}

const wordCount = (text: string) => text.split(/\s+/).filter((word) => word.length > 0).length;

/** Shortest root→target paths of a graph record, or null when it has no graph. */
export function countRootToTargetPaths(record: DatasetRecord): number | null {
  if (record.idx_to_symbol === undefined || record.edges === undefined || record.root === undefined || record.target === undefined) return null;
  const adjacency = buildAdjacency(record.idx_to_symbol.length, record.edges);
  return shortestPathCounts(adjacency, record.root).count[record.target] ?? 0;
}

export function computeDatasetStats(records: readonly DatasetRecord[]): DatasetStats {
  const steps = records.map((record) => record.steps.length);
  const nodes: number[] = [];
  const edges: number[] = [];
  const paths: number[] = [];
  for (const record of records) {
    const pathCount = countRootToTargetPaths(record);
    if (pathCount === null) continue;
    nodes.push(record.idx_to_symbol?.length ?? 0);
    edges.push(record.edges?.length ?? 0);
    paths.push(pathCount);
  }
  return {
    records: records.length,
    steps: distribution(steps),
    questionWords: distribution(records.map((record) => wordCount(record.question))),
    graph:
      nodes.length === 0
        ? null
        : {
            records: nodes.length,
            nodes: distribution(nodes),
            edges: distribution(edges),
            shortestPaths: distribution(paths),
          },
  };
}
