import { describe, expect, it } from 'vitest';
import { generateProsQARecord, resolveProsQAParams } from '../datasets/prosqa.js';
import { createRandom, type Random } from '../datasets/random.js';
import { generateReachabilityRecord, resolveReachabilityParams } from '../datasets/reachability.js';
import {
  classifyPath,
  extractAnswer,
  graphProblem,
  PATH_CATEGORIES,
  PathClassifierError,
  recordFormat,
  type GraphRecord,
  type StepFormat,
} from './pathClassifier.js';

/*
 * The fixture graph (entity Tom = 0, answer zumpus = 3, the other option lempus = 4):
 *   Tom → wumpus → jompus → zumpus              (the shortest path, 3 steps)
 *   Tom → yumpus → gorpus → jompus → zumpus     (a longer one, 4 steps)
 *   yumpus → rempus                             (a leaf that is not the answer)
 *   brimpus → lempus                            (unreachable from Tom)
 */
const NAMES = ['Tom', 'wumpus', 'jompus', 'zumpus', 'lempus', 'yumpus', 'gorpus', 'rempus', 'brimpus'];
const IDS = ['10', '11', '12', '13', '14', '15', '16', '17', '18'];
const EDGES: [number, number][] = [
  [0, 1],
  [0, 5],
  [1, 2],
  [2, 3],
  [5, 6],
  [6, 2],
  [5, 7],
  [8, 4],
];

function stepText(format: StepFormat, symbols: string[], from: number, to: number): string {
  if (format === 'sentences') return from === 0 ? `${symbols[from]} is a ${symbols[to]}.` : `Every ${symbols[from]} is a ${symbols[to]}.`;
  return format === 'edge_tokens' ? `${symbols[from]}_${symbols[to]}` : `${symbols[from]} ${symbols[to]}`;
}

function fixture(format: StepFormat) {
  const symbols = format === 'sentences' ? NAMES : IDS;
  const answerOf = (node: number) => (format === 'sentences' ? `Tom is a ${symbols[node]}.` : (symbols[node] as string));
  const path = (nodes: number[]) => nodes.slice(1).map((to, i) => stepText(format, symbols, nodes[i] as number, to));
  const record: GraphRecord = {
    question: format === 'sentences' ? 'Tom is a wumpus. … Is Tom a zumpus or lempus?' : `${EDGES.map(([a, b]) => stepText(format, symbols, a, b)).join(' ')} ? 10 : 13 14`,
    steps: path([0, 1, 2, 3]),
    answer: answerOf(3),
    idx_to_symbol: symbols,
    edges: EDGES,
    root: 0,
    target: 3,
    neg_target: 4,
  };
  /** The text a model writes: the steps of `nodes`, one a line, then "### answer". */
  const text = (nodes: number[], answer: number | string | null = 3) => {
    const lines = path(nodes);
    const stated = answer === null ? '' : `### ${typeof answer === 'number' ? answerOf(answer) : answer}`;
    return [...lines, stated].join('\n');
  };
  return { record, text, symbols };
}

