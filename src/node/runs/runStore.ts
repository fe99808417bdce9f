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
  readlinkSync,
  readSync,
  realpathSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { ApiError, PredictionRowSchema, type PredictionFilter, type PredictionRow } from '../../common/api.js';
import type { RunConfig } from '../../common/config.js';
import type { EngineEvent } from '../../common/events.js';
import { isFinal, type RunDamage, type RunRecord, type RunSummary, type RunSweep } from '../../common/runs.js';
import { writeFileAtomic } from './atomicFile.js';
import { describeFsError, RunRecordWriteError } from './fsFailure.js';
import { methodOf } from '../../common/config.js';
import { configToYaml, parseConfigYaml } from './configText.js';
import { eventLogReport, readAllEvents } from './eventLog.js';
import { configFacts, damagedRecord, readRunRecord, type ConfigFacts } from './runDamage.js';
import type { EventLogReport } from '../../common/runs.js';
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

/** Where a new run lives and what it belongs to, fixed when it is created. */
export interface RunPlacement {
  /** A folder of the user's choosing (it must not exist yet or be empty); `runs/<id>` links to it. */
  outsideDir?: string;
  /** For an evaluation: the run and checkpoint it evaluates. */
  evalOf?: RunRecord['eval_of'];
  /** For a run of a seed sweep: the sweep it belongs to. */
  sweep?: RunSweep | null;
}

/** How long a new folder without run.json is taken for one `create` is still writing. */
const CREATION_GRACE_MS = 5000;

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
  const { pid: _pid, process_start: _processStart, versions: _versions, exit_code: _exitCode, ...summary } = record;
  return summary;
}

export class RunStore {
  readonly runsDir: string;
  /**
   * Records whose `run.json` could not be written (disk full, folder unwritable). Reads return
   * them, so the workbench shows what it knows, and `retryUnsaved` writes them once it can.
   */
  private readonly unsaved = new Map<string, RunRecord>();

  constructor(readonly home: string) {
    this.runsDir = resolve(home, 'runs');
  }

  runDir(id: string): string {
    if (!/^(?!\.+$)[A-Za-z0-9._-]+$/.test(id)) throw new ApiError('bad_request', `not a run id: ${JSON.stringify(id)}`);
    return join(this.runsDir, id);
  }

  path(id: string, file: keyof typeof RUN_FILES): string {
    return join(this.runDir(id), RUN_FILES[file]);
  }

  /** The run's folder with links resolved (what the record's `dir` says; a damaged run's folder as found). */
  realDir(id: string): string {
    return this.readOrDamaged(id).dir;
  }

