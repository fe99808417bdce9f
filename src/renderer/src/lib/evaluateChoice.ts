/**
 * What the Evaluate dialog offers: the run's checkpoints (best, last, each epoch) with what the
 * events say of them, the dataset splits with the run's own dataset's test split first, and the
 * check of a forced thought range.
 */
import type { DatasetInfo } from '../../../common/api';
import type { EngineEvent } from '../../../common/events';
import { MAX_INSPECT_THOUGHTS, type InspectTargets } from '../../../common/inspector';
import { hasThoughtMarkers } from '../../../common/methods';
import { checkpointFacts } from './checkpointChoice';

export interface CheckpointOption {
  /** What `runs.evaluate` takes: `best`, `last`, `epoch-N`. */
  value: string;
  label: string;
}

/** Best and last first, then the epochs newest first, each with its epoch and validation accuracy when known. */
export function checkpointOptions(targets: InspectTargets, events: readonly EngineEvent[]): CheckpointOption[] {
  const facts = checkpointFacts(events);
  const epochs = targets.checkpoints.filter((c) => c.label !== 'best' && c.label !== 'last' && c.epoch !== null);
  const lastEpoch = epochs.reduce<number | null>((m, c) => (m === null || (c.epoch ?? 0) > m ? c.epoch : m), null);
  const describe = (epoch: number | null) => {
    if (epoch === null) return '';
    const accuracy = facts.accuracy.get(epoch);
    return accuracy === undefined ? `epoch ${epoch}` : `epoch ${epoch}, ${(accuracy * 100).toFixed(1)} %`;
  };
  const out: CheckpointOption[] = [];
  if (targets.checkpoints.some((c) => c.label === 'best')) {
    const what = describe(facts.bestEpoch);
    out.push({ value: 'best', label: what ? `best (${what})` : 'best' });
  }
  if (lastEpoch !== null || targets.checkpoints.some((c) => c.label === 'last')) {
    const what = describe(lastEpoch);
    out.push({ value: 'last', label: what ? `last (${what})` : 'last' });
  }
  for (const c of [...epochs].sort((a, b) => (b.epoch ?? 0) - (a.epoch ?? 0))) out.push({ value: c.label, label: describe(c.epoch) || c.label });
  return out;
}

export interface SplitOption {
  path: string;
  /** `prosqa / test (500)`. */
  label: string;
  dataset: string;
  split: string;
}

function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.\//, '').replace(/\/+/g, '/');
}

/** The same file, when one may be relative to the home and the other absolute. */
function samePath(a: string, b: string): boolean {
  const x = normalise(a);
  const y = normalise(b);
  return x === y || x.endsWith(`/${y}`) || y.endsWith(`/${x}`);
}

export function splitOptions(datasets: readonly DatasetInfo[]): SplitOption[] {
  return datasets.flatMap((d) =>
    d.splits.map((s) => ({ path: s.path, label: `${d.name} / ${s.split} (${s.records})`, dataset: d.name, split: s.split })),
  );
}

/**
 * The split to evaluate on unless the researcher picks another: the `test` split of the folder the
 * run validated on (the held-out questions), else the run's validation file itself, else none.
 */
export function defaultSplit(options: readonly SplitOption[], valPath: string | null | undefined): SplitOption | null {
  if (!valPath) return null;
  const own = options.find((o) => samePath(o.path, valPath));
  if (!own) return null;
  return options.find((o) => o.dataset === own.dataset && o.split === 'test') ?? own;
}

/** Why a forced thought range cannot be used, or null. */
export function thoughtRangeProblem(from: number, to: number): string | null {
  for (const [name, v] of [
    ['from', from],
    ['to', to],
  ] as const) {
    if (!Number.isInteger(v) || v < 0) return `${name} must be a whole number, 0 or more`;
    if (v > MAX_INSPECT_THOUGHTS) return `${name} must be at most ${MAX_INSPECT_THOUGHTS}`;
  }
  return from > to ? 'from must not be greater than to' : null;
}

/** Methods whose prompts carry thoughts between markers, so a thought count can be forced (the API refuses the others). */
export function hasThoughts(method: string | null | undefined): boolean {
  return hasThoughtMarkers(method);
}
