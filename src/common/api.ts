/**
 * The workbench API: one table of methods, each with a request and a response schema, and one
 * table of subscription topics. The same handlers serve Electron IPC and the loopback HTTP/WS
 * host; both transports validate every request and response against these schemas.
 */
import { z } from 'zod';
import { EngineEventSchema } from './events.js';
import { RunSummarySchema } from './runs.js';

export const IssueSchema = z.object({
  /** Where: a config key path such as `offline_model.n_head`, or a field name. Empty for the whole input. */
  path: z.string(),
  message: z.string(),
});
export type Issue = z.infer<typeof IssueSchema>;

export const ConfigCheckSchema = z.object({
  ok: z.boolean(),
  issues: z.array(IssueSchema),
  /** The config with every default filled in, as YAML, when ok. */
  resolved_yaml: z.string().nullable(),
  method: z.string().nullable(),
});
export type ConfigCheck = z.infer<typeof ConfigCheckSchema>;

export const DatasetInfoSchema = z.object({
  name: z.string(),
  path: z.string(),
  records: z.number().int().nonnegative(),
  bytes: z.number().int().nonnegative(),
});
export type DatasetInfo = z.infer<typeof DatasetInfoSchema>;

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
  'runs.log': {
    request: RunIdSchema.extend({
      stream: z.enum(['stdout', 'stderr']),
      max_bytes: z.number().int().positive().max(1_000_000).default(16_384),
    }),
    response: z.object({ text: z.string(), truncated: z.boolean() }),
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
