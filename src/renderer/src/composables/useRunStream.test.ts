import { describe, expect, it } from 'vitest';
import { effectScope, ref } from 'vue';
import type { EngineEvent } from '../../../common/events';
import type { RunSummary } from '../../../common/runs';
import { fakeApi, settle } from './fakeApi.test-helper';
import { useRunStream } from './useRunStream';

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

const stepEvent = (n: number): EngineEvent => ({
  v: 1,
  t: n,
  type: 'step',
  stage: 0,
  epoch: 0,
  step: n,
  epoch_step: n,
  steps_in_epoch: 10,
  loss: 1 / n,
  lr: 1e-4,
  samples_per_s: 1,
  tokens_per_s: 1,
});

function start(logs: Record<string, string> = {}) {
  const api = fakeApi({
    'runs.get': () => ({ run: summary, config_yaml: 'name: demo\n' }),
    'runs.log': (req) => ({ text: logs[(req as { stream: string }).stream] ?? '', truncated: false }),
    'runs.cancel': () => ({ ...summary, status: 'cancelled' }),
  });
  const scope = effectScope();
  const stream = scope.run(() => useRunStream(api, ref('r1')))!;
  return { api, scope, stream, sub: () => api.subs.at(-1)! };
}

describe('useRunStream', () => {
  it('replays history, then the log tail, then live messages', async () => {
    const { stream, sub, scope } = start({ stdout: 'line one\nline two\n' });
    await settle();
    expect(stream.summary.value?.name).toBe('demo');
    expect(stream.configYaml.value).toBe('name: demo\n');
    sub().push({ kind: 'event', event: stepEvent(1) });
    sub().push({ kind: 'event', event: stepEvent(2) });
    sub().push({ kind: 'replayed' });
    expect(stream.replayed.value).toBe(true);
    expect(stream.trace.value.steps).toHaveLength(2);
    // Live output arriving while the tail is fetched is not doubled.
    sub().push({ kind: 'log', stream: 'stdout', text: 'line two\n' });
    sub().push({ kind: 'log', stream: 'stdout', text: 'line three\n' });
    await settle(150);
    expect(stream.logs.value.map((l) => l.text)).toEqual(['line one', 'line two', 'line three']);
    sub().push({ kind: 'run', run: { ...summary, status: 'completed' } });
    expect(stream.summary.value?.status).toBe('completed');
    scope.stop();
    expect(sub().closed).toBe(true);
  });

  it('starts over when the subscription is sent again after a reconnect', async () => {
    const { stream, sub, scope } = start();
    await settle();
    sub().push({ kind: 'event', event: stepEvent(1) });
    sub().push({ kind: 'event', event: stepEvent(2) });
    sub().push({ kind: 'replayed' });
    sub().push({ kind: 'event', event: stepEvent(3) });
    const generation = stream.generation.value;
    sub().options.onResubscribed?.();
    expect(stream.generation.value).toBe(generation + 1);
    expect(stream.trace.value.steps).toHaveLength(0);
    expect(stream.replayed.value).toBe(false);
    for (const n of [1, 2, 3, 4]) sub().push({ kind: 'event', event: stepEvent(n) });
    sub().push({ kind: 'replayed' });
    expect(stream.trace.value.steps.map((s) => s.step)).toEqual([1, 2, 3, 4]);
    scope.stop();
  });

  it('ticks version at most once per batch of events', async () => {
    const { stream, sub, scope } = start();
    await settle();
    const before = stream.version.value;
    for (let n = 1; n <= 500; n++) sub().push({ kind: 'event', event: stepEvent(n) });
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
