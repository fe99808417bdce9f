import { describe, expect, it } from 'vitest';
import { effectScope, ref } from 'vue';
import type { AnalysedQuestion, RunAnalysis } from '../../../common/analysis';
import type { RunSummary } from '../../../common/runs';
import { fakeApi, settle } from './fakeApi.test-helper';
import { useCompareQuestions, type FileRef } from './useCompareQuestions';
import { useCompareRuns } from './useCompareRuns';

const summary = (id: string): RunSummary => ({
  id,
  name: `name-${id}`,
  status: 'completed',
  method: 'cot',
  created_at: '',
  started_at: null,
  ended_at: null,
  stage: null,
  epoch: null,
  num_epochs: 1,
  best_accuracy: null,
  last_accuracy: null,
  last_error: null,
  dir: '',
});
const analysis = (id: string, problem: string | null = null): RunAnalysis => ({ run_id: id, name: `name-${id}`, method: 'cot', val_path: null, graph: false, files: [], problem });

describe('useCompareRuns', () => {
  it('reads each chosen run once, names a missing run, and reports an analysis that failed', async () => {
    const api = fakeApi({
      'runs.list': () => [summary('a'), summary('b')],
      'runs.events': () => [],
      'analysis.run': (request) => {
        const { id } = request as { id: string };
        if (id === 'b') throw new Error('the dataset is gone');
        return analysis(id);
      },
    });
    const ids = ref<string[]>(['a', 'ghost', 'b']);
    const scope = effectScope();
    const runs = scope.run(() => useCompareRuns(api, ids))!;
    await settle(5);
    expect(runs.chosen.value.map((entry) => entry.id)).toEqual(['a', 'ghost', 'b']);
    expect(runs.ready.value.map((entry) => entry.id)).toEqual(['a', 'b']);
    expect(runs.chosen.value[1]?.problem).toBe("There is no run 'ghost' in this home.");
    expect(runs.chosen.value[2]?.analysisProblem).toBe("Could not analyse 'name-b': the dataset is gone");
    expect(runs.loading.value).toBe(false);

    // Dropping a run and adding it back reads nothing again for the others.
    const eventCalls = () => api.calls.filter(([method]) => method === 'runs.events').length;
    expect(eventCalls()).toBe(2);
    ids.value = ['b'];
    await settle(5);
    ids.value = ['b', 'a'];
    await settle(5);
    expect(eventCalls()).toBe(2);
    expect(runs.ready.value.map((entry) => entry.id)).toEqual(['b', 'a']);
    scope.stop();
  });
});

const row = (idx: number, correct: boolean): AnalysedQuestion => ({ idx, thoughts: 0, text: '', answer: '', correct, verdict: null });

describe('useCompareQuestions', () => {
  it('reads whole files page by page, pairs them, filters disagreements and moves through them', async () => {
    const files: Record<string, AnalysedQuestion[]> = {
      a: Array.from({ length: 7000 }, (_, i) => row(i, i % 3 === 0)),
      b: Array.from({ length: 7000 }, (_, i) => row(i, i % 2 === 0)),
    };
    const api = fakeApi({
      'analysis.questions': (request) => {
        const { id, offset, limit } = request as { id: string; offset: number; limit: number };
        const all = files[id] ?? [];
        return { file: 'f', total: all.length, offset, rows: all.slice(offset, offset + limit) };
      },
    });
    const a = ref<FileRef | null>({ runId: 'a', file: 'f' });
    const b = ref<FileRef | null>({ runId: 'b', file: 'f' });
    const scope = effectScope();
    const questions = scope.run(() => useCompareQuestions(api, a, b))!;
    await settle(10);
    expect(api.calls.filter(([method]) => method === 'analysis.questions')).toHaveLength(4);
    expect(questions.pairs.value).toHaveLength(7000);
    expect(questions.truncated.value).toBe(false);

    questions.filter.value = { kind: 'disagree' };
    await settle();
    // i % 3 == 0 and i % 2 == 0 disagree unless both or neither hold.
    const expected = Array.from({ length: 7000 }, (_, i) => i).filter((i) => (i % 3 === 0) !== (i % 2 === 0));
    expect(questions.filtered.value.map((pair) => pair.idx)).toEqual(expected);
    questions.move(1);
    expect(questions.selected.value).toBe(expected[0]);
    for (let i = 0; i < 45; i++) questions.move(1);
    expect(questions.selected.value).toBe(expected[45]);
    // The choice's page is shown (40 a page).
    expect(questions.page.value).toBe(1);
    expect(questions.shown.value.some((pair) => pair.idx === expected[45])).toBe(true);

    // No second side: nothing to pair.
    b.value = null;
    await settle();
    expect(questions.pairs.value).toEqual([]);
    scope.stop();
  });

  it('says why the questions could not be read', async () => {
    const api = fakeApi({
      'analysis.questions': () => {
        throw new Error('no such file');
      },
    });
    const scope = effectScope();
    const questions = scope.run(() => useCompareQuestions(api, ref({ runId: 'a', file: 'x' }), ref({ runId: 'b', file: 'y' })))!;
    await settle(5);
    expect(questions.error.value).toBe('Could not read the questions: no such file');
    expect(questions.loading.value).toBe(false);
    scope.stop();
  });
});