  /**
   * Creates the directory, `config.yaml` and a queued `run.json`. The config's paths must already
   * be absolute. With `outsideDir` the run lives there and `runs/<id>` links to it, so it lists
   * like any other.
   */
  create(config: RunConfig, versions: Record<string, string>, placement: RunPlacement = {}): RunRecord {
    const { outsideDir, evalOf = null, sweep = null } = placement;
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
      ...(sweep ? { sweep } : {}),
      pid: null,
      versions,
      exit_code: null,
    };
    let writing: string = RUN_FILES.config;
    try {
      writeFileAtomic(join(dir, RUN_FILES.config), configToYaml(config));
      writing = RUN_FILES.record;
      writeFileAtomic(join(dir, RUN_FILES.record), JSON.stringify(record, null, 2) + '\n');
    } catch (error) {
      // Half a run would list as damaged: take the folder (and its link) away again.
      if (outsideDir) rmSync(this.runDir(id), { force: true });
      rmSync(dir, { recursive: true, force: true });
      throw new ApiError('internal', `cannot create the run in ${dir}: ${describeFsError(error, `writing ${writing}`)}`);
    }
    return record;
  }

  has(id: string): boolean {
    return existsSync(this.path(id, 'record'));
  }

  /**
   * The run's record from its `run.json`. A damaged run (see `readOrDamaged`) is an error naming
   * the file and what is wrong with it: nothing may act on a record it cannot read.
   */
  read(id: string): RunRecord {
    const record = this.readOrDamaged(id);
    if (record.damage) {
      throw new ApiError('internal', `run ${id} is damaged: ${record.damage.file} ${record.damage.reason} (${record.damage.path})`);
    }
    return record;
  }

  /**
   * The run's record, or for a damaged run (its folder cannot be reached, or its `run.json` is
   * missing, not JSON or not a run record) a stand-in with status `damaged` and `damage` saying
   * why. Only a run id with no folder at all is not found. Never write the stand-in back.
   */
  readOrDamaged(id: string): RunRecord {
    const unsaved = this.unsaved.get(id);
    if (unsaved) return unsaved; // newer than its run.json, which could not be written
    const runDir = this.runDir(id);
    let dir: string;
    try {
      dir = realpathSync(runDir);
    } catch {
      const link = linkTarget(runDir);
      if (link === null) throw new ApiError('not_found', `no run with id ${id}`);
      const reason = `is a link to ${link}, which cannot be reached`;
      return this.damaged(id, runDir, { file: 'run folder', path: runDir, reason }, null);
    }
    const read = readRunRecord(join(dir, RUN_FILES.record));
    if (!read.ok) return this.damaged(id, dir, read.damage, read.salvage);
    if (read.record.val_path === undefined) return { ...read.record, ...this.configFacts(id) };
    return read.record;
  }

  private damaged(id: string, dir: string, damage: RunDamage, salvage: Record<string, unknown> | null): RunRecord {
    let config: ConfigFacts = {};
    let folderTime = new Date(0);
    try {
      config = configFacts(readFileSync(this.path(id, 'config'), 'utf8'));
    } catch {
      // No config.yaml either: the run is named after its folder.
    }
    try {
      folderTime = lstatSync(this.runDir(id)).mtime;
    } catch {
      // Gone meanwhile: the epoch says "unknown" and sorts last.
    }
    return damagedRecord({ id, dir, damage, salvage, config, folderTime });
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
    // A damaged run counts as finished: its state is unknown, and nothing follows or resumes it.
    const record = this.readOrDamaged(id);
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
    this.unsaved.delete(id);
    // What is left is outside `runs/`; failing to delete it loses nothing the list shows.
    rmSync(parked, { recursive: true, force: true });
    if (linked) rmSync(record.dir, { recursive: true, force: true });
  }

  /**
   * Replaces `run.json`. When that fails the record is kept in memory, and a `RunRecordWriteError`
   * says why in one line ("no space left on device writing run.json").
   */
  write(record: RunRecord): void {
    if (record.status === 'damaged' || record.damage) {
      // The stand-in for an unreadable run.json: writing it would replace what is left of the real one.
      throw new ApiError('conflict', `run ${record.id} is damaged (${record.damage?.file ?? 'run.json'} ${record.damage?.reason ?? ''}); its record is not rewritten`);
    }
    try {
      writeFileAtomic(this.path(record.id, 'record'), JSON.stringify(record, null, 2) + '\n');
      this.unsaved.delete(record.id);
    } catch (error) {
      // Kept in memory (see `unsaved`) and written by a later `retryUnsaved`.
      this.unsaved.set(record.id, record);
      throw new RunRecordWriteError(record.id, describeFsError(error, `writing ${RUN_FILES.record}`));
    }
  }

  /** Writes again each record that could not be written; never throws. Returns how many are still unsaved. */
  retryUnsaved(): number {
    for (const record of [...this.unsaved.values()]) {
      try {
        this.write(record);
      } catch {
        // Still no room (or still unwritable): kept for the next try.
      }
    }
    return this.unsaved.size;
  }

  update(id: string, patch: Partial<RunRecord>): RunRecord {
    const record = { ...this.read(id), ...patch };
    this.write(record);
    return record;
  }

  /**
   * Every run, newest first; a damaged one (see `readOrDamaged`) as its `damaged` stand-in, so it
   * stays in sight with the reason instead of vanishing. Entries that are no run folder (files,
   * names no run id has, hidden ones) are passed over.
   */
  list(): RunRecord[] {
    if (!existsSync(this.runsDir)) return [];
    const records: RunRecord[] = [];
    for (const entry of readdirSync(this.runsDir, { withFileTypes: true })) {
      const id = entry.name;
      if (id.startsWith('.') || !/^[A-Za-z0-9._-]+$/.test(id) || !(entry.isDirectory() || entry.isSymbolicLink())) continue;
      try {
        const record = this.readOrDamaged(id);
        if (record.damage?.reason === 'missing' && this.beingCreated(id)) continue;
        records.push(record);
      } catch {
        // Removed between the listing and the read: it is gone, as the next list will say.
      }
    }
    return records.sort((a, b) => b.created_at.localeCompare(a.created_at));
  }

  /**
   * A folder without run.json that `create` (maybe in another process) is still filling: made in
   * the last seconds, no events yet. Older, or with events, its run.json is lost.
   */
  private beingCreated(id: string): boolean {
    try {
      if (existsSync(this.path(id, 'events'))) return false;
      return Date.now() - lstatSync(this.runDir(id)).mtimeMs < CREATION_GRACE_MS;
    } catch {
      return false;
    }
  }

  /** The run's `config.yaml` as written (a damaged run's too: it is what can still be read). */
  configText(id: string): string {
    this.readOrDamaged(id);
    const path = this.path(id, 'config');
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      const what = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is missing' : `cannot be read: ${(error as Error).message}`;
      throw new ApiError('internal', `run ${id}'s config.yaml ${what} (${path})`);
    }
  }

  /** `configText`, or null when the file cannot be read. */
  configTextIfReadable(id: string): string | null {
    try {
      return this.configText(id);
    } catch (error) {
      if (error instanceof ApiError && error.code === 'not_found') throw error;
      return null;
    }
  }

  /** Every event the run's `events.jsonl` holds (a damaged run's too); lines that are no event are skipped. */
  events(id: string): EngineEvent[] {
    this.readOrDamaged(id);
    return readAllEvents(this.path(id, 'events'));
  }

  /**
   * The lines of `events.jsonl` that `events` skips, and why. While the run is queued or running
   * an unfinished last line is the engine still writing; once it has ended, it is cut short.
   */
  eventProblems(id: string): EventLogReport {
    const record = this.readOrDamaged(id);
    return eventLogReport(this.path(id, 'events'), isFinal(record.status));
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
   * Which of the run's prediction files `file` names (one of its names, never a path; default:
   * the one written last), with its path; both null when the run has none yet.
   */
  predictionFile(id: string, file: string | undefined): { files: string[]; file: string | null; path: string | null } {
    const dir = join(this.realDir(id), RUN_FILES.predictions);
    const files = this.predictionFiles(id);
    if (file !== undefined && !files.includes(file)) {
      const have = files.length > 0 ? `it has ${files.join(', ')}` : 'it has none yet';
      throw new ApiError('not_found', `run ${id} has no prediction file ${JSON.stringify(file)} (${have})`);
    }
    const chosen = file ?? latestFile(dir, files);
    return { files, file: chosen, path: chosen === null ? null : join(dir, chosen) };
  }

  /** Every row of one of the run's prediction files (as `predictionFile` chooses it), with the run's file names. */
  predictionRows(id: string, file: string | undefined): { files: string[]; file: string | null; rows: PredictionRow[] } {
    const { files, file: chosen, path } = this.predictionFile(id, file);
    if (path === null) return { files, file: null, rows: [] };
    return { files, file: chosen, rows: readPredictionRows(path) };
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
    this.readOrDamaged(id);
    const path = this.path(id, stream);
    if (!existsSync(path)) return { text: '', truncated: false };
    // The engine writes its logs as plain files; a link there could point anywhere on the machine.
    if (lstatSync(path).isSymbolicLink()) throw new ApiError('bad_request', `${path} is a symbolic link, not the engine's log: not read`);
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

/** Where a link at `path` points when it is a link, else null (nothing there, or no link). */
function linkTarget(path: string): string | null {
  try {
    return readlinkSync(path);
  } catch {
    return null;
  }
}

/** The rows of a predictions file; a torn last line is skipped, any other bad line is an error naming it. */
export function readPredictionRows(path: string): PredictionRow[] {
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
  return rows;
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
