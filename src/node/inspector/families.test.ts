/**
 * The inspector against the engine beyond the offline GPT-2 of inspector.test.ts: tiny Llama
 * (grouped-query attention, a Llama 3 byte-level BPE tokenizer whose template adds BOS) and Qwen2
 * (tied embeddings, Qwen2's byte-level BPE) models loaded from a folder, trained on reachability
 * data by the engine and exported; and the layouts of the other methods with markers or without
 * (pause as thought, CoT) on the offline GPT-2. Each inspection on onnxruntime-node is compared
 * with the engine's PyTorch (reference.py, one engine process per bundle): the same prompt and
 * generated tokens, thoughts' probabilities, norms and logit lens within 1e-4, and every node
 * value against the product of its tokens' probabilities computed by the engine's model.run.
 *
 * A BPE tokenizer writes a reachability edge ("41_24") in several tokens, so the node values of
 * these models go through the inspector's multi-token path; a copy of each question with its
 * steps written as pairs ("41 24") reaches that path with a prefix as well.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectRecord, Inspection } from '../../common/inspector.js';
import { readDataset } from '../datasets/records.js';
import { tempDir } from '../testing/fixtures.js';
import { loadBundle, type LoadedBundle } from './bundle.js';
import { graphOf, stepFormat, valueQuery, type StepFormat } from './graphValues.js';
import { OnnxDecoder } from './onnxDecoder.js';
import { referenceInspections, tinyFamilyModel, trainAndExport, type BatchReference, type ReferenceQuery, type ScoredSequence, type TinyFamily, type TinyFamilyModel } from './testing.js';
import { inspect, InspectRequestError } from './thoughtLoop.js';

const TOLERANCE = 1e-4;
const home = tempDir('coconut-inspector-families-');

interface Subject {
  bundle: LoadedBundle;
  decoder: OnnxDecoder;
  records: InspectRecord[];
  checkpoint: string;
  model: TinyFamilyModel | null;
}

const subjects = new Map<string, Subject>();
const subject = (name: string): Subject => subjects.get(name) as Subject;

async function open(name: string, prepare: () => Promise<{ bundleDir: string; valPath: string; checkpoint: string; model: TinyFamilyModel | null }>): Promise<void> {
  const { bundleDir, valPath, checkpoint, model } = await prepare();
  const bundle = loadBundle(bundleDir);
  const decoder = await OnnxDecoder.open(bundle.dir, bundle.manifest, { threads: 1 });
  subjects.set(name, { bundle, decoder, records: await readDataset(valPath), checkpoint, model });
}

/** A model folder of `family` with a BPE tokenizer trained on the run's own training set, trained 3 epochs (stages 0–2); the last checkpoint exported. */
function familyRun(family: TinyFamily) {
  return async () => {
    const dir = join(home.path, family);
    let model: TinyFamilyModel | null = null;
    const trained = await trainAndExport(
      dir,
      { name: `inspector-${family}` },
      {
        checkpoint: 'last',
        prepare: async ({ trainPath }) => {
          model = await tinyFamilyModel(dir, family, trainPath);
          return { model_id: model.dir };
        },
      },
    );
    return { ...trained, model };
  };
}

/** The offline GPT-2 trained with another method (`overrides` replace coconut: true). */
function methodRun(name: string, overrides: Record<string, unknown>) {
  return async () => ({ ...(await trainAndExport(join(home.path, name), { name: `inspector-${name}`, ...overrides }, { counts: { train: 120, valid: 6 } })), model: null });
}

beforeAll(async () => {
  // Four engine pipelines (data, model folder, training, export), two at a time on two cores.
  await Promise.all([open('llama', familyRun('llama')), open('pause_as_thought', methodRun('pause_as_thought', { coconut: false, special_token: true }))]);
  await Promise.all([open('qwen2', familyRun('qwen2')), open('cot', methodRun('cot', { coconut: false, cot: true }))]);
}, 400_000);

afterAll(async () => {
  for (const { decoder } of subjects.values()) await decoder.release();
  home.remove();
});

function expectClose(actual: number, expected: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(TOLERANCE);
}

