/** The run's log tail: process output (stdout/stderr) and the engine's log/error events, capped. */
import type { ErrorEvent, LogEvent } from '../../../common/events';

export type LogSource = 'stdout' | 'stderr' | 'engine';
export type LogLevel = 'debug' | 'info' | 'warning' | 'error';

export interface LogLine {
  id: number;
  source: LogSource;
  level: LogLevel | null;
  text: string;
  /** Unix seconds, for engine events. */
  t: number | null;
}

export class LogBuffer {
  lines: LogLine[] = [];
  private nextId = 1;
  /** The last line of each stream when it did not end with a newline (the next chunk continues it). */
  private open: Record<'stdout' | 'stderr', LogLine | null> = { stdout: null, stderr: null };
  private openRaw: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };

  constructor(readonly cap = 4000) {}

  appendText(stream: 'stdout' | 'stderr', text: string): void {
    if (!text) return;
    const parts = text.replace(/\r\n/g, '\n').split('\n');
    let current = this.open[stream];
    let raw = this.openRaw[stream];
    parts.forEach((part, index) => {
      if (index > 0) current = null; // a newline ended the previous line
      if (current) {
        raw += part;
        current.text = visibleText(raw);
      } else if (part !== '' || index < parts.length - 1) {
        raw = part;
        current = { id: this.nextId++, source: stream, level: null, text: visibleText(raw), t: null };
        this.lines.push(current);
      }
    });
    this.open[stream] = current;
    this.openRaw[stream] = current ? raw : '';
    this.trim();
  }

  /** Marks output of `stream` that will not be shown (the host sent a later tail): the open line ends there. */
  appendGap(stream: 'stdout' | 'stderr', bytes: number): void {
    this.open[stream] = null;
    this.openRaw[stream] = '';
    this.lines.push({ id: this.nextId++, source: stream, level: null, text: `… ${bytes} bytes of output not shown …`, t: null });
    this.trim();
  }

  appendEvent(event: LogEvent | ErrorEvent): void {
    const text = event.type === 'error' ? `${event.message}${event.where ? ` (at ${event.where})` : ''}` : event.message;
    this.lines.push({
      id: this.nextId++,
      source: 'engine',
      level: event.type === 'error' ? 'error' : event.level,
      text,
      t: event.t,
    });
    this.trim();
  }

  /** The text of one stream as currently held, for de-duplicating a fetched tail. */
  textOf(stream: 'stdout' | 'stderr'): string {
    return this.lines
      .filter((l) => l.source === stream)
      .map((l) => l.text)
      .join('\n');
  }

  clear(): void {
    this.lines = [];
    this.open = { stdout: null, stderr: null };
    this.openRaw = { stdout: '', stderr: '' };
  }

  private trim(): void {
    if (this.lines.length > this.cap) this.lines.splice(0, this.lines.length - this.cap);
  }
}

/** What a terminal would show of a line that redraws itself with carriage returns (progress bars). */
function visibleText(raw: string): string {
  const trimmed = raw.replace(/\r+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('\r') + 1);
}
