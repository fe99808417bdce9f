import { describe, expect, it } from 'vitest';
import { effectScope, ref } from 'vue';
import { ApiError } from '../../../common/api';
import type { InspectRecord, Inspection } from '../../../common/inspector';
import { fakeApi, settle } from './fakeApi.test-helper';
import { useDebounced } from './useDebounced';
import { clampThoughts, useInspection, type ThoughtLimits } from './useInspection';

/** Enough of an inspection to tell replies apart: its question and k. */
function inspectionFor(request: { record: InspectRecord; thoughts?: number }): Inspection {
  const k = request.thoughts ?? 0;
  return {
    bundle: { path: '/b', run_id: 'r', checkpoint: 'best', method: 'coconut' },
    provider: 'cpu',
    cache: true,
    question: request.record.question,
    prompt_tokens: 5,
    thoughts_requested: k,
    thoughts: Array.from({ length: k }, (_, index) => ({ index, top: [], entropy: 0, norm: 1, lens: [] })),
    embedding_norm: 1,
    lens_layers: 2,
    generated: '',
    generated_ids: [],
    reasoning: '',
    answer: '',
    expected_answer: null,
    correct: null,
    node_values: null,
    warnings: [],
    timing_ms: { total: 1, thoughts: 0, answer: 1, node_values: 0 },
  };
}

interface Deferred {
  request: { record: InspectRecord; thoughts?: number; checkpoint: string };
  resolve: () => void;
  reject: (error: Error) => void;
}

/** An API whose `inspect.run` replies only when the test says so, in any order. */
function controlledApi() {
  const pending: Deferred[] = [];
  const api = fakeApi({
    'inspect.run': (request) =>
      new Promise((resolve, reject) => {
        const r = request as Deferred['request'];
        pending.push({ request: r, resolve: () => resolve(inspectionFor(r)), reject });
      }),
  });
  return { api, pending };
}

function start(options: { limits?: ThoughtLimits | null; delayMs?: number } = {}) {
  const { api, pending } = controlledApi();
  const inputs = {
    runId: ref('r'),
    checkpoint: ref<string | null>('best'),
    record: ref<InspectRecord | null>({ question: 'a b ?' }),
    limits: ref<ThoughtLimits | null>(options.limits === undefined ? { default: 2, max: 4 } : options.limits),
    enabled: ref(true),
  };
  const scope = effectScope();
  const live = scope.run(() => useInspection(api, inputs, { delayMs: options.delayMs ?? 5 }))!;
  return { api, pending, inputs, live, scope, runCalls: () => api.calls.filter(([method]) => method === 'inspect.run') };
}

