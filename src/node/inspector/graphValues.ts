/**
 * Node values (the paper's §5 analysis): after k continuous thoughts and a forced `<eot>`, how
 * much probability the model gives to each node of the question's graph as the node the next
 * written step is about.
 *
 * Which word of the next step is scored follows the paper's figures: after k ≥ 1 thoughts the model
 * is asked to go on from the frontier, so the step's *subject* is scored ("Every {node} is a …",
 * the probability of the node's name after "Every", the product over its tokens); with k = 0 the
 * first step still starts at the entity, so its *object* is scored ("{entity} is a {node}").
 * Either way k = 1 scores the entity's children and k = 2 the next frontier. The reachability
 * formats say the same with node ids: pairs ("3 7") score the first id (k ≥ 1) or the id after the
 * entity's (k = 0); edge tokens ("3_7", one word-level token) sum the probabilities of every edge
 * token that leaves the node (k ≥ 1) or score the token from the entity to it (k = 0); a subword
 * tokenizer that spells an edge in several tokens scores the text "3_" (k ≥ 1) or "{entity}_3\n".
 *
 * A frontier-supervised model (config `frontier_supervision`) writes no step: after k thoughts and
 * `<eot>` it names one node (trained at stage k: a node k + 1 edges from the entity) and stops, or,
 * from its last stage on, answers after `###`. Its values (`namedNodeQuery`) score the node's name
 * either way: the name right after `<eot>`, plus the marker then the name, in the tokens the engine
 * trains it with (the answer's: `frontier.py`'s `node_tokens`). Both, because a checkpoint of the
 * last stage may answer where an earlier stage named a node, and which it does after k thoughts is
 * what the inspector is there to show.
 *
 * Pure: graph facts and the token sequences to score; the decoder runs elsewhere.
 */
import { buildAdjacency, distancesFrom, type Edge } from '../datasets/graph.js';
import type { InspectRecord, NodeValues } from '../../common/inspector.js';

export type StepFormat = NodeValues['format'];

export interface GraphQuestion {
  symbols: string[];
  edges: Edge[];
  root: number;
  target: number;
  negTarget: number;
  steps: string[];
}

/** The record's graph when it has every graph field and they are consistent; null otherwise. */
export function graphOf(record: InspectRecord): GraphQuestion | null {
  const { idx_to_symbol: symbols, edges, root, target, neg_target: negTarget } = record;
  if (!symbols || !edges || root === undefined || target === undefined || negTarget === undefined) return null;
  const n = symbols.length;
  const inRange = (i: number) => Number.isInteger(i) && i >= 0 && i < n;
  if (n === 0 || ![root, target, negTarget].every(inRange) || !edges.every(([a, b]) => inRange(a) && inRange(b))) return null;
  return { symbols, edges: edges.map(([a, b]) => [a, b] as const), root, target, negTarget, steps: record.steps ?? [] };
}

/** How the record writes its steps: sentences ("Tom is a terpus."), edge tokens ("3_7") or pairs ("3 7"). */
export function stepFormat(graph: GraphQuestion): StepFormat {
  const first = graph.steps[0] ?? '';
  if (/^\S+_\S+$/.test(first.trim())) return 'edge_tokens';
  if (/^\S+ \S+( \|)?$/.test(first.trim()) && graph.symbols.every((s) => /^\S+$/.test(s)) && !/ is a /.test(first)) return 'edge_pairs';
  return 'sentences';
}

export interface NodeFacts {
  height: { shortest: number; longest: number };
  depth: number | null;
  onAnswerBranch: boolean;
}

/** Heights (distance to a leaf), depth from the entity, and whether a node lies between the entity and the answer. */
export function nodeFacts(graph: GraphQuestion): NodeFacts[] {
  const n = graph.symbols.length;
  const { children, parents } = buildAdjacency(n, graph.edges);
  const shortest = new Array<number>(n).fill(-1);
  const longest = new Array<number>(n).fill(-1);
  // Memoised depth-first walk; the graphs are DAGs, but a cycle in an edited record must not hang.
  const visiting = new Set<number>();
  const visit = (node: number): void => {
    if ((shortest[node] as number) >= 0 || visiting.has(node)) return;
    visiting.add(node);
    const kids = children[node] ?? [];
    for (const child of kids) visit(child);
    const below = kids.filter((child) => (shortest[child] as number) >= 0);
    shortest[node] = below.length === 0 ? 0 : 1 + Math.min(...below.map((c) => shortest[c] as number));
    longest[node] = below.length === 0 ? 0 : 1 + Math.max(...below.map((c) => longest[c] as number));
    visiting.delete(node);
  };
  for (let node = 0; node < n; node++) visit(node);
  const depth = distancesFrom(children, graph.root);
  const reachesAnswer = distancesFrom(parents, graph.target); // distances to the answer, walking edges backwards
  return Array.from({ length: n }, (_, node) => ({
    height: { shortest: shortest[node] as number, longest: longest[node] as number },
    depth: (depth[node] as number) >= 0 ? (depth[node] as number) : null,
    onAnswerBranch: (depth[node] as number) >= 0 && (reachesAnswer[node] as number) >= 0,
  }));
}

