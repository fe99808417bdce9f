/**
 * The thought inspector's contract: the ONNX bundle the engine exports (its `manifest.json`) and
 * one inspection's result. Plain zod, so the engine's tests, the Node inspector, the API and the
 * renderer all read the same shapes.
 *
 * A bundle is a folder (by default `RUN/exports/<checkpoint>/`):
 *   manifest.json   this schema
 *   decoder.onnx    one decoder step (inputs and outputs in `DECODER_IO` below)
 *   lens.onnx       `hidden` [n, d] → `logits` [n, vocab]: the final norm and the LM head, for the logit lens
 *   embeddings.f32  the input-embedding matrix, little-endian float32, rows × dim, row-major
 *   tokenizer.json  the run's tokenizer (the `tokenizers` library's JSON)
 */
import { z } from 'zod';
import { DatasetRecordSchema } from './records.js';

export const BUNDLE_FORMAT = 'coconut-workbench-onnx-bundle';
export const BUNDLE_VERSION = 1;

export const BUNDLE_FILES = {
  manifest: 'manifest.json',
  decoder: 'decoder.onnx',
  lens: 'lens.onnx',
  embeddings: 'embeddings.f32',
  tokenizer: 'tokenizer.json',
} as const;

/**
 * The decoder graph's names. Past and present keys/values are one tensor per layer i:
 * `past_key_i`, `past_value_i` → `present_key_i`, `present_value_i`, each [batch, kv_heads, length, head_dim].
 * `attention_mask` covers past and new columns ([batch, past + seq], 1 = attend).
 * `hidden_states` stacks the model's layer outputs ([layers + 1, batch, seq, hidden]): row 0 is the
 * input to the first block, row i the output of block i; the last row is after the final norm
 * (it equals `last_hidden`), every other row is before it — the lens graph applies the norm.
 */
export const DECODER_IO = {
  inputs: { embeds: 'inputs_embeds', mask: 'attention_mask', positions: 'position_ids', pastKey: 'past_key_', pastValue: 'past_value_' },
  outputs: { logits: 'logits', lastHidden: 'last_hidden', hiddenStates: 'hidden_states', presentKey: 'present_key_', presentValue: 'present_value_' },
} as const;

const count = z.number().int().nonnegative();
const tokenId = z.number().int().nonnegative();

export const BundleManifestSchema = z.object({
  format: z.literal(BUNDLE_FORMAT),
  version: z.number().int().positive(),
  engine_version: z.string(),
  exported_at: z.string(),
  dtype: z.literal('float32'),
  model: z.object({
    /** transformers' `model_type`: gpt2, llama, qwen2, … */
    family: z.string(),
    /** The model id the run trained from (`offline-gpt2` or a local folder). */
    id: z.string(),
    layers: z.number().int().positive(),
    hidden_size: z.number().int().positive(),
    kv_heads: z.number().int().positive(),
    head_dim: z.number().int().positive(),
    /** Rows of the embedding matrix (≥ the tokenizer's size). */
    vocab_size: z.number().int().positive(),
    /** Longest sequence the model config allows (`n_positions` / `max_position_embeddings`); null when it names none. */
    max_positions: z.number().int().positive().nullable(),
  }),
  embeddings: z.object({
    file: z.string(),
    rows: z.number().int().positive(),
    dim: z.number().int().positive(),
    /** Mean L2 norm of the token embeddings (the scale a thought's norm is compared with). */
    mean_norm: z.number().nonnegative(),
  }),
  files: z.object({ decoder: z.string(), lens: z.string(), tokenizer: z.string() }),
  tokenizer: z.object({
    /** The engine's word-level vocabulary (offline model) or a transformers tokenizer. */
    word_level: z.boolean(),
    /** Spellings of the special tokens (`SpecialTokenNames`). */
    names: z.object({ bot: z.string(), eot: z.string(), latent: z.string(), eos: z.string(), pad: z.string() }),
  }),
  special_tokens: z.object({ bot: tokenId, thought: tokenId, eot: tokenId, eos: tokenId, pad: tokenId }),
  method: z.string(),
  /** True when thoughts are fed back as hidden states (coconut); false: `<latent>` is an ordinary token. */
  feedback: z.boolean(),
  /** Whether prompts carry `<bot>`…`<eot>` (coconut, pause as thought). */
  markers: z.boolean(),
  c_thought: count,
  max_latent_stage: count,
  pad_latent_to_max: z.boolean(),
  /** The thoughts each trained stage uses at evaluation (for a question with enough steps). */
  stages: z.array(z.object({ stage: count, thoughts: count })),
  /** pause_token: how many `<latent>` pause tokens follow the question (ordinary tokens, never fed back); 0 otherwise. */
  pause_tokens: count,
  /** The thought count of the last stage the checkpoint trained: the inspector's default k. */
  default_thoughts: count,
  /**
   * Trained with frontier supervision: before its last stage the model names one node after
   * `<eot>` (a node k + 1 edges from the entity after k thoughts) instead of writing a step.
   * Null in bundles exported before the key existed: read as false, and a run's such bundle
   * counts as stale (`isStale`), so that it is exported again with the key.
   */
  frontier_supervision: z.boolean().nullable().default(null),
  max_new_tokens: z.number().int().positive(),
  source: z.object({
    run_id: z.string().nullable(),
    run_dir: z.string().nullable(),
    /** `best`, `last` or a file name. */
    checkpoint: z.string(),
    checkpoint_path: z.string(),
    /** Size and modification time of the checkpoint when exported: a changed file means a stale bundle. */
    checkpoint_bytes: count,
    checkpoint_mtime_ms: z.number(),
    epoch: count,
    stage: count,
    accuracy: z.number().nullable(),
  }),
});
export type BundleManifest = z.infer<typeof BundleManifestSchema>;

