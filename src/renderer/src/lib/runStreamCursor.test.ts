import { describe, expect, it } from 'vitest';
import type { RunStreamMessage } from '../../../common/api';
import { LogBuffer } from './logBuffer';
import { RunTrace } from './runTrace';
import { StreamCursor } from './runStreamCursor';
import { stepEvent as step } from './events.test-helper';

type LogMessage = Extract<RunStreamMessage, { kind: 'log' }>;

/** A host's log message for `text` starting at byte `offset` of its file. */
const log = (stream: 'stdout' | 'stderr', offset: number, text: string): LogMessage => ({
  kind: 'log',
  stream,
  text,
  offset,
  end: offset + new TextEncoder().encode(text).length,
});

/** What a client holds: the trace and the log, fed only what its cursor says is new. */
function client() {
  const cursor = new StreamCursor();
  const trace = new RunTrace();
  const logs = new LogBuffer();
  const receive = (message: RunStreamMessage) => {
    if (message.kind === 'event' && cursor.acceptEvent(message.line)) trace.apply(message.event);
    if (message.kind === 'log') {
      const added = cursor.acceptLog(message);
      if (added?.skippedBytes) logs.appendGap(message.stream, added.skippedBytes);
      if (added) logs.appendText(message.stream, added.text);
    }
  };
  return { cursor, trace, logs, receive };
}

describe('StreamCursor', () => {
  it('keeps the trace and the log across a reconnect: it resubscribes with its cursor, and what the host sends again is not doubled', () => {
    const { cursor, trace, logs, receive } = client();
    [1, 2, 3].forEach((n) => receive({ kind: 'event', event: step(n), line: n }));
    receive(log('stdout', 0, 'epoch 1: 50%'));
    receive(log('stderr', 0, 'warming up\n'));
    // The link drops; this is what the client asks for when it is back.
    expect(cursor.cursor).toEqual({ events: 3, stdout: 12, stderr: 11 });

    // A host that sends from the cursor: the missed events, the rest of the open line.
    [4, 5].forEach((n) => receive({ kind: 'event', event: step(n), line: n }));
    receive(log('stdout', 12, '\repoch 1: 100%\n'));
    expect(trace.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5]);
    expect(trace.eventCount).toBe(5);
    expect(logs.lines.map((line) => [line.source, line.text])).toEqual([
      ['stdout', 'epoch 1: 100%'],
      ['stderr', 'warming up'],
    ]);

    // A replay that overlaps what is held (the same lines again, a chunk that began earlier) adds only the new part.
    [4, 5, 6].forEach((n) => receive({ kind: 'event', event: step(n), line: n }));
    receive(log('stderr', 0, 'warming up\nready\n'));
    expect(trace.steps.map((s) => s.step)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(logs.lines.filter((line) => line.source === 'stderr').map((line) => line.text)).toEqual(['warming up', 'ready']);
  });

  it('cuts an overlapping chunk by bytes, not characters', () => {
    const { cursor, logs, receive } = client();
    receive(log('stdout', 0, 'é1 '));
    receive(log('stdout', 0, 'é1 époque\n'));
    expect(logs.lines.map((line) => line.text)).toEqual(['é1 époque']);
    expect(cursor.cursor.stdout).toBe(new TextEncoder().encode('é1 époque\n').length);
  });

  it('takes a first tail that starts late as it is, and marks output it will never get', () => {
    const { logs, receive } = client();
    receive(log('stdout', 5000, 'line 100\n'));
    receive(log('stdout', 9000, 'line 900\n')); // the host sent a tail: 3991 bytes are not coming
    expect(logs.lines.map((line) => line.text)).toEqual(['line 100', '… 3991 bytes of output not shown …', 'line 900']);
  });
});
