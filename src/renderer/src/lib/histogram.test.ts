import { describe, expect, it } from 'vitest';
import { histogramBars } from './histogram';

describe('histogramBars', () => {
  it('gives one bar per value, with gaps shown as empty bars', () => {
    expect(histogramBars({ 3: 124, 4: 133, 6: 7 })).toEqual([
      { label: '3', count: 124 },
      { label: '4', count: 133 },
      { label: '5', count: 0 },
      { label: '6', count: 7 },
    ]);
    expect(histogramBars({})).toEqual([]);
  });

  it('bins wide ranges into equal-width bars that keep every record', () => {
    const histogram: Record<string, number> = {};
    for (let words = 100; words < 400; words += 3) histogram[words] = 2;
    const bars = histogramBars(histogram, 30);
    expect(bars.length).toBeLessThanOrEqual(30);
    expect(bars[0]?.label).toBe('100–109');
    expect(bars.reduce((sum, bar) => sum + bar.count, 0)).toBe(200);
  });
});
