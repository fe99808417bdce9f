/**
 * One inspection: question → embeddings → k continuous thoughts fed back → `<eot>` → greedy
 * answer, on an exported decoder, and what each thought holds (its tokens through the LM head,
 * entropy, norm, the logit lens across layers), and for graph questions every node's value after
 * each k (graphValues.ts).
 *
 * The layout is the engine's evaluation prompt (curriculum.py `eval_prompt`): the question and a
 * newline (with the tokenizer's BOS when it adds one), `<bot>`, k thoughts, `<eot>` for methods
 * with markers; pause tokens for pause_token; the bare question otherwise. Thought i is the last
 * hidden state (after the final norm) of the column before the i-th `<latent>`; with feedback it
 * replaces that `<latent>`'s embedding, without (pause as thought) the `<latent>` token is fed.
 *
 * Every pass reuses the keys/values of the earlier columns (`cache: true`, one column per thought
 * as in model.py) or re-runs the whole sequence (`cache: false`, for comparison and benchmarks).
 */
import { frontierDepth, MAX_INSPECT_THOUGHTS, type InspectRecord, type Inspection, type LensCell, type NodeValue, type ThoughtView } from '../../common/inspector.js';
import { hasPauseTokens } from '../../common/methods.js';
import { buildAdjacency, walkFrontiers } from '../datasets/graph.js';
import type { LoadedBundle } from './bundle.js';
import { graphOf, namedNodeQuery, nodeFacts, stepFormat, valueQuery } from './graphValues.js';
import { argmax, entropy, l2norm, softmax, topIndices } from './numeric.js';
import { OnnxDecoder, type PastKeyValues } from './onnxDecoder.js';

/** A problem with the request itself (k, the question): the caller shows it as is. */
export class InspectRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InspectRequestError';
  }
}

export interface InspectOptions {
  record: InspectRecord;
  thoughts?: number | undefined;
  top?: number;
  cache?: boolean;
  /** Tokens shown per logit-lens cell's tooltip. */
  lensTop?: number;
}

/** The columns fed so far, continued column by column; forks share what came before. */
class Context {
  private constructor(
    private readonly decoder: OnnxDecoder,
    private readonly cache: boolean,
    private past: PastKeyValues | null,
    /** Every fed row (only kept without a cache, where each pass re-runs them all). */
    private rows: Float32Array[],
    public length: number,
  ) {}

  static start(decoder: OnnxDecoder, cache: boolean): Context {
    return new Context(decoder, cache, null, [], 0);
  }

  fork(): Context {
    return new Context(this.decoder, this.cache, this.past, [...this.rows], this.length);
  }

  /** Feeds `rows` (each one embedding) and returns the outputs of those columns. */
  async feed(rows: Float32Array[], withLayers = false) {
    const dim = this.decoder.manifest.model.hidden_size;
    const all = this.cache ? rows : [...this.rows, ...rows];
    const embeds = new Float32Array(all.length * dim);
    all.forEach((row, i) => embeds.set(row, i * dim));
    const start = this.cache ? this.length : 0;
    const out = await this.decoder.step({
      embeds,
      batch: 1,
      seq: all.length,
      positions: [Array.from({ length: all.length }, (_, i) => start + i)],
      past: this.cache ? this.past : null,
      withLayers,
    });
    if (this.cache) this.past = out.present;
    else this.rows = all;
    this.length += rows.length;
    // The new columns are the last `rows.length` of the `columns` that ran.
    return { out, columns: all.length };
  }

  get cached(): boolean {
    return this.cache;
  }

  /**
   * Several continuations of prefixes of this context in one batched pass: branch b sees only the
   * first `branches[b].visible` columns (the rest of the shared past is masked out) and then its
   * own rows, at the positions they would have there. One pass reads the weights once, where a
   * pass per branch would read them once each (what decoding a small batch on a CPU costs).
   * Returns the logits of each branch's last row. Needs the cache.
   */
  async branches(branches: { visible: number; rows: Float32Array[] }[]): Promise<Float32Array[]> {
    if (!this.cache || this.past === null) throw new Error('internal: batched branches need the key/value cache');
    const dim = this.decoder.manifest.model.hidden_size;
    const vocab = this.decoder.manifest.model.vocab_size;
    const batch = branches.length;
    const seq = Math.max(...branches.map((b) => b.rows.length));
    const embeds = new Float32Array(batch * seq * dim);
    const mask: number[][] = [];
    const positions: number[][] = [];
    branches.forEach((branch, b) => {
      branch.rows.forEach((row, i) => embeds.set(row, (b * seq + i) * dim));
      // Padding rows sit after the real ones, so no real row attends to them.
      mask.push([...Array.from({ length: this.length }, (_, c) => (c < branch.visible ? 1 : 0)), ...Array.from({ length: seq }, (_, i) => (i < branch.rows.length ? 1 : 0))]);
      positions.push(Array.from({ length: seq }, (_, i) => branch.visible + i));
    });
    const out = await this.decoder.step({ embeds, batch, seq, mask, positions, past: OnnxDecoder.tile(this.past, batch) });
    return branches.map((branch, b) => out.logits.slice((b * seq + branch.rows.length - 1) * vocab, (b * seq + branch.rows.length) * vocab));
  }
}

