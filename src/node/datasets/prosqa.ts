/**
 * ProsQA-style questions (Coconut paper, appendix, Algorithm 1): a random DAG of "every X is a Y"
 * facts, one entity, and the question whether the entity is one of two concepts, exactly one of
 * which it reaches. Records carry the official fields
 * (`question, answer, steps, idx_to_symbol, edges, root, target, neg_target`), with `frontiers`
 * (the nodes at each walk length from the entity, graph.ts `walkFrontiers`) for frontier supervision.
 *
 * What the official files show, and this module reproduces (measured on the 300 official
 * validation records):
 * - nodes are numbered in the order the algorithm created them, so every edge runs from a lower to
 *   a higher index; `edges` is sorted by the child, each child's parents in the order drawn;
 * - nodes 0 and 1 are the two seeds; `root` is whichever of them has the farther exclusive leaf
 *   (a leaf it reaches and the other seed does not); `target` is such a farthest leaf and
 *   `neg_target` any leaf that only the other seed reaches;
 * - parentless nodes are people, the rest made-up concepts; no node is without edges;
 * - the two options in "Is X a A or B?" come in random order;
 * - facts come in random order; a person's fact reads "Tom is a terpus.", a concept's
 *   "Every terpus is a brimpus."; steps are one shortest path written the same way.
 */
import { z } from 'zod';
import { buildAdjacency, distancesFrom, hasMisleadingBranch, sampleShortestPath, walkFrontiers, type Adjacency, type Edge } from './graph.js';
import {
  checkGraphAnswer,
  checkGraphNodes,
  firstValidDraw,
  MAX_DRAWS_PER_RECORD,
  RecordInvariantError,
  type GraphQuestionRecord,
} from './invariants.js';
import type { Random } from './random.js';
import { CONCEPT_NAMES, PERSON_NAMES } from './vocabulary.js';

export interface ProsQARecord extends GraphQuestionRecord {
  question: string;
  answer: string;
}

export const PROSQA_PRESETS = {
  /** Matches the official ProsQA statistics (17–28 nodes, 3–6 reasoning steps). */
  official: { minNodes: 17, maxNodes: 28, minSteps: 3, maxSteps: 6 },
  /** Graphs a 2-layer model learns from scratch on two CPU cores in minutes (the README's Performance section, "Why this dataset"). */
  small: { minNodes: 8, maxNodes: 10, minSteps: 2, maxSteps: 3 },
  /** Longer reasoning than the paper's: bigger graphs, answers 6–9 steps away. */
  hard: { minNodes: 30, maxNodes: 40, minSteps: 6, maxSteps: 9 },
} as const;
export type ProsQAPresetName = keyof typeof PROSQA_PRESETS;
export const PROSQA_PRESET_NAMES = Object.keys(PROSQA_PRESETS) as ProsQAPresetName[];

/** The paper's constants: mean parents per node and how strongly deep nodes attract children. */
const DEFAULT_MEAN_PARENTS = 1.5;
const DEFAULT_DEPTH_WEIGHT = 1.5;
/** Probability that a new node may only hang below seed 0's side, and (the same) below seed 1's. */
const ONE_SIDED_PROBABILITY = 0.35;

const count = (min: number) => z.int().min(min);

/** What a caller may pass: a preset and any overrides. */
export const ProsQAParamsInputSchema = z.strictObject({
  preset: z.enum(PROSQA_PRESET_NAMES as [ProsQAPresetName, ...ProsQAPresetName[]]).optional(),
  minNodes: count(3).optional(),
  maxNodes: count(3).optional(),
  minSteps: count(1).optional(),
  maxSteps: count(1).optional(),
  meanParents: z.number().positive().max(10).optional(),
  depthWeight: z.number().min(0).max(100).optional(),
  misleadingBranch: z.number().min(0).max(1).optional(),
});
export type ProsQAParamsInput = z.infer<typeof ProsQAParamsInputSchema>;

