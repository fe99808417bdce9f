/**
 * Path categories for graph questions (Coconut, Hao et al. 2024, §5 and Figure 5): what a
 * model wrote after the question — reasoning steps, then "### answer" — read against the record's
 * graph (`idx_to_symbol, edges, root, target, neg_target`) and put in exactly one of six classes.
 * Pure: no Node imports, never throws on model output (only on a record without a usable graph,
 * which `graphProblem` reports first).
 *
 * Reading the text (as the engine scores it, `engine/coconut_engine/evaluate.py`):
 * - markers such as `<bot>`, `<latent>`, `<eot>`, `<eos>`, `<|endoftext|>` are dropped;
 * - the reasoning is everything before the first '#'; the answer is everything after the last '#',
 *   commas removed, trimmed; with no '#' at all no answer was stated (the engine would score the
 *   whole text, which never equals a graph answer once reasoning precedes it);
 * - the answer is right when it equals the record's answer up to spacing (a word-level tokenizer
 *   decodes "Tom is a lempus." as "Tom is a lempus ."), as the engine's comparison does;
 * - steps by format: sentences are split at '.' and line ends ("Every wumpus is a jompus", "Tom
 *   is a wumpus"; the subject is the first name, "Every" optional); edge tokens are the
 *   whitespace-separated words ("3_7"); pairs are read line by line, '|' dropped, two ids a step.
 *
 * The categories, decided in this order (k = the `thoughts` that replaced the first k steps):
 * 1. No step written → Correct Label if the answer is right, else Incorrect Label.
 * 2. Hallucination: the first step (in written order) that is not a step of the format, names
 *    something that is no node, uses an edge the graph lacks, or is disconnected — it does not
 *    start where the previous one ended; the first step must start at the entity when k = 0, and
 *    when k > 0 at any node reachable from the entity (else it is disconnected from the entity).
 *    Hallucination wins whatever the answer says.
 * 3. Otherwise the written steps are a valid walk from s to e. Partial paths (k > 0): "a partial
 *    path counts as correct if some valid completion exists" — the walk is preceded by the best
 *    completion, a shortest entity→s path of c = dist(entity, s) steps (c = 0 when k = 0), and the
 *    whole path has L = c + written steps. c need not equal k (reported as `completion`).
 *    - e is the answer node and the stated answer is right → Correct Path when L equals the
 *      shortest entity→answer distance, else Longer Path;
 *    - e is the answer node but the stated answer is wrong or missing → Wrong Target (the path
 *      was right, the answer is not: correct categories always carry a right answer);
 *    - e is not the answer node but the answer is still reachable from it (the path stopped short)
 *      → no complete path was written, so it is judged by its answer: Correct / Incorrect Label;
 *    - e cannot reach the answer node (the other leaf, a dead end) → Wrong Target, whatever the
 *      stated answer.
 * So Correct Label, Correct Path and Longer Path always have a right answer and Incorrect Label a
 * wrong one; Hallucination and Wrong Target may have either (the explanation says which).
 */
import { buildAdjacency, distancesFrom, type Edge } from '../datasets/graph.js';
import { stepFormat, type StepFormat } from '../inspector/graphValues.js';
import type { PathCategory } from '../../common/analysis.js';

export { PATH_CATEGORIES, CATEGORY_TITLES, type PathCategory } from '../../common/analysis.js';
export type { StepFormat };


/** What the classifier reads of a record (a dataset record with the graph fields). */
export interface GraphRecord {
  question?: string;
  steps?: readonly string[];
  answer: string;
  idx_to_symbol?: readonly string[];
  edges?: readonly (readonly [number, number])[];
  root?: number;
  target?: number;
  neg_target?: number;
}

export interface PathVerdict {
  category: PathCategory;
  explanation: string;
  format: StepFormat;
  thoughts: number;
  /** The written steps as read (one per step, whitespace collapsed). */
  steps: string[];
  /** Node indices written, in order (each step's ends; a repeated node written once). */
  path: number[];
  path_names: string[];
  /** The edge a hallucinated step used that the graph lacks (or the disconnected jump). */
  missing_edge?: [number, number];
  missing_edge_names?: [string, string];
  /** 1-based index of the step that made it a hallucination. */
  bad_step?: number;
  /** Where a valid walk ended. */
  reached?: number;
  reached_name?: string;
  /** Steps of the best completion assumed before the written part (partial paths). */
  completion?: number;
  /** Steps of the whole path (completion + written) and of a shortest entity→answer path. */
  length?: number;
  shortest?: number;
  /** The answer as the engine extracts it; absent when no '#' was written. */
  answer?: string;
  answer_correct: boolean;
  /** The node the answer names, when it names one. */
  answer_node?: number;
}