export async function inspect(bundle: LoadedBundle, decoder: OnnxDecoder, options: InspectOptions): Promise<Inspection> {
  const started = performance.now();
  const { manifest, tokenizer } = bundle;
  const { hidden_size: dim, vocab_size: vocab, layers } = manifest.model;
  const top = options.top ?? 10;
  const cache = options.cache ?? true;
  const record = options.record;
  const k = resolveThoughts(options.thoughts, manifest);

  const questionIds = tokenizer.encode(`${record.question}\n`, { addSpecialTokens: true });
  const warnings = unknownWords(bundle, record.question, questionIds);
  const ids = manifest.special_tokens;
  const prompt = manifest.markers ? [...questionIds, ids.bot] : questionIds;
  const closing = manifest.markers ? [ids.eot] : [];
  const promptLength = prompt.length + k + closing.length;
  const limit = manifest.model.max_positions;
  if (limit !== null && promptLength + 1 > limit) {
    throw new InspectRequestError(
      `the question is ${questionIds.length} tokens; with ${k} thoughts the prompt takes ${promptLength} positions and the model has ${limit}`,
    );
  }

  const embed = (id: number): Float32Array => {
    if (id < 0 || id >= manifest.embeddings.rows) throw new Error(`internal: token id ${id} outside the embedding matrix`);
    return bundle.embeddings.subarray(id * dim, (id + 1) * dim);
  };
  const display = (id: number): string => {
    const text = tokenizer.decode([id]);
    return text.trim() === '' ? (tokenizer.idToToken(id) ?? `#${id}`) : text;
  };
  const tokenProbs = (probs: Float64Array, count: number) =>
    topIndices(probs, count).map((id) => ({ token: display(id), id, prob: probs[id] as number }));

  // --- the thoughts: pasts[j] holds the prompt and j thoughts -----------------------------------
  const thoughtsStarted = performance.now();
  const context = Context.start(decoder, cache);
  const pasts: Checkpointed[] = [];
  const thoughtVectors: Float32Array[] = [];
  const thoughtLogits: Float32Array[] = [];
  const thoughtLayers: Float32Array[] = []; // [layers + 1, dim] per thought
  let pending: Float32Array[] = prompt.map(embed);
  let last = await context.feed(pending, true);
  pasts.push({ context: context.fork(), logits: lastColumn(last.out.logits, last.columns, vocab) });
  for (let i = 0; i < k; i++) {
    const { out, columns } = last;
    const column = columns - 1;
    thoughtVectors.push(out.lastHidden.slice(column * dim, (column + 1) * dim));
    thoughtLogits.push(out.logits.slice(column * vocab, (column + 1) * vocab));
    const stack = new Float32Array((layers + 1) * dim);
    for (let layer = 0; layer <= layers; layer++) {
      const offset = (layer * columns + column) * dim;
      stack.set((out.layers as Float32Array).subarray(offset, offset + dim), layer * dim);
    }
    thoughtLayers.push(stack);
    pending = [manifest.feedback ? (thoughtVectors[i] as Float32Array) : embed(ids.thought)];
    last = await context.feed(pending, i < k - 1);
    pasts.push({ context: context.fork(), logits: lastColumn(last.out.logits, last.columns, vocab) });
  }
  const thoughtsMs = performance.now() - thoughtsStarted;

  // --- the answer: greedy, each sample stopping at its eos (model.py `generate`) -----------------
  const answerStarted = performance.now();
  if (closing.length > 0) last = await context.feed(closing.map(embed));
  let budget = manifest.max_new_tokens;
  if (limit !== null) budget = Math.max(1, Math.min(budget, limit - context.length));
  const generatedIds: number[] = [];
  let logits = lastColumn(last.out.logits, last.columns, vocab);
  for (let produced = 0; produced < budget; produced++) {
    const next = argmax(logits);
    if (next === ids.eos) break;
    generatedIds.push(next);
    if (produced === budget - 1) break;
    last = await context.feed([embed(next)]);
    logits = lastColumn(last.out.logits, last.columns, vocab);
  }
  const generated = tokenizer.decode(generatedIds);
  const answerMs = performance.now() - answerStarted;

  // --- what each thought holds -------------------------------------------------------------------
  const lensTop = options.lensTop ?? 5;
  const lensRows = thoughtLayers.length * layers;
  const lensLogits = lensRows > 0 ? await decoder.lens(concatLayers(thoughtLayers, layers, dim), lensRows) : new Float32Array(0);
  const thoughts: ThoughtView[] = thoughtVectors.map((vector, index) => {
    const probs = softmax(thoughtLogits[index] as Float32Array);
    const lens: LensCell[] = [];
    for (let layer = 0; layer <= layers; layer++) {
      // The last layer is already after the final norm: its lens is the thought's own distribution.
      const layerProbs = layer === layers ? probs : softmax(lensLogits, (index * layers + layer) * vocab, vocab);
      const best = argmax(layerProbs);
      lens.push({ layer, token: display(best), id: best, prob: layerProbs[best] as number, top: tokenProbs(layerProbs, lensTop) });
    }
    return { index, top: tokenProbs(probs, top), entropy: entropy(probs), norm: l2norm(vector), lens };
  });

  // --- node values ---------------------------------------------------------------------------------
  const valuesStarted = performance.now();
  // Without markers there is no <eot> to force: the values are read once, after the whole prompt.
  const valuePasts = manifest.markers ? pasts : [pasts[pasts.length - 1] as Checkpointed];
  const nodeValues = await computeNodeValues(bundle, record, valuePasts, closing.map(embed), embed, vocab);
  const valuesMs = performance.now() - valuesStarted;

  const answer = generated.split('#').pop()?.replace(/,/g, '').trim() ?? '';
  const expected = record.answer?.trim() ? record.answer : null;
  return {
    bundle: { path: bundle.dir, run_id: manifest.source.run_id, checkpoint: manifest.source.checkpoint, method: manifest.method },
    provider: decoder.provider,
    cache,
    question: record.question,
    prompt_tokens: promptLength,
    thoughts_requested: k,
    thoughts,
    embedding_norm: manifest.embeddings.mean_norm,
    lens_layers: layers + 1,
    generated,
    generated_ids: generatedIds,
    reasoning: generated.split('#')[0]?.trim() ?? '',
    answer,
    expected_answer: expected,
    correct: expected === null ? null : tokenizer.comparable(answer) === tokenizer.comparable(expected.replace(/,/g, '').trim()),
    node_values: nodeValues,
    warnings,
    timing_ms: { total: performance.now() - started, thoughts: thoughtsMs, answer: answerMs, node_values: valuesMs },
  };
}

