/**
 * A run's event stream as chart series: loss per stage, learning rate, throughput and (where the
 * engine logs it) gradient norm from `step` events, accuracy from `eval` events, and the stage
 * boundaries as marks. Arrays grow in place as the trace grows, so CurvesChart appends instead of
 * redrawing everything.
 *
 * Positions are the run's own: a run resumed from a checkpoint after N epochs counts global steps
 * on from N·steps_per_epoch + 1 and epochs from N, so its curves begin where it began.
 */
import type { EvalEvent, StepEvent } from '../../../common/events';
import type { CurveMark, CurvePoint, CurvePosition } from './curves';
import { plannedLastStep, stageBoundaries, type RunTrace } from './runTrace';

export function stepPosition(step: StepEvent): CurvePosition {
  const within = step.steps_in_epoch > 0 ? step.epoch_step / step.steps_in_epoch : 1;
  return { step: step.step, epoch: step.epoch + within, wall: step.t * 1000 };
}

/** The gradient norm of a step, when the engine logged one (older engines do not). */
export function gradNormOf(step: StepEvent): number | null {
  const value = (step as StepEvent & { grad_norm?: unknown }).grad_norm;
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/** Which line an evaluation belongs to: its split, and the forced thought count when there was one. */
export function evalSeriesName(e: EvalEvent): string {
  return e.forced_thoughts === undefined ? e.split : `${e.split} · k=${e.forced_thoughts}`;
}

export interface StageLine {
  stage: number;
  points: CurvePoint[];
}

export class RunCurves {
  readonly loss: StageLine[] = [];
  readonly lr: CurvePoint[] = [];
  readonly samplesPerSecond: CurvePoint[] = [];
  readonly tokensPerSecond: CurvePoint[] = [];
  readonly gradNorm: CurvePoint[] = [];
  /** Accuracy in percent, by `evalSeriesName`, in the order first seen. */
  readonly accuracy = new Map<string, CurvePoint[]>();
  private steps = 0;
  private evals = 0;

  constructor(readonly trace: RunTrace) {}

  /** Takes in what the trace gained since the last call; true when anything did. */
  update(): boolean {
    const { steps, evals } = this.trace;
    const before = this.steps + this.evals;
    for (; this.steps < steps.length; this.steps++) {
      const step = steps[this.steps]!;
      const at = stepPosition(step);
      let line = this.loss.find((l) => l.stage === step.stage);
      if (!line) {
        line = { stage: step.stage, points: [] };
        this.loss.push(line);
      }
      line.points.push({ ...at, value: step.loss });
      this.lr.push({ ...at, value: step.lr });
      this.samplesPerSecond.push({ ...at, value: step.samples_per_s });
      this.tokensPerSecond.push({ ...at, value: step.tokens_per_s });
      const norm = gradNormOf(step);
      if (norm !== null) this.gradNorm.push({ ...at, value: norm });
    }
    for (; this.evals < evals.length; this.evals++) {
      const e = evals[this.evals]!;
      const name = evalSeriesName(e);
      let points = this.accuracy.get(name);
      if (!points) {
        points = [];
        this.accuracy.set(name, points);
      }
      points.push({ ...evalPosition(this.trace, e), value: e.accuracy * 100 });
    }
    return this.steps + this.evals !== before;
  }
}

/**
 * Where an evaluation sits: after the last step of its epoch (it runs once the epoch's training
 * is done), at the epoch's end. A run without steps (an evaluation of a checkpoint) puts it at the
 * steps the epochs would have taken.
 */
export function evalPosition(trace: RunTrace, e: EvalEvent): CurvePosition {
  const steps = trace.steps;
  // Last step whose epoch is not after the evaluation's (steps are in order).
  let lo = 0;
  let hi = steps.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (steps[mid]!.epoch <= e.epoch) lo = mid + 1;
    else hi = mid;
  }
  const last = steps[lo - 1];
  const perEpoch = trace.started?.steps_per_epoch ?? 0;
  return { step: last?.step ?? (e.epoch + 1) * perEpoch, epoch: e.epoch + 1, wall: e.t * 1000 };
}

export interface StageMark extends CurveMark {
  stage: number;
}

/**
 * Each stage of the run as a band from its first step to the next stage's (boundaries seen in
 * the steps, or planned when not reached yet), labelled `S<stage>`. A resumed run starts with the
 * stage it resumed in, at its own first step.
 */
export function stageMarks(trace: RunTrace): StageMark[] {
  const first = trace.steps[0];
  const last = trace.lastStep;
  if (!first || !last) return [];
  const resume = trace.started?.resume_epoch ?? 0;
  const planned = new Map((trace.started?.stages ?? []).map((s) => [s.stage, s]));
  const stageWall = (stage: number): number | null => {
    const event = trace.stageEvents.find((s) => s.stage === stage);
    if (event) return event.t * 1000;
    const seen = trace.stageFirstStep.get(stage);
    const step = seen === undefined ? undefined : trace.steps.find((s) => s.step === seen);
    return step ? step.t * 1000 : null;
  };
  const starts: Array<{ stage: number; step: number; epoch: number; wall: number | null; predicted: boolean }> = [
    { stage: first.stage, step: first.step - 0.5, epoch: Math.max(resume, first.epoch), wall: stageWall(first.stage) ?? first.t * 1000, predicted: false },
  ];
  for (const b of stageBoundaries(trace)) {
    if (b.stage === first.stage || b.step <= first.step) continue;
    const plan = planned.get(b.stage);
    const epoch = plan?.first_epoch ?? trace.steps.find((s) => s.step === b.step)?.epoch ?? null;
    if (epoch === null) continue;
    starts.push({ stage: b.stage, step: b.step - 0.5, epoch, wall: b.predicted ? null : stageWall(b.stage), predicted: b.predicted });
  }
  starts.sort((a, b) => a.step - b.step);
  const end = stepPosition(last);
  const endStep = Math.max(last.step + 0.5, plannedLastStep(trace) ?? 0);
  return starts.map((s, i) => {
    const next = starts[i + 1];
    const to = next
      ? { step: next.step, epoch: next.epoch, wall: next.wall }
      : { step: endStep, epoch: Math.max(end.epoch, trace.started?.num_epochs ?? 0), wall: end.wall };
    return { stage: s.stage, label: `S${s.stage}`, from: { step: s.step, epoch: s.epoch, wall: s.wall }, to, predicted: s.predicted };
  });
}

/** The end of the planned run on the step and epoch axes (the "whole run" view). */
export function plannedEnd(trace: RunTrace): { step?: number; epoch?: number } {
  const step = plannedLastStep(trace);
  const epochs = trace.started?.num_epochs;
  return { ...(step !== null ? { step } : {}), ...(epochs ? { epoch: epochs } : {}) };
}
