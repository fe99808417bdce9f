/**
 * Which checkpoints of a run a new run can start from, and what `resume` to go with each.
 *
 * `inspect.targets` lists `epoch-N.pt` (after N epochs), `best.pt` and `last`; `best.pt` says
 * nothing of its epoch, but the run's `checkpoint` events do: the epoch file written in the same
 * save as the best one carries `best: true` too.
 */
import type { EngineEvent } from '../../../common/events';
import type { InspectTargets } from '../../../common/inspector';
import { hasLatentCurriculum } from '../../../common/methods';
import { methodLabel } from './format';

export interface CheckpointChoice {
  /** `epoch-3`, or `best` when no epoch file stands for it. */
  label: string;
  /** Absolute path, for `load_model_path`. */
  file: string;
  /** Epochs the checkpoint had completed; null when unknown. */
  epoch: number | null;
  best: boolean;
  last: boolean;
  /** Validation accuracy of the epoch it was saved after, when the events say. */
  accuracy: number | null;
}

const EPOCH_FILE = /(?:^|[\\/])epoch-(\d+)\.pt$/;

/** What a run's events tell of its checkpoints. */
export interface CheckpointFacts {
  /** Epochs completed by the best checkpoint; null when the events do not say. */
  bestEpoch: number | null;
  /** Epochs completed (the N of `epoch-N.pt`) → validation accuracy after that epoch. */
  accuracy: Map<number, number>;
}

export const NO_FACTS: CheckpointFacts = { bestEpoch: null, accuracy: new Map() };

/**
 * Reads the `checkpoint` events (and the `eval` event of the same epoch before each, leaving out
 * evaluations with a forced thought count) for the best epoch and each epoch file's accuracy.
 */
export function checkpointFacts(events: readonly EngineEvent[]): CheckpointFacts {
  let bestEpoch: number | null = null;
  const accuracy = new Map<number, number>();
  const evalAccuracy = new Map<number, number>();
  for (const event of events) {
    if (event.type === 'eval' && event.forced_thoughts === undefined) evalAccuracy.set(event.epoch, event.accuracy);
    if (event.type !== 'checkpoint') continue;
    const match = EPOCH_FILE.exec(event.path);
    if (!match?.[1]) continue;
    const done = Number(match[1]);
    const measured = evalAccuracy.get(event.epoch);
    if (measured !== undefined) accuracy.set(done, measured);
    if (event.best) bestEpoch = done;
  }
  return { bestEpoch, accuracy };
}

/**
 * The run's checkpoints, newest epoch first, the best one marked. The epoch files are what is
 * offered (a file that will not change under a run still writing `best.pt`); `best.pt` itself
 * only when no epoch file is known to hold the same weights.
 */
export function checkpointChoices(targets: InspectTargets, facts: CheckpointFacts = NO_FACTS): CheckpointChoice[] {
  const epochs = targets.checkpoints.filter((c) => c.label !== 'last' && c.label !== 'best' && c.epoch !== null);
  epochs.sort((a, b) => (b.epoch ?? 0) - (a.epoch ?? 0));
  const lastEpoch = epochs[0]?.epoch ?? null;
  const choices: CheckpointChoice[] = epochs.map((c) => ({
    label: c.label,
    file: c.file,
    epoch: c.epoch,
    best: facts.bestEpoch !== null && c.epoch === facts.bestEpoch,
    last: c.epoch === lastEpoch,
    accuracy: c.epoch === null ? null : (facts.accuracy.get(c.epoch) ?? null),
  }));
  const bestFile = targets.checkpoints.find((c) => c.label === 'best');
  if (bestFile && !choices.some((c) => c.best)) {
    const accuracy = facts.bestEpoch === null ? null : (facts.accuracy.get(facts.bestEpoch) ?? null);
    choices.unshift({ label: 'best', file: bestFile.file, epoch: facts.bestEpoch, best: true, last: false, accuracy });
  }
  return choices;
}

export interface ResumeAdvice {
  /** The value for `resume`; null: leave it as it is. */
  resume: number | null;
  /** Why, in a sentence. */
  reason: string;
}

/**
 * What `resume` should be when a run of `formMethod` starts from a checkpoint of a
 * `checkpointMethod` run:
 * - the same method continues that run: skip the epochs the checkpoint completed;
 * - a CoT checkpoint under a curriculum (the quickstart's Coconut run, the reference's GSM8k
 *   recipe): CoT is stage 0, so skip stage 0's epochs;
 * - any other pair starts the new method's schedule from its beginning, from those weights.
 */
export function resumeAdvice(
  checkpoint: Pick<CheckpointChoice, 'epoch'>,
  checkpointMethod: string,
  form: { method: string; epochsPerStage: number },
): ResumeAdvice {
  if (checkpointMethod === form.method) {
    if (checkpoint.epoch === null) {
      return { resume: null, reason: 'The checkpoint does not say which epoch it ends; set resume to the epochs it completed.' };
    }
    return {
      resume: checkpoint.epoch,
      reason: `Same method: resume ${checkpoint.epoch} skips the ${checkpoint.epoch} epoch${checkpoint.epoch === 1 ? '' : 's'} the checkpoint completed.`,
    };
  }
  if (checkpointMethod === 'cot' && hasLatentCurriculum(form.method)) {
    const n = form.epochsPerStage;
    return {
      resume: n,
      reason: `A CoT checkpoint has trained stage 0: resume ${n} (epochs_per_stage) starts the ${methodLabel(form.method)} curriculum at stage 1.`,
    };
  }
  return {
    resume: 0,
    reason: `${methodLabel(form.method)} starts its own schedule from the beginning, with the ${methodLabel(checkpointMethod)} run's weights.`,
  };
}