function resolveThoughts(requested: number | undefined, manifest: LoadedBundle['manifest']): number {
  if (hasPauseTokens(manifest.method)) {
    if (requested !== undefined && requested !== manifest.pause_tokens) {
      throw new InspectRequestError(`a pause-token model always reads its ${manifest.pause_tokens} pause tokens; k = ${requested} is not possible`);
    }
    return manifest.pause_tokens;
  }
  const k = requested ?? manifest.default_thoughts;
  if (!Number.isInteger(k) || k < 0) throw new InspectRequestError(`k must be a whole number ≥ 0 (got ${k})`);
  if (!manifest.markers && k > 0) throw new InspectRequestError(`a ${manifest.method} model writes no continuous thoughts: k must be 0 (got ${k})`);
  if (k > MAX_INSPECT_THOUGHTS) throw new InspectRequestError(`k = ${k} is beyond the inspector's cap of ${MAX_INSPECT_THOUGHTS} thoughts`);
  return k;
}

/**
 * A word-level vocabulary reads words it never saw as unk. The engine's evaluation does the same
 * (a validation question may hold an edge the training set lacks), so the inspection goes on, as
 * the engine would, and says which words were read so.
 */
function unknownWords(bundle: LoadedBundle, question: string, ids: number[]): string[] {
  const unk = bundle.tokenizer.unkId;
  if (unk === null || !ids.includes(unk)) return [];
  const unknown = [...new Set(question.split(/\s+/).flatMap((part) => (bundle.tokenizer.encode(part).includes(unk) ? [part] : [])))];
  const listed = unknown.slice(0, 5).map((w) => JSON.stringify(w)).join(', ');
  return [`not in this run's vocabulary, read as unknown (as the engine reads them): ${listed}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ''}`];
}

