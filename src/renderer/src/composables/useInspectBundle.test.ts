import { describe, expect, it } from 'vitest';
import { effectScope, ref } from 'vue';
import { ApiError, type DatasetRecordView } from '../../../common/api';
import type { ExportJob, InspectTargets } from '../../../common/inspector';
import { fakeApi, settle } from './fakeApi.test-helper';
import { useInspectable } from './useInspectable';
import { useInspectBundle } from './useInspectBundle';
import { QUESTIONS_PER_PAGE, useInspectRecords } from './useInspectRecords';

const BUNDLE = { checkpoint: 'best', path: '/runs/r/exports/best', stale: false, default_thoughts: 2, max_thoughts: 4, layers: 1 };

function targets(bundles: InspectTargets['bundles'] = [], problem: string | null = null): InspectTargets {
  return {
    run_id: 'r',
    method: 'coconut',
    checkpoints: problem
      ? []
      : [
          { label: 'best', file: '/runs/r/checkpoints/best.pt', epoch: null },
          { label: 'last', file: '/runs/r/checkpoints/epoch-3.pt', epoch: 3 },
        ],
    bundles,
    val_path: '/d/valid.json',
    problem,
  };
}

function job(changes: Partial<ExportJob> = {}): ExportJob {
  return {
    id: 'x1',
    run_id: 'r',
    checkpoint: 'best',
    status: 'running',
    phase: 'load',
    index: 0,
    total: 6,
    error: null,
    out: null,
    started_at: '2026-01-01T00:00:00Z',
    finished_at: null,
    ...changes,
  };
}

function start(handlers: Parameters<typeof fakeApi>[0], options: { autoExport?: boolean } = {}) {
  const api = fakeApi(handlers);
  const scope = effectScope();
  const bundle = scope.run(() => useInspectBundle(api, ref('r'), options))!;
  return { api, scope, bundle, topic: () => api.subs.find((sub) => sub.topic === 'exportJobs')! };
}

describe('useInspectBundle', () => {
  it('exports a checkpoint without a bundle once, shows its progress, and opens it when done', async () => {
    let exported = false;
    const { api, scope, bundle, topic } = start({
      'inspect.targets': () => targets(exported ? [BUNDLE] : []),
      'inspect.export': (request) => job({ checkpoint: (request as { checkpoint: string }).checkpoint }),
    });
    expect(bundle.state.value).toBe('loading');
    await settle();
    expect(bundle.checkpoint.value).toBe('best');
    expect(bundle.options.value.map((option) => [option.value, option.exported])).toEqual([
      ['best', false],
      ['last', false],
    ]);
    // Missing → exported on its own, once.
    expect(api.calls.filter(([method]) => method === 'inspect.export')).toEqual([['inspect.export', { id: 'r', checkpoint: 'best' }]]);
    expect(bundle.state.value).toBe('exporting');
    expect(bundle.usable.value).toBe(false);

    topic().push(job({ phase: 'decoder', index: 2 }));
    expect(bundle.job.value?.phase).toBe('decoder');
    // Another run's export is not this page's business.
    topic().push(job({ id: 'other', run_id: 'q', status: 'failed', error: 'no' }));
    expect(bundle.job.value?.id).toBe('x1');

    exported = true;
    topic().push(job({ status: 'completed', phase: 'verify', index: 6, out: BUNDLE.path }));
    await settle();
    expect(bundle.state.value).toBe('ready');
    expect(bundle.bundle.value?.max_thoughts).toBe(4);
    expect(bundle.usable.value).toBe(true);
    expect(api.calls.filter(([method]) => method === 'inspect.export')).toHaveLength(1);
    scope.stop();
    expect(topic().closed).toBe(true);
  });

  it('shows a failed export plainly and does not retry it by itself', async () => {
    const { api, scope, bundle, topic } = start({ 'inspect.targets': () => targets(), 'inspect.export': () => job() });
    await settle();
    topic().push(job({ status: 'failed', error: 'onnx export failed: unsupported op', finished_at: '2026-01-01T00:01:00Z' }));
    await settle();
    expect(bundle.state.value).toBe('failed');
    expect(bundle.exportError.value).toBe('onnx export failed: unsupported op');
    expect(api.calls.filter(([method]) => method === 'inspect.export')).toHaveLength(1);
    // The button starts it again.
    await bundle.startExport();
    expect(api.calls.filter(([method]) => method === 'inspect.export')).toHaveLength(2);
    scope.stop();
  });

  it('shows the refusal of the export call itself', async () => {
    const { scope, bundle } = start({
      'inspect.targets': () => targets(),
      'inspect.export': () => {
        throw new ApiError('internal', 'the engine is not ready');
      },
    });
    await settle();
    expect(bundle.state.value).toBe('failed');
    expect(bundle.exportError.value).toBe('the engine is not ready');
    scope.stop();
  });

  it('opens a ready bundle without exporting, re-exports a stale one, and exports a newly chosen checkpoint', async () => {
    const { api, scope, bundle } = start({
      'inspect.targets': () => targets([BUNDLE, { ...BUNDLE, checkpoint: 'last', stale: true }]),
      'inspect.export': (request) => job({ id: 'x2', checkpoint: (request as { checkpoint: string }).checkpoint }),
    });
    await settle();
    expect(bundle.state.value).toBe('ready');
    expect(bundle.usable.value).toBe(true);
    expect(api.calls.some(([method]) => method === 'inspect.export')).toBe(false);
    bundle.checkpoint.value = 'last';
    await settle();
    expect(api.calls.at(-1)).toEqual(['inspect.export', { id: 'r', checkpoint: 'last' }]);
    expect(bundle.state.value).toBe('exporting');
    scope.stop();
  });

  it('stays put when asked not to export by itself', async () => {
    const { api, scope, bundle } = start({ 'inspect.targets': () => targets() }, { autoExport: false });
    await settle();
    expect(bundle.state.value).toBe('missing');
    expect(api.calls.some(([method]) => method === 'inspect.export')).toBe(false);
    scope.stop();
  });

  it('says why nothing can be inspected, and why the targets could not be read', async () => {
    const none = start({ 'inspect.targets': () => targets([], 'no checkpoint yet: the first epoch has not ended') });
    await settle();
    expect(none.bundle.state.value).toBe('unavailable');
    expect(none.bundle.problem.value).toBe('no checkpoint yet: the first epoch has not ended');
    none.scope.stop();

    const broken = start({
      'inspect.targets': () => {
        throw new ApiError('not_found', 'no run with id r');
      },
    });
    await settle();
    expect(broken.bundle.state.value).toBe('loading');
    expect(broken.bundle.problem.value).toBe('no run with id r');
    broken.scope.stop();
  });
});

