/**
 * The compact graph-reachability format: the same problems as ProsQA (a random DAG, an entity,
 * two candidate leaves of which the entity reaches exactly one), written with node ids and edges
 * as single tokens instead of sentences:
 *
 *   question: "7_2 7_11 4_9 2_5 11_5 ? 7 : 5 9"     (each edge "from_to" is one word-level token)
 *   steps:    ["7_11", "11_5"]                     (one shortest path, one edge per step)
 *   answer:   "5"
 *
 * Why an edge is one token: to take a step the model must find the edge that leaves the current
 * node. With the edge as one token that is a single attention lookup (the token's embedding knows
 * both ends). Written as two node tokens ("7 > 11"), the lookup needs an attention head that first
 * moves each edge's source onto its destination, and a 2-layer model trained from scratch took far
 * longer than the CPU quickstart allows to find that: on 6–8-node graphs it stayed at chance
 * (44–54 %) through 13 epochs of 6000 records, and at chance after 60000 fresh records, where the
 * edge-token format reached 73 % after one pass over 60000 records and 85 % after two.
 *
 * Node ids are drawn at random (without repeats) from 0..symbols-1 for every record, so an id
 * carries no information about its place in the graph: seeds are not always 0 and 1 and edges do
 * not always run from a smaller to a larger id. The graph fields (`idx_to_symbol` holding the ids
 * as text, `edges` in the generator's node order, `root`, `target`, `neg_target`, `frontiers`) are
 * the same as ProsQA's, so statistics, validation and the graph view treat both alike.
 */
import { z } from 'zod';
import { sampleShortestPath, walkFrontiers, type Edge } from './graph.js';
import {
  drawProsQAProblem,
  mustMislead,
  noGraphFits,
  PROSQA_PRESET_NAMES,
  ProsQAParamsInputSchema,
  resolveProsQAParams,
  type ProsQAParams,
  type ProsQAPresetName,
} from './prosqa.js';
import {
  checkGraphAnswer,
  checkGraphNodes,
  firstValidDraw,
  RecordInvariantError,
  type GraphQuestionRecord,
} from './invariants.js';
import type { Random } from './random.js';

export interface ReachabilityRecord extends GraphQuestionRecord {
  question: string;
  answer: string;
}

/** Node ids per record come from 0..symbols-1; twice the largest graph leaves room for variety. */
const DEFAULT_SYMBOLS_PER_NODE = 2;
/** Token-level cap: more ids than this makes the vocabulary, not the graph, the hard part. */
const MAX_SYMBOLS = 1000;

/**
 * How an edge is written: `token` ("3_7", one token; the default, see above) or `pair` ("3 7 |",
 * two node tokens and a separator, the layout of the compact format in the literature), kept for
 * comparison and for models that can afford to learn the two-step lookup.
 */
export const EDGE_STYLES = ['token', 'pair'] as const;
export type EdgeStyle = (typeof EDGE_STYLES)[number];

export const ReachabilityParamsInputSchema = ProsQAParamsInputSchema.extend({
  symbols: z.int().min(3).max(MAX_SYMBOLS).optional(),
  edgeStyle: z.enum(EDGE_STYLES).optional(),
});

export const ReachabilityParamsSchema = z.strictObject({
  preset: z.enum(PROSQA_PRESET_NAMES as [ProsQAPresetName, ...ProsQAPresetName[]]),
  minNodes: z.int(),
  maxNodes: z.int(),
  minSteps: z.int(),
  maxSteps: z.int(),
  meanParents: z.number(),
  depthWeight: z.number(),
  misleadingBranch: z.number().optional(),
  /** Size of the id pool each record's node ids are drawn from. */
  symbols: z.int().min(3).max(MAX_SYMBOLS),
  edgeStyle: z.enum(EDGE_STYLES),
});
export type ReachabilityParams = z.infer<typeof ReachabilityParamsSchema>;

/** The graph parameters of ProsQA (same presets, same checks) plus the id pool; throws a ZodError on bad input. */
export function resolveReachabilityParams(input: unknown = {}): ReachabilityParams {
  const { symbols, edgeStyle, ...graph } = ReachabilityParamsInputSchema.parse(input ?? {});
  const resolved = resolveProsQAParams(graph);
  const pool = symbols ?? DEFAULT_SYMBOLS_PER_NODE * resolved.maxNodes;
  if (pool < resolved.maxNodes) {
    throw new z.ZodError([
      { code: 'custom', path: ['symbols'], message: `symbols (${pool}) must be at least maxNodes (${resolved.maxNodes}): every node needs its own id`, input },
    ]);
  }
  return ReachabilityParamsSchema.parse({ ...resolved, symbols: pool, edgeStyle: edgeStyle ?? 'token' });
}

export class ReachabilityInvariantError extends RecordInvariantError {
  override name = 'ReachabilityInvariantError';
}

const QUESTION_MARK = ' ? ';
const PAIR_SEPARATOR = ' |';

