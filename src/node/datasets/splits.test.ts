import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DATASET_GENERATORS } from './generators.js';
import { checkProsQARecord, resolveProsQAParams, type ProsQARecord } from './prosqa.js';
import { ensureQuickstartDataset, QUICKSTART_REQUEST } from './quickstart.js';
import { compareExistingDataset, datasetIsUpToDate, generateSplits, MANIFEST_FILE, readManifest, type DatasetRequest, type SplitProgress } from './splits.js';

const readSplit = async (dir: string, split: string) => JSON.parse(await readFile(join(dir, `${split}.json`), 'utf8')) as ProsQARecord[];

describe('generateSplits', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coconut-splits-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const request = (overrides: Partial<DatasetRequest> = {}): DatasetRequest => ({
    generator: 'prosqa',
    params: { preset: 'small' },
    seed: 3,
    sizes: { train: 400, valid: 60, test: 80 },
    outDir: join(dir, 'data'),
    ...overrides,
  });

  it('writes three valid splits without a question in two places, and a manifest', async () => {
    const progress: SplitProgress[] = [];
    const manifest = await generateSplits({ ...request(), onProgress: (p) => progress.push(p) });
    const out = join(dir, 'data');
    const splits = { train: await readSplit(out, 'train'), valid: await readSplit(out, 'valid'), test: await readSplit(out, 'test') };
    expect(splits.train).toHaveLength(400);
    expect(splits.valid).toHaveLength(60);
    expect(splits.test).toHaveLength(80);
    const questions = [...splits.train, ...splits.valid, ...splits.test].map((r) => r.question);
    expect(new Set(questions).size).toBe(questions.length);
    const params = resolveProsQAParams({ preset: 'small' });
    for (const record of splits.test) checkProsQARecord(record, params);

    expect(manifest).toMatchObject({ version: 1, generator: 'prosqa', generator_version: DATASET_GENERATORS.prosqa.version, seed: 3, params, sizes: request().sizes });
    expect(await readManifest(out)).toEqual(manifest);
    expect(progress.at(-1)).toMatchObject({ split: 'train', splitDone: 400, done: 540, total: 540 });
  });

  it('avoids repeats even when the graphs are tiny enough to repeat often', async () => {
    // Minimal graphs (5 nodes, 1 step) repeat questions quickly; dedup must still hold.
    await generateSplits(request({ params: { minNodes: 4, maxNodes: 5, minSteps: 1, maxSteps: 1 }, sizes: { train: 300, valid: 50, test: 50 } }));
    const all = [...(await readSplit(join(dir, 'data'), 'train')), ...(await readSplit(join(dir, 'data'), 'valid')), ...(await readSplit(join(dir, 'data'), 'test'))];
    expect(new Set(all.map((r) => r.question)).size).toBe(400);
  });

  it('is deterministic, and keeps the test split when only the training size changes', async () => {
    await generateSplits(request({ outDir: join(dir, 'a') }));
    await generateSplits(request({ outDir: join(dir, 'b') }));
    await generateSplits(request({ outDir: join(dir, 'c'), sizes: { train: 100, valid: 60, test: 80 } }));
    expect(await readSplit(join(dir, 'a'), 'train')).toEqual(await readSplit(join(dir, 'b'), 'train'));
    expect(await readSplit(join(dir, 'c'), 'test')).toEqual(await readSplit(join(dir, 'a'), 'test'));
    expect(await readSplit(join(dir, 'c'), 'valid')).toEqual(await readSplit(join(dir, 'a'), 'valid'));
  });

  it('tells whether an existing directory already matches the request', async () => {
    expect(await compareExistingDataset(request())).toMatchObject({ matches: false, reason: expect.stringMatching(/no dataset\.json/) });
    await generateSplits(request());
    expect(await datasetIsUpToDate(request())).toBe(true);
    // Same parameters spelled differently still match: comparison is on resolved parameters.
    expect(await datasetIsUpToDate(request({ params: { preset: 'small', minNodes: 8, meanParents: 1.5 } }))).toBe(true);
    expect(await compareExistingDataset(request({ seed: 4 }))).toEqual({ matches: false, reason: 'seed differs: 3 there, 4 asked' });
    expect((await compareExistingDataset(request({ params: { preset: 'official' } }))).reason).toMatch(/^params differs/);
    expect((await compareExistingDataset(request({ sizes: { train: 1, valid: 60, test: 80 } }))).reason).toMatch(/^sizes differs/);
    await rm(join(dir, 'data', 'valid.json'));
    expect((await compareExistingDataset(request())).reason).toMatch(/valid\.json is missing/);
    await writeFile(join(dir, 'data', MANIFEST_FILE), '{"version": 99}');
    expect((await compareExistingDataset(request())).reason).toMatch(/unreadable manifest/);
  });

  it('removes the old manifest first, so a failed regeneration never looks complete', async () => {
    await generateSplits(request());
    const controller = new AbortController();
    const failing = generateSplits({
      ...request({ seed: 9 }),
      signal: controller.signal,
      onProgress: (p) => p.done === 50 && controller.abort(),
    });
    await expect(failing).rejects.toThrow();
    expect(await readManifest(join(dir, 'data'))).toBeNull();
    expect(await datasetIsUpToDate(request())).toBe(false);
  });

  it('rejects bad requests with a clear message', async () => {
    await expect(generateSplits(request({ generator: 'nope' }))).rejects.toThrow("unknown dataset generator 'nope' (known: prosqa, reachability, prontoqa)");
    await expect(generateSplits(request({ params: { minSteps: 0 } }))).rejects.toThrow(/bad prosqa parameters: minSteps/);
    await expect(generateSplits(request({ seed: -2 }))).rejects.toThrow(/seed/);
    await expect(generateSplits(request({ sizes: { train: 0, valid: 0, test: 0 } }))).rejects.toThrow(/empty/);
  });

  it('creates the quickstart dataset once and then reuses it', async () => {
    const first = await ensureQuickstartDataset(dir);
    expect(first.created).toBe(true);
    expect(first.manifest.sizes).toEqual(QUICKSTART_REQUEST.sizes);
    expect(await readSplit(first.dir, 'train')).toHaveLength(QUICKSTART_REQUEST.sizes.train);
    const second = await ensureQuickstartDataset(dir);
    expect(second.created).toBe(false);
    expect(second.manifest).toEqual(first.manifest);
    const valid = await readSplit(first.dir, 'valid');
    expect(valid.every((record) => record.frontiers.length >= record.steps.length)).toBe(true);

    // A home from before the generator wrote frontiers: its manifest names the older version, and
    // the dataset is generated again, with them.
    const manifestPath = join(first.dir, MANIFEST_FILE);
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Record<string, unknown>;
    await writeFile(manifestPath, JSON.stringify({ ...manifest, generator_version: 1 }));
    const withoutFrontiers = valid.map(({ frontiers: _dropped, ...rest }) => rest);
    await writeFile(first.files.valid, JSON.stringify(withoutFrontiers));
    const third = await ensureQuickstartDataset(dir);
    expect(third.created).toBe(true);
    expect(await readSplit(first.dir, 'valid')).toEqual(valid);
  });
});
