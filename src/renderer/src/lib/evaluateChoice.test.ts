import { describe, expect, it } from 'vitest';
import type { DatasetInfo } from '../../../common/api';
import type { EngineEvent } from '../../../common/events';
import type { InspectTargets } from '../../../common/inspector';
import { checkpointOptions, defaultSplit, hasThoughts, splitOptions, thoughtRangeProblem } from './evaluateChoice';

const home = '/home/me/.coconut-workbench';

function dataset(name: string, splits: string[]): DatasetInfo {
  return {
    name,
    path: `${home}/datasets/${name}`,
    splits: splits.map((split) => ({ split, path: `${home}/datasets/${name}/${split}.json`, records: 10, bytes: 100 })),
    records: 10 * splits.length,
    generator: null,
  };
}

describe('defaultSplit', () => {
  const options = splitOptions([dataset('prosqa', ['train', 'valid', 'test']), dataset('reach', ['train', 'valid'])]);

  it('picks the test split of the folder the run validated on, whether its path is relative or absolute', () => {
    expect(defaultSplit(options, 'datasets/prosqa/valid.json')?.path).toBe(`${home}/datasets/prosqa/test.json`);
    expect(defaultSplit(options, `${home}/datasets/prosqa/valid.json`)?.label).toBe('prosqa / test (10)');
  });

  it('falls back to the validation file itself, and to nothing for a file outside the datasets', () => {
    expect(defaultSplit(options, './datasets/reach/valid.json')?.split).toBe('valid');
    expect(defaultSplit(options, '/elsewhere/mine.json')).toBeNull();
    expect(defaultSplit(options, null)).toBeNull();
  });
});

describe('checkpointOptions', () => {
  it('offers best and last with their epochs and accuracies, then each epoch newest first', () => {
    const targets: InspectTargets = {
      run_id: 'r',
      method: 'coconut',
      checkpoints: [
        { label: 'best', file: '/r/checkpoints/best.pt', epoch: null },
        { label: 'last', file: '/r/checkpoints/epoch-3.pt', epoch: 3 },
        { label: 'epoch-3', file: '/r/checkpoints/epoch-3.pt', epoch: 3 },
        { label: 'epoch-2', file: '/r/checkpoints/epoch-2.pt', epoch: 2 },
      ],
      bundles: [],
      val_path: null,
      problem: null,
    };
    const ev = (e: object) => ({ v: 1, t: 0, ...e }) as EngineEvent;
    const events = [
      ev({ type: 'eval', stage: 1, epoch: 1, split: 'val', accuracy: 0.727, correct: 218, total: 300, cot_match: null, mean_new_tokens: 3, seconds: 1 }),
      ev({ type: 'checkpoint', stage: 1, epoch: 1, path: 'checkpoints/epoch-2.pt', best: true }),
      ev({ type: 'eval', stage: 2, epoch: 2, split: 'val', accuracy: 0.523, correct: 157, total: 300, cot_match: null, mean_new_tokens: 3, seconds: 1 }),
      ev({ type: 'checkpoint', stage: 2, epoch: 2, path: 'checkpoints/epoch-3.pt', best: false }),
    ];
    expect(checkpointOptions(targets, events)).toEqual([
      { value: 'best', label: 'best (epoch 2, 72.7 %)' },
      { value: 'last', label: 'last (epoch 3, 52.3 %)' },
      { value: 'epoch-3', label: 'epoch 3, 52.3 %' },
      { value: 'epoch-2', label: 'epoch 2, 72.7 %' },
    ]);
  });
});

describe('thought ranges', () => {
  it('says what is wrong with a range', () => {
    expect(thoughtRangeProblem(0, 3)).toBeNull();
    expect(thoughtRangeProblem(3, 1)).toBe('from must not be greater than to');
    expect(thoughtRangeProblem(-1, 1)).toMatch(/^from must be a whole number/);
    expect(thoughtRangeProblem(0, 1.5)).toMatch(/^to must be a whole number/);
    expect(thoughtRangeProblem(0, 10_000)).toMatch(/^to must be at most \d+/);
  });

  it('knows which methods take thoughts', () => {
    expect(hasThoughts('coconut')).toBe(true);
    expect(hasThoughts('cot')).toBe(false);
  });
});