/**
 * An edge as written in facts and steps. As one token: the word-level pre-tokenizer keeps `\w+`
 * runs together, and `_` is a word character.
 */
export function edgeText(style: EdgeStyle, ids: readonly string[], [from, to]: Edge): string {
  return style === 'token' ? `${ids[from]}_${ids[to]}` : `${ids[from]} ${ids[to]}`;
}

function writeFacts(style: EdgeStyle, facts: readonly string[]): string {
  return style === 'token' ? facts.join(' ') : facts.map((fact) => fact + PAIR_SEPARATOR).join(' ');
}

function readFacts(style: EdgeStyle, text: string): string[] {
  if (style === 'token') return text.split(' ');
  return text.endsWith(PAIR_SEPARATOR) ? text.slice(0, -PAIR_SEPARATOR.length).split(`${PAIR_SEPARATOR} `) : [];
}

/** One attempt, or null when the drawn graph does not fit the parameters. Not yet checked. */
export function drawReachability(rng: Random, params: ReachabilityParams, misleading = false): ReachabilityRecord | null {
  const problem = drawProsQAProblem(rng, params satisfies ProsQAParams, misleading);
  if (problem === null) return null;
  const ids = rng.sample(
    Array.from({ length: params.symbols }, (_, id) => String(id)),
    problem.nodeCount,
  );
  const path = sampleShortestPath(rng, problem.adjacency, problem.root, problem.target);
  if (path === null) return null;
  const facts = rng.shuffle(problem.edges).map((edge) => edgeText(params.edgeStyle, ids, edge));
  const answer = ids[problem.target] as string;
  const negative = ids[problem.negTarget] as string;
  const options = rng.chance(0.5) ? [answer, negative] : [negative, answer];
  return {
    question: `${writeFacts(params.edgeStyle, facts)}${QUESTION_MARK}${ids[problem.root]} : ${options[0]} ${options[1]}`,
    answer,
    steps: path.slice(1).map((to, i) => edgeText(params.edgeStyle, ids, [path[i] as number, to])),
    idx_to_symbol: ids,
    edges: problem.edges.map(([from, to]) => [from, to]),
    root: problem.root,
    target: problem.target,
    neg_target: problem.negTarget,
    frontiers: walkFrontiers(problem.adjacency.children, problem.root),
  };
}

/**
 * Check a record using only the record: the question lists exactly the graph's edges and asks about
 * the entity, the target and the negative; the target is reachable and the negative is not; the
 * steps are a shortest path to the target. Throws ReachabilityInvariantError naming the first
 * broken promise.
 */
export function checkReachabilityRecord(record: ReachabilityRecord, params?: ReachabilityParams): void {
  const fail = (message: string): never => {
    throw new ReachabilityInvariantError(message);
  };
  const ids = record.idx_to_symbol;
  const nodeCount = ids.length;
  checkGraphNodes(record, fail);
  if (ids.some((id) => !/^\d+$/.test(id))) fail('a node id is not a number');
  for (const [from, to] of record.edges) {
    if (!(from >= 0 && from < nodeCount && to >= 0 && to < nodeCount && from !== to)) fail(`edge [${from}, ${to}] is not between two nodes`);
  }
  // Without parameters, the first fact says how edges are written.
  const style: EdgeStyle = params?.edgeStyle ?? (/^\d+_\d+/.test(record.question) ? 'token' : 'pair');
  const edgeByText = new Map(record.edges.map((edge) => [edgeText(style, ids, edge), edge] as const));
  if (edgeByText.size !== record.edges.length) fail('two edges are the same');

  const [facts, asked, ...extra] = record.question.split(QUESTION_MARK);
  if (asked === undefined || extra.length > 0) fail('the question has no single "? entity : option option" ending');
  const stated = readFacts(style, facts as string);
  if (stated.length !== record.edges.length || new Set(stated).size !== stated.length || stated.some((fact) => !edgeByText.has(fact))) {
    fail('the question does not list exactly the edges');
  }
  const [entity, colon, first, second, ...rest] = (asked as string).split(' ');
  const target = ids[record.target] as string;
  const negative = ids[record.neg_target] as string;
  const optionsMatch = (first === target && second === negative) || (first === negative && second === target);
  if (entity !== ids[record.root] || colon !== ':' || !optionsMatch || rest.length > 0) {
    fail('the question does not ask about the entity, the target and the negative');
  }
  if (record.answer !== target) fail('the answer is not the target id');

  checkGraphAnswer(record, edgeByText, fail, params);
  if (params !== undefined && ids.some((id) => Number(id) >= params.symbols)) fail(`a node id is outside 0–${params.symbols - 1}`);
}

/** The next record that fits the parameters and passes every invariant check. */
export function generateReachabilityRecord(rng: Random, params: ReachabilityParams): ReachabilityRecord {
  const misleading = mustMislead(rng, params);
  return firstValidDraw(
    () => drawReachability(rng, params, misleading),
    (record) => checkReachabilityRecord(record, params),
    noGraphFits('graph', params, misleading),
  );
}
