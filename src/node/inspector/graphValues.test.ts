import { describe, expect, it } from 'vitest';
import { WordLevelTokenizer } from '../../common/tokenizer/wordLevel.js';
import { ANSWER_MARKER, graphOf, namedNodeQuery, nodeFacts, stepFormat, valueQuery, type QueryTokenizer } from './graphValues.js';

// Tom → a → c (answer), Tom → b → d (the other leaf), a → d; e is unreachable from Tom.
const record = {
  question: 'Every a is a c. Every b is a d. Every a is a d. Tom is a a. Tom is a b. Every e is a d. Is Tom a c or d?',
  steps: ['Tom is a a.', 'Every a is a c.'],
  answer: 'Tom is a c.',
  idx_to_symbol: ['Tom', 'a', 'b', 'c', 'd', 'e'],
  edges: [
    [0, 1],
    [0, 2],
    [1, 3],
    [2, 4],
    [1, 4],
    [5, 4],
  ] as [number, number][],
  root: 0,
  target: 3,
  neg_target: 4,
};

function wordTokenizer(words: string[]): QueryTokenizer {
  const vocab = Object.fromEntries(['<|endoftext|>', '<|pad|>', '<|unk|>', ...words].map((w, i) => [w, i]));
  const json = {
    version: '1.0',
    added_tokens: [],
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '<|unk|>' },
  };
  const tokenizer = WordLevelTokenizer.fromJSON(JSON.stringify(json));
  return { encode: (t) => tokenizer.encode(t), vocabSize: tokenizer.vocabSize, idToToken: (id) => tokenizer.idToToken(id), tokenToId: (t) => tokenizer.tokenToId(t) };
}

describe('graph facts', () => {
  it('gives heights (shortest and longest to a leaf), depth from the entity and the answer branch', () => {
    const graph = graphOf(record);
    expect(graph).not.toBeNull();
    const facts = nodeFacts(graph!);
    expect(facts.map((f) => f.height)).toEqual([
      { shortest: 2, longest: 2 },
      { shortest: 1, longest: 1 },
      { shortest: 1, longest: 1 },
      { shortest: 0, longest: 0 },
      { shortest: 0, longest: 0 },
      { shortest: 1, longest: 1 },
    ]);
    expect(facts.map((f) => f.depth)).toEqual([0, 1, 1, 2, 2, null]);
    expect(facts.map((f) => f.onAnswerBranch)).toEqual([true, true, false, true, false, false]);
  });

  it('longest and shortest heights differ where paths of several lengths lead to leaves', () => {
    const graph = graphOf({ ...record, edges: [[0, 1], [1, 2], [2, 3], [0, 3], [0, 4]] })!;
    const facts = nodeFacts(graph);
    expect(facts[0]?.height).toEqual({ shortest: 1, longest: 3 });
  });

  it('is null for records without a consistent graph, and survives a cycle in an edited record', () => {
    expect(graphOf({ question: 'q', steps: [], answer: '' })).toBeNull();
    expect(graphOf({ ...record, root: 9 })).toBeNull();
    expect(graphOf({ ...record, edges: [[0, 7]] })).toBeNull();
    const cyclic = graphOf({ ...record, edges: [[0, 1], [1, 0], [1, 3]] })!;
    expect(() => nodeFacts(cyclic)).not.toThrow();
  });
});

