/**
 * A run's output files as a stream with positions: the events of `events.jsonl` with their line
 * numbers, and the chunks of `stdout.log` / `stderr.log` with the bytes they span. A live run is
 * followed by one `RunTail`; a subscriber joining (or coming back with a cursor) is brought up to
 * the tail's position by `replayMessages`, and hears the rest live, so nothing is lost or doubled.
 */
import type { RunCursor, RunStreamMessage } from '../../common/api.js';
import { EventLogReader, type NumberedEvent } from '../runs/eventLog.js';
import type { LogStream } from '../runs/runStore.js';
import { FileTail, type FileChunk } from './fileTail.js';

export const LOG_STREAMS = ['stdout', 'stderr'] as const satisfies readonly LogStream[];

/** A new subscriber's log history: the end of each log, as `runs.log` gives it by default. */
export const LOG_TAIL_BYTES = 16_384;

/** A returning subscriber further behind than this gets the tail instead (a gap, which its offsets show). */
export const LOG_REPLAY_MAX_BYTES = 1 << 20;

export interface RunFiles {
  events: string;
  stdout: string;
  stderr: string;
}

export type LogChunk = FileChunk & { stream: LogStream };

export class RunTail {
  /** Every event read so far, in order: a subscriber's history while the run is followed. */
  readonly events: NumberedEvent[] = [];
  private readonly reader: EventLogReader;
  private readonly logs: Record<LogStream, FileTail>;

  /** `logOffsets`: where each log is followed from (what was written before is history). */
  constructor(
    readonly files: RunFiles,
    logOffsets: Record<LogStream, number>,
  ) {
    this.reader = new EventLogReader(files.events);
    this.logs = { stdout: new FileTail(files.stdout, logOffsets.stdout), stderr: new FileTail(files.stderr, logOffsets.stderr) };
  }

  /** How far each log is now (the sizes of the files), for a tail that follows only new output. */
  static logSizes(files: RunFiles): Record<LogStream, number> {
    return { stdout: FileTail.sizeOf(files.stdout), stderr: FileTail.sizeOf(files.stderr) };
  }

  /** Events appended since the last read; they are kept in `events` too. */
  readEvents(): NumberedEvent[] {
    const fresh = this.reader.readNewLines();
    this.events.push(...fresh);
    return fresh;
  }

  /** Log output appended since the last read. */
  readLogs(): LogChunk[] {
    const chunks: LogChunk[] = [];
    for (const stream of LOG_STREAMS) {
      const chunk = this.logs[stream].readChunk();
      if (chunk) chunks.push({ stream, ...chunk });
    }
    return chunks;
  }

  /** Where each log's next read starts: what a subscriber joining now must be replayed up to. */
  logPositions(): Record<LogStream, number> {
    return { stdout: this.logs.stdout.position, stderr: this.logs.stderr.position };
  }
}

/**
 * What brings a subscriber from `after` (or from nothing) up to a point: the events after its line
 * and each log from its byte up to `logEnds` (a live tail's positions; the files' sizes otherwise).
 * `events` are the events known (a live tail's); read from the file when null.
 */
export function replayMessages(
  files: RunFiles,
  after: RunCursor | undefined,
  events: readonly NumberedEvent[] | null,
  logEnds: Record<LogStream, number>,
): { events: RunStreamMessage[]; logs: RunStreamMessage[] } {
  const history = events ?? new EventLogReader(files.events).readNewLines();
  const fromLine = after?.events ?? 0;
  const eventMessages: RunStreamMessage[] = [];
  for (const { line, event } of history) if (line > fromLine) eventMessages.push({ kind: 'event', event, line });
  const messages: RunStreamMessage[] = [];
  for (const stream of LOG_STREAMS) {
    const path = files[stream];
    const end = logEnds[stream];
    let from = after?.[stream];
    // No cursor, one past the end (the log was replaced), or too far behind: the tail, from a line start.
    if (from === undefined || from > end || end - from > LOG_REPLAY_MAX_BYTES) from = FileTail.tailStart(path, end, LOG_TAIL_BYTES);
    while (from < end) {
      const chunk = FileTail.readRange(path, from, end);
      if (!chunk) break;
      messages.push({ kind: 'log', stream, text: chunk.text, offset: chunk.offset, end: chunk.end });
      from = chunk.end;
    }
  }
  return { events: eventMessages, logs: messages };
}
