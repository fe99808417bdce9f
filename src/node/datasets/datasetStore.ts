/**
 * The datasets in a workbench home, as the app sees them: every folder `<datasets>/<name>/` with
 * one or more split files (`train.json`, …) and, when it was generated, a `dataset.json` manifest.
 * Folders whose names start with a dot are generations still in progress and are never listed.
 * Parsed split files are kept in a small cache keyed by size and modification time, so paging and
 * searching a 40k-record split does not parse it again on every call.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DatasetInfo, DatasetRecordView, DatasetSplit, DatasetStats } from '../../common/api.js';
import { ApiError } from '../../common/api.js';
import { DatasetError, readDataset, readDatasetJson, type DatasetRecord } from './records.js';
import { MANIFEST_FILE, readManifest, SPLIT_NAMES, type DatasetManifest } from './splits.js';
import { computeDatasetStats } from './stats.js';

/** Parsed split files kept in memory; a dataset's three splits fit, with one to spare. */
const CACHED_FILES = 4;

interface CachedFile {
  key: string;
  records: DatasetRecord[];
  /** Lower-cased question, steps and answer per record, built on the first search. */
  searchText?: string[];
  stats?: DatasetStats;
}

const fileKey = (info: { size: number; mtimeMs: number }) => `${info.size}:${info.mtimeMs}`;

/** The usual splits first, in their usual order, then any other files alphabetically. */
function splitOrder(a: string, b: string): number {
  const rank = (split: string) => {
    const known = (SPLIT_NAMES as readonly string[]).indexOf(split);
    return known === -1 ? SPLIT_NAMES.length : known;
  };
  return rank(a) - rank(b) || a.localeCompare(b);
}

/** The statistics of stats.ts under the API's names. */
export function statsForDisplay(records: readonly DatasetRecord[]): DatasetStats {
  const { records: count, steps, questionWords, graph } = computeDatasetStats(records);
  return {
    records: count,
    steps,
    question_words: questionWords,
    graph: graph === null ? null : { records: graph.records, nodes: graph.nodes, edges: graph.edges, shortest_paths: graph.shortestPaths },
  };
}

/** A search text's words, lower-cased; a record matches when it contains every one of them. */
export function searchTerms(query: string): string[] {
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((term) => term.length > 0);
}

function recordText(record: DatasetRecord): string {
  return [record.question, ...record.steps, record.answer].join('\n').toLowerCase();
}

function toView(record: DatasetRecord, index: number): DatasetRecordView {
  const view: DatasetRecordView = { index, question: record.question, steps: record.steps, answer: record.answer };
  if (record.idx_to_symbol !== undefined) view.idx_to_symbol = record.idx_to_symbol;
  if (record.edges !== undefined) view.edges = record.edges;
  if (record.root !== undefined) view.root = record.root;
  if (record.target !== undefined) view.target = record.target;
  if (record.neg_target !== undefined) view.neg_target = record.neg_target;
  if (record.frontiers !== undefined) view.frontiers = record.frontiers;
  return view;
}

export interface RecordPage {
  total: number;
  offset: number;
  records: DatasetRecordView[];
}

export class DatasetStore {
  private readonly cache = new Map<string, CachedFile>();
  /** Record counts of split files without a manifest, by path, so listing does not parse them every time. */
  private readonly counts = new Map<string, { key: string; records: number | null }>();

  constructor(readonly dir: string) {}