/** Why a record cannot be classified (missing or inconsistent graph fields), or null. */
export function graphProblem(record: unknown): string | null {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) return 'is not an object';
  const r = record as Record<string, unknown>;
  const symbols = r.idx_to_symbol;
  if (!Array.isArray(symbols) || symbols.length === 0 || !symbols.every((s) => typeof s === 'string' && s.trim() !== '')) {
    return 'has no graph: idx_to_symbol must be a non-empty list of node names';
  }
  const n = symbols.length;
  const isNode = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < n;
  if (!Array.isArray(r.edges) || !r.edges.every((e) => Array.isArray(e) && e.length === 2 && isNode(e[0]) && isNode(e[1]))) {
    return `has no graph: edges must be a list of [from, to] node indices in 0..${n - 1}`;
  }
  for (const key of ['root', 'target'] as const) {
    if (!isNode(r[key])) return `has no graph: ${key} must be a node index in 0..${n - 1}`;
  }
  if (r.neg_target !== undefined && !isNode(r.neg_target)) return `has no graph: neg_target must be a node index in 0..${n - 1}`;
  if (typeof r.answer !== 'string') return 'has no answer (a string)';
  return null;
}

export class PathClassifierError extends Error {
  override name = 'PathClassifierError';
}

/** How the record writes steps; from its steps when it has any, else from its question. */
export function recordFormat(record: GraphRecord): StepFormat {
  const symbols = [...(record.idx_to_symbol ?? [])];
  const steps = [...(record.steps ?? [])];
  if (steps.length > 0) {
    return stepFormat({ symbols, edges: [], root: 0, target: 0, negTarget: 0, steps });
  }
  const question = record.question ?? '';
  if (/ is an? /.test(question) || / is an? /.test(record.answer)) return 'sentences';
  if (/(^|\s)\S+_\S+(\s|$)/.test(question)) return 'edge_tokens';
  return 'edge_pairs';
}

const MARKERS = /<\|?[A-Za-z_]+\|?>/g;

/** Spacing-insensitive form of an answer: collapsed whitespace, none before punctuation. */
function comparable(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/ ([.,?!:;])/g, '$1').trim();
}

/** The answer as the engine extracts it: after the last '#', commas removed, trimmed. */
export function extractAnswer(text: string): string | undefined {
  const clean = text.replace(MARKERS, ' ');
  if (!clean.includes('#')) return undefined;
  return (clean.split('#').pop() ?? '').replace(/,/g, '').trim();
}

/** The reasoning: everything before the first '#'. */
export function extractReasoning(text: string): string {
  return text.replace(MARKERS, ' ').split('#')[0] ?? '';
}

/** One written step: its text, and the names of its ends when it reads as a step at all. */
interface WrittenStep {
  text: string;
  ends: [string, string] | null;
}

/** Split the reasoning into steps of `format` (see the module comment). */
export function readSteps(reasoning: string, format: StepFormat, symbols: ReadonlySet<string>): WrittenStep[] {
  if (format === 'sentences') {
    return reasoning
      .split(/[.\n]+/)
      .map((part) => part.replace(/\s+/g, ' ').trim())
      .filter((part) => part !== '')
      .map((text) => {
        const match = /^(?:every )?(.+?) is an? (.+)$/i.exec(text);
        return { text, ends: match ? [match[1] as string, match[2] as string] : null };
      });
  }
  if (format === 'edge_tokens') {
    return reasoning
      .split(/\s+/)
      .filter((word) => word !== '' && word !== '|')
      .map((text) => ({ text, ends: splitEdgeToken(text, symbols) }));
  }
  const steps: WrittenStep[] = [];
  for (const line of reasoning.split('\n')) {
    const words = line.split(/\s+/).filter((word) => word !== '' && word !== '|');
    if (words.length === 0) continue;
    if (words.length % 2 === 1) {
      steps.push({ text: words.join(' '), ends: null });
      continue;
    }
    for (let i = 0; i < words.length; i += 2) {
      steps.push({ text: `${words[i]} ${words[i + 1]}`, ends: [words[i] as string, words[i + 1] as string] });
    }
  }
  return steps;
}

