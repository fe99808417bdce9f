import { describe, expect, it } from 'vitest';
import type { DatasetRecordView } from '../../../common/api';
import type { InspectTargets } from '../../../common/inspector';
import { bundleOf, checkpointChoice, graphOf, inspectionFileName, recordForInspection } from './inspectRequest';

const PICKED: DatasetRecordView = {
  index: 4,
  question: '3_7 7_9 3_5 ? 3 : 9 5',
  steps: ['3_7', '7_9'],
  answer: '9',
  idx_to_symbol: ['3', '7', '9', '5'],
  edges: [
    [0, 1],
    [1, 2],
    [0, 3],
  ],
  root: 0,
  target: 2,
  neg_target: 3,
};

const TARGETS: InspectTargets = {
  run_id: 'r',
  method: 'coconut',
  checkpoints: [
    { label: 'best', file: '/r/checkpoints/best.pt', epoch: null },
    { label: 'last', file: '/r/checkpoints/epoch-3.pt', epoch: 3 },
    { label: 'epoch-3', file: '/r/checkpoints/epoch-3.pt', epoch: 3 },
    { label: 'epoch-1', file: '/r/checkpoints/epoch-1.pt', epoch: 1 },
  ],
  bundles: [
    { checkpoint: 'best', path: '/r/exports/best', stale: false, default_thoughts: 2, max_thoughts: 4, layers: 1 },
    { checkpoint: 'epoch-1', path: '/r/exports/epoch-1', stale: true, default_thoughts: 1, max_thoughts: 4, layers: 1 },
  ],
  val_path: '/d/valid.json',
  problem: null,
};

describe('inspection requests', () => {
  it('sends a picked record whole, keeps its graph with an edited question, and a typed question alone', () => {
    const { index: _index, ...whole } = PICKED;
    expect(recordForInspection(PICKED, PICKED.question)).toEqual(whole);
    expect(recordForInspection(PICKED, '3_7 ? 3 : 7 5')).toEqual({ ...whole, question: '3_7 ? 3 : 7 5' });
    expect(recordForInspection(null, 'what is 2 + 3')).toEqual({ question: 'what is 2 + 3' });
    expect(recordForInspection(PICKED, '   ')).toBeNull();
    expect(recordForInspection(null, '')).toBeNull();
  });

  it('finds the graph fields only when a record has them all', () => {
    const { index: _index, ...whole } = PICKED;
    expect(graphOf(whole)?.target).toBe(2);
    expect(graphOf({ question: 'q' })).toBeNull();
    expect(graphOf({ ...whole, root: undefined })).toBeNull();
    expect(graphOf(null)).toBeNull();
  });

  it('names checkpoints by label and finds the bundle exported under that label', () => {
    expect(TARGETS.checkpoints.map(checkpointChoice)).toEqual(['best', 'last', 'epoch-3', 'epoch-1']);
    expect(bundleOf(TARGETS, 'best')?.path).toBe('/r/exports/best');
    expect(bundleOf(TARGETS, 'epoch-1')?.stale).toBe(true);
    // `last` and `epoch-3` are the same file but each has its own bundle folder.
    expect(bundleOf(TARGETS, 'last')).toBeNull();
    expect(bundleOf(null, 'best')).toBeNull();
    expect(bundleOf(TARGETS, null)).toBeNull();
  });

  it('names downloads safely', () => {
    expect(inspectionFileName('2026-01-01 run/1', 'best', 2)).toBe('inspection-2026-01-01_run_1-best-k2.json');
    expect(inspectionFileName('r', '../x', null)).toBe('inspection-r-.._x.json');
  });
});
