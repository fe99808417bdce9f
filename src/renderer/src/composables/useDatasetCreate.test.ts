import { describe, expect, it } from 'vitest';
import { effectScope } from 'vue';
import { ApiError, type DatasetJob } from '../../../common/api';
import { fakeApi, settle } from './fakeApi.test-helper';
import { parseParam, useDatasetCreate } from './useDatasetCreate';
import { useDatasets } from './useDatasets';

const GENERATORS = [
  { name: 'graphs', version: 1, description: 'test graphs', defaults: { preset: 'official', maxNodes: 28, pairs: false } },
  { name: 'other', version: 1, description: 'other', defaults: { size: 3 } },
];

/** Resolves like the real generators: the small preset brings its own maxNodes unless one is given. */
function resolve(request: unknown) {
  const { params } = request as { params: Record<string, unknown> };
  if (typeof params.maxNodes === 'string') return { params: null, issues: [{ path: 'params.maxNodes', message: 'expected a number' }] };
  const preset = (params.preset as string | undefined) ?? 'official';
  return { params: { preset, maxNodes: preset === 'small' ? 10 : 28, pairs: false, ...params }, issues: [] };
}

describe('useDatasetCreate', () => {
  it('sends only the parameters the user changed; untouched fields follow what those imply', async () => {
    const api = fakeApi({ 'datasets.generators': () => GENERATORS, 'datasets.resolveParams': resolve, 'datasets.create': () => ({ id: 'job-1' }) });
    const scope = effectScope();
    const form = scope.run(() => useDatasetCreate(api, { checkDelayMs: 0 }))!;
    await settle();
    expect(form.generator.value).toBe('graphs');
    expect(form.fields.value).toEqual([
      { key: 'preset', kind: 'text' },
      { key: 'maxNodes', kind: 'number' },
      { key: 'pairs', kind: 'boolean' },
    ]);
    expect(form.values.maxNodes).toBe('28');

    form.setParam('preset', 'small');
    await settle(5);
    expect(form.values.maxNodes).toBe('10');
    form.setParam('maxNodes', 'ten');
    await settle(5);
    expect(form.issuesOf('params.maxNodes')).toEqual([{ path: 'params.maxNodes', message: 'expected a number' }]);

    form.setParam('maxNodes', '12');
    form.setName('  mine ');
    form.setSize('train', 50);
    form.setSeed(4);
    expect(await form.submit()).toEqual({ id: 'job-1' });
    expect(api.calls.at(-1)).toEqual([
      'datasets.create',
      { name: 'mine', generator: 'graphs', params: { preset: 'small', maxNodes: 12 }, sizes: { train: 50, valid: 100, test: 100 }, seed: 4 },
    ]);

    form.setGenerator('other');
    await settle();
    expect(form.values).toEqual({ size: '3' });
    expect(form.edited.value.size).toBe(0);
    scope.stop();
  });

  it('shows the host refusal with the field it names', async () => {
    const api = fakeApi({
      'datasets.generators': () => GENERATORS,
      'datasets.create': () => {
        throw new ApiError('conflict', 'name: a dataset named x already exists', [{ path: 'name', message: 'a dataset named x already exists' }]);
      },
    });
    const scope = effectScope();
    const form = scope.run(() => useDatasetCreate(api))!;
    await settle();
    expect(await form.submit()).toBeNull();
    expect(form.error.value).toBe('name: a dataset named x already exists');
    expect(form.issuesOf('name')).toHaveLength(1);
    scope.stop();
  });

  it('reads number fields as numbers only when they parse', () => {
    expect(parseParam('number', '1.5')).toBe(1.5);
    expect(parseParam('number', '')).toBe('');
    expect(parseParam('number', 'x')).toBe('x');
    expect(parseParam('boolean', 'true')).toBe(true);
  });
});

describe('useDatasets', () => {
  it('lists again when a job completes', async () => {
    let listed = 0;
    const api = fakeApi({ 'datasets.list': () => (listed++ === 0 ? [] : [{ name: 'new', path: '/d/new', splits: [], records: 0, generator: null }]) });
    const scope = effectScope();
    const state = scope.run(() => useDatasets(api))!;
    await settle();
    expect(state.datasets.value).toEqual([]);
    const job: DatasetJob = { id: 'j', name: 'new', generator: 'g', status: 'running', split: 'test', done: 1, total: 4, error: null, started_at: '2025-01-01T00:00:00Z', finished_at: null };
    api.subs[0]!.push(job);
    expect(state.jobs.value).toEqual([job]);
    await settle();
    expect(listed).toBe(1);
    api.subs[0]!.push({ ...job, status: 'completed', done: 4, split: null });
    await settle();
    expect(listed).toBe(2);
    expect(state.datasets.value.map((dataset) => dataset.name)).toEqual(['new']);
    scope.stop();
    expect(api.subs[0]!.closed).toBe(true);
  });
});
