import { describe, expect, it } from 'vitest';
import { Ema, smooth } from './ema';

describe('Ema', () => {
  it('is debiased: a constant series stays constant', () => {
    expect(smooth([2, 2, 2, 2], 0.9).map((x) => Number(x.toFixed(10)))).toEqual([2, 2, 2, 2]);
  });

  it('is the identity at weight 0 and lags at high weight', () => {
    expect(smooth([1, 5, 3], 0)).toEqual([1, 5, 3]);
    const out = smooth([0, 0, 0, 10], 0.9);
    expect(out[3]).toBeGreaterThan(0);
    expect(out[3]).toBeLessThan(10);
  });

  it('ignores non-finite values', () => {
    const e = new Ema(0.5);
    e.push(4);
    expect(e.push(Number.NaN)).toBe(4);
  });
});
