/**
 * A generated dataset directory: `train.json`, `valid.json`, `test.json` and a `dataset.json`
 * manifest saying how they were made. The manifest is written last and removed first, so its
 * presence means the three files are complete; `compareExistingDataset` lets callers such as the
 * quickstart skip generation when the directory already holds what they ask for.
 */
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { QuestionSet, uniqueRecords } from './generate.js';
import { getGenerator, resolveGeneratorParams } from './generators.js';
import { createRandom, deriveSeed, isValidSeed } from './random.js';
import { ensureDirectory, writeJsonAtomic, writeJsonListAtomic } from './writer.js';

/** Version of the manifest format itself. */
export const DATASET_MANIFEST_VERSION = 1;
export const MANIFEST_FILE = 'dataset.json';

export const SPLIT_NAMES = ['train', 'valid', 'test'] as const;
export type SplitName = (typeof SPLIT_NAMES)[number];
/**
 * Evaluation splits first: each split has its own random stream and later splits skip questions
 * already used, so the test and validation sets stay the same when only the training size changes.
 */
const GENERATION_ORDER: readonly SplitName[] = ['test', 'valid', 'train'];

const splitCount = z.int().min(0);
export const SplitSizesSchema = z.strictObject({ train: splitCount, valid: splitCount, test: splitCount });
export type SplitSizes = z.infer<typeof SplitSizesSchema>;

export const DatasetManifestSchema = z.object({
  version: z.literal(DATASET_MANIFEST_VERSION),
  generator: z.string(),
  generator_version: z.int(),
  params: z.unknown(),
  seed: z.number(),
  sizes: SplitSizesSchema,
  files: z.object({ train: z.string(), valid: z.string(), test: z.string() }),
  created_at: z.string(),
});
export type DatasetManifest = z.infer<typeof DatasetManifestSchema>;

export interface DatasetRequest {
  /** A name from DATASET_GENERATORS, e.g. 'prosqa'. */
  generator: string;
  /** Generator parameters before defaults (e.g. `{ preset: 'small' }`); resolved before use. */
  params?: unknown;
  seed: number;
  sizes: SplitSizes;
  outDir: string;
}

export interface SplitProgress {
  split: SplitName;
  /** Records written in this split so far, and its size. */
  splitDone: number;
  splitTotal: number;
  /** Records written over all splits, and their total. */
  done: number;
  total: number;
}

export interface GenerateSplitsOptions extends DatasetRequest {
  onProgress?: (progress: SplitProgress) => void;
  signal?: AbortSignal;
}

export const splitFileName = (split: SplitName): string => `${split}.json`;

interface ResolvedRequest {
  generatorName: string;
  generatorVersion: number;
  params: unknown;
  seed: number;
  sizes: SplitSizes;
}

function resolveRequest(request: DatasetRequest): ResolvedRequest & { generator: ReturnType<typeof getGenerator> } {
  const generator = getGenerator(request.generator);
  if (!isValidSeed(request.seed)) throw new Error(`the seed must be a whole number from 0 to 2^53-1, got ${request.seed}`);
  const sizes = SplitSizesSchema.safeParse(request.sizes);
  if (!sizes.success) throw new Error('split sizes must be whole numbers of records (0 or more) for train, valid and test');
  if (sizes.data.train + sizes.data.valid + sizes.data.test === 0) throw new Error('the dataset would be empty: every split size is 0');
  return {
    generator,
    generatorName: generator.name,
    generatorVersion: generator.version,
    params: resolveGeneratorParams(generator, request.params ?? {}),
    seed: request.seed,
    sizes: sizes.data,
  };
}