function lastColumn(logits: Float32Array, columns: number, vocab: number): Float32Array {
  return logits.subarray((columns - 1) * vocab, columns * vocab);
}

/** Rows 0..layers-1 of every thought's stack (the last row needs no lens: it is already normed). */
function concatLayers(stacks: Float32Array[], layers: number, dim: number): Float32Array {
  const out = new Float32Array(stacks.length * layers * dim);
  stacks.forEach((stack, i) => out.set(stack.subarray(0, layers * dim), i * layers * dim));
  return out;
}

interface Checkpointed {
  context: Context;
  /** Logits of its last column. */
  logits: Float32Array;
}

/** Values of every node of the record's graph after j = 0..(pasts.length - 1) thoughts; null for non-graph records. */
async function computeNodeValues(
  bundle: LoadedBundle,
  record: InspectRecord,
  pasts: Checkpointed[],
  closing: Float32Array[],
  embed: (id: number) => Float32Array,
  vocab: number,
): Promise<Inspection['node_values']> {
  const graph = graphOf(record);
  if (graph === null) return null;
  const format = stepFormat(graph);
  const facts = nodeFacts(graph);
  const tokenizer = bundle.tokenizer;
  const values: number[][] = graph.symbols.map(() => []);
  const queryTokenizer = { encode: (text: string) => tokenizer.encode(text), vocabSize: tokenizer.vocabSize, idToToken: (id: number) => tokenizer.idToToken(id), tokenToId: (t: string) => tokenizer.tokenToId(t) };
  const query = bundle.manifest.frontier_supervision ? 'named_node' : 'next_step';
  const queries = pasts.map((_, j) => (query === 'named_node' ? namedNodeQuery(graph, queryTokenizer, tokenizer.unkId) : valueQuery(graph, format, j, queryTokenizer)));
  const fed = queries.map((query) => [...closing, ...query.prefixIds.map(embed)]);
  // The distribution after each k's forced <eot> and prefix: one batched pass over the longest
  // context when the cache is on (every shorter one is a prefix of it), else a pass per k.
  const last = pasts[pasts.length - 1] as Checkpointed;
  let firsts: Float32Array[];
  if (last.context.cached && pasts.length > 1 && fed.every((rows) => rows.length > 0)) {
    firsts = await last.context.branches(pasts.map((checkpoint, j) => ({ visible: checkpoint.context.length, rows: fed[j] as Float32Array[] })));
  } else {
    firsts = [];
    for (const [j, checkpoint] of pasts.entries()) {
      const rows = fed[j] as Float32Array[];
      if (rows.length === 0) firsts.push(checkpoint.logits);
      else {
        const { out, columns } = await checkpoint.context.fork().feed(rows);
        firsts.push(lastColumn(out.logits, columns, vocab));
      }
    }
  }
  for (const [j, query] of queries.entries()) {
    const next = softmax(firsts[j] as Float32Array);
    for (const [node, continuations] of query.continuations.entries()) {
      let value = 0;
      for (const tokens of continuations) {
        let p = next[tokens[0] as number] as number;
        // Names of several tokens: the product of each token's probability in context.
        if (tokens.length > 1 && p > 0) {
          const branch = (pasts[j] as Checkpointed).context.fork();
          let { out, columns } = await branch.feed([...(fed[j] as Float32Array[]), embed(tokens[0] as number)]);
          for (let t = 1; t < tokens.length; t++) {
            p *= softmax(lastColumn(out.logits, columns, vocab))[tokens[t] as number] as number;
            if (t < tokens.length - 1) ({ out, columns } = await branch.feed([embed(tokens[t] as number)]));
          }
        }
        value += p;
      }
      values[node]?.push(Math.min(1, value));
    }
  }
  const prefixes = queries.map((query) => query.prefix);
  const nodes: NodeValue[] = graph.symbols.map((symbol, index) => {
    const fact = facts[index] as ReturnType<typeof nodeFacts>[number];
    return { node: symbol, index, height: fact.height, depth: fact.depth, on_answer_branch: fact.onAnswerBranch, values: values[index] as number[] };
  });
  const walks = walkFrontiers(buildAdjacency(graph.symbols.length, graph.edges).children, graph.root);
  const frontiers = pasts.map((_, k) =>
    query === 'named_node' ? [...(walks[k] ?? [])] : nodes.filter((node) => node.depth === frontierDepth(k)).map((node) => node.index),
  );
  return { format, query, prefixes, frontiers, nodes };
}
