import { describe, expect, it } from 'vitest';
import type { EngineEvent, StagePlan, StartedEvent, StepEvent } from '../../../common/events';
import { RunTrace, plannedLastStep, progressOf, stageBoundaries, timelineSegments } from './runTrace';

const plan: StagePlan[] = [
  { stage: 0, first_epoch: 0, last_epoch: 1, removed_steps: 0, thoughts: 0, label: 'CoT' },
  { stage: 1, first_epoch: 2, last_epoch: 2, removed_steps: 1, thoughts: 1, label: 'stage 1' },
  { stage: 2, first_epoch: 3, last_epoch: 3, removed_steps: 2, thoughts: 2, label: 'stage 2' },
];

function started(overrides: Partial<StartedEvent> = {}): StartedEvent {
  return {
    v: 1,
    t: 1000,
    type: 'started',
    method: 'coconut',
    num_epochs: 4,
    resume_epoch: 0,
    steps_per_epoch: 10,
    train_samples: 160,
    val_samples: 40,
    stages: plan,
    device: 'cpu',
    model: { id: 'offline-gpt2', parameters: 1000, layers: 2, hidden_size: 64, vocab_size: 50 },
    versions: {},
    ...overrides,
  };
}

function step(n: number, t: number): StepEvent {
  const epoch = Math.floor((n - 1) / 10);
  return {
    v: 1,
    t,
    type: 'step',
    stage: epoch < 2 ? 0 : epoch - 1,
    epoch,
    step: n,
    epoch_step: ((n - 1) % 10) + 1,
    steps_in_epoch: 10,
    loss: 3 - n / 100,
    lr: 1e-4,
    samples_per_s: 10,
    tokens_per_s: 100,
  };
}

function traceOf(events: EngineEvent[]): RunTrace {
  const trace = new RunTrace();
  for (const e of events) trace.apply(e);
  return trace;
}

describe('timelineSegments', () => {
  it('sizes stages by their epochs', () => {
    const segments = timelineSegments(plan);
    expect(segments.map((s) => [s.stage, s.start, s.width, s.thoughts])).toEqual([
      [0, 0, 0.5, 0],
      [1, 0.5, 0.25, 1],
      [2, 0.75, 0.25, 2],
    ]);
  });

  it('is empty without a plan', () => {
    expect(timelineSegments([])).toEqual([]);
  });
});

describe('progressOf', () => {
  it('places the marker by epoch and step and predicts the end from the step rate', () => {
    const steps = Array.from({ length: 25 }, (_, i) => step(i + 1, 1000 + (i + 1) * 2));
    const trace = traceOf([started(), ...steps]);
    const p = progressOf(trace);
    expect(p.stage).toBe(1);
    expect(p.epoch).toBe(2);
    expect(p.epochStep).toBe(5);
    expect(p.doneSteps).toBe(25);
    expect(p.totalSteps).toBe(40);
    expect(p.fraction).toBeCloseTo(25 / 40);
    expect(p.marker).toBeCloseTo(2.5 / 4);
    expect(p.stepsPerSecond).toBeCloseTo(0.5);
    expect(p.etaAt).toBeCloseTo(1050 + 15 / 0.5);
  });

  it('is complete once the run finished', () => {
    const trace = traceOf([
      started(),
      step(1, 1001),
      { v: 1, t: 1100, type: 'finished', status: 'completed', best_accuracy: 0.5, best_epoch: 0, final_accuracy: 0.5, seconds: 100 },
    ]);
    const p = progressOf(trace);
    expect(p.fraction).toBe(1);
    expect(p.marker).toBe(1);
    expect(p.etaAt).toBeNull();
  });

  it('knows nothing before the engine started', () => {
    const p = progressOf(new RunTrace());
    expect([p.fraction, p.marker, p.totalSteps, p.stage]).toEqual([null, null, null, null]);
  });
});

describe('stageBoundaries', () => {
  it('uses observed first steps and predicts the rest from the plan', () => {
    const trace = traceOf([started(), ...Array.from({ length: 22 }, (_, i) => step(i + 1, 1000 + i))]);
    expect(stageBoundaries(trace)).toEqual([
      { stage: 1, step: 21, predicted: false },
      { stage: 2, step: 31, predicted: true },
    ]);
    expect(plannedLastStep(trace)).toBe(40);
  });
});

describe('RunTrace', () => {
  it('drops steps that do not advance (an overlapping replay)', () => {
    const trace = traceOf([started(), step(1, 1), step(2, 2), step(2, 2), step(1, 1), step(3, 3)]);
    expect(trace.steps.map((s) => s.step)).toEqual([1, 2, 3]);
  });

  it('collects evals, messages and the error', () => {
    const trace = traceOf([
      started(),
      { v: 1, t: 2, type: 'log', level: 'info', message: 'hello' },
      { v: 1, t: 3, type: 'eval', stage: 0, epoch: 0, split: 'val', accuracy: 0.7, correct: 28, total: 40, cot_match: null, mean_new_tokens: 9, seconds: 1 },
      { v: 1, t: 4, type: 'error', message: 'bad record', where: 'train.json#record[3]', traceback: null },
    ]);
    expect(trace.evals).toHaveLength(1);
    expect(trace.messages.map((m) => m.type)).toEqual(['log', 'error']);
    expect(trace.error?.where).toBe('train.json#record[3]');
  });
});
