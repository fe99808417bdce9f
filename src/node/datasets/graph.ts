/**
 * Helpers for the small directed graphs behind ProsQA-style records: nodes are 0..n-1 and an edge
 * [from, to] reads "every `from` is a `to`". Shared by the generator, its invariant checks and the
 * dataset statistics, so that all three agree on what "reachable" and "shortest path" mean.
 */
import type { Random } from './random.js';

export type Edge = readonly [from: number, to: number];

export interface Adjacency {
  readonly children: number[][];
  readonly parents: number[][];
}

export function buildAdjacency(nodeCount: number, edges: readonly Edge[]): Adjacency {
  const children: number[][] = Array.from({ length: nodeCount }, () => []);
  const parents: number[][] = Array.from({ length: nodeCount }, () => []);
  for (const [from, to] of edges) {
    const out = children[from];
    const into = parents[to];
    if (out === undefined || into === undefined) {
      throw new Error(`edge [${from}, ${to}] names a node outside 0..${nodeCount - 1}`);
    }
    out.push(to);
    into.push(from);
  }
  return { children, parents };
}

/** Breadth-first distances (in edges) from `source`; -1 for nodes it cannot reach. */
export function distancesFrom(children: readonly number[][], source: number): number[] {
  const distance = new Array<number>(children.length).fill(-1);
  distance[source] = 0;
  const queue = [source];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as number;
    const next = (distance[node] as number) + 1;
    for (const child of children[node] ?? []) {
      if (distance[child] === -1) {
        distance[child] = next;
        queue.push(child);
      }
    }
  }
  return distance;
}

/** For every node, how many distinct shortest paths lead to it from `source` (0 if unreachable). */
export function shortestPathCounts(adjacency: Adjacency, source: number): { distance: number[]; count: number[] } {
  const distance = distancesFrom(adjacency.children, source);
  const count = new Array<number>(distance.length).fill(0);
  // Visiting nodes by increasing distance means every predecessor is counted before its successors.
  const order = distance
    .map((d, node) => [d, node] as const)
    .filter(([d]) => d >= 0)
    .sort((x, y) => x[0] - y[0]);
  for (const [d, node] of order) {
    if (node === source) {
      count[node] = 1;
      continue;
    }
    let total = 0;
    for (const parent of adjacency.parents[node] ?? []) {
      if (distance[parent] === d - 1) total += count[parent] as number;
    }
    count[node] = total;
  }
  return { distance, count };
}

/**
 * One shortest path from `source` to `target` as a list of nodes, drawn uniformly among all
 * shortest paths (each predecessor is chosen in proportion to the paths that run through it);
 * null when `target` is unreachable.
 */
export function sampleShortestPath(rng: Random, adjacency: Adjacency, source: number, target: number): number[] | null {
  const { distance, count } = shortestPathCounts(adjacency, source);
  if ((distance[target] ?? -1) < 0) return null;
  const path = [target];
  let node = target;
  while (node !== source) {
    const d = distance[node] as number;
    const candidates = (adjacency.parents[node] ?? []).filter((parent) => distance[parent] === d - 1);
    node = rng.weightedChoice(candidates, candidates.map((parent) => count[parent] as number));
    path.push(node);
  }
  return path.reverse();
}

/**
 * The search frontiers from `source`: `frontiers[j]` holds the nodes reached by a walk of exactly
 * j + 1 edges, ascending (what a model trained by frontier supervision names after j continuous
 * thoughts). Stops before the first empty set; a graph with a cycle never empties, so at most one
 * list per node is returned (a DAG's walks are shorter than that).
 */
export function walkFrontiers(children: readonly number[][], source: number): number[][] {
  const frontiers: number[][] = [];
  let current = new Set([source]);
  while (frontiers.length < children.length) {
    const next = new Set<number>();
    for (const node of current) for (const child of children[node] ?? []) next.add(child);
    if (next.size === 0) break;
    frontiers.push([...next].sort((a, b) => a - b));
    current = next;
  }
  return frontiers;
}

/**
 * True when `source` has a child from which `target` cannot be reached: a first step that leads
 * away from the answer, so choosing the first step needs a look ahead.
 */
export function hasMisleadingBranch(children: readonly number[][], source: number, target: number): boolean {
  return (children[source] ?? []).some((child) => (distancesFrom(children, child)[target] as number) < 0);
}
