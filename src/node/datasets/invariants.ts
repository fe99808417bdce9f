/**
 * Generators draw candidate records and keep the first one that passes their own invariant
 * check; this module holds that loop and the error type the checks throw, so every generator
 * rejects and retries in the same way, and the checks every graph-question record shares.
 */
import { buildAdjacency, distancesFrom, hasMisleadingBranch, walkFrontiers, type Edge } from './graph.js';

/** A generated record broke one of its generator's promises; the generator draws again. */
export class RecordInvariantError extends Error {
  override name = 'RecordInvariantError';
}

/** Draws before giving up: far more than any reasonable parameters need (most accept 1 in 1–3). */
export const MAX_DRAWS_PER_RECORD = 10_000;

/**
 * The first draw that is not null and passes `check` (which throws RecordInvariantError to reject
 * it); after MAX_DRAWS_PER_RECORD failures, an Error whose message is `giveUp`.
 */
export function firstValidDraw<T>(draw: () => T | null, check: (record: T) => void, giveUp: string): T {
  for (let attempt = 0; attempt < MAX_DRAWS_PER_RECORD; attempt++) {
    const record = draw();
    if (record === null) continue;
    try {
      check(record);
      return record;
    } catch (error) {
      if (!(error instanceof RecordInvariantError)) throw error;
    }
  }
  throw new Error(giveUp);
}

/** The graph fields every graph-question record carries (ProsQA, reachability). */
export interface GraphQuestionRecord {
  steps: string[];
  idx_to_symbol: string[];
  edges: [number, number][];
  root: number;
  target: number;
  neg_target: number;
  /** The nodes at each walk length from `root` (graph.ts `walkFrontiers`). */
  frontiers: number[][];
}

/** Node ranges that a generator promises; the graph checks compare against them when given. */
export interface GraphSizeLimits {
  minNodes: number;
  maxNodes: number;
  minSteps: number;
  maxSteps: number;
  /** At 1, every record promises that the entity has a child from which the target cannot be reached. */
  misleadingBranch?: number;
}

type Fail = (message: string) => never;

/** Names distinct; root, target and negative three different nodes. */
export function checkGraphNodes(record: GraphQuestionRecord, fail: Fail): void {
  const nodeCount = record.idx_to_symbol.length;
  if (new Set(record.idx_to_symbol).size !== nodeCount) fail('node names are not distinct');
  const nodes = [record.root, record.target, record.neg_target];
  if (nodes.some((node) => !Number.isInteger(node) || node < 0 || node >= nodeCount)) fail('root, target or neg_target is not a node');
  if (new Set(nodes).size !== 3) fail('root, target and neg_target are not three different nodes');
}

/**
 * The answer is sound: the target is reachable from the entity and the negative is not, and the
 * steps (each read back to its edge by `edgeOfStep`) walk a shortest path from the entity to the
 * target; with `limits`, node and step counts are in range.
 */
export function checkGraphAnswer(
  record: GraphQuestionRecord,
  edgeOfStep: ReadonlyMap<string, Edge>,
  fail: Fail,
  limits?: GraphSizeLimits,
): void {
  const nodeCount = record.idx_to_symbol.length;
  const adjacency = buildAdjacency(nodeCount, record.edges);
  const distance = distancesFrom(adjacency.children, record.root);
  const targetDistance = distance[record.target] as number;
  if (targetDistance < 0) fail('the target is not reachable from the entity');
  if (distance[record.neg_target] !== -1) fail('the negative is reachable from the entity');
  if (record.steps.length !== targetDistance) fail(`${record.steps.length} steps, but the shortest path has ${targetDistance}`);
  let at = record.root;
  for (const step of record.steps) {
    const edge = edgeOfStep.get(step);
    if (edge === undefined || edge[0] !== at) fail(`step "${step}" does not continue the path from ${record.idx_to_symbol[at]}`);
    at = (edge as Edge)[1];
  }
  if (at !== record.target) fail('the steps do not end at the target');
  if (JSON.stringify(record.frontiers) !== JSON.stringify(walkFrontiers(adjacency.children, record.root))) {
    fail('frontiers are not the nodes at each walk length from the entity');
  }
  if (limits !== undefined) {
    if (nodeCount < limits.minNodes || nodeCount > limits.maxNodes) fail(`${nodeCount} nodes, outside ${limits.minNodes}–${limits.maxNodes}`);
    if (targetDistance < limits.minSteps || targetDistance > limits.maxSteps) {
      fail(`${targetDistance} steps, outside ${limits.minSteps}–${limits.maxSteps}`);
    }
    if (limits.misleadingBranch === 1 && !hasMisleadingBranch(adjacency.children, record.root, record.target)) {
      fail('every child of the entity leads to the target (misleadingBranch promises one that does not)');
    }
  }
}