  async list(): Promise<DatasetInfo[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return [];
      throw error;
    });
    const found: DatasetInfo[] = [];
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      if (!entry.isDirectory() || entry.name.startsWith('.')) continue;
      const info = await this.describe(entry.name);
      if (info !== null) found.push(info);
    }
    return found;
  }

  /** The dataset called `name`; not_found when there is none, or when the name would reach outside the datasets folder. */
  async get(name: string): Promise<DatasetInfo> {
    const plainFolderName = !/[/\\]/.test(name) && !name.startsWith('.') && name.length > 0;
    const info = plainFolderName ? await this.describe(name) : null;
    if (!info) throw new ApiError('not_found', `no dataset named ${JSON.stringify(name)}`, [{ path: 'name', message: 'no such dataset' }]);
    return info;
  }

  async stats(name: string, split: string): Promise<DatasetStats> {
    const file = await this.load(name, split);
    file.stats ??= statsForDisplay(file.records);
    return file.stats;
  }

  /** One page of the records whose question, steps or answer contain every word of `query`. */
  async records(name: string, split: string, options: { query: string; offset: number; limit: number }): Promise<RecordPage> {
    return this.page(await this.load(name, split), options);
  }

  /** The same for any dataset file (a run's validation set may live outside the datasets folder). */
  async recordsOfFile(path: string, options: { query: string; offset: number; limit: number }): Promise<RecordPage> {
    return this.page(await this.loadPath(path, path), options);
  }

  /** Every record of a dataset file, read once and cached while the file is unchanged (the analyses read them often). */
  async recordsOfPath(path: string): Promise<readonly DatasetRecord[]> {
    return (await this.loadPath(path, path)).records;
  }

  private page(file: CachedFile, options: { query: string; offset: number; limit: number }): RecordPage {
    const terms = searchTerms(options.query);
    if (terms.length === 0) {
      return {
        total: file.records.length,
        offset: options.offset,
        records: file.records.slice(options.offset, options.offset + options.limit).map((record, i) => toView(record, options.offset + i)),
      };
    }
    file.searchText ??= file.records.map(recordText);
    const matching: number[] = [];
    file.searchText.forEach((text, index) => {
      if (terms.every((term) => text.includes(term))) matching.push(index);
    });
    return {
      total: matching.length,
      offset: options.offset,
      records: matching.slice(options.offset, options.offset + options.limit).map((index) => toView(file.records[index] as DatasetRecord, index)),
    };
  }

  private async describe(name: string): Promise<DatasetInfo | null> {
    const path = join(this.dir, name);
    let manifest: DatasetManifest | null = null;
    try {
      manifest = await readManifest(path);
    } catch {
      // An unreadable manifest says nothing reliable about the files: count them as if it were absent.
    }
    const manifestCounts = new Map<string, number>();
    if (manifest !== null) for (const split of SPLIT_NAMES) manifestCounts.set(manifest.files[split], manifest.sizes[split]);

    const splits: DatasetSplit[] = [];
    for (const file of await readdir(path).catch(() => [] as string[])) {
      if (!file.endsWith('.json') || file === MANIFEST_FILE || file.startsWith('.')) continue;
      const filePath = join(path, file);
      const info = await stat(filePath).catch(() => null);
      if (info === null || !info.isFile()) continue;
      const records = manifestCounts.get(file) ?? (await this.countRecords(filePath, fileKey(info)));
      if (records === null) continue;
      splits.push({ split: file.slice(0, -'.json'.length), path: filePath, records, bytes: info.size });
    }
    if (splits.length === 0) return null;
    splits.sort((a, b) => splitOrder(a.split, b.split));
    return {
      name,
      path,
      splits,
      records: splits.reduce((sum, split) => sum + split.records, 0),
      generator:
        manifest === null
          ? null
          : { name: manifest.generator, version: manifest.generator_version, params: manifest.params, seed: manifest.seed, created_at: manifest.created_at },
    };
  }

  /** Records in a JSON list file, or null when the file is not a JSON list. */
  private async countRecords(path: string, key: string): Promise<number | null> {
    const known = this.counts.get(path);
    if (known?.key === key) return known.records;
    let records: number | null = null;
    try {
      const value = await readDatasetJson(path);
      records = Array.isArray(value) ? value.length : null;
    } catch {
      records = null;
    }
    this.counts.set(path, { key, records });
    return records;
  }

  private async load(name: string, split: string): Promise<CachedFile> {
    const dataset = await this.get(name);
    const found = dataset.splits.find((candidate) => candidate.split === split);
    if (!found) {
      const known = dataset.splits.map((candidate) => candidate.split).join(', ');
      throw new ApiError('not_found', `dataset ${name} has no split ${JSON.stringify(split)} (it has ${known})`, [{ path: 'split', message: 'no such split' }]);
    }
    return this.loadPath(found.path, `${name}/${split}`);
  }

  /** `label` names the file in errors. */
  private async loadPath(path: string, label: string): Promise<CachedFile> {
    const found = { path };
    const info = await stat(found.path).catch(() => {
      throw new ApiError('not_found', `${label}: no such file`);
    });
    const key = fileKey(info);
    const cached = this.cache.get(found.path);
    if (cached?.key === key) {
      // Most recently used last, so the oldest is the one evicted.
      this.cache.delete(found.path);
      this.cache.set(found.path, cached);
      return cached;
    }
    let records: DatasetRecord[];
    try {
      records = await readDataset(found.path);
    } catch (error) {
      if (error instanceof DatasetError) throw new ApiError('bad_request', `${label}: ${error.message}`);
      throw error;
    }
    const file: CachedFile = { key, records };
    this.cache.delete(found.path);
    this.cache.set(found.path, file);
    while (this.cache.size > CACHED_FILES) this.cache.delete(this.cache.keys().next().value as string);
    return file;
  }
}
