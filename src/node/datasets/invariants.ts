/**
 * Generators draw candidate records and keep the first one that passes their own invariant
 * check; this module holds that loop and the error type the checks throw, so every generator
 * rejects and retries in the same way.
 */

/** A generated record broke one of its generator's promises; the generator draws again. */
export class RecordInvariantError extends Error {
  override name = 'RecordInvariantError';
}

/** Draws before giving up: far more than any reasonable parameters need (most accept 1 in 1–3). */
export const MAX_DRAWS_PER_RECORD = 10_000;

/**
 * The first draw that is not null and passes `check` (which throws RecordInvariantError to reject
 * it); after MAX_DRAWS_PER_RECORD failures, an Error whose message is `giveUp`.
 */
export function firstValidDraw<T>(draw: () => T | null, check: (record: T) => void, giveUp: string): T {
  for (let attempt = 0; attempt < MAX_DRAWS_PER_RECORD; attempt++) {
    const record = draw();
    if (record === null) continue;
    try {
      check(record);
      return record;
    } catch (error) {
      if (!(error instanceof RecordInvariantError)) throw error;
    }
  }
  throw new Error(giveUp);
}
