/**
 * Run configuration: the reference implementation's YAML keys (their files load unchanged)
 * plus this workbench's extensions, each with a default.
 *
 * Single definition: `npm run schemas` writes it out as JSON Schema into
 * `engine/coconut_engine/schemas/config.schema.json`; the engine validates every config against
 * that file and fills in the defaults it lists, so both sides agree on keys, types and defaults.
 */
import { z } from 'zod';
import { METHOD_FLAGS, METHOD_NAMES, METHODS, UNFLAGGED_METHOD, type MethodFlag, type MethodName } from './methods.js';

const positiveInt = z.number().int().positive();
const nonNegativeInt = z.number().int().nonnegative();

/** The largest thought count `eval_thoughts` may force. */
export const MAX_FORCED_THOUGHTS = 32;

/**
 * Upper bounds of the numeric keys. Each is far above any run this workbench trains, and low
 * enough that a slip (`n_embd: 1e9`, `workers: 100000`) is refused by the check instead of
 * reaching the engine as an out-of-memory error hours later. They are exported into the JSON
 * Schema with the rest, so the engine enforces the same numbers.
 */
export const CONFIG_BOUNDS = {
  /** num_epochs, epochs_per_stage, resume. */
  epochs: 10_000,
  /** max_latent_stage, eval_stage: the paper uses up to 6. */
  latentStage: 64,
  /** c_thought: the paper uses 1 to 2. */
  thoughtsPerStep: 32,
  /** batch_size_training, eval_batch_size. */
  batch: 65_536,
  gradientAccumulation: 4_096,
  /** lr and weight_decay: AdamW diverges long before. */
  optimizerValue: 10,
  /** warmup_steps: more steps than any run here takes. */
  warmupSteps: 100_000_000,
  /** seed: what every random generator the engine seeds accepts (2³² − 1). */
  seed: 4_294_967_295,
  /** processes: one per GPU of one machine. */
  processes: 64,
  workers: 64,
  threads: 1_024,
  maxNewTokens: 8_192,
  maxValSamples: 100_000_000,
  icotTokensPerEpoch: 4_096,
  icotSmoothing: 1_000,
  offlineLayers: 96,
  offlineWidth: 16_384,
  offlineHeads: 256,
  offlinePositions: 32_768,
} as const;

/**
 * Limits on a config's YAML text, checked before and while it is parsed (src/common/configYaml.ts
 * here, `coconut_engine.config` in the engine), so that no text can make either side work for
 * long: a config is a flat mapping of about fifty keys, a few hundred bytes.
 */
export const CONFIG_YAML_LIMITS = {
  /** UTF-8 bytes of the whole text: hundreds of times a commented config, and parsed in well under a second. */
  maxBytes: 262_144,
  /** Collections inside collections: the config is one mapping holding scalars, offline_model and a list. */
  maxDepth: 16,
  /** Keys and values in all (every node of the YAML tree counts once). */
  maxNodes: 10_000,
} as const;

/** Size of the small GPT-2 built from a config when `model_id` is `offline-gpt2` (no hub access). */
export const OfflineModelSchema = z
  .strictObject({
    n_layer: positiveInt.max(CONFIG_BOUNDS.offlineLayers).default(2).describe('Transformer blocks.'),
    n_embd: positiveInt.max(CONFIG_BOUNDS.offlineWidth).default(128).describe('Hidden size.'),
    n_head: positiveInt.max(CONFIG_BOUNDS.offlineHeads).default(4).describe('Attention heads; must divide n_embd.'),
    n_positions: positiveInt.max(CONFIG_BOUNDS.offlinePositions).default(256).describe('Longest sequence, in tokens.'),
  })
  .describe('Architecture of the offline GPT-2 built from a config.');

export const OFFLINE_MODEL_ID = 'offline-gpt2';