describe.each(['sentences', 'edge_tokens', 'edge_pairs'] as const)('path categories, %s', (format) => {
  const { record, text, symbols } = fixture(format);
  const classify = (t: string, thoughts = 0) => classifyPath(record, t, { thoughts });

  it('recognises the format', () => {
    expect(recordFormat(record)).toBe(format);
    expect(recordFormat({ ...record, steps: [] })).toBe(format);
  });

  it('correct path: a shortest path to the answer', () => {
    const verdict = classify(text([0, 1, 2, 3]));
    expect(verdict).toMatchObject({ category: 'correct_path', path: [0, 1, 2, 3], reached: 3, length: 3, shortest: 3, answer_correct: true, answer_node: 3 });
    expect(verdict.explanation).toMatch(/shortest path \(3 steps\)/);
  });

  it('longer path: valid, right, not shortest', () => {
    const verdict = classify(text([0, 5, 6, 2, 3]));
    expect(verdict).toMatchObject({ category: 'longer_path', length: 4, shortest: 3, reached: 3 });
    expect(verdict.explanation).toMatch(/in 4 steps, where the shortest takes 3/);
  });

  it('hallucination: an edge that does not exist', () => {
    const verdict = classify(text([0, 1, 3]));
    expect(verdict).toMatchObject({ category: 'hallucination', bad_step: 2, missing_edge: [1, 3], missing_edge_names: [symbols[1], symbols[3]] });
    expect(verdict.explanation).toContain(`uses an edge that does not exist (${symbols[1]} → ${symbols[3]})`);
  });

  it('hallucination: a step that does not start where the previous ended', () => {
    const t = [stepText(format, symbols, 0, 1), stepText(format, symbols, 2, 3), `### ${record.answer}`].join('\n');
    const verdict = classify(t);
    expect(verdict).toMatchObject({ category: 'hallucination', bad_step: 2, missing_edge: [2, 3] });
    expect(verdict.explanation).toMatch(/disconnected: it starts at .*previous step ended at/);
    expect(verdict.explanation).toMatch(/the answer .* is right/);
  });

  it('hallucination: the first step does not start at the entity (k = 0)', () => {
    const verdict = classify(text([1, 2, 3]));
    expect(verdict).toMatchObject({ category: 'hallucination', bad_step: 1 });
    expect(verdict.explanation).toMatch(/must start at the entity/);
  });

  it('hallucination: a name that is no node, and text that is no step', () => {
    const unknown = format === 'sentences' ? 'Tom is a florpus.' : format === 'edge_tokens' ? '10_99' : '10 99';
    expect(classify(`${unknown}\n### ${record.answer}`)).toMatchObject({ category: 'hallucination', bad_step: 1 });
    expect(classify(`${unknown}\n### ${record.answer}`).explanation).toMatch(/is not a node of this graph/);
    const garbage = format === 'edge_pairs' ? '10 11 12' : format === 'edge_tokens' ? '1011' : 'the cat sat';
    expect(classify(`${garbage}\n### ${record.answer}`).explanation).toMatch(/is not a step/);
  });

  it('wrong target: a valid path to another leaf', () => {
    const verdict = classify(text([0, 5, 7], 7));
    expect(verdict).toMatchObject({ category: 'wrong_target', reached: 7, answer_correct: false, answer_node: 7 });
    expect(verdict.explanation).toContain(`the path ended at ${symbols[7]}, a leaf, not the answer ${symbols[3]}`);
  });

  it('wrong target: a valid path to the right answer but a wrong or missing stated answer', () => {
    const wrong = classify(text([0, 1, 2, 3], 4));
    expect(wrong).toMatchObject({ category: 'wrong_target', reached: 3, answer_correct: false, answer_node: 4 });
    expect(wrong.explanation).toMatch(/a valid path reached the answer .* but the answer .* is wrong/);
    const missing = classify(text([0, 1, 2, 3], null));
    expect(missing).toMatchObject({ category: 'wrong_target', answer: undefined });
    expect(missing.explanation).toMatch(/no answer was written/);
  });

  it('wrong target wins over a right answer when the path cannot reach it', () => {
    expect(classify(text([0, 5, 7], 3))).toMatchObject({ category: 'wrong_target', answer_correct: true });
  });

  it('labels: only an answer written', () => {
    expect(classify(`### ${record.answer}`)).toMatchObject({ category: 'correct_label', path: [], answer_correct: true });
    expect(classify(`### ${format === 'sentences' ? 'Tom is a lempus.' : '14'}`)).toMatchObject({ category: 'incorrect_label', answer_node: 4 });
    expect(classify('').category).toBe('incorrect_label');
    expect(classify('###').explanation).toMatch(/nothing was written after "###"/);
  });

  it('labels: a path that stopped short is judged by its answer', () => {
    const right = classify(text([0, 1], 3));
    expect(right).toMatchObject({ category: 'correct_label', reached: 1 });
    expect(right.explanation).toMatch(/stopped at .*, 2 steps short of the answer/);
    expect(classify(text([0, 1], 4)).category).toBe('incorrect_label');
  });

  it('partial paths: k = 1 and k = 2 thoughts replaced the first steps', () => {
    expect(classify(text([1, 2, 3]), 1)).toMatchObject({ category: 'correct_path', completion: 1, length: 3 });
    expect(classify(text([2, 3]), 2)).toMatchObject({ category: 'correct_path', completion: 2, length: 3 });
    // The completion need not take k steps: the best one is used and reported.
    const restarted = classify(text([0, 1, 2, 3]), 1);
    expect(restarted).toMatchObject({ category: 'correct_path', completion: 0 });
    expect(restarted.explanation).toMatch(/best completion: 0 steps from the entity, not 1/);
    // yumpus → gorpus → jompus → zumpus after Tom → yumpus: 4 steps in all.
    expect(classify(text([5, 6, 2, 3]), 1)).toMatchObject({ category: 'longer_path', completion: 1, length: 4 });
    expect(classify(text([6, 2, 3]), 2)).toMatchObject({ category: 'longer_path', completion: 2, length: 4 });
    // Starting at a node no path from the entity reaches: disconnected.
    const unreachable = classify(text([8, 4], 4), 1);
    expect(unreachable).toMatchObject({ category: 'hallucination', bad_step: 1 });
    expect(unreachable.explanation).toMatch(/cannot be reached from the entity/);
    expect(classify(text([1, 3]), 1)).toMatchObject({ category: 'hallucination', missing_edge: [1, 3] });
    expect(classify(text([5, 7], 7), 1).category).toBe('wrong_target');
    expect(classify(`### ${record.answer}`, 2).category).toBe('correct_label');
  });
});

