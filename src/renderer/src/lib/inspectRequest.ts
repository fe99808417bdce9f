/** What the inspector sends: the record to inspect, the checkpoint to open, and what to call the download. */
import type { DatasetRecordView } from '../../../common/api';
import type { InspectRecord, InspectTargets } from '../../../common/inspector';
import type { GraphRecord } from './recordGraph';

/**
 * The record to inspect from the picked validation record (or none) and the question text as it
 * stands: the picked record unchanged, its graph fields with an edited question, or a typed
 * question alone. Null while the text is blank.
 */
export function recordForInspection(picked: DatasetRecordView | null, text: string): InspectRecord | null {
  if (text.trim() === '') return null;
  if (picked === null) return { question: text };
  const { index: _index, ...record } = picked;
  return text === picked.question ? record : { ...record, question: text };
}

/** The graph fields of a record, when it has them all (what the graph view needs). */
export function graphOf(record: InspectRecord | null): GraphRecord | null {
  if (!record || !record.idx_to_symbol || !record.edges || record.root === undefined || record.target === undefined) return null;
  return {
    idx_to_symbol: record.idx_to_symbol,
    edges: record.edges,
    root: record.root,
    target: record.target,
    neg_target: record.neg_target,
    steps: record.steps ?? [],
  };
}

type Checkpoint = InspectTargets['checkpoints'][number];
type Bundle = InspectTargets['bundles'][number];

/**
 * What the API takes as `checkpoint` for one of the run's checkpoints: its label (`best`, `last`,
 * `epoch-N`), which names its bundle folder too. `best` and `last` follow the run as it trains.
 */
export function checkpointChoice(checkpoint: Checkpoint): string {
  return checkpoint.label;
}

/** The bundle exported from a checkpoint choice. */
export function bundleOf(targets: InspectTargets | null, choice: string | null): Bundle | null {
  if (!targets || choice === null) return null;
  return targets.bundles.find((bundle) => bundle.checkpoint === choice) ?? null;
}

/** A file name for an inspection's JSON, safe on every file system. */
export function inspectionFileName(runId: string, checkpoint: string, k: number | null): string {
  const safe = (text: string) => text.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'x';
  return `inspection-${safe(runId)}-${safe(checkpoint)}${k === null ? '' : `-k${k}`}.json`;
}
