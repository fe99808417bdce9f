import { describe, expect, it } from 'vitest';
import { effectScope, ref } from 'vue';
import type { RunSummary } from '../../../common/runs';
import { fakeApi, settle } from './fakeApi.test-helper';
import { useRunStream } from './useRunStream';
import { stepEvent } from '../lib/events.test-helper';

const summary: RunSummary = {
  id: 'r1',
  name: 'demo',
  status: 'running',
  method: 'coconut',
  created_at: '2026-01-01T00:00:00Z',
  started_at: '2026-01-01T00:00:01Z',
  ended_at: null,
  stage: 0,
  epoch: 0,
  num_epochs: 2,
  best_accuracy: null,
  last_accuracy: null,
  last_error: null,
  dir: '/runs/r1',
};

/** A host's stdout chunk starting at byte `offset`. */
const log = (offset: number, text: string) => ({ kind: 'log' as const, stream: 'stdout' as const, text, offset, end: offset + new TextEncoder().encode(text).length });

function start() {
  const api = fakeApi({
    'runs.get': () => ({ run: summary, config_yaml: 'name: demo\n' }),
    'runs.cancel': () => ({ ...summary, status: 'cancelled' }),
  });
  const scope = effectScope();
  const stream = scope.run(() => useRunStream(api, ref('r1')))!;
  return { api, scope, stream, sub: () => api.subs.at(-1)! };
}

describe('useRunStream', () => {
  it('replays history and the log tail, then live messages, each once', async () => {
    const { stream, sub, scope } = start();
    await settle();
    expect(stream.summary.value?.name).toBe('demo');
    expect(stream.configYaml.value).toBe('name: demo\n');
    expect(sub().params).toEqual({ id: 'r1' });
    sub().push({ kind: 'event', event: stepEvent(1), line: 1 });
    sub().push({ kind: 'event', event: stepEvent(2), line: 2 });
    sub().push(log(0, 'line one\nline two\n'));
    sub().push({ kind: 'replayed' });
    expect(stream.replayed.value).toBe(true);
    expect(stream.trace.value.steps).toHaveLength(2);
    sub().push(log(18, 'line three\n'));
    await settle(150);
    expect(stream.logs.value.map((l) => l.text)).toEqual(['line one', 'line two', 'line three']);
    sub().push({ kind: 'run', run: { ...summary, status: 'completed' } });
    expect(stream.summary.value?.status).toBe('completed');
    scope.stop();
    expect(sub().closed).toBe(true);
  });

  it('keeps its trace and log across a reconnect, resubscribing with its cursor', async () => {
    const { stream, sub, scope } = start();
    await settle();
    sub().push({ kind: 'event', event: stepEvent(1), line: 1 });
    sub().push({ kind: 'event', event: stepEvent(2), line: 2 });
    sub().push(log(0, 'epoch 1 '));
    sub().push({ kind: 'replayed' });
    sub().push({ kind: 'event', event: stepEvent(3), line: 4 }); // line 3 was not an event
    const generation = stream.generation.value;
    const trace = stream.trace.value;
    sub().options.onResubscribed?.();
    expect(sub().options.resubscribeParams?.()).toEqual({ id: 'r1', after: { events: 4, stdout: 8, stderr: 0 } });
    expect(stream.generation.value).toBe(generation);
    expect(stream.trace.value).toBe(trace);
    // The host sends what was missed (and a host that sends a line again is not believed twice).
    sub().push({ kind: 'event', event: stepEvent(3), line: 4 });
    sub().push({ kind: 'event', event: stepEvent(4), line: 5 });
    sub().push(log(8, 'done\n'));
    sub().push({ kind: 'replayed' });
    await settle(150);
    expect(stream.trace.value.steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    expect(stream.trace.value.eventCount).toBe(4);
    expect(stream.logs.value.map((l) => l.text)).toEqual(['epoch 1 done']);
    scope.stop();
  });

  it('ticks version at most once per batch of events', async () => {
    const { stream, sub, scope } = start();
    await settle();
    const before = stream.version.value;
    for (let n = 1; n <= 500; n++) sub().push({ kind: 'event', event: stepEvent(n), line: n });
    expect(stream.version.value).toBe(before);
    await settle(150);
    expect(stream.version.value).toBe(before + 1);
    scope.stop();
  });

  it('cancels through the API and shows the answer', async () => {
    const { stream, api, scope } = start();
    await settle();
    await stream.cancel();
    expect(api.calls.some(([m]) => m === 'runs.cancel')).toBe(true);
    expect(stream.summary.value?.status).toBe('cancelled');
    scope.stop();
  });
});
