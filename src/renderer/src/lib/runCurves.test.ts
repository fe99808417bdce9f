import { describe, expect, it } from 'vitest';
import type { EngineEvent, EvalEvent, StagePlan, StartedEvent, StepEvent } from '../../../common/events';
import { toColumns } from './curves';
import { RunCurves, evalPosition, plannedEnd, stageMarks, stepPosition } from './runCurves';
import { RunTrace } from './runTrace';

/** The quickstart's Coconut run: 4 epochs, one per stage, resumed after the CoT run's epoch (stage 0). */
const plan: StagePlan[] = [
  { stage: 0, first_epoch: 0, last_epoch: 0, removed_steps: 0, thoughts: 0, label: 'CoT' },
  { stage: 1, first_epoch: 1, last_epoch: 1, removed_steps: 1, thoughts: 1, label: 'stage 1' },
  { stage: 2, first_epoch: 2, last_epoch: 2, removed_steps: 2, thoughts: 2, label: 'stage 2' },
  { stage: 3, first_epoch: 3, last_epoch: 3, removed_steps: 3, thoughts: 2, label: 'stage 3' },
];
const PER_EPOCH = 10;
const T0 = 1_700_000_000;

function started(resume: number): StartedEvent {
  return {
    v: 1,
    t: T0,
    type: 'started',
    method: 'coconut',
    num_epochs: 4,
    resume_epoch: resume,
    steps_per_epoch: PER_EPOCH,
    train_samples: 40,
    val_samples: 10,
    stages: plan,
    device: 'cpu',
    model: { id: 'offline-gpt2', parameters: 1000, layers: 2, hidden_size: 64, vocab_size: 50 },
    versions: {},
  };
}

/** Step `n` of the run as the engine numbers it (global_step starts at resume·steps_per_epoch). */
function step(n: number, extra: Record<string, unknown> = {}): StepEvent {
  const epoch = Math.floor((n - 1) / PER_EPOCH);
  return {
    v: 1,
    t: T0 + n,
    type: 'step',
    stage: epoch,
    epoch,
    step: n,
    epoch_step: ((n - 1) % PER_EPOCH) + 1,
    steps_in_epoch: PER_EPOCH,
    loss: 5 / n,
    lr: 1e-4,
    samples_per_s: 100 + n,
    tokens_per_s: 5000 + n,
    ...extra,
  };
}

function evalOf(epoch: number, accuracy: number, extra: Partial<EvalEvent> = {}): EvalEvent {
  return {
    v: 1,
    t: T0 + (epoch + 1) * PER_EPOCH + 0.5,
    type: 'eval',
    stage: epoch,
    epoch,
    split: 'val',
    accuracy,
    correct: accuracy * 10,
    total: 10,
    cot_match: null,
    mean_new_tokens: 3,
    seconds: 0.2,
    ...extra,
  };
}

function resumedRun(): EngineEvent[] {
  // Resumed after epoch 1: global steps 11..40, evaluations after epochs 2, 3, 4.
  const events: EngineEvent[] = [started(1)];
  for (let epoch = 1; epoch < 4; epoch++) {
    events.push({ v: 1, t: T0 + epoch * PER_EPOCH + 0.1, type: 'stage', stage: epoch, epoch, removed_steps: epoch, thoughts: epoch, label: `stage ${epoch}` });
    for (let n = epoch * PER_EPOCH + 1; n <= (epoch + 1) * PER_EPOCH; n++) events.push(step(n));
    events.push(evalOf(epoch, 0.5 + epoch / 10));
  }
  return events;
}

function traceOf(events: EngineEvent[]): RunTrace {
  const trace = new RunTrace();
  for (const e of events) trace.apply(e);
  return trace;
}

