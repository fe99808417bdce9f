/**
 * Who hears about runs: subscribers of one run (queued or running; its stream messages) and
 * subscribers of every run's summary. A subscriber that throws (a closed socket) must not stop the
 * others or the job manager, so every delivery is guarded.
 */
import type { RunStreamMessage } from '../../common/api.js';
import type { RunSummary } from '../../common/runs.js';

export type RunListener = (message: RunStreamMessage) => void;
export type RunsListener = (summary: RunSummary) => void;

export const errorMessage = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Where nothing else can be told: the host's own log. */
export function report(error: unknown): void {
  console.error(`coconut job manager: ${errorMessage(error)}`);
}

/** Calls a subscriber; one that throws must not stop the others. */
export function deliver<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (error) {
    report(error);
  }
}

export class RunChannels {
  private readonly byRun = new Map<string, Set<RunListener>>();
  private readonly all = new Set<RunsListener>();

  /** Adds a subscriber of run `id`; returns what removes it. */
  listen(id: string, listener: RunListener): () => void {
    const listeners = this.byRun.get(id) ?? new Set<RunListener>();
    this.byRun.set(id, listeners);
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
      if (listeners.size === 0 && this.byRun.get(id) === listeners) this.byRun.delete(id);
    };
  }

  listenAll(listener: RunsListener): () => void {
    this.all.add(listener);
    return () => this.all.delete(listener);
  }

  /** A message to run `id`'s subscribers. */
  send(id: string, message: RunStreamMessage): void {
    for (const listener of [...(this.byRun.get(id) ?? [])]) deliver(listener, message);
  }

  /** A changed summary: to the run's subscribers and to every-run subscribers. */
  publish(summary: RunSummary): void {
    this.send(summary.id, { kind: 'run', run: summary });
    for (const listener of [...this.all]) deliver(listener, summary);
  }

  /** Forgets run `id`'s subscribers (it has ended: nothing more will come). */
  close(id: string): void {
    this.byRun.delete(id);
  }
}
