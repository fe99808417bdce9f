/** Histograms from the API (value → count) turned into bars a chart can show. */

export interface Bar {
  /** `7`, or `120–129` for a bin of several values. */
  label: string;
  count: number;
}

/**
 * One bar per value, from the smallest to the largest with empty values in between shown as 0;
 * when that would be more than `maxBars`, equal-width bins of consecutive values instead.
 */
export function histogramBars(histogram: Record<string, number>, maxBars = 30): Bar[] {
  const entries = Object.entries(histogram)
    .map(([value, count]) => [Number(value), count] as const)
    .filter(([value]) => Number.isFinite(value))
    .sort((a, b) => a[0] - b[0]);
  if (entries.length === 0) return [];
  const min = entries[0]![0];
  const max = entries.at(-1)![0];
  const integers = entries.every(([value]) => Number.isInteger(value));
  if (!integers) return entries.map(([value, count]) => ({ label: String(value), count }));
  const width = Math.max(1, Math.ceil((max - min + 1) / maxBars));
  const bars: Bar[] = [];
  for (let start = min; start <= max; start += width) {
    const end = start + width - 1;
    bars.push({ label: width === 1 ? String(start) : `${start}–${end}`, count: 0 });
  }
  for (const [value, count] of entries) {
    const bar = bars[Math.floor((value - min) / width)];
    if (bar) bar.count += count;
  }
  return bars;
}
