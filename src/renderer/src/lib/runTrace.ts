/**
 * Everything a run's event stream has said so far, accumulated without Vue reactivity (a run can
 * send tens of thousands of step events); the composable that owns it tells the views when it
 * changed. Also the derived numbers the run view shows: progress, ETA, stage segments and the
 * global steps where stages begin.
 */
import type {
  CheckpointEvent,
  EngineEvent,
  ErrorEvent,
  EvalEvent,
  FinishedEvent,
  LogEvent,
  StageEvent,
  StagePlan,
  StartedEvent,
  StepEvent,
} from '../../../common/events';

export class RunTrace {
  started: StartedEvent | null = null;
  readonly stageEvents: StageEvent[] = [];
  readonly steps: StepEvent[] = [];
  readonly evals: EvalEvent[] = [];
  readonly checkpoints: CheckpointEvent[] = [];
  readonly messages: Array<LogEvent | ErrorEvent> = [];
  finished: FinishedEvent | null = null;
  error: ErrorEvent | null = null;
  /** The first global step seen in each stage. */
  readonly stageFirstStep = new Map<number, number>();
  eventCount = 0;

  apply(event: EngineEvent): void {
    this.eventCount += 1;
    switch (event.type) {
      case 'started':
        this.started = event;
        break;
      case 'stage':
        this.stageEvents.push(event);
        break;
      case 'step': {
        const last = this.lastStep;
        // A step at or before the last one is a duplicate (a replay that overlapped); keep x increasing.
        if (last && event.step <= last.step) break;
        this.steps.push(event);
        if (!this.stageFirstStep.has(event.stage)) this.stageFirstStep.set(event.stage, event.step);
        break;
      }
      case 'eval':
        this.evals.push(event);
        break;
      case 'checkpoint':
        this.checkpoints.push(event);
        break;
      case 'log':
        this.messages.push(event);
        break;
      case 'error':
        this.error = event;
        this.messages.push(event);
        break;
      case 'finished':
        this.finished = event;
        break;
    }
  }

  get lastStep(): StepEvent | null {
    return this.steps[this.steps.length - 1] ?? null;
  }

  /** The stage the run is in: from the latest step, else the latest stage event. */
  get currentStage(): number | null {
    const step = this.lastStep;
    const stageEvent = this.stageEvents[this.stageEvents.length - 1];
    if (step && stageEvent) return stageEvent.t > step.t ? stageEvent.stage : step.stage;
    return step?.stage ?? stageEvent?.stage ?? null;
  }

  get currentEpoch(): number | null {
    const step = this.lastStep;
    const stageEvent = this.stageEvents[this.stageEvents.length - 1];
    if (step && stageEvent) return stageEvent.t > step.t ? stageEvent.epoch : step.epoch;
    return step?.epoch ?? stageEvent?.epoch ?? null;
  }
}

export interface Segment {
  stage: number;
  label: string;
  thoughts: number;
  removedSteps: number;
  firstEpoch: number;
  lastEpoch: number;
  epochs: number;
  /** Left edge and width as fractions of the whole plan. */
  start: number;
  width: number;
}

export function planSpan(stages: readonly StagePlan[]): { first: number; end: number } | null {
  if (stages.length === 0) return null;
  const first = Math.min(...stages.map((s) => s.first_epoch));
  const end = Math.max(...stages.map((s) => s.last_epoch)) + 1;
  return end > first ? { first, end } : null;
}

/** Stages as segments proportional to their epochs, in stage order. */
export function timelineSegments(stages: readonly StagePlan[]): Segment[] {
  const span = planSpan(stages);
  if (!span) return [];
  const total = span.end - span.first;
  return [...stages]
    .sort((a, b) => a.first_epoch - b.first_epoch || a.stage - b.stage)
    .map((s) => {
      const epochs = Math.max(0, s.last_epoch - s.first_epoch + 1);
      return {
        stage: s.stage,
        label: s.label,
        thoughts: s.thoughts,
        removedSteps: s.removed_steps,
        firstEpoch: s.first_epoch,
        lastEpoch: s.last_epoch,
        epochs,
        start: (s.first_epoch - span.first) / total,
        width: epochs / total,
      };
    });
}

export interface Progress {
  stage: number | null;
  /** 0-based epoch, as in the events. */
  epoch: number | null;
  epochStep: number | null;
  stepsInEpoch: number | null;
  doneSteps: number;
  totalSteps: number | null;
  fraction: number | null;
  /** Where the run is on the stage timeline, 0..1 of the plan. */
  marker: number | null;
  stepsPerSecond: number | null;
  /** Predicted end (Unix seconds) from the recent step rate, or null. */
  etaAt: number | null;
}

