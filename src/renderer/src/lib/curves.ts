/**
 * The numbers behind CurvesChart: series of (step, epoch, wall time, value) points mapped onto the
 * chosen x axis, debiased EMA smoothing, min-max downsampling to the pixels on screen, the y range
 * of what is visible, and lookups for a tooltip across series. Pure functions over plain arrays, so
 * a million points cost a few milliseconds and every piece is unit-tested.
 */
import { Ema } from './ema';

/** Where a point lies on each of the x axes a chart can show. */
export interface CurvePosition {
  /** Global optimizer step (a resumed run counts on from its checkpoint, it does not restart at 1). */
  step: number;
  /** Epochs done, fractional: 1.0 is the end of the first epoch. */
  epoch: number;
  /** Wall-clock time, milliseconds since the Unix epoch. */
  wall: number;
}

export interface CurvePoint extends CurvePosition {
  value: number;
}

export interface CurveSeries {
  /** Legend entry and tooltip label; series with the same name toggle together. */
  name: string;
  color?: string;
  points: readonly CurvePoint[];
  /** Dashed line (e.g. a second split of the same run). */
  dashed?: boolean;
}

/** A vertical line at `from` with a label (a stage boundary), shading up to `to` when given. */
export interface CurveMark {
  label: string;
  color?: string;
  /** Null `wall` when the place is only planned (not reached yet): hidden on the time axes. */
  from: Omit<CurvePosition, 'wall'> & { wall: number | null };
  to?: (Omit<CurvePosition, 'wall'> & { wall: number | null }) | null;
  /** Drawn dotted: a boundary computed from the plan rather than seen. */
  predicted?: boolean;
}

/** A horizontal reference line (chance accuracy). */
export interface CurveLevel {
  value: number;
  label: string;
  color?: string;
}

export const X_MODES = ['step', 'epoch', 'wall', 'relative'] as const;
export type XMode = (typeof X_MODES)[number];

export const X_MODE_LABELS: Record<XMode, string> = {
  step: 'step',
  epoch: 'epoch',
  wall: 'wall time',
  relative: 'relative time',
};

/** An x range in the units of an x mode (steps, epochs, ms since the epoch, seconds since the start). */
export type XRange = readonly [number, number];

/**
 * The x value of a point: relative time is seconds since `origin` (a series' first wall time), so
 * runs started at different times line up at zero.
 */
export function xOf(position: Pick<CurvePosition, 'step' | 'epoch'> & { wall: number | null }, mode: XMode, origin: number): number | null {
  switch (mode) {
    case 'step':
      return position.step;
    case 'epoch':
      return position.epoch;
    case 'wall':
      return position.wall;
    case 'relative':
      return position.wall === null ? null : (position.wall - origin) / 1000;
  }
}

/** The wall time relative time counts from: the series' earliest point. */
export function relativeOrigin(points: readonly CurvePoint[]): number {
  let origin = Number.POSITIVE_INFINITY;
  for (const p of points) if (p.wall < origin) origin = p.wall;
  return Number.isFinite(origin) ? origin : 0;
}

/** A series as two columns on one x axis, sorted by x; non-finite x are dropped (NaN y are kept as gaps to skip). */
export interface Columns {
  x: number[];
  y: number[];
}

export function toColumns(points: readonly CurvePoint[], mode: XMode, origin: number): Columns {
  const out: Columns = { x: [], y: [] };
  appendColumns(points, mode, origin, 0, out);
  return out;
}

/**
 * Adds `points[start..]` to `into` (a live series grows at its end). Returns false when the new
 * points did not all come after the old ones and the columns had to be re-sorted, so whatever was
 * derived from the old order (the smoothed line) must be computed again.
 */
export function appendColumns(points: readonly CurvePoint[], mode: XMode, origin: number, start: number, into: Columns): boolean {
  const before = into.x.length;
  for (let i = start; i < points.length; i++) {
    const p = points[i]!;
    const x = xOf(p, mode, origin);
    if (x === null || !Number.isFinite(x)) continue;
    into.x.push(x);
    into.y.push(p.value);
  }
  if (isSorted(into.x, Math.max(1, before))) return true;
  sortColumns(into);
  return false;
}

function isSorted(x: readonly number[], from = 1): boolean {
  for (let i = from; i < x.length; i++) if (x[i]! < x[i - 1]!) return false;
  return true;
}

function sortColumns(c: Columns): void {
  const order = c.x.map((_, i) => i).sort((a, b) => c.x[a]! - c.x[b]! || a - b);
  const x = order.map((i) => c.x[i]!);
  const y = order.map((i) => c.y[i]!);
  c.x.length = 0;
  c.y.length = 0;
  c.x.push(...x);
  c.y.push(...y);
}

/** TensorBoard's smoothing: a debiased EMA over the points in order (weight 0 = raw). Non-finite values do not move it. */
export function emaColumn(y: readonly number[], weight: number, ema: Ema = new Ema(weight), into: number[] = []): number[] {
  for (const v of y) into.push(ema.push(v));
  return into;
}

