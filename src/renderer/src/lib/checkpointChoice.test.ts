import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../../common/events';
import type { InspectTargets } from '../../../common/inspector';
import { checkpointChoices, checkpointFacts, resumeAdvice } from './checkpointChoice';

const dir = '/runs/r1/checkpoints';
function targets(labels: Array<[string, number | null]>): InspectTargets {
  return {
    run_id: 'r1',
    method: 'cot',
    checkpoints: labels.map(([label, epoch]) => ({ label, epoch, file: `${dir}/${label === 'last' ? `epoch-${epoch}` : label}.pt` })),
    bundles: [],
    val_path: null,
    problem: null,
  };
}

function checkpointEvent(path: string, best: boolean, epoch: number): EngineEvent {
  return { v: 1, t: 0, type: 'checkpoint', stage: 0, epoch, path, best };
}

function evalEvent(epoch: number, accuracy: number, forced?: number): EngineEvent {
  return {
    v: 1,
    t: 0,
    type: 'eval',
    stage: 0,
    epoch,
    split: 'valid',
    accuracy,
    correct: 0,
    total: 10,
    cot_match: null,
    mean_new_tokens: 1,
    seconds: 1,
    ...(forced === undefined ? {} : { forced_thoughts: forced }),
  };
}

describe("a run's checkpoints to start from", () => {
  it('reads the best epoch (from the epoch file saved with best.pt) and each epoch file\'s accuracy from the events', () => {
    const events = [
      evalEvent(0, 0.4),
      checkpointEvent('checkpoints/epoch-1.pt', true, 0),
      checkpointEvent('checkpoints/best.pt', true, 0),
      evalEvent(1, 0.6),
      // An evaluation with a forced thought count is not the epoch's score.
      evalEvent(1, 0.1, 2),
      checkpointEvent('checkpoints/epoch-2.pt', true, 1),
      checkpointEvent('checkpoints/best.pt', true, 1),
      evalEvent(2, 0.5),
      checkpointEvent('checkpoints/epoch-3.pt', false, 2),
    ];
    const facts = checkpointFacts(events);
    expect(facts.bestEpoch).toBe(2);
    expect([...facts.accuracy]).toEqual([
      [1, 0.4],
      [2, 0.6],
      [3, 0.5],
    ]);
    expect(checkpointFacts([checkpointEvent('checkpoints/best.pt', true, 0)]).bestEpoch).toBeNull();
    expect(checkpointFacts([]).bestEpoch).toBeNull();
  });

  it('offers the epoch files newest first, marking best and last, without the duplicate entries', () => {
    const facts = { bestEpoch: 2, accuracy: new Map([[2, 0.75]]) };
    const choices = checkpointChoices(targets([['best', null], ['last', 3], ['epoch-3', 3], ['epoch-1', 1], ['epoch-2', 2]]), facts);
    expect(choices).toEqual([
      { label: 'epoch-3', file: `${dir}/epoch-3.pt`, epoch: 3, best: false, last: true, accuracy: null },
      { label: 'epoch-2', file: `${dir}/epoch-2.pt`, epoch: 2, best: true, last: false, accuracy: 0.75 },
      { label: 'epoch-1', file: `${dir}/epoch-1.pt`, epoch: 1, best: false, last: false, accuracy: null },
    ]);
  });

  it('offers best.pt itself when no epoch file is known to match it', () => {
    const choices = checkpointChoices(targets([['best', null], ['last', 3], ['epoch-3', 3]]));
    expect(choices.map((c) => [c.label, c.epoch, c.best])).toEqual([
      ['best', null, true],
      ['epoch-3', 3, false],
    ]);
    expect(checkpointChoices(targets([]))).toEqual([]);
  });
});

describe('the resume that goes with a checkpoint', () => {
  it('continues a run of the same method after the epochs the checkpoint completed', () => {
    expect(resumeAdvice({ epoch: 2 }, 'coconut', { method: 'coconut', epochsPerStage: 3 })).toEqual({
      resume: 2,
      reason: 'Same method: resume 2 skips the 2 epochs the checkpoint completed.',
    });
    expect(resumeAdvice({ epoch: null }, 'cot', { method: 'cot', epochsPerStage: 3 }).resume).toBeNull();
  });

  it('starts a curriculum at stage 1 from a CoT checkpoint (the quickstart and the reference recipe)', () => {
    const advice = resumeAdvice({ epoch: 3 }, 'cot', { method: 'coconut', epochsPerStage: 1 });
    expect(advice.resume).toBe(1);
    expect(advice.reason).toMatch(/stage 0.*resume 1.*stage 1/);
    expect(resumeAdvice({ epoch: 3 }, 'cot', { method: 'no_thoughts', epochsPerStage: 2 }).resume).toBe(2);
  });

  it('starts any other method from the beginning of its schedule', () => {
    expect(resumeAdvice({ epoch: 3 }, 'coconut', { method: 'cot', epochsPerStage: 1 }).resume).toBe(0);
    expect(resumeAdvice({ epoch: 3 }, 'cot', { method: 'icot', epochsPerStage: 1 })).toEqual({
      resume: 0,
      reason: "iCoT starts its own schedule from the beginning, with the CoT run's weights.",
    });
  });
});
