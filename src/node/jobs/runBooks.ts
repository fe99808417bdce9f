/**
 * The job manager's books: each run's record (`run.json`). A run being followed keeps its record in
 * memory, where its events are applied, and run.json is written only when the summary changes; runs
 * not followed are read from the store. Every write is published to the run's subscribers.
 *
 * When run.json cannot be written (disk full, unwritable folder) the run fails with that cause
 * ("no space left on device writing run.json"): the store keeps the record in memory until it can
 * be written, and `onUnrecordable` lets the owner stop a running engine, whose progress could no
 * longer be recorded.
 */
import type { EngineEvent } from '../../common/events.js';
import { isFinal, type RunRecord } from '../../common/runs.js';
import { toSummary, type RunStore } from '../runs/runStore.js';
import { errorMessage, report, type RunChannels } from './runChannels.js';
import { applyEvent, summaryChanged } from './runEvents.js';

export const now = (): string => new Date().toISOString();

export class RunBooks {
  /** Records of the runs being followed, newer than or equal to their run.json. */
  private readonly held = new Map<string, RunRecord>();

  constructor(
    readonly store: RunStore,
    private readonly channels: RunChannels,
    private readonly onUnrecordable: (id: string, cause: string) => void,
  ) {}

  /** Keeps `record` in memory from now on (its run is followed). */
  hold(record: RunRecord): void {
    this.held.set(record.id, record);
  }

  release(id: string): void {
    this.held.delete(id);
  }

  /** The run's record (held, else run.json). Throws for a damaged run. */
  read(id: string): RunRecord {
    return this.held.get(id) ?? this.store.read(id);
  }

  /** The run's record, or its `damaged` stand-in. */
  readOrDamaged(id: string): RunRecord {
    return this.held.get(id) ?? this.store.readOrDamaged(id);
  }

  /** Applies a followed run's new events to its record; saves it when its summary changed. */
  applyEvents(id: string, events: readonly EngineEvent[]): RunRecord {
    const before = this.read(id);
    const after = events.reduce(applyEvent, before);
    return summaryChanged(before, after) ? this.save(after) : after;
  }

  /** Saves the run's record with `patch` applied; null when there is no record to update (run.json unreadable). */
  update(id: string, patch: Partial<RunRecord>): RunRecord | null {
    let record: RunRecord;
    try {
      record = { ...this.read(id), ...patch };
    } catch (error) {
      report(error); // its run.json cannot be read (damaged, or the folder is gone): nothing to update
      return null;
    }
    return this.save(record);
  }

  /** Writes a record and tells the subscribers; on a write failure, fails the run instead (see above). Never throws. */
  save(record: RunRecord): RunRecord {
    try {
      this.store.write(record);
      this.keep(record);
      return record;
    } catch (error) {
      const cause = errorMessage(error);
      const failed: RunRecord = {
        ...record,
        status: 'failed',
        // A run that failed already keeps its own cause; one that ended otherwise says how.
        last_error:
          record.status === 'failed' ? (record.last_error ?? cause) : isFinal(record.status) ? `${cause} (the run itself ended ${record.status})` : cause,
        ended_at: record.ended_at ?? now(),
      };
      try {
        this.store.write(failed);
      } catch {
        // Kept by the store and written when there is room again.
      }
      this.keep(failed);
      this.onUnrecordable(record.id, cause);
      return failed;
    }
  }

  /** Writes the records that could not be written before, now that there may be room. */
  retryUnsaved(): void {
    this.store.retryUnsaved();
  }

  private keep(record: RunRecord): void {
    if (this.held.has(record.id)) this.held.set(record.id, record);
    this.channels.publish(toSummary(record));
  }
}