function stepsPerEpochOf(trace: RunTrace): number {
  const last = trace.lastStep;
  if (last && last.steps_in_epoch > 0) return last.steps_in_epoch;
  return trace.started?.steps_per_epoch ?? 0;
}

export function progressOf(trace: RunTrace): Progress {
  const started = trace.started;
  const last = trace.lastStep;
  const perEpoch = stepsPerEpochOf(trace);
  const resume = started?.resume_epoch ?? 0;
  const totalSteps = started && perEpoch > 0 ? perEpoch * Math.max(0, started.num_epochs - resume) : null;
  const doneSteps = last ? Math.max(0, (last.epoch - resume) * perEpoch + last.epoch_step) : 0;
  let fraction = totalSteps ? Math.min(1, doneSteps / totalSteps) : null;
  if (trace.finished?.status === 'completed') fraction = 1;

  let marker: number | null = null;
  const span = started ? planSpan(started.stages) : null;
  if (span) {
    if (trace.finished?.status === 'completed') marker = 1;
    else if (last) {
      const within = last.steps_in_epoch > 0 ? last.epoch_step / last.steps_in_epoch : 0;
      marker = (last.epoch + within - span.first) / (span.end - span.first);
    } else if (trace.currentEpoch !== null) {
      marker = (trace.currentEpoch - span.first) / (span.end - span.first);
    } else {
      marker = (resume - span.first) / (span.end - span.first);
    }
    marker = Math.min(1, Math.max(0, marker));
  }

  // Rate over roughly the last two epochs, evaluation pauses included: that is what the rest costs.
  let stepsPerSecond: number | null = null;
  let etaAt: number | null = null;
  if (last && trace.steps.length >= 2) {
    const window = Math.max(20, perEpoch * 2);
    const first = trace.steps[Math.max(0, trace.steps.length - 1 - window)]!;
    const dt = last.t - first.t;
    const ds = last.step - first.step;
    if (dt > 0 && ds > 0) {
      stepsPerSecond = ds / dt;
      if (totalSteps !== null && !trace.finished) etaAt = last.t + Math.max(0, totalSteps - doneSteps) / stepsPerSecond;
    }
  }

  return {
    stage: trace.currentStage,
    epoch: trace.currentEpoch,
    epochStep: last?.epoch_step ?? null,
    stepsInEpoch: last?.steps_in_epoch ?? null,
    doneSteps,
    totalSteps,
    fraction,
    marker,
    stepsPerSecond,
    etaAt,
  };
}

export interface StageBoundary {
  stage: number;
  /** The first global step of the stage. */
  step: number;
  /** True when no step of the stage has been seen yet and the place is computed from the plan. */
  predicted: boolean;
}

/** Where each stage after the first begins on the global-step axis. */
export function stageBoundaries(trace: RunTrace): StageBoundary[] {
  const started = trace.started;
  const out: StageBoundary[] = [];
  const plan = started ? [...started.stages].sort((a, b) => a.first_epoch - b.first_epoch) : [];
  const perEpoch = stepsPerEpochOf(trace);
  const resume = started?.resume_epoch ?? 0;
  const firstStep = trace.steps[0];
  // Global step of the run's first step (1 unless the engine counts on from a resumed run).
  const origin = firstStep ? firstStep.step - ((firstStep.epoch - resume) * perEpoch + firstStep.epoch_step - 1) : 1;
  plan.forEach((s, index) => {
    if (index === 0 || s.last_epoch < resume) return;
    const seen = trace.stageFirstStep.get(s.stage);
    if (seen !== undefined) out.push({ stage: s.stage, step: seen, predicted: false });
    else if (perEpoch > 0) out.push({ stage: s.stage, step: origin + (s.first_epoch - resume) * perEpoch, predicted: true });
  });
  if (plan.length === 0) {
    for (const [stage, step] of trace.stageFirstStep) if (step !== firstStep?.step) out.push({ stage, step, predicted: false });
  }
  return out;
}

/** Global step of the run's last step (observed or planned), for the loss chart's x range. */
export function plannedLastStep(trace: RunTrace): number | null {
  const progress = progressOf(trace);
  const last = trace.lastStep;
  if (progress.totalSteps === null) return last?.step ?? null;
  const origin = last ? last.step - progress.doneSteps : 0;
  return Math.max(origin + progress.totalSteps, last?.step ?? 0);
}
