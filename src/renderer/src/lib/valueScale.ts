/**
 * The inspector's one colour scale for values in [0, 1] (token probabilities in the logit lens,
 * node values on the graph), so that the same shade means the same probability everywhere. The
 * heatmap hands the same stops to ECharts' visualMap, which interpolates them the same way.
 */
import type { Scheme } from './stageColors';

/** Evenly spaced stops from 0 to 1: faint at 0 (blends with the panel), saturated at 1. */
export const VALUE_RAMP: Record<Scheme, readonly string[]> = {
  light: ['#eef2f8', '#c3d3ee', '#86a6e0', '#3b6fd6', '#173a85'],
  dark: ['#232935', '#2f4470', '#3f62a8', '#6f9bf2', '#d3e0fc'],
};

type Rgb = [number, number, number];

function parseHex(hex: string): Rgb {
  const n = Number.parseInt(hex.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

const hex = (rgb: Rgb): string => `#${rgb.map((c) => Math.round(c).toString(16).padStart(2, '0')).join('')}`;

/** Clamped to [0, 1]; not-a-number counts as 0 (no probability rather than a wrong colour). */
export function clampUnit(value: number): number {
  if (!Number.isFinite(value)) return value === Infinity ? 1 : 0;
  return Math.min(1, Math.max(0, value));
}

/** The scale's colour for `value` (linear in RGB between the two nearest stops). */
export function valueColor(value: number, scheme: Scheme): string {
  const stops = VALUE_RAMP[scheme];
  const position = clampUnit(value) * (stops.length - 1);
  const lower = Math.min(stops.length - 2, Math.floor(position));
  const t = position - lower;
  const a = parseHex(stops[lower] as string);
  const b = parseHex(stops[lower + 1] as string);
  return hex([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]);
}

/** Dark or light text, whichever reads on `background` (WCAG relative luminance). */
export function textColorOn(background: string): string {
  const channel = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  const [r, g, b] = parseHex(background).map(channel) as Rgb;
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b;
  return luminance > 0.35 ? '#1d2330' : '#ffffff';
}

/**
 * A short fingerprint of a list of colours (FNV-1a, 8 hex digits): the graph puts it in an
 * attribute so that a browser test can tell that the colours changed without reading the canvas.
 */
export function colorSignature(colors: readonly string[]): string {
  let hash = 0x811c9dc5;
  for (const ch of colors.join(',')) {
    hash ^= ch.charCodeAt(0);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}
