import { describe, expect, it } from 'vitest';
import { LogBuffer } from './logBuffer';
import { classifyLogLines, problemCounts } from './logClassify';

function classify(stderr: string, events: Array<{ level: 'info' | 'warning' | 'error'; message: string }> = []) {
  const b = new LogBuffer();
  for (const e of events) {
    if (e.level === 'error') b.appendEvent({ v: 1, t: 1, type: 'error', message: e.message, where: null, traceback: null });
    else b.appendEvent({ v: 1, t: 1, type: 'log', level: e.level, message: e.message });
  }
  b.appendText('stderr', stderr);
  const classified = classifyLogLines(b.lines);
  return {
    kinds: b.lines.map((l, i) => [l.text, classified[i]!.kind]),
    counts: problemCounts(classified),
    stderrKinds: b.lines.filter((l) => l.source === 'stderr').map((l) => classified[b.lines.indexOf(l)]!.kind),
  };
}

describe('classifyLogLines', () => {
  it('takes a real training run`s stderr as progress, with no problem counted', () => {
    // From a quickstart Coconut run resumed from the CoT run's checkpoint.
    const stderr = [
      'loaded /tmp/qs2/runs/20261202-013043-quickstart-cot-1d6e/checkpoints/best.pt (cot, 2 epochs)',
      "the checkpoint was trained without thought markers: their embeddings start as a copy of '<|endoftext|>'",
      'coconut: 40000 training / 300 validation records, 2500 steps per epoch, 3 stage(s), on cpu',
      'epoch 2/4: stage 1 · 1 thought',
      'epoch 2/4 stage 1 step 1/2500 loss 3.1728 (411 samples/s)',
      'epoch 2 eval: accuracy 218/300 = 72.7%, reasoning exact match 54.7% (0.3 s)',
      "  e.g. generated '2_14\\n### 14', expected '14'",
      'saved checkpoints/epoch-2.pt',
      'epoch 1 eval with 2 forced thoughts: accuracy 10/10 = 100.0% (0.1 s)',
      'evaluating 300 questions with 1 forced thought',
      '[3/6] lens',
      'done in 245 s: best accuracy 72.7% (epoch 2)',
      'cancelled after 12 s (SIGTERM)',
      '',
    ].join('\n');
    const notes = [{ level: 'info' as const, message: "the checkpoint was trained without thought markers: their embeddings start as a copy of '<|endoftext|>'" }];
    const { stderrKinds, counts } = classify(stderr, notes);
    expect(stderrKinds).toEqual(Array(13).fill('progress'));
    expect(counts).toEqual({ errors: 0, warnings: 0 });
  });

  it('counts a traceback once, with its frames and exception line as part of it', () => {
    const stderr = [
      'epoch 1/3 stage 0 step 10/40 loss 2.1 (500 samples/s)',
      'Traceback (most recent call last):',
      '  File "/x/train.py", line 10, in <module>',
      '    main()',
      '',
      'During handling of the above exception, another exception occurred:',
      '  File "/x/train.py", line 12, in main',
      'torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB',
      'some later plain line',
      '',
    ].join('\n');
    const { kinds, counts } = classify(stderr);
    expect(kinds).toEqual([
      ['epoch 1/3 stage 0 step 10/40 loss 2.1 (500 samples/s)', 'progress'],
      ['Traceback (most recent call last):', 'error'],
      ['  File "/x/train.py", line 10, in <module>', 'error'],
      ['    main()', 'error'],
      ['', 'error'],
      ['During handling of the above exception, another exception occurred:', 'error'],
      ['  File "/x/train.py", line 12, in main', 'error'],
      ['torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB', 'error'],
      ['some later plain line', 'output'],
    ]);
    expect(counts).toEqual({ errors: 1, warnings: 0 });
  });

  it('counts Python warnings with their source line once, and `error:` lines', () => {
    const stderr = [
      '/usr/lib/python3/site-packages/torch/nn/modules/module.py:1500: UserWarning: something is deprecated',
      '  warnings.warn("something is deprecated")',
      'FutureWarning: `foo` will change',
      'W1202 12:00:00.123 123 init.cc:12] a native warning',
      'error: the training loss became nan at step 7 (epoch 1); try a lower lr',
      'RuntimeError: boom',
      '',
    ].join('\n');
    const { stderrKinds, counts } = classify(stderr);
    expect(stderrKinds).toEqual(['warning', 'warning', 'warning', 'warning', 'error', 'error']);
    expect(counts).toEqual({ errors: 2, warnings: 3 });
  });

  it('does not count the stderr echo of an engine warning or error twice', () => {
    const stderr = 'warning: the checkpoint has no uniform_prob\nerror: train_path: file not found\n';
    const { kinds, counts } = classify(stderr, [
      { level: 'warning', message: 'the checkpoint has no uniform_prob' },
      { level: 'error', message: 'train_path: file not found' },
    ]);
    expect(kinds.map(([, k]) => k)).toEqual(['warning', 'error', 'progress', 'progress']);
    expect(counts).toEqual({ errors: 1, warnings: 1 });
  });

  it('leaves other output alone: neither progress nor a problem', () => {
    const { stderrKinds, counts } = classify('Some library says hello\nerrors are fine in prose\n');
    expect(stderrKinds).toEqual(['output', 'output']);
    expect(counts).toEqual({ errors: 0, warnings: 0 });
  });
});