describe('useInspection', () => {
  it('starts k at the checkpoint default and asks once the pause is over', async () => {
    const { live, pending, scope } = start();
    expect(live.thoughts.value).toBe(2);
    expect(live.loading.value).toBe(true);
    expect(pending).toHaveLength(0);
    await settle(10);
    expect(pending).toHaveLength(1);
    expect(pending[0]!.request).toMatchObject({ id: 'r', checkpoint: 'best', record: { question: 'a b ?' }, thoughts: 2, top: 10, cache: true });
    pending[0]!.resolve();
    await settle();
    expect(live.inspection.value?.thoughts).toHaveLength(2);
    expect(live.loading.value).toBe(false);
    expect(live.current.value).toBe(true);
    scope.stop();
  });

  it('sends one request for a burst of slider moves (the last k)', async () => {
    const { live, pending, scope, runCalls } = start({ delayMs: 20 });
    for (const k of [3, 4, 1, 0, 3]) {
      live.setThoughts(k);
      await settle(2);
    }
    await settle(40);
    expect(runCalls()).toHaveLength(1);
    expect(pending[0]!.request.thoughts).toBe(3);
    scope.stop();
  });

  it('drops a reply that arrives after a newer request was sent', async () => {
    const { live, pending, scope } = start();
    await settle(10);
    live.setThoughts(4);
    await settle(10);
    expect(pending.map((p) => p.request.thoughts)).toEqual([2, 4]);
    // The newer reply first, then the older one: the page keeps the newer.
    pending[1]!.resolve();
    await settle();
    expect(live.inspection.value?.thoughts_requested).toBe(4);
    pending[0]!.resolve();
    await settle();
    expect(live.inspection.value?.thoughts_requested).toBe(4);
    expect(live.current.value).toBe(true);
    scope.stop();
  });

  it('ignores an older reply that lands while the newer request is still waiting for its pause', async () => {
    const { live, pending, scope } = start({ delayMs: 30 });
    await settle(40);
    live.setThoughts(1);
    pending[0]!.resolve();
    await settle();
    expect(live.inspection.value).toBeNull();
    expect(live.loading.value).toBe(true);
    await settle(40);
    pending[1]!.resolve();
    await settle();
    expect(live.inspection.value?.thoughts_requested).toBe(1);
    scope.stop();
  });

  it('keeps the last inspection beside an error, and clears the error on the next success', async () => {
    const { live, pending, inputs, scope } = start();
    await settle(10);
    pending[0]!.resolve();
    await settle();
    inputs.record.value = { question: 'zzz unknown' };
    await settle(10);
    pending[1]!.reject(new ApiError('bad_request', 'unknown word "zzz" in the question'));
    await settle();
    expect(live.error.value).toEqual({ code: 'bad_request', message: 'unknown word "zzz" in the question' });
    expect(live.inspection.value?.question).toBe('a b ?');
    expect(live.current.value).toBe(false);
    inputs.record.value = { question: 'a c ?' };
    await settle(10);
    pending[2]!.resolve();
    await settle();
    expect(live.error.value).toBeNull();
    expect(live.inspection.value?.question).toBe('a c ?');
    scope.stop();
  });

  it('waits for a bundle, asks nothing again for equal inputs, and clears when the question goes', async () => {
    const { live, pending, inputs, scope, runCalls } = start({ limits: null });
    await settle(10);
    expect(live.thoughts.value).toBeNull();
    expect(runCalls()).toHaveLength(0);
    inputs.limits.value = { default: 1, max: 3 };
    await settle(10);
    expect(pending[0]!.request.thoughts).toBe(1);
    pending[0]!.resolve();
    await settle();
    // An equal record (recomputed) and the same limits again: nothing new to ask.
    inputs.record.value = { question: 'a b ?' };
    inputs.limits.value = { default: 1, max: 3 };
    await settle(10);
    expect(runCalls()).toHaveLength(1);
    live.refresh();
    await settle(10);
    expect(runCalls()).toHaveLength(2);
    inputs.record.value = null;
    await settle(10);
    expect(live.inspection.value).toBeNull();
    expect(live.loading.value).toBe(false);
    scope.stop();
  });

  it('holds requests while disabled (the bundle is being rewritten)', async () => {
    const { inputs, scope, runCalls } = start();
    inputs.enabled.value = false;
    await settle(10);
    expect(runCalls()).toHaveLength(0);
    inputs.enabled.value = true;
    await settle(10);
    expect(runCalls()).toHaveLength(1);
    scope.stop();
  });

  it('resets k to the default on another checkpoint and keeps it in range when the maximum shrinks', async () => {
    const { live, inputs, scope } = start();
    live.setThoughts(4);
    expect(live.thoughts.value).toBe(4);
    live.setThoughts(99);
    expect(live.thoughts.value).toBe(4);
    inputs.limits.value = { default: 2, max: 3 };
    await settle();
    expect(live.thoughts.value).toBe(3);
    inputs.checkpoint.value = 'last';
    inputs.limits.value = { default: 1, max: 3 };
    await settle();
    expect(live.thoughts.value).toBe(1);
    expect(live.maxThoughts.value).toBe(3);
    scope.stop();
  });

  it('clamps k into 0..max (and the contract limit)', () => {
    expect(clampThoughts(-2, { default: 1, max: 4 })).toBe(0);
    expect(clampThoughts(2.6, { default: 1, max: 4 })).toBe(3);
    expect(clampThoughts(Number.NaN, { default: 1, max: 4 })).toBe(1);
    expect(clampThoughts(100, { default: 1, max: 1000 })).toBe(32);
    // A pause-token model: k is its pause tokens, nothing else.
    expect(clampThoughts(0, { default: 0, max: 3, min: 3 })).toBe(3);
  });
});

describe('useDebounced', () => {
  it('follows once changes pause, or at once on flush', async () => {
    const scope = effectScope();
    const source = ref('a');
    const { settled, flush } = scope.run(() => useDebounced(source, 15))!;
    source.value = 'ab';
    await settle(5);
    source.value = 'abc';
    await settle(5);
    expect(settled.value).toBe('a');
    await settle(20);
    expect(settled.value).toBe('abc');
    source.value = 'x';
    await settle();
    flush();
    expect(settled.value).toBe('x');
    scope.stop();
  });
});
