/**
 * Streams of generated records and single-file generation. Records are produced one at a time and
 * written as they come, so a large dataset never sits in memory as one string.
 */
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DatasetGenerator } from './generators.js';
import { createRandom, type Random } from './random.js';
import type { DatasetRecord } from './records.js';
import { ensureDirectory, writeJsonListAtomic } from './writer.js';

/** Give timers, progress bars and cancellation a chance to run this often (records). */
const YIELD_EVERY = 200;
/** Consecutive repeats after which we conclude the parameters cannot give more distinct questions. */
const MAX_CONSECUTIVE_DUPLICATES = 1_000;

/**
 * Remembers questions by a digest rather than their text: an 18k-record ProsQA set would
 * otherwise keep ~20 MB of strings alive just to detect repeats.
 */
export class QuestionSet {
  private readonly digests = new Set<string>();

  private static digest(question: string): string {
    return createHash('sha256').update(question).digest('base64');
  }

  /** Add a question; false when it was already there. */
  add(question: string): boolean {
    const digest = QuestionSet.digest(question);
    if (this.digests.has(digest)) return false;
    this.digests.add(digest);
    return true;
  }

  get size(): number {
    return this.digests.size;
  }
}

export interface RecordStreamOptions {
  generator: DatasetGenerator;
  /** Already resolved by the generator. */
  params: unknown;
  rng: Random;
  count: number;
  /** Questions to avoid (and to extend): share one set across splits so they never overlap. */
  seen?: QuestionSet;
  /** Called after each record with how many are done. */
  onRecord?: (done: number) => void;
  signal?: AbortSignal;
}

/** `count` records whose questions are new to `seen`, in generation order. */
export async function* uniqueRecords(options: RecordStreamOptions): AsyncGenerator<DatasetRecord> {
  const seen = options.seen ?? new QuestionSet();
  let done = 0;
  let repeats = 0;
  while (done < options.count) {
    options.signal?.throwIfAborted();
    const record = options.generator.generate(options.rng, options.params);
    if (!seen.add(record.question)) {
      if (++repeats >= MAX_CONSECUTIVE_DUPLICATES) {
        throw new Error(
          `only ${seen.size} distinct questions came out of ${options.generator.name} with these parameters; ` +
            'ask for fewer records or larger graphs',
        );
      }
      continue;
    }
    repeats = 0;
    done++;
    yield record;
    options.onRecord?.(done);
    if (done % YIELD_EVERY === 0) await yieldToEventLoop();
  }
}

export interface GenerateFileOptions {
  generator: DatasetGenerator;
  params: unknown;
  seed: number;
  count: number;
  outFile: string;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Write `count` distinct records to one JSON file (atomically); returns the number written. */
export async function generateDatasetFile(options: GenerateFileOptions): Promise<number> {
  await ensureDirectory(dirname(options.outFile));
  return writeJsonListAtomic(
    options.outFile,
    uniqueRecords({
      generator: options.generator,
      params: options.params,
      rng: createRandom(options.seed),
      count: options.count,
      onRecord: (done) => options.onProgress?.(done, options.count),
      signal: options.signal,
    }),
  );
}
