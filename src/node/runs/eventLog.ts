/**
 * Reading a run's `events.jsonl`, whole or as it grows. The engine appends one JSON object per
 * line; a line may be caught half-written, so only complete lines are parsed. A line that is not
 * a valid event is reported once and skipped: one bad line must not hide the rest of a run.
 */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs';
import { EngineEventSchema, type EngineEvent } from '../../common/events.js';

export interface EventLogProblem {
  line: number;
  message: string;
}

export class EventLogReader {
  private offset = 0;
  private pending = '';
  private lineNumber = 0;
  readonly problems: EventLogProblem[] = [];

  constructor(private readonly path: string) {}

  /** Events appended since the last call (all of them on the first call). */
  readNew(): EngineEvent[] {
    if (!existsSync(this.path)) return [];
    const size = statSync(this.path).size;
    if (size <= this.offset) return [];
    const buffer = Buffer.alloc(size - this.offset);
    const fd = openSync(this.path, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, this.offset);
    } finally {
      closeSync(fd);
    }
    this.offset = size;
    const lines = (this.pending + buffer.toString('utf8')).split('\n');
    this.pending = lines.pop() ?? '';
    const events: EngineEvent[] = [];
    for (const line of lines) {
      this.lineNumber += 1;
      if (line.trim() === '') continue;
      const event = this.parse(line);
      if (event) events.push(event);
    }
    return events;
  }

  private parse(line: string): EngineEvent | null {
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      this.problems.push({ line: this.lineNumber, message: 'not JSON' });
      return null;
    }
    const parsed = EngineEventSchema.safeParse(value);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      this.problems.push({
        line: this.lineNumber,
        message: `not a valid event: ${first?.path.join('.') ?? ''} ${first?.message ?? ''}`.trim(),
      });
      return null;
    }
    return parsed.data;
  }
}

export function readAllEvents(path: string): EngineEvent[] {
  return new EventLogReader(path).readNew();
}