describe('reading the text', () => {
  const { record } = fixture('sentences');

  it('extracts the answer as the engine does', () => {
    expect(extractAnswer('a # b ### Tom, is a zumpus. ')).toBe('Tom is a zumpus.');
    expect(extractAnswer('no hash')).toBeUndefined();
    expect(extractAnswer('###')).toBe('');
  });

  it('reads word-level decoded text and drops markers', () => {
    const decoded = '<eot>Tom is a wumpus .\nEvery wumpus is a jompus .\nEvery jompus is a zumpus .\n### Tom is a zumpus .<eos>';
    expect(classifyPath(record, decoded)).toMatchObject({ category: 'correct_path', answer_correct: true });
  });

  it('reads steps on one line, and pairs with separators', () => {
    expect(classifyPath(record, 'Tom is a wumpus. Every wumpus is a jompus. Every jompus is a zumpus. ### Tom is a zumpus.').category).toBe('correct_path');
    const pairs = fixture('edge_pairs').record;
    expect(classifyPath(pairs, '10 11 | 11 12 |\n12 13\n### 13').category).toBe('correct_path');
    const tokens = fixture('edge_tokens').record;
    expect(classifyPath(tokens, '10_11 11_12 12_13 ### 13').category).toBe('correct_path');
  });

  it('rejects records without a graph, and nothing else', () => {
    expect(graphProblem({ question: 'q', steps: [], answer: 'a' })).toMatch(/idx_to_symbol/);
    expect(graphProblem({ ...record, target: 99 })).toMatch(/target must be a node index/);
    expect(graphProblem({ ...record, edges: [[0, 42]] })).toMatch(/edges/);
    expect(graphProblem(record)).toBeNull();
    expect(() => classifyPath({ answer: 'x' }, 'text')).toThrow(PathClassifierError);
    expect(classifyPath(record, 42 as unknown as string).category).toBe('incorrect_label');
  });
});

