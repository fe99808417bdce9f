import { describe, expect, it } from 'vitest';
import type { EngineEvent, EvalEvent } from '../../../common/events';
import type { RunSummary } from '../../../common/runs';
import { buildGrids, csvField, datasetLabel, forcedThoughtsOf, gridCsv, gridJson, gridRowsOf, measureWhere, rowTitle } from './compareGrid';

function run(id: string, extra: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    name: `name-${id}`,
    status: 'completed',
    method: 'cot',
    created_at: '2026-01-01T00:00:00Z',
    started_at: null,
    ended_at: null,
    stage: null,
    epoch: null,
    num_epochs: 3,
    best_accuracy: null,
    last_accuracy: null,
    last_error: null,
    dir: `/home/runs/${id}`,
    val_path: '/home/datasets/graphs/valid.json',
    seed: 0,
    ...extra,
  };
}

function evalEvent(epoch: number, accuracy: number, extra: Partial<EvalEvent> = {}): EvalEvent {
  return {
    v: 1,
    t: 1000 + epoch,
    type: 'eval',
    stage: epoch,
    epoch,
    split: 'valid',
    accuracy,
    correct: Math.round(accuracy * 20),
    total: 20,
    cot_match: null,
    mean_new_tokens: 10 + epoch,
    mean_forward_passes: 12 + epoch,
    ms_per_question: 3 + epoch,
    seconds: 1,
    predictions: `predictions/epoch-${epoch + 1}.jsonl`,
    ...extra,
  };
}

const step: EngineEvent = { v: 1, t: 1, type: 'step', stage: 0, epoch: 0, step: 1, epoch_step: 1, steps_in_epoch: 1, loss: 1, lr: 0.1, samples_per_s: 1, tokens_per_s: 1 };

describe('grid rows', () => {
  it('takes the best (earliest of equals) and the last evaluation, costs at the best', () => {
    const rows = gridRowsOf(run('a'), [step, evalEvent(0, 0.5), evalEvent(1, 0.8), evalEvent(2, 0.8), evalEvent(3, 0.6)]);
    expect(rows).toHaveLength(1);
    const [row] = rows;
    expect(row?.best?.epoch).toBe(1);
    expect(row?.best?.mean_new_tokens).toBe(11);
    expect(row?.last?.epoch).toBe(3);
    expect(row?.last?.accuracy).toBe(0.6);
    expect(row?.evaluations).toBe(4);
    expect(row?.href).toBe('#/runs/a');
    expect(measureWhere(row!, row!.best!)).toBe('epoch 2');
  });

  it('gives one row per forced k, from the event field or the file name', () => {
    const source = { run: 'coco', checkpoint: 'best' };
    const events = [
      evalEvent(0, 0.9, { predictions: 'predictions/eval-1-k0.jsonl' }),
      evalEvent(0, 0.95, { predictions: 'predictions/eval-1-k1.jsonl' }),
      evalEvent(0, 0.97, { predictions: 'predictions/eval-1.jsonl', forced_thoughts: 2 }),
    ];
    const rows = gridRowsOf(run('e', { method: 'coconut', eval_of: source }), events);
    expect(rows.map((row) => row.forcedThoughts)).toEqual([0, 1, 2]);
    expect(rows.map((row) => row.key)).toEqual(['e#k0', 'e#k1', 'e#k2']);
    expect(rows[2]?.best?.accuracy).toBe(0.97);
    expect(measureWhere(rows[0]!, rows[0]!.best!)).toBe('best checkpoint');
    expect(rowTitle(rows[1]!)).toBe('Coconut · name-e · seed 0 · k=1');
  });

  it('keeps unforced evaluations first, then k ascending', () => {
    const rows = gridRowsOf(run('m'), [evalEvent(0, 0.4, { predictions: 'predictions/eval-1-k3.jsonl' }), evalEvent(0, 0.5), evalEvent(0, 0.6, { predictions: 'x-k1.jsonl' })]);
    expect(rows.map((row) => row.forcedThoughts)).toEqual([null, 1, 3]);
  });

  it('gives a run without evaluations one empty row', () => {
    const rows = gridRowsOf(run('new', { status: 'running' }), [step]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.best).toBeNull();
    expect(rows[0]?.last).toBeNull();
    expect(rows[0]?.evaluations).toBe(0);
  });

  it('reads k only from a whole -kN suffix', () => {
    expect(forcedThoughtsOf(evalEvent(0, 1, { predictions: 'predictions/epoch-3.jsonl' }))).toBeNull();
    expect(forcedThoughtsOf(evalEvent(0, 1, { predictions: undefined }))).toBeNull();
    expect(forcedThoughtsOf(evalEvent(0, 1, { predictions: 'predictions/eval-2-k12.jsonl' }))).toBe(12);
    expect(forcedThoughtsOf(evalEvent(0, 1, { predictions: 'predictions/eval-2-k3-2.jsonl' }))).toBe(3);
    expect(forcedThoughtsOf(evalEvent(0, 1, { predictions: 'predictions/eval-2-2.jsonl' }))).toBeNull();
  });
});

