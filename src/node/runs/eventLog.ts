/**
 * Reading a run's `events.jsonl`, whole or as it grows. The engine appends one JSON object per
 * line; a line may be caught half-written, so only complete lines are parsed. A line that is not
 * a valid event is reported once and skipped: one bad line must not hide the rest of a run. The
 * problems are kept (the first hundred, and a count of all) so the run's page can say which lines
 * were skipped and why.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { EngineEventSchema, type EngineEvent } from '../../common/events.js';
import type { EventLogProblem, EventLogReport } from '../../common/runs.js';
import { jsonErrorOffset } from './runDamage.js';

export type { EventLogProblem };

/** Enough to show which lines and why; a file of garbage must not fill the memory with messages. */
export const MAX_KEPT_PROBLEMS = 100;

/**
 * Where an event starts (the engine writes `{"v": 1, "t": …`). An engine killed mid-line and
 * started again (a resume) appends its next event to the cut one; the event after the cut is whole.
 */
const EVENT_START = /\{\s*"v"\s*:/g;

/** The first characters of a line, for a message that lets a person find it. */
function snippet(line: string): string {
  const trimmed = line.trim();
  return trimmed.length > 60 ? `${trimmed.slice(0, 60)}…` : trimmed;
}

/** An event and the line of `events.jsonl` it was read from (1-based). */
export interface NumberedEvent {
  line: number;
  event: EngineEvent;
}

export class EventLogReader {
  private offset = 0;
  private pending = '';
  private lineNumber = 0;
  /** The first `MAX_KEPT_PROBLEMS` skipped lines. */
  readonly problems: EventLogProblem[] = [];
  /** Every skipped line, counted. */
  problemCount = 0;

  constructor(private readonly path: string) {}

  /**
   * Events appended since the last call (all of them on the first call). The offset only ever
   * moves past complete lines: the unfinished last line is read again from the file next time,
   * so a half-written event that the engine cuts back off (a write that failed on a full disk)
   * is never joined to the event written after it.
   */
  readNew(): EngineEvent[] {
    return this.readNewLines().map((entry) => entry.event);
  }

  /** `readNew`, each event with its line number in the file (1-based): the cursor a live stream resumes from. */
  readNewLines(): NumberedEvent[] {
    if (!existsSync(this.path)) return [];
    const size = statSync(this.path).size;
    if (size < this.offset) this.offset = size; // shrunk below a whole line: not the engine's doing; read what comes
    if (size <= this.offset) {
      if (size === this.offset) this.pending = '';
      return [];
    }
    const buffer = Buffer.alloc(size - this.offset);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    const end = buffer.lastIndexOf(0x0a) + 1;
    this.pending = buffer.subarray(end).toString('utf8');
    if (end === 0) return [];
    this.offset += end;
    const lines = buffer.subarray(0, end - 1).toString('utf8').split('\n');
    const events: NumberedEvent[] = [];
    for (const line of lines) {
      this.lineNumber += 1;
      if (line.trim() === '') continue;
      const event = this.parse(line);
      if (event) events.push({ line: this.lineNumber, event });
    }
    return events;
  }

  /**
   * What was read so far: the skipped lines and how many lines there are. With `ended` (nothing
   * will be appended any more) a last line without its line end is cut short for good, and counts
   * as skipped; while the run goes on it is only not written yet.
   */
  report(ended: boolean): EventLogReport {
    const torn = ended && this.pending.trim() !== '';
    const line = this.lineNumber + 1;
    const tornProblem: EventLogProblem = { line, message: `cut short: the file ends in the middle of this line (${snippet(this.pending)})` };
    return {
      problems: torn && this.problems.length < MAX_KEPT_PROBLEMS ? [...this.problems, tornProblem] : [...this.problems],
      count: this.problemCount + (torn ? 1 : 0),
      lines: this.lineNumber + (this.pending === '' ? 0 : 1),
    };
  }

  private skip(message: string): void {
    this.problemCount += 1;
    if (this.problems.length < MAX_KEPT_PROBLEMS) this.problems.push({ line: this.lineNumber, message });
  }

  private parse(line: string): EngineEvent | null {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      const after = this.eventAfterCut(line);
      if (after) {
        this.skip('an event cut short; the event written after it on the same line was read');
        return after;
      }
      const cutShort = jsonErrorOffset(line) >= line.trimEnd().length;
      this.skip(`${cutShort ? 'cut short' : 'not valid JSON'} (${snippet(line)})`);
      return null;
    }
    const parsed = EngineEventSchema.safeParse(value);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const type = value !== null && typeof value === 'object' && typeof (value as { type?: unknown }).type === 'string' ? ` "${(value as { type: string }).type}"` : '';
      const where = first && first.path.length > 0 ? `${first.path.join('.')}: ` : '';
      this.skip(`not a valid${type} event: ${where}${first?.message ?? 'unknown problem'}`);
      return null;
    }
    return parsed.data;
  }

  /** A whole event after the start of a cut one on the same line, or null. */
  private eventAfterCut(line: string): EngineEvent | null {
    for (const match of line.matchAll(EVENT_START)) {
      if (match.index === 0) continue;
      try {
        const parsed = EngineEventSchema.safeParse(JSON.parse(line.slice(match.index)));
        if (parsed.success) return parsed.data;
      } catch {
        // Not this one; an event may start further on.
      }
    }
    return null;
  }
}

export function readAllEvents(path: string): EngineEvent[] {
  return new EventLogReader(path).readNew();
}

/** The skipped lines of a whole `events.jsonl`; `ended`: see `EventLogReader.report`. */
export function eventLogReport(path: string, ended: boolean): EventLogReport {
  const reader = new EventLogReader(path);
  reader.readNew();
  return reader.report(ended);
}
