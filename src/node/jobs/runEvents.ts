/**
 * What a run's events say about it: the summary fields each event changes, and how a run ended
 * once its engine is gone. The engine's own `finished` and `error` events decide; how the process
 * ended (an exit code is known only for an engine this workbench started) is the fallback.
 */
import type { EngineEvent } from '../../common/events.js';
import type { RunRecord } from '../../common/runs.js';
import type { EngineExit } from './engineProcess.js';

/** The summary fields an event changes. */
export function applyEvent(record: RunRecord, event: EngineEvent): RunRecord {
  switch (event.type) {
    case 'started':
      return {
        ...record,
        num_epochs: event.num_epochs,
        versions: { ...record.versions, ...event.versions },
      };
    case 'stage':
    case 'step':
      return { ...record, stage: event.stage, epoch: event.epoch };
    case 'eval':
      return {
        ...record,
        stage: event.stage,
        epoch: event.epoch,
        last_accuracy: event.accuracy,
        best_accuracy: Math.max(record.best_accuracy ?? 0, event.accuracy),
      };
    case 'finished':
      return { ...record, best_accuracy: event.best_accuracy ?? record.best_accuracy };
    case 'error':
      return { ...record, last_error: describeError(event) };
    default:
      return record;
  }
}

export function summaryChanged(a: RunRecord, b: RunRecord): boolean {
  return (
    a.stage !== b.stage ||
    a.epoch !== b.epoch ||
    a.num_epochs !== b.num_epochs ||
    a.last_accuracy !== b.last_accuracy ||
    a.best_accuracy !== b.best_accuracy ||
    a.last_error !== b.last_error ||
    a.versions !== b.versions
  );
}

export function lastOfType<T extends EngineEvent['type']>(events: EngineEvent[], type: T): Extract<EngineEvent, { type: T }> | undefined {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const event = events[i];
    if (event?.type === type) return event as Extract<EngineEvent, { type: T }>;
  }
  return undefined;
}

export function describeError(event: Extract<EngineEvent, { type: 'error' }>): string {
  return event.where ? `${event.where}: ${event.message}` : event.message;
}



export interface RunEnd {
  events: EngineEvent[];
  exit: EngineExit;
  /** Why the workbench itself failed the run (its run.json could not be written), if it did. */
  failure: string | null;
  cancelRequested: boolean;
  /** The record's last_error so far. */
  lastError: string | null;
  /** The last lines of its stderr.log. */
  stderrTail: string;
}

/** The final status of a run whose engine has ended, and why when it failed. */
export function runOutcome(end: RunEnd): Pick<RunRecord, 'status' | 'last_error'> {
  const finished = lastOfType(end.events, 'finished');
  const error = lastOfType(end.events, 'error');
  if (end.failure) {
    return { status: 'failed', last_error: end.failure + (finished ? ` (the engine itself ended the run ${finished.status})` : '') };
  }
  if (finished) return { status: finished.status, last_error: end.lastError };
  if (end.cancelRequested) return { status: 'cancelled', last_error: end.lastError };
  if (error) return { status: 'failed', last_error: describeError(error) };
  if (end.exit.startError) return { status: 'failed', last_error: `could not start the engine: ${end.exit.startError}` };
  const how = end.exit.signal
    ? `signal ${end.exit.signal}`
    : end.exit.code !== null
      ? `exit code ${end.exit.code}`
      : 'it was started by an earlier workbench, so its exit code is unknown';
  const output = end.stderrTail.split('\n').map((line) => line.trim()).filter(Boolean).at(-1);
  return { status: 'failed', last_error: `the engine stopped without finishing (${how})${output ? `; its last output: ${output}` : ''}` };
}

/** A `running` record whose engine is gone and which no one followed to its end, settled by its events. */
export function settledRecord(record: RunRecord, events: EngineEvent[], now: string): RunRecord {
  const settled = events.reduce(applyEvent, record);
  const finished = lastOfType(events, 'finished');
  const error = lastOfType(events, 'error');
  return {
    ...settled,
    status: finished ? finished.status : error ? 'failed' : 'interrupted',
    last_error: finished
      ? settled.last_error
      : error
        ? describeError(error)
        : 'the workbench stopped while this run was running, and its engine process is gone',
    ended_at: settled.ended_at ?? now,
  };
}
