/**
 * Seed sweeps on the run store: a sweep is the runs whose `run.json` carries the same `sweep.id`
 * (`coconut sweep` tags each run it queues). Its figures come from each run's own events.
 */
import { randomBytes } from 'node:crypto';
import type { RunSummary } from '../../common/runs.js';
import { ApiError } from '../../common/api.js';
import { spread, trainingAccuracies, type EpochAccuracy, type SweepReport, type SweepTest } from '../../common/sweep.js';
import type { JobManager } from '../jobs/jobManager.js';
import { submitEvaluation } from './evaluation.js';
import { toSummary, type RunStore } from './runStore.js';

/** `sweep-20261202-063012-3fa9c1`: sorts by time, unique within a home. */
export function newSweepId(now = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `sweep-${stamp}-${randomBytes(3).toString('hex')}`;
}

/** The runs of a sweep, oldest first (the order they were queued in); `all`: the store's runs, when already listed. */
export function sweepRuns(store: RunStore, sweepId: string, all: readonly RunSummary[] = store.list().map(toSummary)): RunSummary[] {
  return all
    .filter((run) => run.sweep?.id === sweepId)
    .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id));
}

/** The evaluations of a run's checkpoints (runs whose `eval_of` names it), oldest first. */
function testsOf(store: RunStore, runId: string, all: readonly RunSummary[]): SweepTest[] {
  return all
    .filter((run) => run.eval_of?.run === runId)
    .sort((a, b) => a.created_at.localeCompare(b.created_at))
    .map((run) => {
      const evals = store.events(run.id).filter((event) => event.type === 'eval');
      const last = evals[evals.length - 1];
      return {
        run: run.id,
        checkpoint: run.eval_of!.checkpoint,
        dataset: run.val_path ?? null,
        status: run.status,
        accuracy: run.status === 'completed' && last?.type === 'eval' ? last.accuracy : null,
      };
    });
}

/** A sweep's runs with their figures and the spread over its completed runs, per step (`runs.sweep`). */
export function sweepReport(store: RunStore, sweepId: string): SweepReport {
  const all = store.list().map(toSummary);
  const members = sweepRuns(store, sweepId, all);
  if (members.length === 0) throw new ApiError('not_found', `no runs of sweep ${sweepId} in ${store.runsDir}`);
  const runs = members.map((run) => ({ run, ...runAccuracies(store, run.id), tests: testsOf(store, run.id, all) }));
  const steps = [...new Set(members.map((run) => run.sweep?.step ?? null))].map((step) => {
    const ofStep = runs.filter((entry) => (entry.run.sweep?.step ?? null) === step);
    const done = ofStep.filter((entry) => entry.run.status === 'completed');
    const values = (pick: (entry: (typeof runs)[number]) => number | undefined): number[] => done.map(pick).filter((value): value is number => value !== undefined);
    return {
      step,
      runs: ofStep.length,
      completed: done.length,
      last: spread(values((entry) => entry.last?.accuracy)),
      best: spread(values((entry) => entry.best?.accuracy)),
    };
  });
  return { id: sweepId, runs, steps };
}

/** A run's validation accuracy at its last and its best evaluated epoch, from its events. */
export function runAccuracies(store: RunStore, runId: string): { last: EpochAccuracy | null; best: EpochAccuracy | null } {
  const figures = trainingAccuracies(store.events(runId));
  return { last: figures?.last ?? null, best: figures?.best ?? null };
}

export interface CheckpointTest {
  /** The evaluation run (`eval_of` names the run it evaluated). */
  run: RunSummary;
  /** Its accuracy on the dataset; null when the evaluation did not complete. */
  accuracy: number | null;
}

/**
 * Evaluates a run's checkpoint on a dataset as a new run (what `coconut eval` does) and waits for
 * it. `onQueued` gets the evaluation run as soon as it is queued (to follow or cancel it).
 */
export async function testCheckpoint(
  store: RunStore,
  jobs: JobManager,
  request: { runId: string; checkpoint: string; dataset: string; baseDir: string },
  onQueued: (run: RunSummary) => void = () => {},
): Promise<CheckpointTest> {
  const queued = await submitEvaluation(store, jobs, { ...request, allowCheckpointFiles: false });
  onQueued(queued);
  const run = await jobs.waitForEnd(queued.id);
  if (run.status !== 'completed') return { run, accuracy: null };
  const evals = store.events(run.id).filter((event) => event.type === 'eval');
  const last = evals[evals.length - 1];
  return { run, accuracy: last?.type === 'eval' ? last.accuracy : null };
}
