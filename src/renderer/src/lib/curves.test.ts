import { describe, expect, it } from 'vitest';
import {
  appendColumns,
  downsampleMinMax,
  emaColumn,
  extentWithin,
  formatSeconds,
  nearestIndex,
  paddedRange,
  pointAt,
  relativeOrigin,
  toColumns,
  xOf,
  type Columns,
  type CurvePoint,
} from './curves';
import { smooth } from './ema';

/** A deterministic pseudo-random sequence (mulberry32) so failures can be replayed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function noisy(n: number, seed: number): Columns {
  const next = random(seed);
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < n; i++) {
    x.push(i + 1);
    y.push(1 + next() * 0.1);
  }
  return { x, y };
}

function point(step: number, value: number, wall = 1_700_000_000_000 + step * 1000, epoch = step / 10): CurvePoint {
  return { step, epoch, wall, value };
}

describe('x axis mapping', () => {
  it('reads step, epoch and wall time, and relative time in seconds from the origin', () => {
    const p = point(25, 0.5, 1_700_000_060_000, 2.5);
    expect(xOf(p, 'step', 0)).toBe(25);
    expect(xOf(p, 'epoch', 0)).toBe(2.5);
    expect(xOf(p, 'wall', 0)).toBe(1_700_000_060_000);
    expect(xOf(p, 'relative', 1_700_000_000_000)).toBe(60);
    expect(xOf({ step: 3, epoch: 1, wall: null }, 'relative', 0)).toBeNull();
  });

  it('keeps a resumed run where it is: steps continue from the checkpoint, relative time starts at its first point', () => {
    // A run resumed after 1 epoch of 2500 steps: its first global step is 2501.
    const points = [2501, 2502, 2503].map((s) => point(s, 1 / s, 1_700_000_000_000 + (s - 2501) * 500, 1 + (s - 2500) / 2500));
    const steps = toColumns(points, 'step', 0);
    expect(steps.x).toEqual([2501, 2502, 2503]);
    const relative = toColumns(points, 'relative', relativeOrigin(points));
    expect(relative.x).toEqual([0, 0.5, 1]);
    expect(toColumns(points, 'epoch', 0).x[0]).toBeCloseTo(1.0004, 6);
  });

  it('sorts points that arrive out of order and says so when appending', () => {
    const c = toColumns([point(3, 3), point(1, 1), point(2, 2)], 'step', 0);
    expect(c.x).toEqual([1, 2, 3]);
    expect(c.y).toEqual([1, 2, 3]);
    const live: CurvePoint[] = [point(1, 1), point(2, 2)];
    const cols = toColumns(live, 'step', 0);
    live.push(point(3, 3));
    expect(appendColumns(live, 'step', 0, 2, cols)).toBe(true);
    live.push(point(0, 0));
    expect(appendColumns(live, 'step', 0, 3, cols)).toBe(false);
    expect(cols.x).toEqual([0, 1, 2, 3]);
  });
});

describe('downsampleMinMax', () => {
  it('keeps a one-point spike and dip among a million points, and both ends', () => {
    const c = noisy(1_000_000, 7);
    c.y[123_457] = 50;
    c.y[876_543] = -20;
    const out = downsampleMinMax(c, 1, 1_000_000, 800);
    expect(out.length).toBeLessThanOrEqual(800 * 4);
    const ys = out.map(([, y]) => y);
    expect(Math.max(...ys)).toBe(50);
    expect(Math.min(...ys)).toBe(-20);
    expect(out[0]).toEqual([1, c.y[0]]);
    expect(out[out.length - 1]).toEqual([1_000_000, c.y[999_999]]);
    for (let i = 1; i < out.length; i++) expect(out[i]![0]).toBeGreaterThan(out[i - 1]![0]);
  });

  it('keeps every bucket extreme: each pixel column has the same min and max as the full data', () => {
    const c = noisy(20_000, 11);
    const buckets = 100;
    const out = downsampleMinMax(c, 1, 20_000, buckets);
    const width = (20_000 - 1) / buckets;
    for (let b = 0; b < buckets; b++) {
      const inBucket = (x: number) => Math.min(buckets - 1, Math.floor((x - 1) / width)) === b;
      const full = c.y.filter((_, i) => inBucket(c.x[i]!));
      const kept = out.filter(([x]) => inBucket(x)).map(([, y]) => y);
      expect(Math.max(...kept)).toBe(Math.max(...full));
      expect(Math.min(...kept)).toBe(Math.min(...full));
    }
  });

  it('returns a small series unchanged, and one point beyond each end of a zoomed range', () => {
    const c = { x: [1, 2, 3, 4, 5], y: [5, 4, 3, 2, 1] };
    expect(downsampleMinMax(c, 1, 5, 100)).toEqual([
      [1, 5],
      [2, 4],
      [3, 3],
      [4, 2],
      [5, 1],
    ]);
    expect(downsampleMinMax(c, 2.5, 3.5, 100)).toEqual([
      [2, 4],
      [3, 3],
      [4, 2],
    ]);
    expect(downsampleMinMax({ x: [], y: [] }, 0, 1, 10)).toEqual([]);
  });

  it('shows the detail of a zoomed range that the whole view merged', () => {
    const c = noisy(100_000, 3);
    const whole = downsampleMinMax(c, 1, 100_000, 200);
    const zoomed = downsampleMinMax(c, 50_000, 50_100, 200);
    expect(whole.filter(([x]) => x >= 50_000 && x <= 50_100).length).toBeLessThan(10);
    expect(zoomed.length).toBe(103); // all 101 points in range, and a neighbour on each side
  });

  it('leaves out non-finite values, and values <= 0 for a log axis', () => {
    const c = { x: [1, 2, 3, 4], y: [1, Number.NaN, 0, 2] };
    expect(downsampleMinMax(c, 1, 4, 10)).toEqual([
      [1, 1],
      [3, 0],
      [4, 2],
    ]);
    expect(downsampleMinMax(c, 1, 4, 10, true)).toEqual([
      [1, 1],
      [4, 2],
    ]);
  });
});

describe('smoothing', () => {
  it('is the debiased EMA, continued as points arrive', () => {
    const y = [4, 2, 8, 1, 3, 9, 2];
    const whole = emaColumn(y, 0.8);
    expect(whole).toEqual(smooth(y, 0.8));
    expect(whole[0]).toBe(4); // debiased: the first value is not pulled towards 0
    const live = emaColumn(y.slice(0, 3), 0.8);
    // Continuing needs the same Ema; recomputing from scratch must agree with it.
    expect(live).toEqual(whole.slice(0, 3));
  });
});

describe('y range and lookups', () => {
  it('fits y to the points inside the visible x range only', () => {
    const points: Array<[number, number]> = [
      [0, 100],
      [1, 2],
      [2, 3],
      [3, -50],
    ];
    expect(extentWithin(points, 1, 2)).toEqual({ min: 2, max: 3 });
    expect(extentWithin(points, 5, 6)).toBeNull();
    const [lo, hi] = paddedRange(2, 3, false);
    expect(lo).toBeLessThan(2);
    expect(hi).toBeGreaterThan(3);
    const [llo, lhi] = paddedRange(0.01, 10, true);
    expect(llo).toBeGreaterThan(0);
    expect(llo).toBeLessThan(0.01);
    expect(lhi).toBeGreaterThan(10);
    expect(paddedRange(5, 5, false)).toEqual([4.75, 5.25]);
  });

  it('finds the nearest point, and none outside a series span', () => {
    const x = [10, 20, 30, 40];
    expect(nearestIndex(x, 24)).toBe(1);
    expect(nearestIndex(x, 26)).toBe(2);
    expect(nearestIndex(x, -5)).toBe(0);
    expect(nearestIndex(x, 99)).toBe(3);
    expect(nearestIndex([], 1)).toBe(-1);
    expect(pointAt(x, 41, 2)).toBe(3);
    expect(pointAt(x, 45, 2)).toBe(-1);
    expect(pointAt(x, 5, 2)).toBe(-1);
    expect(pointAt(x, 33, 0)).toBe(2);
  });

  it('formats relative time', () => {
    expect(formatSeconds(4.25)).toBe('4.3 s');
    expect(formatSeconds(185)).toBe('3m 05s');
    expect(formatSeconds(3 * 3600 + 120)).toBe('3h 02m');
  });
});