/** What the inspector needs of a tokenizer to build the queries. */
export interface QueryTokenizer {
  /** Ids of a step's text as the engine encodes steps (no special tokens). */
  encode(text: string): number[];
  vocabSize: number;
  idToToken(id: number): string | undefined;
  tokenToId(token: string): number | undefined;
}

/** After `<eot>` at one k: the tokens fed first, then per node the token sequences whose probabilities add up to its value. */
export interface ValueQuery {
  prefix: string;
  prefixIds: number[];
  /** continuations[node]: each a token sequence continuing the prefix; empty when the node cannot be named. */
  continuations: number[][][];
}

/** The query for k thoughts (see the module comment for which word is scored). */
export function valueQuery(graph: GraphQuestion, format: StepFormat, k: number, tokenizer: QueryTokenizer): ValueQuery {
  const root = graph.symbols[graph.root] as string;
  if (format === 'edge_tokens') {
    const continuations: number[][][] = graph.symbols.map(() => []);
    if (tokenizer.encode(`${root}_${root}`).length > 1) {
      // A subword tokenizer writes an edge in several tokens: score the text itself. At k = 0 the
      // whole first step with its newline (so that "4_2" does not also count "4_21"); from k = 1
      // the subject and its "_" (so that "3" does not also count "35").
      graph.symbols.forEach((symbol, node) => continuations[node]?.push(tokenizer.encode(k === 0 ? `${root}_${symbol}\n` : `${symbol}_`)));
      return { prefix: '', prefixIds: [], continuations };
    }
    // A word-level vocabulary holds each edge as one token; an edge it lacks cannot be written.
    const bySymbol = new Map(graph.symbols.map((symbol, index) => [symbol, index]));
    if (k === 0) {
      graph.symbols.forEach((symbol, node) => {
        const id = tokenizer.tokenToId(`${root}_${symbol}`);
        if (id !== undefined) continuations[node]?.push([id]);
      });
    } else {
      for (let id = 0; id < tokenizer.vocabSize; id++) {
        const token = tokenizer.idToToken(id);
        const cut = token?.indexOf('_') ?? -1;
        if (token === undefined || cut <= 0) continue;
        const node = bySymbol.get(token.slice(0, cut));
        if (node !== undefined && token.length > cut + 1) continuations[node]?.push([id]);
      }
    }
    return { prefix: '', prefixIds: [], continuations };
  }
  const prefix = format === 'sentences' ? (k === 0 ? `${root} is a` : 'Every') : k === 0 ? root : '';
  const prefixIds = prefix ? tokenizer.encode(prefix) : [];
  const continuations = graph.symbols.map((symbol) => {
    const whole = tokenizer.encode(prefix ? `${prefix} ${symbol}` : symbol);
    const sharesPrefix = prefixIds.every((id, i) => whole[i] === id);
    // A tokenizer that merges across the boundary: score the name as it would start a word.
    const tail = sharesPrefix ? whole.slice(prefixIds.length) : tokenizer.encode(` ${symbol}`);
    return tail.length > 0 ? [tail] : [];
  });
  return { prefix, prefixIds, continuations };
}

/** The answer marker, as the engine writes `### answer`. */
export const ANSWER_MARKER = '###';

/**
 * Named-node values of a frontier-supervised model: after `<eot>`, each node's name alone (in the
 * tokens it gets after the marker, or its own where the marker does not tokenize apart, as the
 * engine's `node_tokens` writes it) and `### name` (the answer), summed.
 */
export function namedNodeQuery(graph: GraphQuestion, tokenizer: Pick<QueryTokenizer, 'encode'>, unknownId: number | null = null): ValueQuery {
  const marker = tokenizer.encode(ANSWER_MARKER);
  const continuations = graph.symbols.map((symbol) => {
    const asAnswer = tokenizer.encode(`${ANSWER_MARKER} ${symbol}`);
    const apart = asAnswer.length > marker.length && marker.every((id, i) => asAnswer[i] === id);
    const name = apart ? asAnswer.slice(marker.length) : tokenizer.encode(symbol);
    // A name the vocabulary reads as unknown cannot be named: the unknown token stands for every such word.
    if (name.length === 0 || name.includes(unknownId as number)) return [];
    return [name, [...marker, ...name]];
  });
  return { prefix: '', prefixIds: [], continuations };
}
