import { describe, expect, it } from 'vitest';
import { createRandom, deriveSeed } from './random.js';

describe('Random', () => {
  it('repeats the same stream for the same seed and differs across seeds', () => {
    const draw = (seed: number) => {
      const rng = createRandom(seed);
      return Array.from({ length: 8 }, () => rng.nextUint32());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(draw(2 ** 32 + 1)).not.toEqual(draw(1));
  });

  it('rejects seeds that JSON could not store exactly', () => {
    expect(() => createRandom(-1)).toThrow(/seed/);
    expect(() => createRandom(1.5)).toThrow(/seed/);
    expect(() => createRandom(2 ** 53)).toThrow(/seed/);
  });

  it('derives distinct, stable sub-seeds', () => {
    expect(deriveSeed(7, 'train')).toBe(deriveSeed(7, 'train'));
    expect(deriveSeed(7, 'train')).not.toBe(deriveSeed(7, 'test'));
    expect(deriveSeed(7, 'train')).not.toBe(deriveSeed(8, 'train'));
  });

  it('draws integers in range, covering both ends', () => {
    const rng = createRandom(1);
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const value = rng.int(3, 7);
      expect(value).toBeGreaterThanOrEqual(3);
      expect(value).toBeLessThanOrEqual(7);
      seen.add(value);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6, 7]);
  });

  it('follows the weights in weighted choices and never draws a zero weight', () => {
    const rng = createRandom(2);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[rng.weightedIndex([1, 0, 3])]! += 1;
    expect(counts[1]).toBe(0);
    expect((counts[2] as number) / 30_000).toBeCloseTo(0.75, 1);
  });

  it('samples distinct items without replacement', () => {
    const rng = createRandom(3);
    for (let i = 0; i < 200; i++) {
      const drawn = rng.weightedSample([0, 1, 2, 3, 4], [5, 1, 1, 1, 1], 3);
      expect(new Set(drawn).size).toBe(3);
    }
    expect(() => rng.weightedSample([1, 2], [1, 1], 3)).toThrow();
  });

  it('shuffles into a permutation without touching the input', () => {
    const rng = createRandom(4);
    const input = [1, 2, 3, 4, 5, 6];
    const shuffled = rng.shuffle(input);
    expect(input).toEqual([1, 2, 3, 4, 5, 6]);
    expect([...shuffled].sort()).toEqual(input);
  });

  it('draws Poisson counts with the requested mean and variance', () => {
    const rng = createRandom(5);
    const draws = Array.from({ length: 40_000 }, () => rng.poisson(1.5));
    const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
    const variance = draws.reduce((a, b) => a + (b - mean) ** 2, 0) / draws.length;
    expect(mean).toBeCloseTo(1.5, 1);
    expect(variance).toBeCloseTo(1.5, 1);
    // P(0) = e^-1.5 ≈ 0.223
    expect(draws.filter((d) => d === 0).length / draws.length).toBeCloseTo(0.223, 1);
  });
});