/** Fully resolved parameters, as stored in a dataset manifest. */
export const ProsQAParamsSchema = z
  .strictObject({
    preset: z.enum(PROSQA_PRESET_NAMES as [ProsQAPresetName, ...ProsQAPresetName[]]),
    /** Graphs with fewer nodes (after isolated nodes are dropped) are redrawn. */
    minNodes: count(3),
    /** Nodes the algorithm grows; isolated ones are then dropped, as in the official data. */
    maxNodes: count(3),
    /** Length of the shortest entity→answer path, i.e. the number of reasoning steps. */
    minSteps: count(1),
    maxSteps: count(1),
    /** Mean of the Poisson draw of parents per new node. */
    meanParents: z.number().positive().max(10),
    /** Candidate parent weight is depth · depthWeight + 1. */
    depthWeight: z.number().min(0).max(100),
    /**
     * The share of records (drawn per record) whose graph must give the entity a child from which
     * the answer cannot be reached, so that a written path's first step is a real choice (where
     * chain of thought goes wrong); the others are drawn as usual. Absent means 0, which keeps
     * older manifests equal to their resolved parameters.
     */
    misleadingBranch: z.number().min(0).max(1).optional(),
  })
  .superRefine((params, ctx) => {
    const problem = (path: string, message: string) => ctx.addIssue({ code: 'custom', path: [path], message });
    if (params.minNodes > params.maxNodes) problem('minNodes', `minNodes (${params.minNodes}) is above maxNodes (${params.maxNodes})`);
    if (params.minSteps > params.maxSteps) problem('minSteps', `minSteps (${params.minSteps}) is above maxSteps (${params.maxSteps})`);
    // Two seeds, a path of minSteps concepts and a leaf on the other side: the smallest possible question.
    if (params.maxNodes < params.minSteps + 3) {
      problem('maxNodes', `maxNodes must be at least minSteps + 3 (${params.minSteps + 3}) to fit a ${params.minSteps}-step question`);
    }
    if (params.maxNodes - 2 > CONCEPT_NAMES.length) {
      problem('maxNodes', `maxNodes can be at most ${CONCEPT_NAMES.length + 2}: there are ${CONCEPT_NAMES.length} concept names`);
    }
  });
export type ProsQAParams = z.infer<typeof ProsQAParamsSchema>;

/** Fill a preset (official unless named) and apply overrides; throws a ZodError on bad input. */
export function resolveProsQAParams(input: unknown = {}): ProsQAParams {
  const given = ProsQAParamsInputSchema.parse(input ?? {});
  const preset = given.preset ?? 'official';
  // `misleadingBranch: 0` is the default and is left out, so a manifest written before the key existed still matches.
  const defined = Object.fromEntries(Object.entries(given).filter(([key, value]) => value !== undefined && !(key === 'misleadingBranch' && value === 0)));
  return ProsQAParamsSchema.parse({
    meanParents: DEFAULT_MEAN_PARENTS,
    depthWeight: DEFAULT_DEPTH_WEIGHT,
    ...PROSQA_PRESETS[preset],
    ...defined,
    preset,
  });
}

/** A ProsQA record broke one of the generator's promises; the generator draws again. */
export class ProsQAInvariantError extends RecordInvariantError {
  override name = 'ProsQAInvariantError';
}

interface Graph {
  nodeCount: number;
  edges: Edge[];
}

/**
 * Algorithm 1: seeds 0 and 1; each new node draws Poisson(meanParents) parents from a candidate
 * set, weighted by depth · depthWeight + 1, and inherits the OR of their labels (bit 1: below seed
 * 0, bit 2: below seed 1). With probability 0.35 the candidates are seed 0's exclusive side, with
 * 0.35 seed 1's, otherwise every node.
 *
 * Nodes below neither seed are candidates only in the "every node" case. Letting them into the
 * one-sided sets too (a literal reading of the appendix) leaves about 2.6 parentless non-seed
 * nodes per graph and ~25 nodes after isolated ones are dropped, where the official data has 0.5
 * and 22.8; keeping them out reproduces the official node, edge, step and path statistics.
 */