/** The record with its steps written as pairs ("41 24"): node names scored after a prefix, as several tokens. */
function asPairs(record: InspectRecord): InspectRecord {
  return { ...record, steps: (record.steps ?? []).map((step) => step.replace('_', ' ')) };
}

interface NodeQuery {
  format: StepFormat;
  /** Per k' = 0..k, per node: the indices into the reference's sequence_probs of its continuations. */
  scored: number[][][];
  multiToken: number;
}

/** The inspector's value queries for k' = 0..k (graphValues.ts), as sequences for the reference to score. */
function nodeQuery(bundle: LoadedBundle, record: InspectRecord, k: number, sequences: ScoredSequence[]): NodeQuery {
  const graph = graphOf(record);
  expect(graph).not.toBeNull();
  const format = stepFormat(graph!);
  const tokenizer = bundle.tokenizer;
  const queryTokenizer = { encode: (t: string) => tokenizer.encode(t), vocabSize: tokenizer.vocabSize, idToToken: (id: number) => tokenizer.idToToken(id), tokenToId: (t: string) => tokenizer.tokenToId(t) };
  // Without markers the values are read once, after the prompt (thoughtLoop.ts).
  const last = bundle.manifest.markers ? k : 0;
  let multiToken = 0;
  const scored = Array.from({ length: last + 1 }, (_, j) => {
    const query = valueQuery(graph!, format, j, queryTokenizer);
    return query.continuations.map((continuations) =>
      continuations.map((tokens) => {
        if (tokens.length > 1) multiToken++;
        sequences.push({ k: j, prefix: query.prefixIds, tokens });
        return sequences.length - 1;
      }),
    );
  });
  return { format, scored, multiToken };
}

/** Every figure of `ours` that the reference computes: prompt and generated ids, thoughts, lens, node values. */
function compareWithReference(bundle: LoadedBundle, ours: Inspection, reference: BatchReference, k: number, query: NodeQuery, record: InspectRecord): void {
  const names = bundle.manifest.special_tokens;
  const questionIds = bundle.tokenizer.encode(`${record.question}\n`, { addSpecialTokens: true });
  const prompt = bundle.manifest.markers ? [...questionIds, names.bot, ...Array<number>(k).fill(names.thought), names.eot] : questionIds;
  expect(prompt).toEqual(reference.prompt_ids);
  expect(ours.prompt_tokens).toBe(reference.prompt_ids.length);
  expect(ours.generated_ids).toEqual(reference.generated_ids);
  expect(ours.generated).toBe(reference.generated_text);
  expect(ours.thoughts).toHaveLength(k);
  expect(ours.lens_layers).toBe(bundle.manifest.model.layers + 1);
  ours.thoughts.forEach((thought, i) => {
    const vector = reference.thought_vectors[i] as number[];
    expectClose(thought.norm, Math.hypot(...vector), `thought ${i} norm`);
    for (const token of thought.top) expectClose(token.prob, reference.thought_probs[i]?.[token.id] as number, `thought ${i} p(${token.token})`);
    expect(thought.lens).toHaveLength(bundle.manifest.model.layers + 1);
    thought.lens.forEach((cell) => {
      const probs = reference.lens_probs[i]?.[cell.layer] as number[];
      expectClose(cell.prob, Math.max(...probs), `thought ${i} layer ${cell.layer} top probability`);
      expectClose(probs[cell.id] as number, cell.prob, `thought ${i} layer ${cell.layer} p(${cell.token})`);
    });
  });

  const values = ours.node_values;
  expect(values?.format).toBe(query.format);
  expect(values?.nodes).toHaveLength(record.idx_to_symbol?.length ?? -1);
  query.scored.forEach((nodes, j) => {
    nodes.forEach((indices, node) => {
      const value = values?.nodes[node]?.values[j] as number;
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThanOrEqual(1);
      const expected = indices.reduce((sum, index) => sum + (reference.sequence_probs[index] as number), 0);
      expectClose(value, Math.min(1, expected), `node ${record.idx_to_symbol?.[node]} value at k=${j}`);
    });
  });
  expect(values?.nodes.every((node) => node.values.length === query.scored.length)).toBe(true);
}

