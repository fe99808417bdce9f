/** What the workbench knows about a run, as stored in its `run.json` and shown in the UI. */
import { z } from 'zod';

/**
 * `damaged` is never stored: the runs list gives it to a run folder whose `run.json` is missing,
 * not JSON or not a run record, so the run stays listed (with `damage` saying why) instead of
 * vanishing. Its real state is unknown, so nothing resumes or adopts it; it can only be deleted.
 */
export const RUN_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled', 'interrupted', 'damaged'] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;
/** The statuses a `run.json` may hold (every one but `damaged`). */
export const StoredRunStatusSchema = RunStatusSchema.exclude(['damaged']);

/** Statuses a run never leaves. */
export const FINAL_STATUSES: readonly RunStatus[] = ['completed', 'failed', 'cancelled', 'interrupted', 'damaged'];
export const isFinal = (status: RunStatus): boolean => FINAL_STATUSES.includes(status);

/** Why a run is `damaged`: the file at fault (`run.json`, or the run folder itself) and what is wrong with it. */
export const RunDamageSchema = z.object({
  /** The file's name inside the run folder (`run.json`), or `run folder` when the folder cannot be reached. */
  file: z.string(),
  /** Its absolute path. */
  path: z.string(),
  /** What is wrong, for people: "not valid JSON at line 3, column 7", "status: must be one of …". */
  reason: z.string(),
});
export type RunDamage = z.infer<typeof RunDamageSchema>;

/**
 * What ties a run to its seed sweep (`coconut sweep`), kept in its `run.json`: the sweep's id
 * (shared by every run of it) and, for a sweep of a pipeline (CoT, then Coconut from its
 * checkpoint), which step the run is.
 */
export const RunSweepSchema = z.object({
  id: z.string().min(1),
  step: z.string().min(1).optional(),
});
export type RunSweep = z.infer<typeof RunSweepSchema>;

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
  /** For a run of a seed sweep (`coconut sweep`): the sweep it belongs to. */
  sweep: RunSweepSchema.nullable().optional(),
  /** Set only on a `damaged` run: why its record could not be read. */
  damage: RunDamageSchema.nullable().optional(),
});
export type RunSummary = z.infer<typeof RunSummarySchema>;

/** `run.json`: the summary plus bookkeeping the UI does not need. */
export const RunRecordSchema = RunSummarySchema.extend({
  /** The engine's process (its process group's leader: the engine, or torchrun for several processes). */
  pid: z.number().int().nullable(),
  /**
   * When that process started, as the OS tells it (an opaque token: on Linux the boot's id and
   * /proc start ticks). With `pid` it names the process for good: a restarted workbench adopts or
   * signals `pid` only while its start is still this one. Absent in run.json written before it was kept.
   */
  process_start: z.string().nullable().optional(),
  /** Versions of the workbench and engine that ran it. */
  versions: z.record(z.string(), z.string()),
  exit_code: z.number().int().nullable(),
});
export type RunRecord = z.infer<typeof RunRecordSchema>;

/** A line of a run's `events.jsonl` that could not be read as an event (it is skipped). */
export const EventLogProblemSchema = z.object({
  /** Counted from 1. */
  line: z.number().int().positive(),
  message: z.string(),
});
export type EventLogProblem = z.infer<typeof EventLogProblemSchema>;

/** The lines of a run's `events.jsonl` that were skipped, as `runs.eventProblems` answers. */
export const EventLogReportSchema = z.object({
  /** The first skipped lines (at most a hundred), in file order. */
  problems: z.array(EventLogProblemSchema),
  /** How many lines were skipped in all. */
  count: z.number().int().nonnegative(),
  /** How many lines the file has (a last line without its line end counted). */
  lines: z.number().int().nonnegative(),
});
export type EventLogReport = z.infer<typeof EventLogReportSchema>;