/** Random model output: tokens of the record's vocabulary, unicode, markers and separators. */
function randomText(rng: Random, record: GraphRecord): string {
  const vocabulary = [
    ...(record.idx_to_symbol ?? []),
    ...(record.steps ?? []),
    ...(record.question ?? '').split(/\s+/),
    ...record.answer.split(/\s+/),
    'Every', 'is', 'a', 'an', '.', '\n', '#', '###', '|', '_', '<eot>', '<bot>', '<latent>', ',', '?', ':', '',
  ];
  const shape = rng.int(0, 5);
  if (shape === 0) return '';
  if (shape === 1) return rng.choice(['###', '#', '### ', '\n###\n', '####']);
  if (shape === 2) {
    return Array.from({ length: rng.int(0, 40) }, () => String.fromCodePoint(rng.int(0, 0x2ffff) % 0x10ffff)).join('').replace(/[\ud800-\udfff]/g, '');
  }
  const words = Array.from({ length: rng.int(1, 30) }, () => rng.choice(vocabulary));
  const joined = words.join(rng.choice([' ', '\n', '', ' . ']));
  return shape === 3 ? joined : `${joined}\n### ${rng.chance(0.5) ? record.answer : rng.choice(vocabulary)}`;
}

function graphRecords(seed: number, count: number): GraphRecord[] {
  const rng = createRandom(seed);
  const prosqa = resolveProsQAParams({ preset: 'small' });
  const tokens = resolveReachabilityParams({ preset: 'small' });
  const pairs = resolveReachabilityParams({ preset: 'small', edgeStyle: 'pair' });
  return Array.from({ length: count }, (_, i) =>
    i % 3 === 0 ? generateProsQARecord(rng, prosqa) : i % 3 === 1 ? generateReachabilityRecord(rng, tokens) : generateReachabilityRecord(rng, pairs),
  );
}

describe('properties over random graphs and random text', () => {
  const records = graphRecords(7, 60);
  const ANSWER_RIGHT = new Set(['correct_label', 'correct_path', 'longer_path']);

  it('never throws; always one of the six with an explanation; answer-bearing categories agree with the answer', () => {
    const rng = createRandom(11);
    let seen = 0;
    const categories = new Set<string>();
    for (let i = 0; i < 3000; i++) {
      const record = rng.choice(records);
      const text = randomText(rng, record);
      const verdict = classifyPath(record, text, { thoughts: rng.int(0, 3) });
      expect(PATH_CATEGORIES).toContain(verdict.category);
      expect(verdict.explanation.trim().length).toBeGreaterThan(0);
      if (ANSWER_RIGHT.has(verdict.category)) expect(verdict.answer_correct).toBe(true);
      if (verdict.category === 'incorrect_label') expect(verdict.answer_correct).toBe(false);
      categories.add(verdict.category);
      seen++;
    }
    expect(seen).toBe(3000);
    expect(categories.has('hallucination')).toBe(true);
    expect(categories.has('correct_label')).toBe(true);
  });

  it("the record's own steps are a correct path, with any k of them replaced by thoughts", () => {
    for (const record of records) {
      const steps = record.steps ?? [];
      for (let k = 0; k <= steps.length; k++) {
        const verdict = classifyPath(record, [...steps.slice(k), `### ${record.answer}`].join('\n'), { thoughts: k });
        expect(verdict.category, `${verdict.explanation} (k = ${k})`).toBe(k === steps.length ? 'correct_label' : 'correct_path');
      }
    }
  });

  it('random walks from the entity are never hallucinations; random edges in random order mostly are', () => {
    const rng = createRandom(5);
    for (const record of records) {
      const format = recordFormat(record);
      const symbols = record.idx_to_symbol as string[];
      const edges = record.edges as [number, number][];
      const walk: number[] = [record.root as number];
      for (let hop = 0; hop < 6; hop++) {
        const next = edges.filter(([from]) => from === walk[walk.length - 1]).map(([, to]) => to);
        if (next.length === 0) break;
        walk.push(rng.choice(next));
      }
      const lines = walk.slice(1).map((to, i) => stepText(format, symbols, walk[i] as number, to));
      const verdict = classifyPath(record, [...lines, `### ${rng.choice([record.answer, 'x'])}`].join('\n'));
      expect(verdict.category, verdict.explanation).not.toBe('hallucination');
      expect(verdict.path).toEqual(walk.length > 1 ? walk : []);
    }
  });
});