/** Single-token names after no prefix: the engine-side product is the reference's own `eot_probs` (ties the scorer to reference.py). */
function checkScorer(reference: BatchReference, sequences: ScoredSequence[]): void {
  sequences.forEach((sequence, index) => {
    if (sequence.prefix.length === 0 && sequence.tokens.length === 1 && reference.eot_probs.length > 0) {
      expectClose(reference.sequence_probs[index] as number, reference.eot_probs[sequence.k]?.[sequence.tokens[0] as number] as number, `scorer at k=${sequence.k}`);
    }
  });
}

interface Case {
  record: InspectRecord;
  k: number;
  cache: boolean;
  query: NodeQuery;
  sequences: ScoredSequence[];
}

/** Inspects every case with and without the cache, asks the engine once for all of them, and compares. */
async function parity(name: string, cases: Omit<Case, 'query' | 'sequences'>[]): Promise<{ cases: Case[]; ours: Inspection[]; references: BatchReference[] }> {
  const { bundle, decoder, checkpoint } = subject(name);
  const full: Case[] = cases.map((c) => {
    const sequences: ScoredSequence[] = [];
    return { ...c, sequences, query: nodeQuery(bundle, c.record, c.k, sequences) };
  });
  const queries: ReferenceQuery[] = full.map((c) => ({ question: c.record.question, thoughts: c.k, cache: c.cache, sequences: c.sequences }));
  const references = await referenceInspections(checkpoint, queries);
  const ours: Inspection[] = [];
  for (const [index, c] of full.entries()) {
    const result = await inspect(bundle, decoder, { record: c.record, thoughts: c.k, top: 50, cache: c.cache });
    ours.push(result);
    const reference = references[index] as BatchReference;
    checkScorer(reference, c.sequences);
    compareWithReference(bundle, result, reference, c.k, c.query, c.record);
  }
  return { cases: full, ours, references };
}

/** Same tokens, thoughts and node values with the cache and without it. */
function expectSameWithoutCache(cached: Inspection, uncached: Inspection): void {
  expect(uncached.generated_ids).toEqual(cached.generated_ids);
  cached.thoughts.forEach((thought, i) => {
    expectClose(uncached.thoughts[i]?.norm as number, thought.norm, `norm ${i}`);
    thought.top.forEach((token, j) => expectClose(uncached.thoughts[i]?.top[j]?.prob as number, token.prob, `p ${i}/${j}`));
  });
  cached.node_values?.nodes.forEach((node, n) => node.values.forEach((v, j) => expectClose(uncached.node_values?.nodes[n]?.values[j] as number, v, `value ${n}/${j}`)));
}

