/**
 * Runs on disk. A run is a directory under `<home>/runs/<id>/` holding `config.yaml`,
 * `run.json` (status, timestamps, versions), the engine's append-only `events.jsonl`,
 * `stdout.log` / `stderr.log`, `checkpoints/` and `predictions/` (every validation question's
 * output per evaluation, written whole by the engine). `run.json` is only ever replaced whole.
 */
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiError, PredictionRowSchema, type PredictionFilter, type PredictionRow } from '../../common/api.js';
import type { RunConfig } from '../../common/config.js';
import type { EngineEvent } from '../../common/events.js';
import { isFinal, RunRecordSchema, type RunRecord, type RunSummary } from '../../common/runs.js';
import { writeFileAtomic } from './atomicFile.js';
import { methodOf } from '../../common/config.js';
import { configToYaml, parseConfigYaml } from './configText.js';
import { readAllEvents } from './eventLog.js';
import { searchTerms } from '../datasets/datasetStore.js';

export const RUN_FILES = {
  config: 'config.yaml',
  record: 'run.json',
  events: 'events.jsonl',
  stdout: 'stdout.log',
  stderr: 'stderr.log',
  checkpoints: 'checkpoints',
  predictions: 'predictions',
} as const;

export type LogStream = 'stdout' | 'stderr';

/**
 * `epoch-N.jsonl` (training, N counted from 1), or only_eval's `eval-N.jsonl` and, with the
 * config's eval_thoughts, `eval-N-kK.jsonl` (K forced thoughts); `-C` after either is the C-th
 * copy, written when the name was taken.
 */
const PREDICTION_FILE = /^(?:epoch-(\d+)|eval-(\d+)(?:-k(\d+))?)(?:-(\d+))?\.jsonl$/;

/** Sort keys of a prediction file name: [epoch files first, N, forced thoughts (none first), copy]. */
function predictionFileKey(name: string): number[] {
  const [, epochN, evalN, thoughts, copy] = PREDICTION_FILE.exec(name) ?? [];
  return [epochN !== undefined ? 0 : 1, Number(epochN ?? evalN), thoughts === undefined ? -1 : Number(thoughts), Number(copy ?? 1)];
}

/** Epoch files first, then only_eval's; each by number (epoch-2 before epoch-10), then forced thoughts, then copy. */
function comparePredictionFiles(a: string, b: string): number {
  const keyA = predictionFileKey(a);
  const keyB = predictionFileKey(b);
  return keyA.reduce((order, value, index) => order || value - (keyB[index] ?? 0), 0);
}

export interface PredictionQuery {
  offset: number;
  limit: number;
  filter: PredictionFilter;
  /** Words that must all occur (any case) in the generated text or the answer. */
  query: string;
}

export interface PredictionPage {
  files: string[];
  file: string | null;
  total: number;
  offset: number;
  rows: PredictionRow[];
}

function slug(name: string): string {
  return (
    name
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .slice(0, 40)
      .replace(/^-+|-+$/g, '') || 'run'
  );
}

function timestampId(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
}

export function toSummary(record: RunRecord): RunSummary {
  const { pid: _pid, versions: _versions, exit_code: _exitCode, ...summary } = record;
  return summary;
}

export class RunStore {
  readonly runsDir: string;

  constructor(readonly home: string) {
    this.runsDir = resolve(home, 'runs');
  }

  runDir(id: string): string {
    if (!/^[A-Za-z0-9._-]+$/.test(id)) throw new ApiError('bad_request', `not a run id: ${JSON.stringify(id)}`);
    return join(this.runsDir, id);
  }

  path(id: string, file: keyof typeof RUN_FILES): string {
    return join(this.runDir(id), RUN_FILES[file]);
  }

  /** The run's folder with links resolved (what the record's `dir` says). */
  realDir(id: string): string {
    return this.read(id).dir;
  }

