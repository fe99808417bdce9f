import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DatasetCreateRequest, DatasetJob } from '../../common/api.js';
import { ApiError } from '../../common/api.js';
import { tempDir } from '../testing/fixtures.js';
import { DatasetJobs, datasetNameProblem, describeGenerators, resolveParams } from './datasetJobs.js';
import { DATASET_GENERATORS } from './generators.js';
import { DatasetStore } from './datasetStore.js';
import { generateSplits } from './splits.js';

const SMALL: DatasetCreateRequest = {
  name: 'small-graphs',
  generator: 'reachability',
  params: { preset: 'small' },
  sizes: { train: 40, valid: 5, test: 5 },
  seed: 7,
};

describe('DatasetJobs', () => {
  let home: ReturnType<typeof tempDir>;
  let dir: string;
  let jobs: DatasetJobs;
  beforeEach(() => {
    home = tempDir();
    dir = join(home.path, 'datasets');
    jobs = new DatasetJobs(dir);
  });
  afterEach(async () => {
    await jobs.close();
    home.remove();
  });

  const rejection = async (request: DatasetCreateRequest): Promise<ApiError> => {
    const error = await jobs.create(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  };

  it('generates the same folder as `coconut data generate`, reporting progress up to completion', async () => {
    const seen: DatasetJob[] = [];
    const stop = jobs.subscribe((job) => seen.push(job));
    const started = await jobs.create(SMALL);
    expect(started).toMatchObject({ name: 'small-graphs', generator: 'reachability', status: 'running', done: 0, total: 50 });
    const finished = await jobs.settled(started.id);
    stop();
    expect(finished).toMatchObject({ status: 'completed', done: 50, total: 50, error: null, split: null });
    expect(seen.at(-1)).toEqual(finished);
    const done = seen.map((job) => job.done);
    expect(done).toEqual([...done].sort((a, b) => a - b));
    expect(new Set(seen.map((job) => job.split).filter((split) => split !== null))).toEqual(new Set(['test', 'valid', 'train']));

    // Byte for byte what the CLI's generator writes for the same request (apart from the manifest's time).
    const reference = join(home.path, 'reference');
    await generateSplits({ generator: 'reachability', params: { preset: 'small' }, seed: 7, sizes: SMALL.sizes, outDir: reference });
    for (const file of ['train.json', 'valid.json', 'test.json']) {
      expect(readFileSync(join(dir, 'small-graphs', file), 'utf8')).toBe(readFileSync(join(reference, file), 'utf8'));
    }
    expect(readdirSync(dir)).toEqual(['small-graphs']);
    const [listed] = await new DatasetStore(dir).list();
    expect(listed?.generator).toMatchObject({ name: 'reachability', seed: 7 });
    // A late subscriber still learns how the job ended.
    const late: DatasetJob[] = [];
    jobs.subscribe((job) => late.push(job))();
    expect(late).toEqual([finished]);
  });

  it('refuses bad requests with one error naming the field, and writes nothing', async () => {
    const unknown = await rejection({ ...SMALL, generator: 'gsm8k' });
    expect(unknown.code).toBe('bad_request');
    expect(unknown.issues[0]?.path).toBe('generator');
    expect(unknown.message).toMatch(/^generator: no generator named "gsm8k" \(known: .*reachability/);

    const params = await rejection({ ...SMALL, params: { minNodes: 12, maxNodes: 9 } });
    expect(params.issues.map((issue) => issue.path)).toEqual(['params.minNodes']);
    expect(params.message).toBe('params.minNodes: minNodes (12) is above maxNodes (9)');
    expect((await rejection({ ...SMALL, params: { colour: 'blue' } })).issues[0]?.path).toBe('params');
    expect((await rejection({ ...SMALL, params: { meanParents: 'many' } })).issues[0]?.path).toBe('params.meanParents');

    for (const name of ['', '../escape', 'a/b', '..', '.hidden', 'x'.repeat(65), 'sp ace']) {
      const error = await rejection({ ...SMALL, name });
      expect(error.issues[0]?.path, name).toBe('name');
      expect(error.message, name).toMatch(/^name: /);
    }
    const empty = await rejection({ ...SMALL, sizes: { train: 0, valid: 0, test: 0 } });
    expect(empty.issues[0]?.path).toBe('sizes');
    const negative = await rejection({ ...SMALL, sizes: { train: -1, valid: 0, test: 0 } });
    expect(negative.issues[0]?.path).toBe('sizes.train');
    expect(negative.message).toMatch(/^sizes\.train: /);
    expect((await rejection({ ...SMALL, seed: 1.5 })).issues[0]?.path).toBe('seed');

    expect(jobs.list()).toEqual([]);
    expect(readdirSync(home.path)).toEqual([]);
  });

  it('refuses a name that is taken, or being generated', async () => {
    mkdirSync(join(dir, 'taken'), { recursive: true });
    const taken = await rejection({ ...SMALL, name: 'taken' });
    expect(taken.code).toBe('conflict');
    expect(taken.message).toBe('name: a dataset named taken already exists');
    const first = await jobs.create({ ...SMALL, sizes: { train: 2000, valid: 0, test: 0 } });
    const twice = await rejection(SMALL);
    expect(twice.code).toBe('conflict');
    expect(twice.message).toBe('name: a dataset named small-graphs is being generated');
    expect((await jobs.settled(first.id)).status).toBe('completed');
  });

  it('fails a job that cannot be written, with the reason', async () => {
    // A file where the datasets folder should be: generation cannot even start.
    writeFileSync(dir, 'not a folder');
    const job = await jobs.create(SMALL);
    const finished = await jobs.settled(job.id);
    expect(finished.status).toBe('failed');
    expect(finished.error).toBe(`cannot create the folder ${dir}: a file is in the way of a folder on that path`);
    expect(finished.finished_at).not.toBeNull();
    expect(readdirSync(home.path)).toEqual(['datasets']);
  });

  it('removes the half-written folder when closed mid-generation', async () => {
    const job = await jobs.create({ ...SMALL, sizes: { train: 200_000, valid: 0, test: 0 } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await jobs.close();
    const finished = await jobs.settled(job.id);
    expect(finished.status).toBe('failed');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('generator descriptions', () => {
  it('lists every generator of the table with its resolved defaults', () => {
    const described = describeGenerators();
    expect(described.map((generator) => generator.name)).toEqual(Object.keys(DATASET_GENERATORS));
    const reachability = described.find((generator) => generator.name === 'reachability');
    expect(reachability?.defaults).toMatchObject({ preset: 'official', minNodes: 17, maxNodes: 28, edgeStyle: 'token' });
    expect(reachability?.description).toMatch(/single tokens/);
    // The misleading-branch share is offered at its default (0), which resolving itself leaves out
    // so that manifests from before the key still match.
    for (const name of ['prosqa', 'reachability']) {
      expect(described.find((generator) => generator.name === name)?.defaults).toMatchObject({ misleadingBranch: 0 });
      expect(resolveParams(name, { misleadingBranch: 0 }).params).not.toHaveProperty('misleadingBranch');
      expect(resolveParams(name, { misleadingBranch: 0.5 }).params).toMatchObject({ misleadingBranch: 0.5 });
    }
    expect(described.find((generator) => generator.name === 'prontoqa')?.defaults).not.toHaveProperty('misleadingBranch');
  });

  it('resolves parameters or names each problem under params.', () => {
    expect(resolveParams('prosqa', { preset: 'small' }).params).toMatchObject({ minNodes: 8, maxNodes: 10 });
    expect(resolveParams('prosqa', { minSteps: 0 })).toEqual({ params: null, issues: [expect.objectContaining({ path: 'params.minSteps' })] });
    expect(() => resolveParams('nope', {})).toThrow(/generator: no generator named "nope"/);
  });

  it('accepts plain folder names only', () => {
    expect(datasetNameProblem('prosqa-small_v2.1')).toBeNull();
    expect(datasetNameProblem('../x')).toMatch(/no "\/" or "\.\."/);
  });
});

describe('DatasetJobs cancel and sweep', () => {
  let home: ReturnType<typeof tempDir>;
  let jobs: DatasetJobs;
  beforeEach(() => {
    home = tempDir();
    jobs = new DatasetJobs(join(home.path, 'datasets'));
  });
  afterEach(async () => {
    await jobs.close();
    home.remove();
  });

  it('cancels a running generation: status cancelled, no error, nothing left on disk', async () => {
    const job = await jobs.create({ name: 'big', generator: 'prosqa', params: {}, sizes: { train: 200_000, valid: 0, test: 0 }, seed: 1 });
    const cancelled = await jobs.cancel(job.id);
    expect(cancelled.status).toBe('cancelled');
    expect(cancelled.error).toBeNull();
    expect(cancelled.done).toBeLessThan(cancelled.total);
    expect(readdirSync(join(home.path, 'datasets'))).toEqual([]);
    // Cancelling a finished job changes nothing.
    expect((await jobs.cancel(job.id)).status).toBe('cancelled');
    await expect(jobs.cancel('dataset-unknown')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('sweeps hidden generation folders nobody has touched for a while, and only those', async () => {
    const dir = join(home.path, 'datasets');
    for (const name of ['.creating-a-1234', '.creating-b-5678']) {
      mkdirSync(join(dir, name), { recursive: true });
      writeFileSync(join(dir, name, 'train.json.tmp'), '[');
    }
    mkdirSync(join(dir, 'kept'), { recursive: true });
    // Just written: another process may still be generating them.
    expect(await jobs.sweepStale(15 * 60 * 1000, Date.now())).toEqual([]);
    // Twenty minutes without a change: left by a process that died.
    expect((await jobs.sweepStale(15 * 60 * 1000, Date.now() + 20 * 60 * 1000)).sort()).toEqual(['.creating-a-1234', '.creating-b-5678']);
    expect(readdirSync(dir)).toEqual(['kept']);
  });
});
