/** What the workbench knows about a run, as stored in its `run.json` and shown in the UI. */
import { z } from 'zod';

export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted'] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/** Statuses a run never leaves. */
export const FINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'interrupted'];
export const isFinal = (status: RunStatus): boolean => FINAL_STATUSES.includes(status);

export const RunSummarySchema = z.object({
  id: z.string(),
  name: z.string(),
  status: RunStatusSchema,
  method: z.string(),
  created_at: z.string(),
  started_at: z.string().nullable(),
  ended_at: z.string().nullable(),
  /** Progress as last reported by the engine. */
  stage: z.number().int().nonnegative().nullable(),
  epoch: z.number().int().nonnegative().nullable(),
  num_epochs: z.number().int().nonnegative().nullable(),
  best_accuracy: z.number().min(0).max(1).nullable(),
  last_accuracy: z.number().min(0).max(1).nullable(),
  last_error: z.string().nullable(),
  /** GPU indices the job manager gave the run (its CUDA_VISIBLE_DEVICES); absent or empty: none. */
  gpus: z.array(z.number().int().nonnegative()).optional(),
  /** Absolute path of the run directory. */
  dir: z.string(),
  /** The config's val_path: the dataset its predictions answer (absent in run.json written before it was kept). */
  val_path: z.string().nullable().optional(),
  /** The config's seed. */
  seed: z.number().int().nullable().optional(),
  /** For an evaluation made by `runs.evaluate`: the run and checkpoint it evaluated. */
  eval_of: z.object({ run: z.string(), checkpoint: z.string() }).nullable().optional(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** `run.json`: the summary plus bookkeeping the UI does not need. */
export const RunRecordSchema = RunSummarySchema.extend({
  pid: z.number().int().nullable(),
  /** Versions of the workbench and engine that ran it. */
  versions: z.record(z.string(), z.string()),
  exit_code: z.number().int().nullable(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;
