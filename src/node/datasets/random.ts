/**
 * A small seeded pseudo-random generator for the dataset generators.
 *
 * Datasets must be reproducible from their manifest (generator, parameters, seed) on any machine
 * and Node version, so nothing here touches `Math.random`. The core is sfc32 (Chris Doty-Humphrey's
 * Small Fast Counting generator, 128-bit state, public domain), seeded through splitmix32 so that
 * nearby seeds (1, 2, 3, …) give unrelated streams.
 */

/** One step of splitmix32: spreads the bits of a 32-bit value; used only to derive seeds and state. */
function splitmix32(value: number): number {
  let z = (value + 0x9e3779b9) | 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** FNV-1a over UTF-16 code units, finished with splitmix32: a stable 32-bit hash of a string. */
function hashString(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return splitmix32(hash >>> 0);
}

/**
 * A seed for an independent sub-stream, e.g. one per dataset split, so that the test split does
 * not change when someone asks for a larger training split.
 */
export function deriveSeed(seed: number, label: string): number {
  assertSeed(seed);
  return hashString(`${seed}:${label}`);
}

/** Seeds are non-negative safe integers, so that every one of them is written exactly in JSON. */
export function isValidSeed(seed: unknown): seed is number {
  return typeof seed === 'number' && Number.isSafeInteger(seed) && seed >= 0;
}

function assertSeed(seed: number): void {
  if (!isValidSeed(seed)) throw new Error(`a seed must be a whole number from 0 to 2^53-1, got ${seed}`);
}

export class Random {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    assertSeed(seed);
    // Seeds above 2^32 would otherwise silently collide after truncation; fold the high bits in.
    const low = seed >>> 0;
    const high = Math.floor(seed / 2 ** 32) >>> 0;
    this.a = splitmix32(low);
    this.b = splitmix32(this.a ^ high);
    this.c = splitmix32(this.b);
    this.d = 1;
    // The first outputs of a freshly seeded sfc32 are poorly mixed; the reference warms it up.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A uniform 32-bit unsigned integer (sfc32). */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** A uniform float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** A uniform integer in [min, max], both ends included. */
  int(min: number, max: number): number {
    if (!Number.isInteger(min) || !Number.isInteger(max) || max < min) {
      throw new Error(`int(${min}, ${max}): need integers with min <= max`);
    }
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** One element, uniformly. */
  choice<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error('choice() from an empty list');
    return items[Math.floor(this.next() * items.length)] as T;
  }

  /** An index drawn with probability proportional to its (non-negative) weight. */
  weightedIndex(weights: readonly number[]): number {
    let total = 0;
    for (const weight of weights) {
      if (!(weight >= 0)) throw new Error(`weights must be non-negative numbers, got ${weight}`);
      total += weight;
    }
    if (total <= 0) throw new Error('weightedIndex() needs at least one positive weight');
    let remaining = this.next() * total;
    for (let i = 0; i < weights.length; i++) {
      remaining -= weights[i] as number;
      if (remaining < 0) return i;
    }
    // Rounding can leave a sliver past the last bucket: it belongs to the last positive weight.
    for (let i = weights.length - 1; i >= 0; i--) if ((weights[i] as number) > 0) return i;
    throw new Error('unreachable: no positive weight');
  }

  /** One element, with probability proportional to its weight. */
  weightedChoice<T>(items: readonly T[], weights: readonly number[]): T {
    if (items.length !== weights.length) throw new Error('weightedChoice(): items and weights differ in length');
    return items[this.weightedIndex(weights)] as T;
  }

  /**
   * `count` distinct elements, drawn one after another with probability proportional to the
   * weights of those not yet drawn (numpy's `choice(replace=False, p=…)` behaves the same way).
   */
  weightedSample<T>(items: readonly T[], weights: readonly number[], count: number): T[] {
    if (items.length !== weights.length) throw new Error('weightedSample(): items and weights differ in length');
    if (count > items.length) throw new Error(`weightedSample(): cannot draw ${count} of ${items.length}`);
    const pool = [...items];
    const poolWeights = [...weights];
    const drawn: T[] = [];
    for (let i = 0; i < count; i++) {
      const index = this.weightedIndex(poolWeights);
      drawn.push(pool[index] as T);
      pool.splice(index, 1);
      poolWeights.splice(index, 1);
    }
    return drawn;
  }

  /** A shuffled copy (Fisher–Yates); the input is left alone. */
  shuffle<T>(items: readonly T[]): T[] {
    const result = [...items];
    for (let i = result.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const held = result[i] as T;
      result[i] = result[j] as T;
      result[j] = held;
    }
    return result;
  }

  /** `count` distinct elements in random order. */
  sample<T>(items: readonly T[], count: number): T[] {
    if (count > items.length) throw new Error(`sample(): cannot draw ${count} of ${items.length}`);
    return this.shuffle(items).slice(0, count);
  }

  /**
   * A Poisson-distributed count (Knuth's multiplication method). Its cost grows with the mean,
   * which is fine for the small means (about 1.5) the generators use.
   */
  poisson(mean: number): number {
    if (!(mean >= 0) || mean > 500) throw new Error(`poisson(): mean must be in [0, 500], got ${mean}`);
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.next();
    while (product > limit) {
      count++;
      product *= this.next();
    }
    return count;
  }
}

export function createRandom(seed: number): Random {
  return new Random(seed);
}