function growGraph(rng: Random, params: ProsQAParams): Graph {
  const labels = [1, 2];
  const depth = [0, 0];
  const onlyBelowSeed = [[0], [1]];
  const parentsOf: number[][] = [[], []];
  for (let node = 2; node < params.maxNodes; node++) {
    const wanted = rng.poisson(params.meanParents);
    const side = rng.next();
    const candidates =
      side < ONE_SIDED_PROBABILITY
        ? (onlyBelowSeed[0] as number[])
        : side < 2 * ONE_SIDED_PROBABILITY
          ? (onlyBelowSeed[1] as number[])
          : Array.from({ length: node }, (_, i) => i);
    const weights = candidates.map((candidate) => (depth[candidate] as number) * params.depthWeight + 1);
    const parents = rng.weightedSample(candidates, weights, Math.min(wanted, candidates.length));
    let label = 0;
    let nodeDepth = 0;
    for (const parent of parents) {
      label |= labels[parent] as number;
      nodeDepth = Math.max(nodeDepth, (depth[parent] as number) + 1);
    }
    labels.push(label);
    depth.push(nodeDepth);
    parentsOf.push(parents);
    if (label === 1 || label === 2) onlyBelowSeed[label - 1]?.push(node);
  }
  const edges: Edge[] = [];
  parentsOf.forEach((parents, child) => parents.forEach((parent) => edges.push([parent, child])));
  return { nodeCount: params.maxNodes, edges };
}

/** Drop nodes without any edge (a question never mentions them) and renumber the rest in order. */
function dropIsolatedNodes(graph: Graph): Graph {
  const used = new Array<boolean>(graph.nodeCount).fill(false);
  used[0] = used[1] = true;
  for (const [from, to] of graph.edges) used[from] = used[to] = true;
  const newIndex: number[] = [];
  let next = 0;
  for (const keep of used) newIndex.push(keep ? next++ : -1);
  return {
    nodeCount: next,
    edges: graph.edges.map(([from, to]) => [newIndex[from] as number, newIndex[to] as number] as const),
  };
}

interface Question {
  root: number;
  target: number;
  negTarget: number;
  steps: number;
}

/** Leaves (other than the seeds) that `reach` covers and `avoid` does not. */
function exclusiveLeaves(adjacency: Adjacency, reach: number[], avoid: number[]): number[] {
  const leaves: number[] = [];
  for (let node = 2; node < reach.length; node++) {
    if ((reach[node] as number) >= 0 && avoid[node] === -1 && adjacency.children[node]?.length === 0) leaves.push(node);
  }
  return leaves;
}

interface SeedSide {
  seed: number;
  /** Distances from this seed (-1: unreachable). */
  distance: number[];
  /** Leaves this seed reaches and the other does not: the possible answers when it is the entity. */
  leaves: number[];
  /** Distance to the farthest of those leaves. */
  farthest: number;
}

function seedSide(adjacency: Adjacency, seed: number, distance: number[], otherDistance: number[]): SeedSide {
  const leaves = exclusiveLeaves(adjacency, distance, otherDistance);
  const farthest = Math.max(-1, ...leaves.map((leaf) => distance[leaf] as number));
  return { seed, distance, leaves, farthest };
}

/**
 * The entity is the seed with the farther exclusive leaf (as in every official record), the answer
 * one of its farthest exclusive leaves, the negative any exclusive leaf of the other seed.
 */