/** Thoughts an inspection may ask for (beyond that the feedback loop says little and costs much). */
export const MAX_INSPECT_THOUGHTS = 32;
export const MAX_TOP_TOKENS = 50;

export const TokenProbSchema = z.object({ token: z.string(), id: tokenId, prob: z.number().min(0).max(1) });
export type TokenProb = z.infer<typeof TokenProbSchema>;

export const LensCellSchema = z.object({
  /** 0: the input to the first block (for a thought: the thought fed in), i: the output of block i. */
  layer: count,
  token: z.string(),
  id: tokenId,
  prob: z.number().min(0).max(1),
  /** The few most likely tokens, for the heatmap's tooltip. */
  top: z.array(TokenProbSchema),
});
export type LensCell = z.infer<typeof LensCellSchema>;

export const ThoughtViewSchema = z.object({
  /** 0-based: thought i is the hidden state fed back at the i-th `<latent>` position. */
  index: count,
  top: z.array(TokenProbSchema),
  /** Entropy (nats) of the thought's next-token distribution through the LM head. */
  entropy: z.number().nonnegative(),
  norm: z.number().nonnegative(),
  lens: z.array(LensCellSchema),
});
export type ThoughtView = z.infer<typeof ThoughtViewSchema>;

export const NodeValueSchema = z.object({
  /** The node's symbol (its name in the question). */
  node: z.string(),
  index: count,
  /** Distance to a leaf: the shortest and the longest. */
  height: z.object({ shortest: count, longest: count }),
  /** Shortest distance from the root; null when the root does not reach it. */
  depth: count.nullable(),
  on_answer_branch: z.boolean(),
  /** Its value after k thoughts, for k = 0..K (forced `<eot>`, then the next step's prefix). */
  values: z.array(z.number().min(0).max(1)),
});
export type NodeValue = z.infer<typeof NodeValueSchema>;

/**
 * What a node's value after k thoughts scores: `next_step`, how likely the first written step
 * after `<eot>` is about the node (the paper's node value); `named_node`, for a frontier-supervised
 * model, how likely it names the node after `<eot>`, alone (as its stages before the last are
 * trained to) or as the answer after `###` (as its last stage is), the two summed.
 */
export const NODE_VALUE_QUERIES = ['next_step', 'named_node'] as const;
export type NodeValueQuery = (typeof NODE_VALUE_QUERIES)[number];

/**
 * The depth of the frontier after k thoughts, for graphs where a node's depth is its shortest
 * distance from the entity. `next_step` scores the node the next written step is about: after
 * k ≥ 1 thoughts the step's subject (reached after k steps), with k = 0 the first step's object,
 * so k = 0 and k = 1 both score the entity's children. `named_node`: a frontier-supervised model
 * is trained to name a node k + 1 edges away after k thoughts (the host rings the walks of exactly
 * k + 1 edges; this depth is the fallback for inspections without them).
 */
export function frontierDepth(k: number, query: NodeValueQuery = 'next_step'): number {
  return query === 'named_node' ? k + 1 : Math.max(1, k);
}