/** "3_7" → ["3", "7"]: the split at an '_' whose both sides are nodes, else the first '_'. */
function splitEdgeToken(word: string, symbols: ReadonlySet<string>): [string, string] | null {
  let fallback: [string, string] | null = null;
  for (let cut = word.indexOf('_'); cut > 0 && cut < word.length - 1; cut = word.indexOf('_', cut + 1)) {
    const ends: [string, string] = [word.slice(0, cut), word.slice(cut + 1)];
    if (symbols.has(ends[0]) && symbols.has(ends[1])) return ends;
    fallback ??= ends;
  }
  return fallback;
}

/** The node an answer names: the object of "<entity> is a X" for sentences, the id itself otherwise. */
function answerNode(answer: string, format: StepFormat, index: ReadonlyMap<string, number>, entity: string): number | undefined {
  const text = comparable(answer).replace(/\.$/, '').trim();
  if (format === 'sentences') {
    const match = /^(.+?) is an? (.+)$/i.exec(text);
    if (!match || match[1] !== entity) return undefined;
    return index.get(match[2] as string);
  }
  return index.get(text);
}

const quote = (text: string) => `'${text.length > 60 ? `${text.slice(0, 57)}...` : text}'`;
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

/**
 * Classify `text` (everything the model wrote after the question) against `record`'s graph.
 * `thoughts` (k) is how many steps continuous thoughts replaced; `format` overrides detection.
 * Throws PathClassifierError only when the record has no usable graph (see `graphProblem`).
 */
