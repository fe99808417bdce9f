/**
 * The workbench API: one table of methods, each with a request and a response schema, and one
 * table of subscription topics. The same handlers serve Electron IPC and the loopback HTTP/WS
 * host; both transports validate every request and response against these schemas.
 */
import { z } from 'zod';
import { EngineEventSchema } from './events.js';
import {
  CheckpointChoiceSchema,
  ExportJobSchema,
  InspectionSchema,
  InspectRecordSchema,
  InspectTargetsSchema,
  MAX_INSPECT_THOUGHTS,
  MAX_TOP_TOKENS,
} from './inspector.js';
import { AnalysedQuestionSchema, PathCategorySchema, RunAnalysisSchema } from './analysis.js';
import { EventLogReportSchema, RunSummarySchema } from './runs.js';

export const IssueSchema = z.object({
  /** Where: a config key path such as `offline_model.n_head`, or a field name. Empty for the whole input. */
  path: z.string(),
  message: z.string(),
});
export type Issue = z.infer<typeof IssueSchema>;

export const ConfigCheckSchema = z.object({
  ok: z.boolean(),
  issues: z.array(IssueSchema),
  /** What is allowed but probably not meant (a resumed curriculum with no checkpoint); never blocks a run. */
  warnings: z.array(IssueSchema).default([]),
  /** The config with every default filled in, as YAML, when ok. */
  resolved_yaml: z.string().nullable(),
  method: z.string().nullable(),
});
export type ConfigCheck = z.infer<typeof ConfigCheckSchema>;

