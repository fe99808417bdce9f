/**
 * The node values of a graph inspection (how strongly the model points at each node after k
 * thoughts) turned into what the graph and the value/height chart draw.
 */
import { frontierAt, type NodeValues } from '../../../common/inspector';

export { frontierAt };
import type { NodePaint } from './recordGraph';
import { valueColor } from './valueScale';
import type { Scheme } from './stageColors';

/** Thought counts the values cover: k = 0..steps-1. */
export function valueSteps(values: NodeValues): number {
  return Math.max(0, ...values.nodes.map((node) => node.values.length));
}

export function clampStep(k: number, values: NodeValues): number {
  return Math.min(Math.max(0, valueSteps(values) - 1), Math.max(0, Math.round(k)));
}

/** Each node's value after k thoughts, by node index; null where the inspection has none. */
export function valuesAt(values: NodeValues, nodeCount: number, k: number): Array<number | null> {
  const out = new Array<number | null>(nodeCount).fill(null);
  for (const node of values.nodes) {
    const value = node.values[k];
    if (node.index < nodeCount && value !== undefined) out[node.index] = value;
  }
  return out;
}

/** What a value after k thoughts measures, for the legend. */
export function valueMeaning(values: NodeValues, k: number): string {
  const after = `${k} thought${k === 1 ? '' : 's'} and <eot>`;
  if (values.query === 'next_step') return `value: how likely the first written step after ${after} is about the node`;
  return `value: how likely the model names the node after ${after}, alone or as the answer after ###`;
}

/** The largest node value after k thoughts (0 when there is none). */
export function largestValue(values: NodeValues, k: number): number {
  return Math.max(0, ...values.nodes.map((node) => node.values[k] ?? 0));
}

/** A value short enough to print under a node: two decimals, or the order of magnitude when smaller. */
export function shortValue(value: number): string {
  if (value === 0) return '0';
  return value >= 0.01 ? value.toFixed(2) : value.toExponential(0);
}

/**
 * Colours, outlines, value labels and tooltips for the graph after k thoughts (nodes without a
 * value stay neutral). `relative` stretches the colour scale to the step's largest value: an
 * undertrained model spreads little probability over the nodes, and on the absolute scale its
 * preferences would all look white.
 */
export function nodePaint(values: NodeValues, nodeCount: number, k: number, scheme: Scheme, neutral: string, relative = false): NodePaint {
  const at = valuesAt(values, nodeCount, k);
  const frontier = frontierAt(values, k);
  const byIndex = new Map(values.nodes.map((node) => [node.index, node]));
  const largest = largestValue(values, k);
  const scale = relative && largest > 0 ? largest : 1;
  return {
    colors: at.map((value) => (value === null ? neutral : valueColor(value / scale, scheme))),
    outlined: at.map((_, index) => frontier.has(index)),
    labels: at.map((value) => (value === null ? '' : shortValue(value))),
    notes: at.map((value, index) => {
      const node = byIndex.get(index);
      if (!node || value === null) return 'no value';
      const height = node.height.shortest === node.height.longest ? `${node.height.shortest}` : `${node.height.shortest}–${node.height.longest}`;
      const depth = node.depth === null ? 'unreachable' : `depth ${node.depth}`;
      return `value ${value.toFixed(3)} · ${depth} · height ${height} · ${node.on_answer_branch ? 'on' : 'off'} the answer branch`;
    }),
  };
}

export interface HeightPoint {
  /** [height (shortest distance to a leaf), value, node symbol] */
  value: [number, number, string];
}

/** Value against height after k thoughts, split by whether the node lies on the answer's branch. */
export function valueByHeight(values: NodeValues, k: number): { on: HeightPoint[]; off: HeightPoint[] } {
  const on: HeightPoint[] = [];
  const off: HeightPoint[] = [];
  for (const node of values.nodes) {
    const value = node.values[k];
    if (value === undefined) continue;
    (node.on_answer_branch ? on : off).push({ value: [node.height.shortest, value, node.node] });
  }
  return { on, off };
}
