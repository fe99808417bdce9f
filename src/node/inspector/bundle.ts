/**
 * Reading an exported bundle (layout in src/common/inspector.ts) and checking that its parts
 * belong together: a manifest of a version we read, every file present, an embedding file of the
 * announced size, a tokenizer whose special tokens have the manifest's ids. Each problem is one
 * `BundleError` naming the file at fault.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { BUNDLE_FILES, BUNDLE_FORMAT, BUNDLE_VERSION, BundleManifestSchema, type BundleManifest } from '../../common/inspector.js';
import { loadBundleTokenizer, type BundleTokenizer } from '../../common/tokenizer/bundleTokenizer.js';

export class BundleError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'BundleError';
  }
}

export interface LoadedBundle {
  dir: string;
  manifest: BundleManifest;
  /** [rows, dim] row-major. */
  embeddings: Float32Array;
  tokenizer: BundleTokenizer;
}

export function isBundleDir(dir: string): boolean {
  return existsSync(join(dir, BUNDLE_FILES.manifest));
}

export function readManifest(dir: string): BundleManifest {
  const path = join(resolve(dir), BUNDLE_FILES.manifest);
  if (!existsSync(path)) throw new BundleError(path, 'not found (is this an exported bundle? `coconut export RUN` writes one)');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new BundleError(path, `not valid JSON (${(error as Error).message})`);
  }
  const format = (raw as { format?: unknown } | null)?.format;
  if (format !== BUNDLE_FORMAT) throw new BundleError(path, `not a Coconut Workbench bundle manifest (format ${JSON.stringify(format)})`);
  const version = (raw as { version?: unknown }).version;
  if (typeof version === 'number' && version > BUNDLE_VERSION) {
    throw new BundleError(path, `written by a newer workbench (bundle version ${version}; this one reads up to ${BUNDLE_VERSION}): export the run again`);
  }
  const parsed = BundleManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new BundleError(path, `field ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}

export function loadBundle(dir: string): LoadedBundle {
  dir = resolve(dir);
  const manifest = readManifest(dir);
  for (const file of [manifest.files.decoder, manifest.files.lens, manifest.embeddings.file, manifest.files.tokenizer]) {
    if (!existsSync(join(dir, file))) throw new BundleError(join(dir, file), 'missing from the bundle (export the run again)');
  }
  const embeddingsPath = join(dir, manifest.embeddings.file);
  const { rows, dim } = manifest.embeddings;
  const expected = rows * dim * 4;
  const size = statSync(embeddingsPath).size;
  if (size !== expected) throw new BundleError(embeddingsPath, `holds ${size} bytes; the manifest announces ${rows} × ${dim} float32 (${expected} bytes)`);
  if (dim !== manifest.model.hidden_size) throw new BundleError(embeddingsPath, `rows of ${dim} values for a model ${manifest.model.hidden_size} wide`);
  const buffer = readFileSync(embeddingsPath);
  // A copy into an aligned Float32Array (little-endian, as written; every platform we run on is).
  const embeddings = new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));

  const tokenizerPath = join(dir, manifest.files.tokenizer);
  let tokenizer: BundleTokenizer;
  try {
    tokenizer = loadBundleTokenizer(readFileSync(tokenizerPath, 'utf8'), manifest.tokenizer);
  } catch (error) {
    throw new BundleError(tokenizerPath, (error as Error).message);
  }
  const names = manifest.tokenizer.names;
  const expectedIds = { bot: names.bot, thought: names.latent, eot: names.eot, eos: names.eos, pad: names.pad } as const;
  for (const [role, spelling] of Object.entries(expectedIds)) {
    const id = tokenizer.tokenToId(spelling);
    const announced = manifest.special_tokens[role as keyof typeof expectedIds];
    if (id !== announced) throw new BundleError(tokenizerPath, `token ${JSON.stringify(spelling)} has id ${id ?? 'none'}; the manifest says ${role} is ${announced}`);
  }
  if (tokenizer.vocabSize > rows) throw new BundleError(tokenizerPath, `has ${tokenizer.vocabSize} tokens, more than the ${rows} embedding rows`);
  return { dir, manifest, embeddings, tokenizer };
}