/** One file of a dataset folder: `train.json` is the split `train`. */
export const DatasetSplitSchema = z.object({
  split: z.string(),
  path: z.string(),
  records: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export type DatasetSplit = z.infer<typeof DatasetSplitSchema>;

/** A folder `<home>/datasets/<name>/` of split files, with how it was generated when its `dataset.json` says. */
export const DatasetInfoSchema = z.object({
  name: z.string(),
  path: z.string(),
  splits: z.array(DatasetSplitSchema),
  /** Over all splits. */
  records: z.number().int().nonnegative(),
  generator: z
    .object({ name: z.string(), version: z.number().int(), params: z.unknown(), seed: z.number(), created_at: z.string() })
    .nullable(),
});
export type DatasetInfo = z.infer<typeof DatasetInfoSchema>;

const SummarySchema = z.object({ mean: z.number(), min: z.number(), max: z.number() });
/** Value (as text) → how many records have it, in ascending order of value. */
const HistogramSchema = z.record(z.string(), z.number().int().nonnegative());
const DistributionSchema = SummarySchema.extend({ histogram: HistogramSchema });

export const DatasetStatsSchema = z.object({
  records: z.number().int().nonnegative(),
  steps: DistributionSchema,
  question_words: DistributionSchema,
  /** Over the records that carry graph fields; null when none do. */
  graph: z
    .object({
      records: z.number().int().nonnegative(),
      nodes: DistributionSchema,
      edges: DistributionSchema,
      /** How many distinct shortest paths lead from the entity to the answer. */
      shortest_paths: DistributionSchema,
    })
    .nullable(),
});
export type DatasetStats = z.infer<typeof DatasetStatsSchema>;

const nodeIndex = z.number().int().nonnegative();
/** A record as stored (`question, steps, answer`, and the graph fields when the generator wrote them), with its place in the split. */
export const DatasetRecordViewSchema = z.object({
  index: z.number().int().nonnegative(),
  question: z.string(),
  steps: z.array(z.string()),
  answer: z.string(),
  idx_to_symbol: z.array(z.string()).optional(),
  edges: z.array(z.tuple([nodeIndex, nodeIndex])).optional(),
  root: nodeIndex.optional(),
  target: nodeIndex.optional(),
  neg_target: nodeIndex.optional(),
});
export type DatasetRecordView = z.infer<typeof DatasetRecordViewSchema>;

export const DatasetGeneratorInfoSchema = z.object({
  name: z.string(),
  version: z.number().int(),
  description: z.string(),
  /** The parameters with every default filled in (what `{}` resolves to). */
  defaults: z.record(z.string(), z.unknown()),
});
export type DatasetGeneratorInfo = z.infer<typeof DatasetGeneratorInfoSchema>;

/** Largest split the app generates in one go (the CLI has no limit). */
export const MAX_SPLIT_RECORDS = 1_000_000;
const splitSize = z.number().int().min(0).max(MAX_SPLIT_RECORDS);
export const DatasetSizesSchema = z.object({ train: splitSize, valid: splitSize, test: splitSize });
export type DatasetSizes = z.infer<typeof DatasetSizesSchema>;

export const DatasetCreateRequestSchema = z.object({
  /** The folder name under `<home>/datasets/`. */
  name: z.string(),
  generator: z.string(),
  /** Only the parameters to change; the generator fills in the rest. */
  params: z.record(z.string(), z.unknown()).default({}),
  sizes: DatasetSizesSchema,
  seed: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
});
export type DatasetCreateRequest = z.input<typeof DatasetCreateRequestSchema>;

export const DATASET_JOB_STATUSES = ['running', 'completed', 'failed', 'cancelled'] as const;
/** One dataset being generated by the app: progress over all splits, then the outcome. */
export const DatasetJobSchema = z.object({
  id: z.string(),
  name: z.string(),
  generator: z.string(),
  status: z.enum(DATASET_JOB_STATUSES),
  /** The split being written now (null before the first and after the last). */
  split: z.string().nullable(),
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative(),
  /** Why it failed; null otherwise. */
  error: z.string().nullable(),
  started_at: z.string(),
  finished_at: z.string().nullable(),
});
export type DatasetJob = z.infer<typeof DatasetJobSchema>;

const DatasetSplitRefSchema = z.object({ name: z.string().min(1), split: z.string().min(1) });

export const GpuSchema = z.object({
  index: z.number().int().nonnegative(),
  name: z.string(),
  memory_total_mib: z.number().nonnegative(),
  memory_used_mib: z.number().nonnegative(),
  /** GPU utilisation over the driver's last sample period, 0–100. */
  utilization_percent: z.number().min(0).max(100),
});
export type Gpu = z.infer<typeof GpuSchema>;

export const GpuInventorySchema = z.object({
  gpus: z.array(GpuSchema),
  /** Why the list is empty or incomplete (no driver, nvidia-smi failed), or null. */
  problem: z.string().nullable(),
});
export type GpuInventory = z.infer<typeof GpuInventorySchema>;

const RunIdSchema = z.object({ id: z.string().min(1) });

/**
 * One validation question's outcome, a line of a run's `predictions/*.jsonl` (written by the
 * engine after each evaluation; the `eval` event's `predictions` names the file).
 */
export const PredictionRowSchema = z.object({
  /** The record's index in the validation file. */
  idx: z.number().int().nonnegative(),
  /** Continuous thoughts its prompt had. */
  thoughts: z.number().int().nonnegative(),
  /** The generated text after the prompt. */
  text: z.string(),
  /** The answer as the engine scored it (after the last `#`, commas removed). */
  answer: z.string(),
  correct: z.boolean(),
  /** Whether the written reasoning matched the remaining steps exactly; absent where none is expected. */
  reasoning_match: z.boolean().optional(),
});
export type PredictionRow = z.infer<typeof PredictionRowSchema>;

export const PREDICTION_FILTERS = ['all', 'right', 'wrong'] as const;
export type PredictionFilter = (typeof PREDICTION_FILTERS)[number];

/** Thought counts to force when evaluating (`<eot>` after exactly k thoughts), from..to inclusive. */
export const ThoughtRangeSchema = z
  .object({ from: z.number().int().min(0).max(MAX_INSPECT_THOUGHTS), to: z.number().int().min(0).max(MAX_INSPECT_THOUGHTS) })
  .refine((range) => range.from <= range.to, { message: 'from must not be greater than to', path: ['to'] });
export type ThoughtRange = z.infer<typeof ThoughtRangeSchema>;

export const apiMethods = {
  'system.info': {
    request: z.object({}),
    response: z.object({
      version: z.string(),
      home: z.string(),
      transport: z.enum(['ipc', 'http']),
      engine: z.object({ python: z.string().nullable(), ready: z.boolean(), problem: z.string().nullable() }),
    }),
  },
  'system.gpus': {
    request: z.object({}),
    response: GpuInventorySchema,
  },
  'runs.list': {
    request: z.object({}),
    response: z.array(RunSummarySchema),
  },
  'runs.get': {
    request: RunIdSchema,
    response: z.object({ run: RunSummarySchema, config_yaml: z.string() }),
  },
  'runs.create': {
    request: z.object({ config_yaml: z.string() }),
    response: RunSummarySchema,
  },
  'runs.cancel': {
    request: RunIdSchema,
    response: RunSummarySchema,
  },
  'runs.events': {
    request: RunIdSchema,
    response: z.array(EngineEventSchema),
  },
  /** The lines of the run's `events.jsonl` that `runs.events` skipped (torn or not an event), with why. */
  'runs.eventProblems': {
    request: RunIdSchema,
    response: EventLogReportSchema,
  },
  'runs.log': {
    request: RunIdSchema.extend({
      stream: z.enum(['stdout', 'stderr']),
      max_bytes: z.number().int().positive().max(1_000_000).default(16_384),
    }),
    response: z.object({ text: z.string(), truncated: z.boolean() }),
  },
  /** Paged rows of one of the run's prediction files (default: the one written last). */
  'runs.predictions': {
    request: RunIdSchema.extend({
      /** A name from `files`, such as `epoch-3.jsonl`; default: the latest. */
      file: z.string().min(1).optional(),
      offset: z.number().int().nonnegative().default(0),
      limit: z.number().int().positive().max(500).default(50),
      filter: z.enum(PREDICTION_FILTERS).default('all'),
      /** Words that must all occur (any case) in the generated text or the answer; empty for every row. */
      query: z.string().max(1000).default(''),
    }),
    response: z.object({
      /** The run's prediction files, in epoch order (`epoch-N.jsonl`, then only_eval's `eval-N.jsonl`). */
      files: z.array(z.string()),
      /** The file read; null when the run has none yet. */
      file: z.string().nullable(),
      /** Rows that pass the filter and query. */
      total: z.number().int().nonnegative(),
      offset: z.number().int().nonnegative(),
      rows: z.array(PredictionRowSchema),
    }),
  },
  /** Removes a finished run: its folder leaves the runs folder in one rename, then is deleted. Running or queued runs are refused (cancel first). */
  'runs.delete': {
    request: RunIdSchema,
    response: z.object({ id: z.string() }),
  },
  /**
   * Evaluates a checkpoint of a run on a dataset file as a new run (`only_eval`, named after the
   * source, its `eval_of` pointing back), queued like any run; its predictions files are the
   * same as training's. With `thoughts` each k of the range is evaluated with `<eot>` forced
   * after exactly k thoughts (one predictions file and one `eval` event per k).
   */
  'runs.evaluate': {
    request: RunIdSchema.extend({
      checkpoint: CheckpointChoiceSchema,
      /** A dataset split file (absolute, or relative to the workbench home). */
      dataset: z.string().min(1),
      thoughts: ThoughtRangeSchema.optional(),
    }),
    response: RunSummarySchema,
  },
  /** Every prediction file of a run, with accuracy, cost and path categories (graph datasets). */
  'analysis.run': {
    request: RunIdSchema,
    response: RunAnalysisSchema,
  },
  /** One prediction file's questions with their verdicts, filtered and paged. */
  'analysis.questions': {
    request: RunIdSchema.extend({
      /** A name from `analysis.run`'s files; default: the latest. */
      file: z.string().min(1).optional(),
      category: PathCategorySchema.optional(),
      filter: z.enum(PREDICTION_FILTERS).default('all'),
      /** Only these record indices (for questions chosen on another run), in this order. */
      indices: z.array(z.number().int().nonnegative()).max(100_000).optional(),
      offset: z.number().int().nonnegative().default(0),
      limit: z.number().int().positive().max(5000).default(50),
    }),
    response: z.object({
      file: z.string().nullable(),
      total: z.number().int().nonnegative(),
      offset: z.number().int().nonnegative(),
      rows: z.array(AnalysedQuestionSchema),
    }),
  },
  /** One record of the dataset a run's predictions answer (its val_path), by index. */
  'analysis.record': {
    request: RunIdSchema.extend({ index: z.number().int().nonnegative() }),
    response: DatasetRecordViewSchema,
  },
  'config.check': {
    request: z.object({ config_yaml: z.string() }),
    response: ConfigCheckSchema,
  },
  'config.template': {
    request: z.object({ method: z.enum(['cot', 'coconut']).default('cot') }),
    response: z.object({ config_yaml: z.string() }),
  },
  'datasets.list': {
    request: z.object({}),
    response: z.array(DatasetInfoSchema),
  },
  'datasets.stats': {
    request: DatasetSplitRefSchema,
    response: DatasetStatsSchema,
  },
  'datasets.records': {
    request: DatasetSplitRefSchema.extend({
      offset: z.number().int().nonnegative().default(0),
      limit: z.number().int().positive().max(500).default(50),
      /** Words that must all occur (any case) in the question, a step or the answer; empty for every record. */
      query: z.string().max(1000).default(''),
    }),
    response: z.object({
      /** Records that match the query (all of the split's when it is empty). */
      total: z.number().int().nonnegative(),
      offset: z.number().int().nonnegative(),
      records: z.array(DatasetRecordViewSchema),
    }),
  },
  'datasets.generators': {
    request: z.object({}),
    response: z.array(DatasetGeneratorInfoSchema),
  },
  /** What the given parameters resolve to, or each problem with its parameter (for a form's live check). */
  'datasets.resolveParams': {
    request: z.object({ generator: z.string(), params: z.record(z.string(), z.unknown()).default({}) }),
    response: z.object({ params: z.record(z.string(), z.unknown()).nullable(), issues: z.array(IssueSchema) }),
  },
  /** Starts generating; progress arrives on the `datasetJobs` topic (or by polling `datasets.jobs`). */
  'datasets.create': {
    request: DatasetCreateRequestSchema,
    response: DatasetJobSchema,
  },
  'datasets.jobs': {
    request: z.object({}),
    response: z.array(DatasetJobSchema),
  },
  /** Stops a generation; nothing of it is kept. */
  'datasets.cancelJob': {
    request: z.object({ id: z.string().min(1) }),
    response: DatasetJobSchema,
  },
  /** A run's checkpoints and exported bundles, for the Inspect action and page. */
  'inspect.targets': {
    request: RunIdSchema,
    response: InspectTargetsSchema,
  },
  /** Exports a checkpoint to an ONNX bundle; progress arrives on the `exportJobs` topic. An export already running for it is returned as is. */
  'inspect.export': {
    request: RunIdSchema.extend({ checkpoint: CheckpointChoiceSchema }),
    response: ExportJobSchema,
  },
  'inspect.exports': {
    request: z.object({}),
    response: z.array(ExportJobSchema),
  },
  /** Paged questions of the run's validation set (search as `datasets.records`). */
  'inspect.records': {
    request: RunIdSchema.extend({
      offset: z.number().int().nonnegative().default(0),
      limit: z.number().int().positive().max(500).default(50),
      query: z.string().max(1000).default(''),
    }),
    response: z.object({ path: z.string(), total: z.number().int().nonnegative(), offset: z.number().int().nonnegative(), records: z.array(DatasetRecordViewSchema) }),
  },
  /** One inspection on the run's exported bundle (`not_found` when the checkpoint has no bundle yet: export first). */
  'inspect.run': {
    request: RunIdSchema.extend({
      checkpoint: CheckpointChoiceSchema,
      record: InspectRecordSchema,
      /** Thoughts before `<eot>`; default: the checkpoint's last stage. */
      thoughts: z.number().int().min(0).max(MAX_INSPECT_THOUGHTS).optional(),
      top: z.number().int().min(1).max(MAX_TOP_TOKENS).default(10),
      cache: z.boolean().default(true),
    }),
    response: InspectionSchema,
  },
} as const;

export type ApiMethods = typeof apiMethods;
export type MethodName = keyof ApiMethods;
export type RequestOf<M extends MethodName> = z.input<ApiMethods[M]['request']>;
export type ParsedRequestOf<M extends MethodName> = z.output<ApiMethods[M]['request']>;
export type ResponseOf<M extends MethodName> = z.output<ApiMethods[M]['response']>;

/** Messages on a run's live subscription: history first, then a marker, then live updates. */
export const RunStreamMessageSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), event: EngineEventSchema }),
  z.object({ kind: z.literal('replayed') }),
  z.object({ kind: z.literal('run'), run: RunSummarySchema }),
  z.object({ kind: z.literal('log'), stream: z.enum(['stdout', 'stderr']), text: z.string() }),
]);
export type RunStreamMessage = z.infer<typeof RunStreamMessageSchema>;