  /**
   * Creates the directory, `config.yaml` and a queued `run.json`. The config's paths must already
   * be absolute. With `outsideDir` the run lives there and `runs/<id>` links to it, so it lists
   * like any other; that folder must not exist yet or be empty.
   */
  create(config: RunConfig, versions: Record<string, string>, outsideDir?: string, evalOf: RunRecord['eval_of'] = null): RunRecord {
    try {
      mkdirSync(this.runsDir, { recursive: true });
    } catch (error) {
      throw new ApiError('internal', `cannot create the runs folder ${this.runsDir}: ${(error as Error).message}`);
    }
    const now = new Date();
    const id = `${timestampId(now)}-${slug(config.name)}-${randomBytes(2).toString('hex')}`;
    const dir = outsideDir ? resolve(outsideDir) : this.runDir(id);
    try {
      if (outsideDir && existsSync(dir) && readdirSync(dir).length > 0) {
        throw new Error('it already exists and is not empty (choose a new folder; nothing in it was changed)');
      }
      // Not recursive for the run folder itself: fail rather than reuse an existing run.
      if (outsideDir) mkdirSync(dir, { recursive: true });
      else mkdirSync(dir);
      mkdirSync(join(dir, RUN_FILES.checkpoints));
      if (outsideDir) symlinkSync(dir, this.runDir(id), 'dir');
    } catch (error) {
      throw new ApiError('bad_request', `cannot create the run directory ${dir}: ${(error as Error).message}`);
    }
    writeFileAtomic(join(dir, RUN_FILES.config), configToYaml(config));
    const record: RunRecord = {
      id,
      name: config.name,
      status: 'queued',
      method: methodOf(config),
      created_at: now.toISOString(),
      started_at: null,
      ended_at: null,
      stage: null,
      epoch: null,
      num_epochs: config.num_epochs,
      best_accuracy: null,
      last_accuracy: null,
      last_error: null,
      dir,
      val_path: config.val_path,
      seed: config.seed,
      eval_of: evalOf,
      pid: null,
      versions,
      exit_code: null,
    };
    this.write(record);
    return record;
  }

  has(id: string): boolean {
    return existsSync(this.path(id, 'record'));
  }

  read(id: string): RunRecord {
    const path = this.path(id, 'record');
    if (!existsSync(path)) throw new ApiError('not_found', `no run with id ${id}`);
    const parsed = RunRecordSchema.safeParse(JSON.parse(readFileSync(path, 'utf8')));
    if (!parsed.success) throw new ApiError('internal', `${path} is not a valid run record: ${parsed.error.message}`);
    if (parsed.data.val_path === undefined) return { ...parsed.data, ...this.configFacts(id) };
    return parsed.data;
  }

  /** What a run.json written before `val_path` and `seed` were kept says of them: its config's. */
  private configFacts(id: string): Pick<RunRecord, 'val_path' | 'seed'> {
    try {
      const parsed = parseConfigYaml(readFileSync(this.path(id, 'config'), 'utf8'));
      return parsed.ok ? { val_path: parsed.config.val_path, seed: parsed.config.seed } : { val_path: null, seed: null };
    } catch {
      return { val_path: null, seed: null };
    }
  }

  /**
   * Removes a finished run. The folder leaves `runs/` in one rename (into `<home>/.trash/`), so a
   * reader sees the whole run or none of it; then it is deleted. A run kept outside the home
   * (`runs/<id>` a link) loses its link the same way, and its folder is deleted after.
   */
  remove(id: string): void {
    const record = this.read(id);
    if (!isFinal(record.status)) {
      throw new ApiError('conflict', `run ${id} is ${record.status}: cancel it first, then delete it`);
    }
    const trash = join(this.home, '.trash');
    const parked = join(trash, `${id}-${randomBytes(3).toString('hex')}`);
    const linked = lstatSync(this.runDir(id)).isSymbolicLink();
    try {
      mkdirSync(trash, { recursive: true });
      renameSync(this.runDir(id), parked);
    } catch (error) {
      throw new ApiError('internal', `cannot delete run ${id}: moving ${this.runDir(id)} to ${trash} failed: ${(error as Error).message}`);
    }
    // What is left is outside `runs/`; failing to delete it loses nothing the list shows.
    rmSync(parked, { recursive: true, force: true });
    if (linked) rmSync(record.dir, { recursive: true, force: true });
  }

  write(record: RunRecord): void {
    writeFileAtomic(this.path(record.id, 'record'), JSON.stringify(record, null, 2) + '\n');
  }

  update(id: string, patch: Partial<RunRecord>): RunRecord {
    const record = { ...this.read(id), ...patch };
    this.write(record);
    return record;
  }