function chooseQuestion(rng: Random, adjacency: Adjacency): Question | null {
  const distance0 = distancesFrom(adjacency.children, 0);
  const distance1 = distancesFrom(adjacency.children, 1);
  const side0 = seedSide(adjacency, 0, distance0, distance1);
  const side1 = seedSide(adjacency, 1, distance1, distance0);
  if (side0.leaves.length === 0 || side1.leaves.length === 0) return null;
  const seed0IsEntity = side0.farthest > side1.farthest || (side0.farthest === side1.farthest && rng.chance(0.5));
  const [entity, other] = seed0IsEntity ? [side0, side1] : [side1, side0];
  const target = rng.choice(entity.leaves.filter((leaf) => entity.distance[leaf] === entity.farthest));
  return { root: entity.seed, target, negTarget: rng.choice(other.leaves), steps: entity.farthest };
}

/** Names: people for parentless nodes, concepts for the rest; null when a list runs out. */
function nameNodes(rng: Random, adjacency: Adjacency): string[] | null {
  const parentless = adjacency.parents.filter((parents) => parents.length === 0).length;
  const withParents = adjacency.parents.length - parentless;
  if (parentless > PERSON_NAMES.length || withParents > CONCEPT_NAMES.length) return null;
  const people = rng.sample(PERSON_NAMES, parentless);
  const concepts = rng.sample(CONCEPT_NAMES, withParents);
  return adjacency.parents.map((parents) => (parents.length === 0 ? people.pop() : concepts.pop()) as string);
}

/** "Tom is a terpus." for a person, "Every terpus is a brimpus." for a concept. */
export function factSentence(names: readonly string[], isPerson: boolean, from: number, to: number): string {
  return isPerson ? `${names[from]} is a ${names[to]}.` : `Every ${names[from]} is a ${names[to]}.`;
}

/**
 * Whether the next record must have a misleading branch: true for a `misleadingBranch` share of
 * records, decided once per record before its draws. No random number is used when the share is
 * 0 or 1, so datasets without the key are drawn as before.
 */
export function mustMislead(rng: Random, params: ProsQAParams): boolean {
  const share = params.misleadingBranch ?? 0;
  return share >= 1 || (share > 0 && rng.chance(share));
}

/** A grown graph with its question, before any node has a name. */
export interface ProsQAProblem {
  nodeCount: number;
  edges: Edge[];
  adjacency: Adjacency;
  root: number;
  target: number;
  negTarget: number;
  steps: number;
}

/**
 * The structural half of one attempt: a graph and a question that fit the parameters, or null when
 * this draw does not (too few nodes, steps out of range, no leaf on one side). Shared by every
 * rendering of the problem (ProsQA sentences here, node and edge tokens in the reachability format).
 */
export function drawProsQAProblem(rng: Random, params: ProsQAParams, misleading = false): ProsQAProblem | null {
  const graph = dropIsolatedNodes(growGraph(rng, params));
  if (graph.nodeCount < params.minNodes) return null;
  const adjacency = buildAdjacency(graph.nodeCount, graph.edges);
  const question = chooseQuestion(rng, adjacency);
  if (question === null || question.steps < params.minSteps || question.steps > params.maxSteps) return null;
  if (misleading && !hasMisleadingBranch(adjacency.children, question.root, question.target)) return null;
  return { nodeCount: graph.nodeCount, edges: graph.edges, adjacency, ...question };
}

/**
 * One attempt: a graph, a question and its record, or null when this graph does not fit the
 * parameters (too few nodes, steps out of range, no leaf on one side). Not yet checked.
 */
export function drawProsQA(rng: Random, params: ProsQAParams, misleading = false): ProsQARecord | null {
  const problem = drawProsQAProblem(rng, params, misleading);
  if (problem === null) return null;
  const { adjacency } = problem;
  const names = nameNodes(rng, adjacency);
  if (names === null) return null;

  const isPerson = (node: number) => adjacency.parents[node]?.length === 0;
  const sentence = (from: number, to: number) => factSentence(names, isPerson(from), from, to);
  const path = sampleShortestPath(rng, adjacency, problem.root, problem.target);
  if (path === null) return null;
  const facts = rng.shuffle(problem.edges.map(([from, to]) => sentence(from, to)));
  const entity = names[problem.root] as string;
  const answerName = names[problem.target] as string;
  const options = rng.chance(0.5) ? [answerName, names[problem.negTarget]] : [names[problem.negTarget], answerName];
  return {
    question: `${facts.join(' ')} Is ${entity} a ${options[0]} or ${options[1]}?`,
    answer: `${entity} is a ${answerName}.`,
    steps: path.slice(1).map((to, i) => sentence(path[i] as number, to)),
    idx_to_symbol: names,
    edges: problem.edges.map(([from, to]) => [from, to]),
    root: problem.root,
    target: problem.target,
    neg_target: problem.negTarget,
    frontiers: walkFrontiers(adjacency.children, problem.root),
  };
}