describe('step formats and value queries', () => {
  it('recognises sentences, edge tokens and pairs', () => {
    expect(stepFormat(graphOf(record)!)).toBe('sentences');
    expect(stepFormat(graphOf({ ...record, idx_to_symbol: ['7', '2', '5', '9', '4', '8'], steps: ['7_2', '2_9'] })!)).toBe('edge_tokens');
    expect(stepFormat(graphOf({ ...record, idx_to_symbol: ['7', '2', '5', '9', '4', '8'], steps: ['7 2', '2 9'] })!)).toBe('edge_pairs');
  });

  it('sentences: the object after "{entity} is a" at k = 0, the subject after "Every" from k = 1', () => {
    const tokenizer = wordTokenizer(['Tom', 'is', 'a', 'Every', 'b', 'c', 'd', 'e', '.']);
    const graph = graphOf(record)!;
    const k0 = valueQuery(graph, 'sentences', 0, tokenizer);
    expect(k0.prefix).toBe('Tom is a');
    expect(k0.prefixIds).toEqual(tokenizer.encode('Tom is a'));
    expect(k0.continuations[2]).toEqual([[tokenizer.tokenToId('b')]]);
    const k2 = valueQuery(graph, 'sentences', 2, tokenizer);
    expect(k2.prefix).toBe('Every');
    expect(k2.continuations[3]).toEqual([[tokenizer.tokenToId('c')]]);
  });

  it('edge tokens: the edge from the entity at k = 0; every edge token leaving the node from k = 1', () => {
    const symbols = ['7', '2', '5', '9', '4', '8'];
    const tokenizer = wordTokenizer(['7_2', '7_5', '2_9', '5_4', '2_4', '8_4', '2_5', '11_2']);
    const graph = graphOf({ ...record, idx_to_symbol: symbols, steps: ['7_2', '2_9'] })!;
    const k0 = valueQuery(graph, 'edge_tokens', 0, tokenizer);
    expect(k0.prefixIds).toEqual([]);
    expect(k0.continuations[1]).toEqual([[tokenizer.tokenToId('7_2')]]);
    expect(k0.continuations[3]).toEqual([]); // 7_9 is not in the vocabulary
    const k1 = valueQuery(graph, 'edge_tokens', 1, tokenizer);
    expect(k1.continuations[1]?.map(([id]) => tokenizer.idToToken(id!)).sort()).toEqual(['2_4', '2_5', '2_9']);
    expect(k1.continuations[0]).toEqual([[tokenizer.tokenToId('7_2')], [tokenizer.tokenToId('7_5')]]);
  });

  it('edge tokens under a subword tokenizer: the text of the step, with its newline at k = 0 and its "_" after', () => {
    // Characters as tokens: every edge is several tokens, as byte-level BPE writes "41_24".
    const chars = ['0', '1', '2', '3', '4', '5', '7', '8', '9', '_', '\n'];
    const tokenizer: QueryTokenizer = {
      encode: (text) => [...text].map((c) => chars.indexOf(c)),
      vocabSize: chars.length,
      idToToken: (id) => chars[id],
      tokenToId: (t) => (chars.includes(t) ? chars.indexOf(t) : undefined),
    };
    const graph = graphOf({ ...record, idx_to_symbol: ['7', '2', '5', '9', '4', '8'], steps: ['7_2', '2_9'] })!;
    expect(valueQuery(graph, 'edge_tokens', 0, tokenizer).continuations[1]).toEqual([tokenizer.encode('7_2\n')]);
    expect(valueQuery(graph, 'edge_tokens', 2, tokenizer).continuations[3]).toEqual([tokenizer.encode('9_')]);
  });

  it("named nodes (frontier supervision): each node's own token after <eot>, and the answer marker then the token", () => {
    const tokenizer = wordTokenizer(['###', '7', '2', '5', '9', '4', '8', '7_2', '2_9']);
    const graph = graphOf({ ...record, idx_to_symbol: ['7', '2', '5', '9', '4', '8'], steps: ['7_2', '2_9'] })!;
    const query = namedNodeQuery(graph, tokenizer);
    expect([query.prefix, query.prefixIds]).toEqual(['', []]);
    const marker = tokenizer.tokenToId(ANSWER_MARKER)!;
    expect(query.continuations).toEqual(['7', '2', '5', '9', '4', '8'].map((symbol) => [[tokenizer.tokenToId(symbol)], [marker, tokenizer.tokenToId(symbol)]]));
    // A node the vocabulary lacks cannot be named: the unknown token would stand for every such word.
    const partial = wordTokenizer(['###', '7', '2']);
    const unknown = partial.tokenToId('<|unk|>')!;
    expect(namedNodeQuery(graph, partial, unknown).continuations.map((entry) => entry.length)).toEqual([2, 2, 0, 0, 0, 0]);
  });
});