describe.each([
  { family: 'llama', layout: 'Llama 3 BPE with BOS, grouped-query attention' },
  { family: 'qwen2', layout: 'Qwen2 BPE, tied embeddings, grouped-query attention' },
] as const)('a tiny $family from a folder ($layout)', ({ family }) => {
  it('is exported as that family with a byte-level BPE tokenizer that splits edges', () => {
    const { bundle, model, records } = subject(family);
    const manifest = bundle.manifest;
    expect(manifest.model.family).toBe(family);
    expect(manifest.model.id).toBe(model?.dir);
    expect(manifest.tokenizer.word_level).toBe(false);
    expect(manifest.model.kv_heads).toBe(2);
    expect(manifest.model.head_dim).toBe(8);
    expect(manifest.method).toBe('coconut');
    expect(manifest.feedback).toBe(true);
    // The BPE writes an edge in several tokens; Llama 3's template puts BOS first.
    expect(model?.edge.length).toBeGreaterThan(1);
    const record = records[0] as InspectRecord;
    const plain = bundle.tokenizer.encode(`${record.question}\n`);
    const special = bundle.tokenizer.encode(`${record.question}\n`, { addSpecialTokens: true });
    if (family === 'llama') expect(special).toEqual([bundle.tokenizer.tokenToId('<|begin_of_text|>'), ...plain]);
    else expect(special).toEqual(plain);
  });

  it('matches the engine for k = 0, 1, 2 with and without the cache: prompt and generated ids, thoughts, lens, node values', async () => {
    const { records } = subject(family);
    const cases = [0, 1, 2].flatMap((k) => [true, false].map((cache) => ({ record: records[k] as InspectRecord, k, cache })));
    const { ours } = await parity(family, cases);
    for (let k = 0; k < 3; k++) expectSameWithoutCache(ours[2 * k] as Inspection, ours[2 * k + 1] as Inspection);
  }, 120_000);

  it('matches the engine on node names of several tokens after a prefix (steps written as pairs)', async () => {
    const { records } = subject(family);
    const cases = [true, false].map((cache) => ({ record: asPairs(records[3] as InspectRecord), k: 2, cache }));
    const { cases: checked, ours } = await parity(family, cases);
    expect(checked[0]?.query.format).toBe('edge_pairs');
    expect(checked[0]?.query.multiToken).toBeGreaterThan(0);
    expect(ours[0]?.node_values?.nodes.some((node) => node.values.some((v) => v > 0))).toBe(true);
    expectSameWithoutCache(ours[0] as Inspection, ours[1] as Inspection);
  }, 120_000);

  it('scores the edges of the reachability format, which the BPE writes in several tokens, as node values', () => {
    // After k >= 1 thoughts every node that has an edge out of it can start the next step; at
    // k = 0 every child of the entity can be its object. Edge tokens of a word-level vocabulary
    // are one token each; a BPE tokenizer has no such token, and the edge is still writable.
    const { bundle, records } = subject(family);
    const record = records[0] as InspectRecord;
    const graph = graphOf(record)!;
    const query = nodeQuery(bundle, record, 2, []);
    expect(query.format).toBe('edge_tokens');
    const unnamed: string[] = [];
    query.scored.forEach((nodes, j) => {
      graph.symbols.forEach((symbol, node) => {
        const writable = j === 0 ? graph.edges.some(([a, b]) => a === graph.root && b === node) : graph.edges.some(([a]) => a === node);
        if (writable && (nodes[node]?.length ?? 0) === 0) unnamed.push(`${symbol} at k=${j}`);
      });
    });
    expect(unnamed, `nodes whose value the inspector cannot score (always 0): ${unnamed.join(', ')}`).toEqual([]);
  });
});

describe('the layouts of the other methods on the offline GPT-2', () => {
  it('pause as thought: <latent> fed as a token, matching the engine at k = 2 with and without the cache', async () => {
    const { bundle, records } = subject('pause_as_thought');
    expect(bundle.manifest.method).toBe('pause_as_thought');
    expect(bundle.manifest.feedback).toBe(false);
    expect(bundle.manifest.markers).toBe(true);
    const { ours, cases } = await parity('pause_as_thought', [true, false].map((cache) => ({ record: records[0] as InspectRecord, k: 2, cache })));
    expect(cases[0]?.query.scored).toHaveLength(3);
    expectSameWithoutCache(ours[0] as Inspection, ours[1] as Inspection);
  }, 120_000);

  it('cot: no markers, the values read after the question, matching the engine at k = 0; k > 0 is a request error', async () => {
    const { bundle, decoder, records } = subject('cot');
    expect(bundle.manifest.method).toBe('cot');
    expect(bundle.manifest.markers).toBe(false);
    expect(bundle.manifest.default_thoughts).toBe(0);
    const { ours, cases } = await parity('cot', [true, false].map((cache) => ({ record: records[0] as InspectRecord, k: 0, cache })));
    expect(cases[0]?.query.scored).toHaveLength(1);
    expectSameWithoutCache(ours[0] as Inspection, ours[1] as Inspection);
    for (const k of [1, 2]) {
      const attempt = inspect(bundle, decoder, { record: records[0] as InspectRecord, thoughts: k });
      await expect(attempt).rejects.toThrow(InspectRequestError);
      await expect(attempt).rejects.toThrow(`a cot model writes no continuous thoughts: k must be 0 (got ${k})`);
    }
  }, 120_000);
});