export const apiTopics = {
  /** One run: its event history, then new events, status changes and log output as they happen. */
  run: { params: RunIdSchema, message: RunStreamMessageSchema },
  /** Every run's summary whenever it changes (for the runs list). */
  runs: { params: z.object({}), message: RunSummarySchema },
  /** Every dataset job's state: each known job once on subscribing, then every change. */
  datasetJobs: { params: z.object({}), message: DatasetJobSchema },
  /** Every bundle export's state: each known one once on subscribing, then every change. */
  exportJobs: { params: z.object({}), message: ExportJobSchema },
} as const;

export type ApiTopics = typeof apiTopics;
export type TopicName = keyof ApiTopics;
export type TopicParamsOf<T extends TopicName> = z.input<ApiTopics[T]['params']>;
export type TopicMessageOf<T extends TopicName> = z.output<ApiTopics[T]['message']>;

export const API_ERROR_CODES = ['bad_request', 'not_found', 'invalid_config', 'conflict', 'unauthorized', 'internal'] as const;
export type ApiErrorCode = (typeof API_ERROR_CODES)[number];

export const ApiErrorSchema = z.object({
  code: z.enum(API_ERROR_CODES),
  message: z.string(),
  issues: z.array(IssueSchema).default([]),
});
export type ApiErrorBody = z.infer<typeof ApiErrorSchema>;

export const ApiReplySchema = z.union([
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiErrorSchema }),
]);
export type ApiReply = z.infer<typeof ApiReplySchema>;

/** Thrown by handlers and re-created on the client side of either transport. */
export class ApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly issues: Issue[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): ApiErrorBody {
    return { code: this.code, message: this.message, issues: this.issues };
  }
}

/** Turns zod issues into `{path, message}` pairs keyed by dotted paths (`offline_model.n_head`). */
export function issuesFromZod(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({
    path: issue.path.map(String).join('.'),
    message: issue.message,
  }));
}

/** What a client (renderer, tests) sees of the API, whichever transport carries it. */
export interface WorkbenchApi {
  call<M extends MethodName>(method: M, request: RequestOf<M>): Promise<ResponseOf<M>>;
  /** Returns a function that ends the subscription. */
  subscribe<T extends TopicName>(
    topic: T,
    params: TopicParamsOf<T>,
    onMessage: (message: TopicMessageOf<T>) => void,
  ): () => void;
}