describe('a resumed run on the x axes', () => {
  it('starts at its first step, not at zero, and its epochs count on from the resume point', () => {
    const trace = traceOf(resumedRun());
    const curves = new RunCurves(trace);
    curves.update();
    expect(curves.loss.map((l) => l.stage)).toEqual([1, 2, 3]);
    const first = curves.loss[0]!.points[0]!;
    expect(first.step).toBe(11);
    expect(first.epoch).toBeCloseTo(1.1);
    const steps = toColumns(curves.lr, 'step', 0).x;
    expect(steps[0]).toBe(11);
    expect(steps[steps.length - 1]).toBe(40);
    expect(new Set(steps).size).toBe(30); // never restarts
    const epochs = toColumns(curves.lr, 'epoch', 0).x;
    expect(epochs[0]).toBeCloseTo(1.1);
    expect(epochs[epochs.length - 1]).toBe(4);
  });

  it('puts each evaluation after its epoch`s last step, in percent', () => {
    const trace = traceOf(resumedRun());
    const curves = new RunCurves(trace);
    curves.update();
    const acc = curves.accuracy.get('val')!;
    expect(acc.map((p) => [p.step, p.epoch, p.value])).toEqual([
      [20, 2, 60],
      [30, 3, 70],
      [40, 4, 80],
    ]);
  });

  it('marks the stages from the resumed one on, with walls from the stage events', () => {
    const marks = stageMarks(traceOf(resumedRun()));
    expect(marks.map((m) => [m.label, m.from.step, m.from.epoch, m.predicted])).toEqual([
      ['S1', 10.5, 1, false],
      ['S2', 20.5, 2, false],
      ['S3', 30.5, 3, false],
    ]);
    expect(marks[1]!.from.wall).toBe((T0 + 2 * PER_EPOCH + 0.1) * 1000);
    expect(marks[0]!.to?.step).toBe(20.5);
    expect(marks[2]!.to?.step).toBe(40.5);
  });

  it('predicts the boundaries of stages not reached yet, without a wall time', () => {
    const events = resumedRun().slice(0, 1 + 1 + 5); // started, stage 1, five steps
    const marks = stageMarks(traceOf(events));
    expect(marks.map((m) => [m.label, m.from.step, m.predicted, m.from.wall === null])).toEqual([
      ['S1', 10.5, false, false],
      ['S2', 20.5, true, true],
      ['S3', 30.5, true, true],
    ]);
    expect(plannedEnd(traceOf(events))).toEqual({ step: 40, epoch: 4 });
  });
});

describe('RunCurves', () => {
  it('appends in place as the trace grows, and reads the gradient norm where steps carry one', () => {
    const events = resumedRun();
    const trace = new RunTrace();
    const curves = new RunCurves(trace);
    for (const e of events.slice(0, 8)) trace.apply(e);
    expect(curves.update()).toBe(true);
    const lossLine = curves.loss[0]!.points;
    const count = lossLine.length;
    for (const e of events.slice(8)) trace.apply(e);
    trace.apply(step(41, { grad_norm: 1.5 }) as EngineEvent);
    expect(curves.update()).toBe(true);
    expect(curves.update()).toBe(false);
    expect(curves.loss[0]!.points).toBe(lossLine); // the same array, grown
    expect(lossLine.length).toBeGreaterThan(count);
    expect(curves.gradNorm.map((p) => [p.step, p.value])).toEqual([[41, 1.5]]);
    expect(curves.tokensPerSecond).toHaveLength(31);
  });

  it('keeps forced-thought evaluations apart, and places an evaluation of a checkpoint without steps', () => {
    const trace = traceOf([
      { ...started(0), steps_per_epoch: 0 },
      evalOf(3, 0.9, { forced_thoughts: 0 }),
      evalOf(3, 0.95, { forced_thoughts: 1 }),
    ]);
    const curves = new RunCurves(trace);
    curves.update();
    expect([...curves.accuracy.keys()]).toEqual(['val · k=0', 'val · k=1']);
    expect(evalPosition(trace, trace.evals[0]!)).toMatchObject({ step: 0, epoch: 4 });
  });

  it('places a step at its fraction of the epoch', () => {
    expect(stepPosition(step(15))).toEqual({ step: 15, epoch: 1.5, wall: (T0 + 15) * 1000 });
  });
});