const record = (index: number): DatasetRecordView => ({ index, question: `q${index}`, steps: [], answer: `a${index}` });

describe('useInspectRecords', () => {
  it('pages through the validation questions, searches after a pause and moves the highlight', async () => {
    const all = Array.from({ length: 30 }, (_, i) => record(i));
    const api = fakeApi({
      'inspect.records': (request) => {
        const { offset, limit, query } = request as { offset: number; limit: number; query: string };
        const matching = all.filter((r) => r.question.includes(query));
        return { path: '/d/valid.json', total: matching.length, offset, records: matching.slice(offset, offset + limit) };
      },
    });
    const scope = effectScope();
    const questions = scope.run(() => useInspectRecords(api, ref('r'), { searchDelayMs: 5 }))!;
    await settle();
    expect(questions.records.value.map((r) => r.index)).toEqual(all.slice(0, QUESTIONS_PER_PAGE).map((r) => r.index));
    expect(questions.path.value).toBe('/d/valid.json');
    expect(questions.pageCount.value).toBe(3);
    expect(questions.highlighted.value).toBe(0);
    questions.move(1);
    questions.move(1);
    questions.move(-1);
    expect(questions.highlightedRecord.value?.question).toBe('q1');
    questions.move(-5);
    expect(questions.highlighted.value).toBe(0);

    questions.nextPage();
    await settle();
    expect(questions.records.value[0]?.index).toBe(QUESTIONS_PER_PAGE);
    expect(api.calls.at(-1)).toEqual(['inspect.records', { id: 'r', query: '', offset: QUESTIONS_PER_PAGE, limit: QUESTIONS_PER_PAGE }]);

    questions.query.value = 'q2';
    await settle(15);
    expect(questions.page.value).toBe(0);
    expect(questions.total.value).toBe(11);
    expect(questions.highlighted.value).toBe(2);
    scope.stop();
  });

  it('shows why there are no questions (no validation set) and stays usable', async () => {
    const api = fakeApi({
      'inspect.records': () => {
        throw new ApiError('not_found', 'the run names no validation set');
      },
    });
    const scope = effectScope();
    const questions = scope.run(() => useInspectRecords(api, ref('r')))!;
    await settle();
    expect(questions.error.value).toBe('the run names no validation set');
    expect(questions.records.value).toEqual([]);
    questions.move(1);
    expect(questions.highlighted.value).toBeNull();
    scope.stop();
  });
});

describe('useInspectable', () => {
  it('offers inspection once a checkpoint exists, asking again when told to', async () => {
    let checkpoints = false;
    const api = fakeApi({ 'inspect.targets': () => targets([], checkpoints ? null : 'no checkpoint yet') });
    const scope = effectScope();
    const refresh = ref(0);
    const state = scope.run(() => useInspectable(api, ref('r'), refresh))!;
    await settle();
    expect(state.available.value).toBe(false);
    expect(state.reason.value).toBe('no checkpoint yet');
    checkpoints = true;
    refresh.value++;
    await settle();
    expect(state.available.value).toBe(true);
    expect(state.reason.value).toBeNull();
    scope.stop();
  });
});