describe('grids by dataset', () => {
  it('puts runs of different datasets in different grids, in first-seen order', () => {
    const grids = buildGrids([
      { run: run('a'), events: [evalEvent(0, 0.5)] },
      { run: run('b', { val_path: '/home/datasets/prosqa/test.json' }), events: [] },
      { run: run('c', { method: 'coconut' }), events: [evalEvent(0, 0.7)] },
      { run: run('d', { val_path: undefined }), events: [] },
    ]);
    expect(grids.map((grid) => grid.label)).toEqual(['graphs/valid.json', 'prosqa/test.json', 'dataset not recorded']);
    expect(grids[0]?.runIds).toEqual(['a', 'c']);
    expect(grids[0]?.rows.map((row) => row.methodLabel)).toEqual(['CoT', 'Coconut']);
    expect(grids[2]?.dataset).toBeNull();
  });

  it('shows whole paths when two datasets would get the same short name', () => {
    const grids = buildGrids([
      { run: run('a', { val_path: '/x/g/valid.json' }), events: [] },
      { run: run('b', { val_path: '/y/g/valid.json' }), events: [] },
    ]);
    expect(grids.map((grid) => grid.label)).toEqual(['/x/g/valid.json', '/y/g/valid.json']);
    expect(datasetLabel('C:\\data\\prosqa\\test.json')).toBe('prosqa/test.json');
  });
});

describe('grid export', () => {
  const grids = buildGrids([
    { run: run('a', { name: 'cot, "quoted"' }), events: [evalEvent(0, 0.5), evalEvent(1, 0.75)] },
    { run: run('b', { method: 'coconut', seed: null }), events: [] },
  ]);

  it('writes CSV with quoting, epochs from 1 and empty cells for what is unknown', () => {
    const lines = gridCsv(grids).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      'dataset,method,name,run_id,seed,forced_thoughts,evaluations,best_accuracy,best_epoch,last_accuracy,last_epoch,mean_new_tokens,mean_forward_passes,ms_per_question',
    );
    expect(lines[1]).toBe('/home/datasets/graphs/valid.json,cot,"cot, ""quoted""",a,0,,2,0.75,2,0.75,2,11,13,4');
    expect(lines[2]).toBe('/home/datasets/graphs/valid.json,coconut,name-b,b,,,0,,,,,,,');
    expect(lines).toHaveLength(3);
  });

  it('quotes fields with line breaks or edge spaces only', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField(' padded')).toBe('" padded"');
    expect(csvField(null)).toBe('');
    expect(csvField(0)).toBe('0');
  });

  it('writes JSON grouped by dataset', () => {
    const parsed = JSON.parse(gridJson(grids)) as Array<{ dataset: string; rows: Array<Record<string, unknown>> }>;
    expect(parsed).toHaveLength(1);
    expect(parsed[0]?.dataset).toBe('/home/datasets/graphs/valid.json');
    expect(parsed[0]?.rows.map((row) => row.run_id)).toEqual(['a', 'b']);
    expect(parsed[0]?.rows[0]).toMatchObject({ best_accuracy: 0.75, best_epoch: 2, mean_forward_passes: 13 });
    expect(parsed[0]?.rows[0]).not.toHaveProperty('dataset');
  });
});
