import { describe, expect, it } from 'vitest';
import { EngineEventSchema, EVENT_SCHEMA_VERSION, type EngineEvent } from './events.js';
import { parseSeedList, spread, trainingAccuracies } from './sweep.js';

/** An `eval` event as the engine writes it (checked against the event schema). */
function evalEvent(epoch: number, accuracy: number, extra: Partial<Extract<EngineEvent, { type: 'eval' }>> = {}): EngineEvent {
  return EngineEventSchema.parse({
    v: EVENT_SCHEMA_VERSION,
    t: 1_700_000_000 + epoch,
    type: 'eval',
    stage: Math.floor(epoch / 2),
    epoch,
    split: 'valid',
    accuracy,
    correct: Math.round(accuracy * 10),
    total: 10,
    cot_match: null,
    mean_new_tokens: 3,
    seconds: 1,
    ...extra,
  });
}

describe('seed sweeps', () => {
  it('takes the last evaluated epoch and the earliest best one, leaving forced-thought evaluations out', () => {
    const events = [evalEvent(0, 0.4), evalEvent(1, 0.7), evalEvent(2, 0.7), evalEvent(3, 0.5), evalEvent(3, 0.9, { forced_thoughts: 1 })];
    expect(trainingAccuracies(events)).toEqual({
      last: { accuracy: 0.5, epoch: 3, stage: 1 },
      best: { accuracy: 0.7, epoch: 1, stage: 0 },
    });
    expect(trainingAccuracies([evalEvent(0, 0.3, { forced_thoughts: 0 })])).toBeNull();
  });

  it('summarises with the mean, the sample standard deviation and the range', () => {
    expect(spread([])).toBeNull();
    expect(spread([0.5])).toEqual({ n: 1, mean: 0.5, sd: null, min: 0.5, max: 0.5 });
    const s = spread([0.6, 0.7, 0.8])!;
    expect(s.mean).toBeCloseTo(0.7, 12);
    // Squared deviations 0.01 + 0 + 0.01 over n − 1 = 2.
    expect(s.sd).toBeCloseTo(0.1, 12);
    expect([s.min, s.max, s.n]).toEqual([0.6, 0.8, 3]);
  });

  it('reads seed lists and ranges, each seed once, and names what it refuses', () => {
    expect(parseSeedList('0,1,2', 100)).toEqual([0, 1, 2]);
    expect(parseSeedList(' 3..5, 1, 4', 100)).toEqual([3, 4, 5, 1]);
    expect(() => parseSeedList('0,x', 100)).toThrow(/"x" is not a seed/);
    expect(() => parseSeedList('4..2', 100)).toThrow(/4 is greater than 2/);
    expect(() => parseSeedList('101', 100)).toThrow(/at most 100/);
    expect(() => parseSeedList('', 100)).toThrow(/"" is not a seed/);
  });
});