export const RunConfigSchema = z
  .strictObject({
    // ---- keys of the reference implementation -------------------------------------------
    project: z.string().default('coconut').describe('Project name (used for grouping runs).'),
    save_path: z
      .string()
      .default('checkpoints')
      .describe('Accepted for compatibility; the workbench saves into the run directory.'),
    name: z.string().default('run').describe('Run name.'),
    only_eval: z.boolean().default(false).describe('Evaluate load_model_path without training.'),
    coconut: z.boolean().default(false).describe('Train with continuous thoughts (the Coconut curriculum).'),
    cot: z.boolean().default(false).describe('Ordinary chain-of-thought training (stage 0 forever).'),
    no_thoughts: z.boolean().default(false).describe('"w/o thought": remove steps by the curriculum, add no thoughts.'),
    no_cot: z.boolean().default(false).describe('Train on question → answer only.'),
    c_thought: nonNegativeInt.max(CONFIG_BOUNDS.thoughtsPerStep).default(1).describe('Continuous thoughts per removed reasoning step.'),
    epochs_per_stage: positiveInt.max(CONFIG_BOUNDS.epochs).default(5).describe('Epochs spent at each curriculum stage.'),
    max_latent_stage: nonNegativeInt.max(CONFIG_BOUNDS.latentStage).default(6).describe('Last curriculum stage.'),
    pad_latent_to_max: z
      .boolean()
      .default(false)
      .describe('Past the last stage, always use max_latent_stage·c_thought thoughts.'),
    save_only_improve: z.boolean().default(false).describe('Keep a checkpoint only when validation accuracy improves.'),
    uniform_prob: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe('Probability that a sample draws its stage uniformly instead of following the curriculum.'),
    special_token: z
      .boolean()
      .default(false)
      .describe('Marks a "pause as thought" run (no other method flag set); cannot be combined with a method flag.'),
    local: z.boolean().default(false).describe('Load the model from local_path instead of model_id.'),
    local_path: z
      .union([z.string().min(1), z.null()])
      .default(null)
      .describe('A model saved with save_pretrained (a folder), used when local is true.'),
    model_id: z
      .string()
      .min(1)
      .default(OFFLINE_MODEL_ID)
      .describe(`A transformers model id or local path, or "${OFFLINE_MODEL_ID}" for a small GPT-2 built offline.`),
    load_model_path: z
      .union([z.string(), z.null()])
      .default(null)
      .describe('Checkpoint to start from ("None" or null for none).'),
    seed: nonNegativeInt.max(CONFIG_BOUNDS.seed).default(0).describe('Random seed.'),
    resume: nonNegativeInt.max(CONFIG_BOUNDS.epochs).default(0).describe('Skip the first N epochs (curriculum continues from there).'),
    bf16: z.boolean().default(false).describe('bfloat16 autocast (GPU).'),
    train_path: z.string().min(1).describe('Training set: a JSON list of {question, steps, answer}.'),
    val_path: z.string().min(1).describe('Validation set, same format.'),
    reset_optimizer: z
      .union([z.boolean(), z.enum(['per_epoch', 'per_stage', 'never'])])
      .default(false)
      .describe('Re-create AdamW: true/"per_epoch" every epoch (the reference), "per_stage" at each new stage.'),
    batch_size_training: positiveInt.max(CONFIG_BOUNDS.batch).default(32).describe('Samples per forward pass.'),
    debug: z.boolean().default(false).describe('Tiny subsets, for checking a config quickly.'),
    gradient_accumulation_steps: positiveInt.max(CONFIG_BOUNDS.gradientAccumulation).default(1).describe('Forward passes per optimizer step.'),
    num_epochs: positiveInt.max(CONFIG_BOUNDS.epochs).default(50).describe('Total epochs.'),
    lr: z.number().positive().max(CONFIG_BOUNDS.optimizerValue).default(1e-4).describe('AdamW learning rate.'),
    weight_decay: z.number().nonnegative().max(CONFIG_BOUNDS.optimizerValue).default(0.01).describe('AdamW weight decay.'),
    // A workbench extension, kept beside lr: the reference's rate is constant.
    lr_schedule: z
      .enum(['constant', 'cosine'])
      .default('constant')
      .describe(
        'How lr moves within each curriculum stage: "constant" (the reference), or "cosine", a half cosine from lr down to lr/10 over the stage\'s optimizer steps, starting again at lr with each stage (a method without stages has one: the whole run).',
      ),
    warmup_steps: nonNegativeInt
      .max(CONFIG_BOUNDS.warmupSteps)
      .default(0)
      .describe('Optimizer steps at the start of each stage over which lr rises linearly to its scheduled value (0: none).'),

    // ---- workbench extensions ------------------------------------------------------------
    pause_token: z
      .boolean()
      .default(false)
      .describe('The pause-token baseline: question, max_latent_stage·c_thought learned pause tokens, answer; no CoT, no curriculum.'),
    curriculum: z
      .boolean()
      .default(true)
      .describe('false: "w/o curriculum", training at the final stage (every step a thought) from the first epoch.'),
    device: z.enum(['auto', 'cpu', 'cuda']).default('auto').describe('Where to train; auto picks CUDA when present.'),
    processes: positiveInt
      .max(CONFIG_BOUNDS.processes)
      .default(1)
      .describe('Training processes, one per GPU; above 1 the engine starts through torchrun (DistributedDataParallel).'),
    offline_model: OfflineModelSchema.default({ n_layer: 2, n_embd: 128, n_head: 4, n_positions: 256 }),
    eval_batch_size: positiveInt.max(CONFIG_BOUNDS.batch).default(64).describe('Questions per evaluation batch.'),
    max_new_tokens: positiveInt
      .max(CONFIG_BOUNDS.maxNewTokens)
      .default(128)
      .describe("Longest generated continuation at evaluation (tokens). 128 as the reference's ProsQA and ProntoQA configs; its GSM8k configs use 64."),
    max_val_samples: z
      .union([positiveInt.max(CONFIG_BOUNDS.maxValSamples), z.null()])
      .default(null)
      .describe('Evaluate on at most this many validation records (null: all).'),
    num_threads: z
      .union([positiveInt.max(CONFIG_BOUNDS.threads), z.null()])
      .default(null)
      .describe('CPU threads for PyTorch (null: its default).'),
    precision: z
      .enum(['auto', 'fp32', 'bf16'])
      .default('auto')
      .describe('Arithmetic on the GPU: "bf16" autocast, "fp32", or "auto" (the reference\'s bf16 key decides). CPU always runs fp32.'),
    compile: z.boolean().default(false).describe('Compile the model with torch.compile (slower first steps, faster after).'),
    workers: nonNegativeInt
      .max(CONFIG_BOUNDS.workers)
      .default(0)
      .describe('Background processes that build training batches (0: the training process builds them).'),
    eval_stage: z
      .union([z.literal('current'), nonNegativeInt.max(CONFIG_BOUNDS.latentStage)])
      .default('current')
      .describe('Thought-count policy at evaluation: "current" uses the training stage\'s thoughts; a stage k evaluates every epoch with stage k\'s thoughts (k·c_thought; more or fewer thoughts than trained).'),
    distributed: z
      .enum(['ddp', 'fsdp'])
      .default('ddp')
      .describe('How several processes share the model: "ddp" copies it to each; "fsdp" shards parameters, gradients and optimizer state (large models).'),
    eval_thoughts: z
      .union([
        z
          .array(nonNegativeInt.max(MAX_FORCED_THOUGHTS))
          .min(1)
          .max(MAX_FORCED_THOUGHTS + 1)
          .refine((counts) => new Set(counts).size === counts.length, 'must not list a count twice')
          // The refinement is not exported to JSON Schema; this keyword makes the engine check it too.
          .meta({ uniqueItems: true }),
        z.null(),
      ])
      .default(null)
      .describe('With only_eval: evaluate once per listed k with exactly k continuous thoughts (<latent> tokens, not multiplied by c_thought) for every question, <eot> forced after them (the paper\'s analysis); null: the stage\'s thoughts.'),
    icot: z
      .boolean()
      .default(false)
      .describe('iCoT (stepwise internalization): no thoughts; each epoch removes icot_tokens_per_epoch more reasoning tokens from the front.'),
    icot_tokens_per_epoch: positiveInt.max(CONFIG_BOUNDS.icotTokensPerEpoch).default(8).describe('iCoT: reasoning tokens removed per epoch.'),
    icot_smoothing: z
      .union([z.number().positive().max(CONFIG_BOUNDS.icotSmoothing), z.null()])
      .default(4)
      .describe('iCoT removal smoothing λ: each sample removes o extra tokens with probability ∝ exp(−λ·o) (null: none).'),
    frontier_supervision: z
      .boolean()
      .default(false)
      .describe(
        'Frontier supervision (Zhu, Hao et al., 2025, "Reasoning by Superposition"), with coconut or pause as thought: at stage j the continuation after <eot> is one node reachable from the root in exactly j+1 edges (drawn at random for every sample) and eos, instead of the remaining steps; from the record\'s last step on, the answer. Needs graph datasets (idx_to_symbol with frontiers, or edges and root) and the curriculum.',
      ),
    frontier_thought_labels: z
      .boolean()
      .default(false)
      .describe(
        "With frontier_supervision: each step's continuous thought is also trained to name, through the LM head, a node of its own frontier (the last thought of step k: a node k+1 edges from the root, drawn for every sample), so the thoughts are taught what to hold directly rather than only through the answer. This workbench's addition, not in the paper.",
      ),
  })
  // `x-yaml-limits` carries the text limits into the JSON Schema for the engine's YAML loader.
  .meta({ description: 'A Coconut Workbench run configuration.', 'x-yaml-limits': CONFIG_YAML_LIMITS });

export type RunConfigInput = z.input<typeof RunConfigSchema>;
export type RunConfig = z.output<typeof RunConfigSchema>;

export { METHOD_FLAGS, type MethodFlag, type MethodName } from './methods.js';

/**
 * The method a config selects. As in the reference, a config with none of the method flags set
 * keeps the curriculum's `<latent>` placeholders as ordinary learned tokens: "pause as thought".
 * The engine applies the same rule (and rejects configs that set two flags).
 */
export function methodOf(config: Pick<RunConfig, MethodFlag>): MethodName {
  const flag = METHOD_FLAGS.find((name) => config[name]);
  return flag === undefined ? UNFLAGGED_METHOD : (METHOD_NAMES.find((name) => METHODS[name].flag === flag) ?? UNFLAGGED_METHOD);
}
