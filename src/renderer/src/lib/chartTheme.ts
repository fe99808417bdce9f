/** Colours of chart chrome for each colour scheme (stage colours live in stageColors.ts). */
import type { Scheme } from './stageColors';

export interface ChartTheme {
  text: string;
  muted: string;
  axis: string;
  grid: string;
  tooltipBg: string;
  tooltipBorder: string;
  chance: string;
}

const THEMES: Record<Scheme, ChartTheme> = {
  light: {
    text: '#1d2330',
    muted: '#6b7385',
    axis: '#c5cad4',
    grid: '#eceef2',
    tooltipBg: '#ffffff',
    tooltipBorder: '#d5d9e0',
    chance: '#8a8f99',
  },
  dark: {
    text: '#dfe3ea',
    muted: '#8d95a5',
    axis: '#3b4250',
    grid: '#262b35',
    tooltipBg: '#1b1f27',
    tooltipBorder: '#3b4250',
    chance: '#8d95a5',
  },
};

export function chartTheme(scheme: Scheme): ChartTheme {
  return THEMES[scheme];
}

export function axisStyle(theme: ChartTheme): Record<string, unknown> {
  return {
    axisLine: { lineStyle: { color: theme.axis } },
    axisTick: { lineStyle: { color: theme.axis } },
    axisLabel: { color: theme.muted, fontSize: 11, hideOverlap: true },
    splitLine: { lineStyle: { color: theme.grid } },
    nameTextStyle: { color: theme.muted, fontSize: 11 },
  };
}

export function tooltipStyle(theme: ChartTheme): Record<string, unknown> {
  return {
    backgroundColor: theme.tooltipBg,
    borderColor: theme.tooltipBorder,
    textStyle: { color: theme.text, fontSize: 12 },
  };
}
