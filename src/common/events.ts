/**
 * The engine's event stream: one JSON object per line in a run's `events.jsonl`.
 *
 * This file is the single definition. `npm run schemas` writes it out as JSON Schema into
 * `engine/coconut_engine/schemas/events.schema.json`, which the Python engine's tests validate
 * every emitted event against; a unit test keeps the committed file in step with this one.
 * Field names are snake_case because the engine (Python) writes them.
 */
import { z } from 'zod';

/** Bumped whenever an event changes shape in a way older readers cannot ignore. */
export const EVENT_SCHEMA_VERSION = 1;

const base = {
  v: z.literal(EVENT_SCHEMA_VERSION),
  /** Wall-clock time the engine wrote the event, seconds since the Unix epoch. */
  t: z.number(),
};

const count = z.number().int().nonnegative();

/** One curriculum stage as planned before training starts. */
export const StagePlanSchema = z.object({
  stage: count,
  first_epoch: count,
  last_epoch: count,
  /** Reasoning steps replaced by thoughts at this stage (k); at the last stage every step may be removed. */
  removed_steps: count,
  /** Continuous thoughts per sample at this stage (the maximum when it depends on the sample). */
  thoughts: count,
  label: z.string(),
});
export type StagePlan = z.infer<typeof StagePlanSchema>;

export const StartedEventSchema = z.object({
  ...base,
  type: z.literal('started'),
  method: z.string(),
  num_epochs: count,
  resume_epoch: count,
  steps_per_epoch: count,
  train_samples: count,
  val_samples: count,
  /**
   * Accuracy of guessing between the answers each validation question offers: 0.5 when every
   * question names two options (ProsQA and reachability records carry `target` and `neg_target`)
   * or the answers take only two values (ProntoQA's True/False); null when unknown. Absent in
   * runs recorded before it existed.
   */
  chance_accuracy: z.number().min(0).max(1).nullable().optional(),
  stages: z.array(StagePlanSchema),
  device: z.string(),
  /** Processes training together (torchrun); absent in runs recorded before it existed. */
  world_size: count.min(1).optional(),
  model: z.object({
    id: z.string(),
    parameters: count,
    layers: count,
    hidden_size: count,
    vocab_size: count,
  }),
  versions: z.record(z.string(), z.string()),
});

export const StageEventSchema = z.object({
  ...base,
  type: z.literal('stage'),
  stage: count,
  epoch: count,
  removed_steps: count,
  thoughts: count,
  label: z.string(),
});

export const StepEventSchema = z.object({
  ...base,
  type: z.literal('step'),
  stage: count,
  epoch: count,
  /** Optimizer step across the whole run, starting at 1. */
  step: z.number().int().positive(),
  /** Optimizer step within the epoch, starting at 1. */
  epoch_step: z.number().int().positive(),
  steps_in_epoch: count,
  loss: z.number(),
  lr: z.number(),
  samples_per_s: z.number().nonnegative(),
  tokens_per_s: z.number().nonnegative(),
  /** On CUDA: the most memory PyTorch held for tensors during this step, in MiB (this process). */
  gpu_memory_peak_mib: z.number().nonnegative().optional(),
});

export const EvalEventSchema = z.object({
  ...base,
  type: z.literal('eval'),
  stage: count,
  epoch: count,
  split: z.string(),
  accuracy: z.number().min(0).max(1),
  correct: count,
  total: count,
  /**
   * Of the questions where written reasoning is expected at this stage, the fraction whose reasoning
   * equals exactly the steps still expected (those after the ones thoughts replaced).
   */
  cot_match: z.number().min(0).max(1).nullable(),
  /**
   * The reference implementation's `cot_em` (a different figure of the same idea): the fraction of
   * all questions whose reasoning equals all of the record's steps, whatever the stage. Absent in
   * runs recorded before it was kept.
   */
  reference_cot_match: z.number().min(0).max(1).optional(),
  mean_new_tokens: z.number().nonnegative(),
  /** Model forward passes per question: the thought passes, then one per generated token. */
  mean_forward_passes: z.number().nonnegative().optional(),
  /** Wall time per question (batched, so well below one question's latency alone). */
  ms_per_question: z.number().nonnegative().optional(),
  /** The stage whose thoughts the questions got, when the config's eval_stage fixes it (else `stage`). */
  thought_stage: count.optional(),
  /**
   * Set when the config's eval_thoughts forced the thought count: every question got exactly this
   * many continuous thoughts, then `<eot>` (one `eval` event and one `eval-N-kK.jsonl` per count).
   */
  forced_thoughts: count.optional(),
  seconds: z.number().nonnegative(),
  /**
   * Every question's outcome, relative to the run directory: `predictions/epoch-N.jsonl` after
   * epoch N (counted from 1, as the checkpoints), `predictions/eval-N[-C].jsonl` for only_eval
   * (C: the copy, when the name was taken), `predictions/eval-N-kK[-C].jsonl` with forced_thoughts K.
   * One `PredictionRow` (api.ts) per line, by record index. Absent in runs recorded before it existed.
   */
  predictions: z.string().optional(),
});

/** How far an evaluation got (about once a second while it runs, and at its end), for progress bars. */
export const EvalProgressEventSchema = z.object({
  ...base,
  type: z.literal('eval_progress'),
  stage: count,
  epoch: count,
  /** Questions answered so far, of `total` (under several processes: rank 0's share scaled to the whole). */
  done: count,
  total: count,
  /** As in the `eval` event this evaluation will write. */
  forced_thoughts: count.optional(),
});

export const CheckpointEventSchema = z.object({
  ...base,
  type: z.literal('checkpoint'),
  stage: count,
  epoch: count,
  /** Relative to the run directory. */
  path: z.string(),
  best: z.boolean(),
});

export const LogEventSchema = z.object({
  ...base,
  type: z.literal('log'),
  level: z.enum(['debug', 'info', 'warning', 'error']),
  message: z.string(),
});

export const FinishedEventSchema = z.object({
  ...base,
  type: z.literal('finished'),
  status: z.enum(['completed', 'cancelled']),
  best_accuracy: z.number().min(0).max(1).nullable(),
  best_epoch: count.nullable(),
  final_accuracy: z.number().min(0).max(1).nullable(),
  seconds: z.number().nonnegative(),
});

export const ErrorEventSchema = z.object({
  ...base,
  type: z.literal('error'),
  message: z.string(),
  /** Where the problem is: a config key, a file, `file#record[12].steps`, ... */
  where: z.string().nullable(),
  traceback: z.string().nullable(),
});

export const EngineEventSchema = z.discriminatedUnion('type', [
  StartedEventSchema,
  StageEventSchema,
  StepEventSchema,
  EvalEventSchema,
  EvalProgressEventSchema,
  CheckpointEventSchema,
  LogEventSchema,
  FinishedEventSchema,
  ErrorEventSchema,
]);

export type EngineEvent = z.infer<typeof EngineEventSchema>;
export type StartedEvent = z.infer<typeof StartedEventSchema>;
export type StageEvent = z.infer<typeof StageEventSchema>;
export type StepEvent = z.infer<typeof StepEventSchema>;
export type EvalEvent = z.infer<typeof EvalEventSchema>;
export type CheckpointEvent = z.infer<typeof CheckpointEventSchema>;
export type LogEvent = z.infer<typeof LogEventSchema>;
export type FinishedEvent = z.infer<typeof FinishedEventSchema>;
export type ErrorEvent = z.infer<typeof ErrorEventSchema>;
export type EngineEventType = EngineEvent['type'];
