/**
 * Where a client is in a run's stream, from the positions the host puts on every message (an
 * event's line in events.jsonl, a log chunk's bytes in its file). It decides what is new by
 * position alone — never by comparing text — and is what the client resubscribes with when the
 * link comes back, so the host sends only what was missed.
 */
import type { RunCursor, RunStreamMessage } from '../../../common/api';

type LogMessage = Extract<RunStreamMessage, { kind: 'log' }>;
type LogStream = LogMessage['stream'];

/** What a log chunk adds to what the client holds. */
export interface LogAddition {
  text: string;
  /** Output between what the client had and this chunk that it will never get (the host sent a tail instead); 0 for none. */
  skippedBytes: number;
}

export class StreamCursor {
  private readonly position: RunCursor = { events: 0, stdout: 0, stderr: 0 };
  /** Whether any output of the stream has arrived: the first chunk (a tail) starting late is no gap. */
  private readonly seen: Record<LogStream, boolean> = { stdout: false, stderr: false };

  /** The cursor to resubscribe with. */
  get cursor(): RunCursor {
    return { ...this.position };
  }

  /** True when the event on `line` is new (then the cursor moves past it); false for one already held. */
  acceptEvent(line: number): boolean {
    if (line <= this.position.events) return false;
    this.position.events = line;
    return true;
  }

  /** The new part of a log chunk (null when the client holds all of it already); the cursor moves to its end. */
  acceptLog(message: LogMessage): LogAddition | null {
    const have = this.position[message.stream];
    if (message.end <= have) return null;
    let text = message.text;
    let skippedBytes = 0;
    if (message.offset < have) text = withoutLeadingBytes(text, have - message.offset);
    else if (message.offset > have && this.seen[message.stream]) skippedBytes = message.offset - have;
    this.position[message.stream] = message.end;
    this.seen[message.stream] = true;
    return { text, skippedBytes };
  }
}

/** `text` without its first `bytes` UTF-8 bytes (a chunk that overlaps what is held; offsets fall between characters). */
function withoutLeadingBytes(text: string, bytes: number): string {
  return new TextDecoder().decode(new TextEncoder().encode(text).subarray(bytes));
}