export function classifyPath(record: GraphRecord, text: unknown, options: { thoughts?: number; format?: StepFormat } = {}): PathVerdict {
  const problem = graphProblem(record);
  if (problem !== null) throw new PathClassifierError(`the record ${problem}`);
  const symbols = record.idx_to_symbol as readonly string[];
  const root = record.root as number;
  const target = record.target as number;
  const edges = (record.edges as readonly (readonly [number, number])[]).map(([a, b]) => [a, b] as Edge);
  const thoughts = Number.isInteger(options.thoughts) && (options.thoughts as number) > 0 ? (options.thoughts as number) : 0;
  const format = options.format ?? recordFormat(record);
  const written = typeof text === 'string' ? text : '';
  const name = (node: number) => symbols[node] as string;
  const index = new Map<string, number>();
  symbols.forEach((symbol, node) => {
    if (!index.has(symbol)) index.set(symbol, node);
  });

  const { children, parents } = buildAdjacency(symbols.length, edges);
  const fromRoot = distancesFrom(children, root);
  const toTarget = distancesFrom(parents, target);
  const edgeSet = new Set(edges.map(([a, b]) => `${a}>${b}`));
  const shortest = fromRoot[target] as number;

  const answer = extractAnswer(written);
  const answerCorrect = answer !== undefined && comparable(answer) === comparable(record.answer.replace(/,/g, ''));
  const answerAt = answer === undefined ? undefined : answerNode(answer, format, index, name(root));
  const steps = readSteps(extractReasoning(written), format, new Set(symbols));
  const base = {
    format,
    thoughts,
    steps: steps.map((step) => step.text),
    answer,
    answer_correct: answerCorrect,
    ...(answerAt === undefined ? {} : { answer_node: answerAt }),
  };
  const answerWords =
    answer === undefined
      ? 'no answer was written (no "###")'
      : answer === ''
        ? 'nothing was written after "###"'
        : `the answer ${quote(answer)} is ${answerCorrect ? 'right' : `wrong (expected ${quote(record.answer)})`}`;

  // The written nodes: each parsed step's known ends, in order.
  const path: number[] = [];
  for (const step of steps) {
    for (const end of step.ends ?? []) {
      const node = index.get(end);
      if (node !== undefined && path[path.length - 1] !== node) path.push(node);
    }
  }
  const withPath = { ...base, path, path_names: path.map(name) };

  if (steps.length === 0) {
    return {
      ...withPath,
      category: answerCorrect ? 'correct_label' : 'incorrect_label',
      explanation: `no reasoning steps were written; ${answerWords}`,
    };
  }

  // Walk the steps; the first broken one makes it a hallucination.
  const hallucination = (step: number, why: string, extra: Partial<PathVerdict> = {}): PathVerdict => ({
    ...withPath,
    ...extra,
    bad_step: step + 1,
    category: 'hallucination',
    explanation: `step ${step + 1} ${quote(steps[step]?.text ?? '')} ${why}; ${answerWords}`,
  });
  let current: number | null = null;
  let start = root;
  for (let i = 0; i < steps.length; i++) {
    const step = steps[i] as WrittenStep;
    if (step.ends === null) {
      const expected = format === 'sentences' ? "'Every X is a Y.'" : format === 'edge_tokens' ? "'3_7'" : "'3 7'";
      return hallucination(i, `is not a step (expected ${expected})`);
    }
    const [fromName, toName] = step.ends;
    const from = index.get(fromName);
    const to = index.get(toName);
    if (from === undefined || to === undefined) {
      const unknown = from === undefined ? fromName : toName;
      return hallucination(i, `names ${quote(unknown)}, which is not a node of this graph`);
    }
    const jump = { missing_edge: [from, to] as [number, number], missing_edge_names: [fromName, toName] as [string, string] };
    if (current === null) {
      if (thoughts === 0 && from !== root) {
        return hallucination(i, `is disconnected: the path must start at the entity ${name(root)}, not at ${fromName}`, jump);
      }
      if (thoughts > 0 && (fromRoot[from] as number) < 0) {
        return hallucination(i, `is disconnected: ${fromName} cannot be reached from the entity ${name(root)}, so no path leads to it`, jump);
      }
      start = from;
    } else if (from !== current) {
      return hallucination(i, `is disconnected: it starts at ${fromName}, but the previous step ended at ${name(current)}`, jump);
    }
    if (!edgeSet.has(`${from}>${to}`)) {
      return hallucination(i, `uses an edge that does not exist (${fromName} → ${toName})`, jump);
    }
    current = to;
  }

  const reached = current as number;
  const completion = thoughts > 0 ? (fromRoot[start] as number) : 0;
  const length = completion + steps.length;
  const walk = {
    ...withPath,
    reached,
    reached_name: name(reached),
    completion,
    length,
    shortest,
  };
  const prefix =
    completion > 0 || thoughts > 0
      ? `after ${plural(thoughts, 'thought')} the written path starts at ${name(start)} (best completion: ${plural(completion, 'step')} from the entity${completion === thoughts ? '' : `, not ${thoughts}`}); `
      : '';
  const answerName = name(target);

  if (reached === target) {
    if (!answerCorrect) {
      return {
        ...walk,
        category: 'wrong_target',
        explanation: `${prefix}a valid path reached the answer ${answerName}, but ${answerWords}`,
      };
    }
    const isShortest = length === shortest;
    return {
      ...walk,
      category: isShortest ? 'correct_path' : 'longer_path',
      explanation: isShortest
        ? `${prefix}a shortest path (${plural(length, 'step')}) from ${name(root)} to the answer ${answerName}; ${answerWords}`
        : `${prefix}a valid path to the answer ${answerName} in ${plural(length, 'step')}, where the shortest takes ${shortest}; ${answerWords}`,
    };
  }
  const remaining = toTarget[reached] as number;
  if (remaining > 0) {
    return {
      ...walk,
      category: answerCorrect ? 'correct_label' : 'incorrect_label',
      explanation: `${prefix}the path stopped at ${name(reached)}, ${plural(remaining, 'step')} short of the answer ${answerName}, so it is judged by its answer: ${answerWords}`,
    };
  }
  const isLeaf = (children[reached] ?? []).length === 0;
  const what =
    reached === record.neg_target ? 'the other option, a leaf' : isLeaf ? 'a leaf' : `a node from which ${answerName} cannot be reached`;
  return {
    ...walk,
    category: 'wrong_target',
    explanation: `${prefix}the path ended at ${name(reached)}, ${what}, not the answer ${answerName}; ${answerWords}`,
  };
}
