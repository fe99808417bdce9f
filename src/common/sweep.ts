/**
 * Seed sweeps: the same config trained once per seed (`coconut sweep`), and the figures that
 * summarise them. Pure functions over run summaries and events, so the command line and the app
 * compute the same numbers.
 */
import { z } from 'zod';
import type { EngineEvent } from './events.js';
import { RunSummarySchema } from './runs.js';

export { RunSweepSchema, type RunSweep } from './runs.js';

type EvalEvent = Extract<EngineEvent, { type: 'eval' }>;

/** One validation figure and where in training it was measured (`epoch` 0-based, as in the events). */
export const EpochAccuracySchema = z.object({
  accuracy: z.number().min(0).max(1),
  epoch: z.number().int().nonnegative(),
  stage: z.number().int().nonnegative(),
});
export type EpochAccuracy = z.infer<typeof EpochAccuracySchema>;

/**
 * A training run's validation accuracy at its last evaluated epoch and at its best one (the
 * earliest epoch reaching the maximum). Evaluations with a forced thought count (an `only_eval`
 * analysis) are not training's figures and are left out. Null when the run was never evaluated.
 */
export function trainingAccuracies(events: readonly EngineEvent[]): { last: EpochAccuracy; best: EpochAccuracy } | null {
  const evals = events.filter((event): event is EvalEvent => event.type === 'eval' && event.forced_thoughts === undefined);
  if (evals.length === 0) return null;
  const figure = (event: EvalEvent): EpochAccuracy => ({ accuracy: event.accuracy, epoch: event.epoch, stage: event.stage });
  let best = evals[0]!;
  for (const event of evals) if (event.accuracy > best.accuracy) best = event;
  return { last: figure(evals[evals.length - 1]!), best: figure(best) };
}

export const SpreadSchema = z.object({
  /** How many values it summarises. */
  n: z.number().int().positive(),
  mean: z.number(),
  /** Sample standard deviation (n − 1 in the denominator); null for a single value. */
  sd: z.number().nullable(),
  min: z.number(),
  max: z.number(),
});
export type Spread = z.infer<typeof SpreadSchema>;

/** Mean, sample standard deviation and range of the values; null when there are none. */
export function spread(values: readonly number[]): Spread | null {
  const n = values.length;
  if (n === 0) return null;
  const mean = values.reduce((sum, value) => sum + value, 0) / n;
  const sd = n < 2 ? null : Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (n - 1));
  return { n, mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

/** Seeds as the command line writes them: `0,1,2`, `0..4`, or both mixed (`0..2,7`). In the given order, each once. */
export function parseSeedList(text: string, maxSeed: number): number[] {
  const seeds: number[] = [];
  for (const part of text.split(',').map((piece) => piece.trim())) {
    const match = /^(\d+)(?:\s*\.\.\s*(\d+))?$/.exec(part);
    if (!match) throw new Error(`${JSON.stringify(part)} is not a seed: give whole numbers such as 0,1,2 or a range 0..4`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from > to) throw new Error(`${part}: ${from} is greater than ${to}`);
    if (to > maxSeed) throw new Error(`${part}: a seed is at most ${maxSeed}`);
    if (to - from >= 1000) throw new Error(`${part}: at most 1000 seeds in one sweep`);
    for (let seed = from; seed <= to; seed++) if (!seeds.includes(seed)) seeds.push(seed);
  }
  if (seeds.length > 1000) throw new Error('at most 1000 seeds in one sweep');
  return seeds;
}

/** An evaluation of a sweep run's checkpoint on another dataset (`coconut sweep --test`, `coconut eval`). */
export const SweepTestSchema = z.object({
  /** The evaluation run. */
  run: z.string(),
  checkpoint: z.string(),
  /** The dataset it answered. */
  dataset: z.string().nullable(),
  status: RunSummarySchema.shape.status,
  /** Its accuracy; null until it completed. */
  accuracy: z.number().min(0).max(1).nullable(),
});
export type SweepTest = z.infer<typeof SweepTestSchema>;

/** A sweep as `runs.sweep` answers it: its runs with their figures, and the spread per step. */
export const SweepReportSchema = z.object({
  id: z.string(),
  /** Oldest first. */
  runs: z.array(
    z.object({
      run: RunSummarySchema,
      last: EpochAccuracySchema.nullable(),
      best: EpochAccuracySchema.nullable(),
      /** Evaluations of this run's checkpoints, oldest first. */
      tests: z.array(SweepTestSchema),
    }),
  ),
  /** One entry per step (`step` null for a config sweep), over its completed runs. */
  steps: z.array(
    z.object({
      step: z.string().nullable(),
      runs: z.number().int().nonnegative(),
      completed: z.number().int().nonnegative(),
      last: SpreadSchema.nullable(),
      best: SpreadSchema.nullable(),
    }),
  ),
});
export type SweepReport = z.infer<typeof SweepReportSchema>;