/**
 * Check a record against the generator's promises using only the record itself: the question
 * states exactly the graph's facts and asks about the target and the negative; the target is
 * reachable from the entity and the negative is not; the steps are a shortest path to the target;
 * with `params`, sizes are in range. Throws ProsQAInvariantError naming the first broken one.
 */
export function checkProsQARecord(record: ProsQARecord, params?: ProsQAParams): void {
  const fail = (message: string): never => {
    throw new ProsQAInvariantError(message);
  };
  const names = record.idx_to_symbol;
  const nodeCount = names.length;
  checkGraphNodes(record, fail);
  for (const [from, to] of record.edges) {
    if (!(from >= 0 && from < to && to < nodeCount)) fail(`edge [${from}, ${to}] does not run forward between existing nodes`);
  }
  const adjacency = buildAdjacency(nodeCount, record.edges);
  const isPerson = (node: number) => adjacency.parents[node]?.length === 0;
  const sentenceToEdge = new Map<string, Edge>();
  for (const [from, to] of record.edges) sentenceToEdge.set(factSentence(names, isPerson(from), from, to), [from, to]);
  if (sentenceToEdge.size !== record.edges.length) fail('two edges state the same fact');

  const entity = names[record.root] as string;
  const target = names[record.target] as string;
  const negative = names[record.neg_target] as string;
  const asked = [`Is ${entity} a ${target} or ${negative}?`, `Is ${entity} a ${negative} or ${target}?`];
  const ending = asked.find((text) => record.question.endsWith(` ${text}`));
  if (ending === undefined) fail('the question does not end by asking about the target and the negative');
  const facts = record.question.slice(0, record.question.length - (ending as string).length - 1);
  const stated = facts.split(/(?<=\.) /);
  if (stated.length !== record.edges.length || stated.some((fact) => !sentenceToEdge.has(fact)) || new Set(stated).size !== stated.length) {
    fail('the question does not state exactly the facts of the edges');
  }
  if (record.answer !== `${entity} is a ${target}.`) fail('the answer does not name the entity and the target');
  if (adjacency.children[record.target]?.length !== 0 || adjacency.children[record.neg_target]?.length !== 0) {
    fail('the target or the negative is not a leaf');
  }

  checkGraphAnswer(record, sentenceToEdge, fail, params);
}

/** The next record that fits the parameters and passes every invariant check. */
export function generateProsQARecord(rng: Random, params: ProsQAParams): ProsQARecord {
  const misleading = mustMislead(rng, params);
  return firstValidDraw(
    () => drawProsQA(rng, params, misleading),
    (record) => checkProsQARecord(record, params),
    noGraphFits('ProsQA graph', params, misleading),
  );
}

/** Why a generator gave up on a record: the sizes it was held to, and the branch when one was required. */
export function noGraphFits(what: string, params: ProsQAParams, misleading: boolean): string {
  const sizes = `${params.minNodes}–${params.maxNodes} nodes and ${params.minSteps}–${params.maxSteps} steps`;
  return misleading
    ? `no ${what} fit ${sizes} with a misleading branch (misleadingBranch) in ${MAX_DRAWS_PER_RECORD} draws; widen the node or step range, or lower the misleading-branch share`
    : `no ${what} fit ${sizes} in ${MAX_DRAWS_PER_RECORD} draws; widen the node or step range`;
}