/** Generate the three splits and the manifest into `outDir`; returns the manifest written. */
export async function generateSplits(options: GenerateSplitsOptions): Promise<DatasetManifest> {
  const request = resolveRequest(options);
  await ensureDirectory(options.outDir);
  // Without a manifest the directory reads as incomplete until every split is in place again.
  await rm(join(options.outDir, MANIFEST_FILE), { force: true });

  const total = request.sizes.train + request.sizes.valid + request.sizes.test;
  const seen = new QuestionSet();
  let finishedBefore = 0;
  for (const split of GENERATION_ORDER) {
    const splitTotal = request.sizes[split];
    const records = uniqueRecords({
      generator: request.generator,
      params: request.params,
      rng: createRandom(deriveSeed(request.seed, split)),
      count: splitTotal,
      seen,
      signal: options.signal,
      onRecord: (splitDone) => options.onProgress?.({ split, splitDone, splitTotal, done: finishedBefore + splitDone, total }),
    });
    await writeJsonListAtomic(join(options.outDir, splitFileName(split)), records);
    finishedBefore += splitTotal;
  }

  const manifest: DatasetManifest = {
    version: DATASET_MANIFEST_VERSION,
    generator: request.generatorName,
    generator_version: request.generatorVersion,
    params: request.params,
    seed: request.seed,
    sizes: request.sizes,
    files: { train: splitFileName('train'), valid: splitFileName('valid'), test: splitFileName('test') },
    created_at: new Date().toISOString(),
  };
  await writeJsonAtomic(join(options.outDir, MANIFEST_FILE), manifest);
  return manifest;
}

/** The manifest in `outDir`, or null when there is none; throws when it exists but is unreadable. */
export async function readManifest(outDir: string): Promise<DatasetManifest | null> {
  let text: string;
  try {
    text = await readFile(join(outDir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = DatasetManifestSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${join(outDir, MANIFEST_FILE)} is not a dataset manifest of version ${DATASET_MANIFEST_VERSION}`);
  return parsed.data;
}

/** JSON with object keys sorted, so equal parameters compare equal whatever their key order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : inner,
  );
}

export interface DatasetComparison {
  matches: boolean;
  /** Why not, in a few words (e.g. "seed differs: 1 there, 2 asked"); "up to date" when it matches. */
  reason: string;
}

/**
 * Whether `outDir` already holds exactly the requested dataset: a complete manifest with the same
 * generator (and generator version), resolved parameters, seed and sizes, and all split files.
 * Throws only for a bad request (unknown generator, invalid parameters).
 */
export async function compareExistingDataset(request: DatasetRequest): Promise<DatasetComparison> {
  const wanted = resolveRequest(request);
  let manifest: DatasetManifest | null;
  try {
    manifest = await readManifest(request.outDir);
  } catch (error) {
    return { matches: false, reason: `unreadable manifest: ${(error as Error).message}` };
  }
  if (manifest === null) return { matches: false, reason: `no ${MANIFEST_FILE} in ${request.outDir}` };
  const differs = (what: string, there: unknown, asked: unknown) => ({
    matches: false,
    reason: `${what} differs: ${canonicalJson(there)} there, ${canonicalJson(asked)} asked`,
  });
  if (manifest.generator !== wanted.generatorName) return differs('generator', manifest.generator, wanted.generatorName);
  if (manifest.generator_version !== wanted.generatorVersion) return differs('generator version', manifest.generator_version, wanted.generatorVersion);
  if (canonicalJson(manifest.params) !== canonicalJson(wanted.params)) return differs('params', manifest.params, wanted.params);
  if (manifest.seed !== wanted.seed) return differs('seed', manifest.seed, wanted.seed);
  if (canonicalJson(manifest.sizes) !== canonicalJson(wanted.sizes)) return differs('sizes', manifest.sizes, wanted.sizes);
  for (const split of SPLIT_NAMES) {
    const file = join(request.outDir, manifest.files[split]);
    const info = await stat(file).catch(() => null);
    if (info === null || !info.isFile()) return { matches: false, reason: `${file} is missing` };
  }
  return { matches: true, reason: 'up to date' };
}

/** Shorthand for the quickstart: true when `outDir` already holds the requested dataset. */
export async function datasetIsUpToDate(request: DatasetRequest): Promise<boolean> {
  return (await compareExistingDataset(request)).matches;
}
