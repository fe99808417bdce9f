import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../common/events';
import type { RunSummary } from '../../../common/runs';
import { compareCurveSeries, runLegendNames } from './compareCurves';

const run = (id: string, name: string, method: string): RunSummary => ({
  id,
  name,
  status: 'completed',
  method,
  created_at: '',
  started_at: null,
  ended_at: null,
  stage: null,
  epoch: null,
  num_epochs: 2,
  best_accuracy: null,
  last_accuracy: null,
  last_error: null,
  dir: '',
});

const step = (n: number, stage: number, epoch: number, loss: number): EngineEvent => ({
  v: 1,
  t: 100 + n,
  type: 'step',
  stage,
  epoch,
  step: n,
  epoch_step: ((n - 1) % 2) + 1,
  steps_in_epoch: 2,
  loss,
  lr: 0.1,
  samples_per_s: 1,
  tokens_per_s: 1,
});
const evaluation = (epoch: number, accuracy: number, forced?: number): EngineEvent => ({
  v: 1,
  t: 200 + epoch,
  type: 'eval',
  stage: epoch,
  epoch,
  split: 'valid',
  accuracy,
  correct: 0,
  total: 4,
  cot_match: null,
  mean_new_tokens: 1,
  seconds: 1,
  ...(forced === undefined ? {} : { forced_thoughts: forced }),
});

describe('overlaid curves of the chosen runs', () => {
  it('joins a run’s stages into one loss line and keeps one colour per run', () => {
    const { loss, accuracy } = compareCurveSeries(
      [
        { run: run('a', 'first', 'cot'), events: [step(1, 0, 0, 2), step(2, 0, 0, 1.5), evaluation(0, 0.25), step(3, 1, 1, 1.2), step(4, 1, 1, 1), evaluation(1, 0.5)] },
        { run: run('b', 'second', 'coconut'), events: [step(1, 0, 0, 3), evaluation(0, 0.75)] },
      ],
      'light',
    );
    expect(loss.map((s) => s.name)).toEqual(['CoT · first', 'Coconut · second']);
    expect(loss[0]?.points.map((p) => p.value)).toEqual([2, 1.5, 1.2, 1]);
    expect(loss[0]?.points.map((p) => p.step)).toEqual([1, 2, 3, 4]);
    expect(accuracy.map((s) => s.points.map((p) => p.value))).toEqual([[25, 50], [75]]);
    expect(accuracy[0]?.color).toBe(loss[0]?.color);
    expect(accuracy[1]?.color).not.toBe(accuracy[0]?.color);
  });

  it('draws each forced k of an evaluation as its own dashed line', () => {
    const { loss, accuracy } = compareCurveSeries([{ run: run('e', 'eval', 'coconut'), events: [evaluation(0, 0.5), evaluation(0, 0.6, 1), evaluation(0, 0.7, 2)] }], 'dark');
    expect(loss).toEqual([]);
    expect(accuracy.map((s) => [s.name, s.dashed])).toEqual([
      ['Coconut · eval · valid', false],
      ['Coconut · eval · valid · k=1', true],
      ['Coconut · eval · valid · k=2', true],
    ]);
  });

  it('tells runs of the same name apart by id', () => {
    expect(runLegendNames([run('x1', 'same', 'cot'), run('x2', 'same', 'cot'), run('x3', 'same', 'coconut')])).toEqual([
      'CoT · same (x1)',
      'CoT · same (x2)',
      'Coconut · same',
    ]);
  });
});
