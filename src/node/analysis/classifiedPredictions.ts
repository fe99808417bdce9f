/**
 * Prediction files read and classified once while they stay unchanged: the Compare page pages
 * through one file's questions a screen at a time, and every page used to re-read the whole file
 * and re-classify every row. A file is known by its path, modification time and size; its
 * verdicts also by the dataset records they were read against (the workbench's `DatasetStore`
 * hands out the same array while the dataset file is unchanged). Only the last few files are kept.
 */
import { statSync } from 'node:fs';
import type { AnalysedQuestion } from '../../common/analysis.js';
import type { PredictionRow } from '../../common/api.js';
import type { DatasetRecord } from '../datasets/records.js';
import { readPredictionRows } from '../runs/runStore.js';
import { classifyPath } from './pathClassifier.js';

/** Files kept: the runs of one comparison, a few prediction files each. */
export const CLASSIFIED_FILES_KEPT = 8;

interface CachedFile {
  /** Modification time (ns) and size: a file rewritten in place differs in one of them. */
  stamp: string;
  rows: PredictionRow[];
  /** Every row classified against `records`, made on first use. */
  verdicts: { records: readonly DatasetRecord[]; graph: boolean; analysed: AnalysedQuestion[] } | null;
}

export function classifyRow(row: PredictionRow, record: DatasetRecord | undefined, graph: boolean): AnalysedQuestion {
  const base = { idx: row.idx, thoughts: row.thoughts, text: row.text, answer: row.answer, correct: row.correct };
  if (!graph || record === undefined) return { ...base, verdict: null };
  return { ...base, verdict: classifyPath(record, row.text, { thoughts: row.thoughts }) };
}

export class ClassifiedPredictions {
  private readonly files = new Map<string, CachedFile>();

  constructor(private readonly kept = CLASSIFIED_FILES_KEPT) {}

  /** The file's rows, read again only when it changed. Throws (naming the line) on a damaged file. */
  rows(path: string): PredictionRow[] {
    return this.entry(path).rows;
  }

  /** Every row of the file with its verdict against `records` (null verdicts unless `graph`), in file order. */
  analysed(path: string, records: readonly DatasetRecord[], graph: boolean): AnalysedQuestion[] {
    const entry = this.entry(path);
    if (entry.verdicts?.records !== records || entry.verdicts.graph !== graph) {
      entry.verdicts = { records, graph, analysed: entry.rows.map((row) => classifyRow(row, records[row.idx], graph)) };
    }
    return entry.verdicts.analysed;
  }

  private entry(path: string): CachedFile {
    const stats = statSync(path, { bigint: true });
    const stamp = `${stats.mtimeNs}:${stats.size}`;
    let entry = this.files.get(path);
    if (entry?.stamp !== stamp) entry = { stamp, rows: readPredictionRows(path), verdicts: null };
    // Most recently used last, so the first is the one to drop.
    this.files.delete(path);
    this.files.set(path, entry);
    while (this.files.size > this.kept) this.files.delete(this.files.keys().next().value as string);
    return entry;
  }
}