/** First index with x[i] >= value (x sorted ascending). */
export function lowerBound(x: readonly number[], value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index with x[i] > value. */
export function upperBound(x: readonly number[], value: number): number {
  let lo = 0;
  let hi = x.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid]! <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The points of `c` to draw between `from` and `to` on a plot `buckets` pixels wide. Each pixel
 * column keeps its first, lowest, highest and last point (M4 aggregation), so a spike of one step
 * among a million stays on screen and the line between columns is exactly what the full series
 * would draw. One point beyond each end is kept so the line runs to the plot's edges.
 * Points with a non-finite y (or, for a log axis, y <= 0) are left out.
 */
export function downsampleMinMax(c: Columns, from: number, to: number, buckets: number, positiveOnly = false): Array<[number, number]> {
  const n = c.x.length;
  if (n === 0 || !(to >= from)) return [];
  const lo = Math.max(0, lowerBound(c.x, from) - 1);
  const hi = Math.min(n, upperBound(c.x, to) + 1);
  const usable = (v: number) => Number.isFinite(v) && (!positiveOnly || v > 0);
  const out: Array<[number, number]> = [];
  const slots = Math.max(1, Math.floor(buckets));
  if (hi - lo <= slots * 4 || to === from) {
    for (let i = lo; i < hi; i++) if (usable(c.y[i]!)) out.push([c.x[i]!, c.y[i]!]);
    return out;
  }
  const width = (to - from) / slots;
  let bucket = Number.NaN;
  let first = -1;
  let last = -1;
  let min = -1;
  let max = -1;
  const flush = () => {
    if (first < 0) return;
    // In x order, without repeats: first, then min and max in the order they occur, then last.
    const picks = [first, min, max, last].sort((a, b) => a - b);
    let previous = -1;
    for (const i of picks) {
      if (i === previous) continue;
      previous = i;
      out.push([c.x[i]!, c.y[i]!]);
    }
  };
  for (let i = lo; i < hi; i++) {
    const v = c.y[i]!;
    if (!usable(v)) continue;
    const b = Math.min(slots - 1, Math.max(0, Math.floor((c.x[i]! - from) / width)));
    if (b !== bucket) {
      flush();
      bucket = b;
      first = last = min = max = i;
      continue;
    }
    last = i;
    if (v < c.y[min]!) min = i;
    if (v > c.y[max]!) max = i;
  }
  flush();
  return out;
}

/** Lowest and highest y among `points` whose x lies in [from, to]; null when none. */
export function extentWithin(points: ReadonlyArray<readonly [number, number]>, from: number, to: number): { min: number; max: number } | null {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const [x, y] of points) {
    if (x < from || x > to || !Number.isFinite(y)) continue;
    if (y < min) min = y;
    if (y > max) max = y;
  }
  return min <= max ? { min, max } : null;
}

/** A y range with a margin around [min, max], so lines do not run along the plot's edges. */
export function paddedRange(min: number, max: number, log: boolean): [number, number] {
  if (log) {
    const lo = Math.log10(min);
    const hi = Math.log10(max);
    const pad = Math.max((hi - lo) * 0.05, 0.02);
    return [10 ** (lo - pad), 10 ** (hi + pad)];
  }
  if (max === min) {
    const pad = Math.abs(max) * 0.05 || 0.5;
    return [min - pad, max + pad];
  }
  const pad = (max - min) * 0.06;
  return [min - pad, max + pad];
}

/** Index of the point whose x is closest to `value`, or -1 for an empty series. */
export function nearestIndex(x: readonly number[], value: number): number {
  if (x.length === 0) return -1;
  const i = lowerBound(x, value);
  if (i === 0) return 0;
  if (i >= x.length) return x.length - 1;
  return value - x[i - 1]! <= x[i]! - value ? i - 1 : i;
}

/**
 * The point of a series to show in a tooltip at `value`: the nearest one, but only while `value`
 * lies within the series' own span (give or take `slack`), so a run that ended earlier or a stage
 * that has not begun shows nothing rather than a far-away point.
 */
export function pointAt(x: readonly number[], value: number, slack: number): number {
  if (x.length === 0) return -1;
  if (value < x[0]! - slack || value > x[x.length - 1]! + slack) return -1;
  return nearestIndex(x, value);
}

/** A value as a tooltip or axis shows it: 4 significant digits, exponent form for the very small or large. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return String(v);
  const a = Math.abs(v);
  if (a !== 0 && (a < 1e-3 || a >= 1e6)) return v.toExponential(2);
  return Number(v.toPrecision(4)).toString();
}

/** The x of a point as a tooltip shows it in a mode. */
export function formatX(x: number, mode: XMode): string {
  switch (mode) {
    case 'step':
      return `step ${Math.round(x)}`;
    case 'epoch':
      return `epoch ${Number(x.toFixed(3))}`;
    case 'wall':
      return new Date(x).toLocaleString(undefined, { hour12: false });
    case 'relative':
      return `+${formatSeconds(x)}`;
  }
}

/** Seconds as `1h 02m`, `3m 05s`, `12.5 s` for the relative-time axis. */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 60) return `${Number(s.toFixed(s < 10 ? 1 : 0))} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.floor(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  return `${h}h ${String(m % 60).padStart(2, '0')}m`;
}