  /** Every readable run, newest first. A damaged `run.json` is skipped, not fatal. */
  list(): RunRecord[] {
    if (!existsSync(this.runsDir)) return [];
    const records: RunRecord[] = [];
    for (const id of readdirSync(this.runsDir)) {
      try {
        if (this.has(id)) records.push(this.read(id));
      } catch {
        // A run directory being created, or one damaged by hand; the others still list.
      }
    }
    return records.sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  configText(id: string): string {
    this.read(id);
    return readFileSync(this.path(id, 'config'), 'utf8');
  }

  events(id: string): EngineEvent[] {
    this.read(id);
    return readAllEvents(this.path(id, 'events'));
  }

  /** The names of the run's prediction files, in epoch order. */
  predictionFiles(id: string): string[] {
    const dir = join(this.realDir(id), RUN_FILES.predictions);
    if (!existsSync(dir)) return [];
    return readdirSync(dir, { withFileTypes: true })
      .filter((entry) => entry.isFile() && PREDICTION_FILE.test(entry.name))
      .map((entry) => entry.name)
      .sort(comparePredictionFiles);
  }

  /**
   * Every row of one of the run's prediction files (`file` one of its names, never a path;
   * default: the one written last), with the run's file names. A torn last line is skipped.
   */
  predictionRows(id: string, file: string | undefined): { files: string[]; file: string | null; rows: PredictionRow[] } {
    const dir = join(this.realDir(id), RUN_FILES.predictions);
    const files = this.predictionFiles(id);
    if (file !== undefined && !files.includes(file)) {
      const have = files.length > 0 ? `it has ${files.join(', ')}` : 'it has none yet';
      throw new ApiError('not_found', `run ${id} has no prediction file ${JSON.stringify(file)} (${have})`);
    }
    const chosen = file ?? latestFile(dir, files);
    if (chosen === null) return { files, file: null, rows: [] };
    const path = join(dir, chosen);
    const lines = readFileSync(path, 'utf8').split('\n');
    const rows: PredictionRow[] = [];
    lines.forEach((line, index) => {
      if (line.trim() === '') return;
      let parsed: ReturnType<typeof PredictionRowSchema.safeParse> | null = null;
      try {
        parsed = PredictionRowSchema.safeParse(JSON.parse(line));
      } catch {
        parsed = null;
      }
      if (parsed?.success) {
        rows.push(parsed.data);
      } else if (index < lines.length - 1) {
        // Only the last line may be cut short (a file still being written by hand or a copy).
        throw new ApiError('internal', `${path}: line ${index + 1} is not a prediction row`);
      }
    });
    return { files, file: chosen, rows };
  }

  /**
   * One page of a prediction file's rows. `file` must be one of the run's own prediction files
   * (never a path); without it, the one written last. A torn last line is skipped.
   */
  predictions(id: string, file: string | undefined, options: PredictionQuery): PredictionPage {
    const { files, file: chosen, rows } = this.predictionRows(id, file);
    if (chosen === null) return { files, file: null, total: 0, offset: options.offset, rows: [] };
    const terms = searchTerms(options.query);
    const matching = rows.filter(
      (row) =>
        (options.filter === 'all' || row.correct === (options.filter === 'right')) &&
        (terms.length === 0 || terms.every((term) => `${row.text}\n${row.answer}`.toLowerCase().includes(term))),
    );
    return {
      files,
      file: chosen,
      total: matching.length,
      offset: options.offset,
      rows: matching.slice(options.offset, options.offset + options.limit),
    };
  }

  /** The last `maxBytes` of a log, cut at a line start when cut at all. */
  logTail(id: string, stream: LogStream, maxBytes: number): { text: string; truncated: boolean } {
    this.read(id);
    const path = this.path(id, stream);
    if (!existsSync(path)) return { text: '', truncated: false };
    const size = statSync(path).size;
    const start = Math.max(0, size - maxBytes);
    const buffer = Buffer.alloc(size - start);
    const fd = openSync(path, 'r');
    try {
      readSync(fd, buffer, 0, buffer.length, start);
    } finally {
      closeSync(fd);
    }
    let text = buffer.toString('utf8');
    if (start > 0) text = text.slice(text.indexOf('\n') + 1);
    return { text, truncated: start > 0 };
  }
}

/** The file written last (ties: the later in epoch order), or null when there is none. */
function latestFile(dir: string, files: string[]): string | null {
  let latest: string | null = null;
  let latestTime = -Infinity;
  for (const name of files) {
    const time = statSync(join(dir, name)).mtimeMs;
    if (time >= latestTime) {
      latest = name;
      latestTime = time;
    }
  }
  return latest;
}