export const NodeValuesSchema = z.object({
  /** How steps are written: ProsQA sentences, or the reachability format's edge tokens. */
  format: z.enum(['sentences', 'edge_tokens', 'edge_pairs']),
  query: z.enum(NODE_VALUE_QUERIES).default('next_step'),
  /** Per k, the text fed after `<eot>` before the scored node (e.g. "Every"). */
  prefixes: z.array(z.string()),
  /**
   * Per k, the frontier the graph rings: `next_step`, the nodes max(1, k) edges from the entity
   * (where the next step starts); `named_node`, those a walk of exactly k + 1 edges reaches (what k
   * thoughts are trained to name). Empty from hosts that predate it (the renderer then uses depths).
   */
  frontiers: z.array(z.array(count)).default([]),
  nodes: z.array(NodeValueSchema),
});
export type NodeValues = z.infer<typeof NodeValuesSchema>;

/** The frontier after k thoughts as the host rings it, else the nodes `frontierDepth(k)` edges from the entity. */
export function frontierAt(values: NodeValues, k: number): Set<number> {
  const given = values.frontiers[k];
  if (given !== undefined) return new Set(given);
  const depth = frontierDepth(k, values.query);
  return new Set(values.nodes.filter((node) => node.depth === depth).map((node) => node.index));
}

/**
 * A question to inspect: a dataset record (src/common/records.ts), or a question typed in, which
 * has no steps or answer yet (only what the inspector reads).
 */
export const InspectRecordSchema = DatasetRecordSchema.pick({ idx_to_symbol: true, edges: true, root: true, target: true, neg_target: true }).extend({
  question: z.string().min(1),
  steps: z.array(z.string()).default([]),
  answer: z.string().default(''),
});
export type InspectRecord = z.input<typeof InspectRecordSchema>;

export const InspectionSchema = z.object({
  bundle: z.object({ path: z.string(), run_id: z.string().nullable(), checkpoint: z.string(), method: z.string() }),
  /** The execution provider that ran the graph: `cpu`, `cuda`, … */
  provider: z.string(),
  cache: z.boolean(),
  question: z.string(),
  prompt_tokens: count,
  thoughts_requested: count,
  thoughts: z.array(ThoughtViewSchema),
  /** Mean norm of the token embeddings, beside each thought's norm. */
  embedding_norm: z.number().nonnegative(),
  /** Layers of the logit lens (rows of the heatmap): `layers + 1`. */
  lens_layers: z.number().int().positive(),
  /** Everything written after `<eot>`, the reasoning before the first `#`, and the answer after the last. */
  generated: z.string(),
  generated_ids: z.array(tokenId),
  reasoning: z.string(),
  answer: z.string(),
  /** The record's answer when known, and whether the generated one matches it (the engine's rule). */
  expected_answer: z.string().nullable(),
  correct: z.boolean().nullable(),
  node_values: NodeValuesSchema.nullable(),
  /** Things the user should know that did not stop the inspection (words read as unknown, as the engine reads them). */
  warnings: z.array(z.string()),
  timing_ms: z.object({ total: z.number(), thoughts: z.number(), answer: z.number(), node_values: z.number() }),
});
export type Inspection = z.infer<typeof InspectionSchema>;

/** A run's checkpoint the inspector can open: `best`, `last` (the latest epoch file) or a file name. */
export const CheckpointChoiceSchema = z.string().min(1).max(200).default('best');

export const EXPORT_JOB_STATUSES = ['running', 'completed', 'failed'] as const;
/** One export of a run's checkpoint to a bundle, with the phase the engine reports. */
export const ExportJobSchema = z.object({
  id: z.string(),
  run_id: z.string(),
  checkpoint: z.string(),
  status: z.enum(EXPORT_JOB_STATUSES),
  /** The engine's phase now running (load, decoder, lens, embeddings, tokenizer, verify) and its place among them, from 1; `index` = `total` once completed. */
  phase: z.string().nullable(),
  index: count,
  total: count,
  error: z.string().nullable(),
  /** The bundle folder, once written. */
  out: z.string().nullable(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
});
export type ExportJob = z.infer<typeof ExportJobSchema>;

/** What the inspector can open for one run. */
export const InspectTargetsSchema = z.object({
  run_id: z.string(),
  method: z.string(),
  checkpoints: z.array(z.object({ label: z.string(), file: z.string(), epoch: count.nullable() })),
  /** Bundles already exported, with whether their checkpoint changed since. */
  bundles: z.array(
    z.object({ checkpoint: z.string(), path: z.string(), stale: z.boolean(), default_thoughts: count, max_thoughts: count, layers: z.number().int().positive() }),
  ),
  /** The run's validation set (question picker), or null when its config names none that exists. */
  val_path: z.string().nullable(),
  /** Why nothing can be inspected (no checkpoint yet), or null. */
  problem: z.string().nullable(),
});
export type InspectTargets = z.infer<typeof InspectTargetsSchema>;
