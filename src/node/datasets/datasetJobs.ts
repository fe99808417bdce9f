/**
 * Datasets generated from the app: a request (generator, parameters, split sizes, seed, name) is
 * checked up front, then generated in the background with the same `generateSplits` that
 * `coconut data generate` and the quickstart use. It is written into a hidden folder beside the
 * others and renamed to its name only when complete, so the dataset list never shows half of one.
 * Listeners see every job's progress, throttled, and its outcome.
 */
import { randomBytes } from 'node:crypto';
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { DatasetCreateRequest, DatasetGeneratorInfo, DatasetJob, Issue } from '../../common/api.js';
import { ApiError, DatasetCreateRequestSchema, issuesFromZod } from '../../common/api.js';
import { DATASET_GENERATORS, GENERATOR_NAMES, getGenerator, isGeneratorName, type DatasetGenerator } from './generators.js';
import { generateSplits, type SplitName } from './splits.js';
import { ensureDirectory } from './writer.js';

/** Letters, digits, `.`, `_` and `-`, starting with a letter or digit: one plain folder name on every OS. */
const DATASET_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Prefix of the hidden folders generations write into; the dataset list skips dot folders. */
const IN_PROGRESS_PREFIX = '.creating-';
/** Progress messages at most this often per job (the last one always goes out). */
const PROGRESS_INTERVAL_MS = 100;
/** Finished jobs remembered for late subscribers. */
const KEPT_FINISHED_JOBS = 20;
/**
 * A hidden generation folder untouched for this long belongs to a process that died (a live one
 * writes every split file within seconds). Another workbench on the same home may be generating,
 * so age, not ownership, decides what is swept.
 */
export const STALE_STAGING_MS = 15 * 60 * 1000;
/** Why an aborted generation stopped, when the user asked. */
const CANCELLED = 'cancelled by the user';

export type DatasetJobListener = (job: DatasetJob) => void;

/** Why `name` cannot name a dataset folder, or null when it can. */
export function datasetNameProblem(name: string): string | null {
  if (name.trim() === '') return 'give the dataset a name';
  if (name.length > 64) return 'at most 64 characters';
  if (!DATASET_NAME.test(name)) return 'use letters, digits, ".", "_" and "-", starting with a letter or digit (no "/" or "..")';
  return null;
}

/** Every generator of DATASET_GENERATORS, whatever joins the table later. */
export function describeGenerators(): DatasetGeneratorInfo[] {
  return Object.values(DATASET_GENERATORS as Record<string, DatasetGenerator>).map((generator) => ({
    name: generator.name,
    version: generator.version,
    description: generator.description,
    defaults: defaultsOf(generator),
  }));
}

/**
 * What `{}` resolves to, with the parameters resolving leaves out at their default (the form shows
 * every parameter it finds here); a generator that insists on some parameters offers no defaults
 * rather than hiding the others.
 */
function defaultsOf(generator: DatasetGenerator): Record<string, unknown> {
  try {
    const resolved = generator.resolveParams({});
    if (resolved === null || typeof resolved !== 'object' || Array.isArray(resolved)) return {};
    return { ...generator.optionalDefaults, ...(resolved as Record<string, unknown>) };
  } catch {
    return {};
  }
}

function findGenerator(name: string): DatasetGenerator | null {
  return isGeneratorName(name) ? getGenerator(name) : null;
}

function unknownGenerator(name: string): ApiError {
  const known = GENERATOR_NAMES.join(', ');
  return new ApiError('bad_request', `generator: no generator named ${JSON.stringify(name)} (known: ${known})`, [
    { path: 'generator', message: `unknown generator (known: ${known})` },
  ]);
}

