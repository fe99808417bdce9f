/** One colour per curriculum stage, shared by the timeline and both charts. */

const LIGHT = ['#3b6fd6', '#d9822b', '#2e9e6a', '#c2418f', '#7a5cd1', '#1f9bb3', '#b5942b', '#d1503e', '#5f7d8c'];
const DARK = ['#6f9bf2', '#f0a35a', '#52c48f', '#e06bb0', '#a38af0', '#4cc3d9', '#d8b94a', '#ee7a68', '#8fa9b6'];

export type Scheme = 'light' | 'dark';

export function stageColor(stage: number, scheme: Scheme): string {
  const palette = scheme === 'dark' ? DARK : LIGHT;
  const index = ((stage % palette.length) + palette.length) % palette.length;
  return palette[index] ?? palette[0]!;
}