/** The parameters resolved by the generator, or its problems with paths under `params.`. */
export function resolveParams(generatorName: string, params: Record<string, unknown>): { params: Record<string, unknown> | null; issues: Issue[] } {
  const generator = findGenerator(generatorName);
  if (!generator) throw unknownGenerator(generatorName);
  try {
    return { params: generator.resolveParams(params) as Record<string, unknown>, issues: [] };
  } catch (error) {
    if (error instanceof z.ZodError) {
      return { params: null, issues: issuesFromZod(error).map((issue) => ({ ...issue, path: issue.path ? `params.${issue.path}` : 'params' })) };
    }
    return { params: null, issues: [{ path: 'params', message: error instanceof Error ? error.message : String(error) }] };
  }
}

const now = () => new Date().toISOString();

/** The latest modification time of a folder or anything directly in it, in ms. */
async function newestChange(folder: string): Promise<number> {
  let newest = (await stat(folder)).mtimeMs;
  for (const name of await readdir(folder).catch(() => [])) {
    const info = await stat(join(folder, name)).catch(() => null);
    if (info) newest = Math.max(newest, info.mtimeMs);
  }
  return newest;
}

export class DatasetJobs {
  private readonly jobs = new Map<string, DatasetJob>();
  private readonly listeners = new Set<DatasetJobListener>();
  private readonly running = new Map<string, { controller: AbortController; finished: Promise<void> }>();

  constructor(readonly dir: string) {}

  list(): DatasetJob[] {
    return [...this.jobs.values()].map((job) => ({ ...job }));
  }

  /** Each known job once, then every change until the returned function is called. */
  subscribe(listener: DatasetJobListener): () => void {
    for (const job of this.jobs.values()) listener({ ...job });
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Check the request, start generating, and return the job as it starts; throws ApiError naming the bad field. */
  async create(input: DatasetCreateRequest): Promise<DatasetJob> {
    const parsed = DatasetCreateRequestSchema.safeParse(input);
    if (!parsed.success) {
      const issues = issuesFromZod(parsed.error);
      throw new ApiError('bad_request', `${issues[0]?.path || 'request'}: ${issues[0]?.message ?? 'invalid'}`, issues);
    }
    const request = parsed.data;
    const nameProblem = datasetNameProblem(request.name);
    if (nameProblem) throw new ApiError('bad_request', `name: ${nameProblem}`, [{ path: 'name', message: nameProblem }]);
    const generator = findGenerator(request.generator);
    if (!generator) throw unknownGenerator(request.generator);
    const resolved = resolveParams(generator.name, request.params);
    if (resolved.issues.length > 0) {
      const first = resolved.issues[0] as Issue;
      throw new ApiError('bad_request', `${first.path}: ${first.message}`, resolved.issues);
    }
    const total = request.sizes.train + request.sizes.valid + request.sizes.test;
    if (total === 0) throw new ApiError('bad_request', 'sizes: every split size is 0; ask for at least one record', [{ path: 'sizes', message: 'the dataset would be empty' }]);
    await this.checkNameFree(request.name);

    const job: DatasetJob = {
      id: `dataset-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      name: request.name,
      generator: generator.name,
      status: 'running',
      split: null,
      done: 0,
      total,
      error: null,
      started_at: now(),
      finished_at: null,
    };
    this.jobs.set(job.id, job);
    const controller = new AbortController();
    const finished = this.generate(job, { ...request, generator: generator.name }, controller.signal);
    this.running.set(job.id, { controller, finished });
    this.emit(job);
    return { ...job };
  }

  /** Stops a running generation (its hidden folder is removed); a finished job is returned as it is. */
  async cancel(id: string): Promise<DatasetJob> {
    const job = this.jobs.get(id);
    if (!job) throw new ApiError('not_found', `no dataset job with id ${id}`);
    const running = this.running.get(id);
    if (running) {
      running.controller.abort(new Error(CANCELLED));
      await running.finished;
    }
    return { ...job };
  }

  /**
   * Removes hidden generation folders that no live generation has touched for `staleAfterMs`
   * (left by a process that was killed). Returns the folders removed.
   */
  async sweepStale(staleAfterMs = STALE_STAGING_MS, nowMs = Date.now()): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch(() => []);
    const removed: string[] = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || !entry.name.startsWith(IN_PROGRESS_PREFIX)) continue;
      const folder = join(this.dir, entry.name);
      if (nowMs - (await newestChange(folder)) < staleAfterMs) continue;
      await rm(folder, { recursive: true, force: true });
      removed.push(entry.name);
    }
    return removed;
  }

  /** The job once it has completed or failed (for tests and scripts). */
  async settled(id: string): Promise<DatasetJob> {
    await this.running.get(id)?.finished;
    const job = this.jobs.get(id);
    if (!job) throw new ApiError('not_found', `no dataset job with id ${id}`);
    return { ...job };
  }

  /** Stop every generation (their hidden folders are removed) and wait for them to end. */
  async close(): Promise<void> {
    for (const { controller } of this.running.values()) controller.abort(new Error('the workbench is closing'));
    await Promise.all([...this.running.values()].map(({ finished }) => finished));
  }

  private async checkNameFree(name: string): Promise<void> {
    const taken = (message: string) => new ApiError('conflict', `name: ${message}`, [{ path: 'name', message }]);
    if ([...this.jobs.values()].some((job) => job.name === name && job.status === 'running')) {
      throw taken(`a dataset named ${name} is being generated`);
    }
    if ((await stat(join(this.dir, name)).catch(() => null)) !== null) throw taken(`a dataset named ${name} already exists`);
  }

  private async generate(
    job: DatasetJob,
    request: { name: string; generator: string; params: Record<string, unknown>; sizes: Record<SplitName, number>; seed: number },
    signal: AbortSignal,
  ): Promise<void> {
    const staging = join(this.dir, `${IN_PROGRESS_PREFIX}${request.name}-${randomBytes(4).toString('hex')}`);
    let lastEmit = 0;
    try {
      await ensureDirectory(this.dir);
      await generateSplits({
        generator: request.generator,
        params: request.params,
        seed: request.seed,
        sizes: request.sizes,
        outDir: staging,
        signal,
        onProgress: (progress) => {
          const split = progress.split;
          const splitChanged = split !== job.split;
          job.split = split;
          job.done = progress.done;
          const time = performance.now();
          if (splitChanged || progress.done === progress.total || time - lastEmit >= PROGRESS_INTERVAL_MS) {
            lastEmit = time;
            this.emit(job);
          }
        },
      });
      // A rename onto an existing non-empty folder fails, so a dataset made meanwhile under the same name is never replaced.
      await rename(staging, join(this.dir, request.name)).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ENOTEMPTY' || error.code === 'EEXIST') throw new Error(`a dataset named ${request.name} appeared while this one was generated`);
        throw error;
      });
      job.status = 'completed';
      job.done = job.total;
    } catch (error) {
      await rm(staging, { recursive: true, force: true }).catch(() => undefined);
      const message = error instanceof Error ? error.message : String(error);
      const cancelled = signal.aborted && signal.reason instanceof Error && signal.reason.message === CANCELLED;
      job.status = cancelled ? 'cancelled' : 'failed';
      job.error = cancelled ? null : message;
    } finally {
      job.split = null;
      job.finished_at = now();
      this.running.delete(job.id);
      this.forgetOldJobs();
      this.emit(job);
    }
  }

  private forgetOldJobs(): void {
    const finished = [...this.jobs.values()].filter((job) => job.status !== 'running');
    for (const job of finished.slice(0, Math.max(0, finished.length - KEPT_FINISHED_JOBS))) this.jobs.delete(job.id);
  }

  private emit(job: DatasetJob): void {
    const snapshot = { ...job };
    for (const listener of this.listeners) {
      try {
        listener(snapshot);
      } catch {
        // One broken subscriber must not stop the job or the others.
      }
    }
  }
}
