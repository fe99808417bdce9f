/**
 * A graph record (ProsQA, reachability) laid out for drawing: nodes in layers by their longest
 * distance from a source, so every edge points rightwards, and the answer path — the shortest
 * root→target path that the record's steps describe — picked out.
 */
import type { DatasetRecordView } from '../../../common/api';

export interface GraphRecord {
  idx_to_symbol: string[];
  edges: Array<[number, number]>;
  root: number;
  target: number;
  neg_target?: number;
  steps: string[];
}

export type NodeRole = 'root' | 'target' | 'negative' | 'path' | 'other';

/**
 * Colours that replace the role colours (the inspector's node values), by node index, with the
 * nodes to outline, a short label under each node's name and a line for its tooltip.
 */
export interface NodePaint {
  colors: string[];
  outlined: boolean[];
  labels: string[];
  notes: string[];
}

export interface GraphNode {
  index: number;
  symbol: string;
  layer: number;
  /** Position within the layer, centred on 0. */
  offset: number;
  role: NodeRole;
}

export interface GraphEdge {
  from: number;
  to: number;
  onPath: boolean;
}

export interface RecordGraphView {
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** Node indices from root to target; empty when the target cannot be reached. */
  path: number[];
  layers: number;
}

/** Enough alternatives to find the one the steps name; official records have at most a handful. */
const MAX_PATHS_COMPARED = 500;

export function hasGraph(record: DatasetRecordView): record is DatasetRecordView & GraphRecord {
  return record.idx_to_symbol !== undefined && record.edges !== undefined && record.root !== undefined && record.target !== undefined;
}

function children(nodeCount: number, edges: ReadonlyArray<[number, number]>): number[][] {
  const out: number[][] = Array.from({ length: nodeCount }, () => []);
  for (const [from, to] of edges) out[from]?.push(to);
  return out;
}

/** The words of a step ("Alex is a wumpus." → Alex, is, a, wumpus; "7_11" → 7, 11). */
const stepWords = (step: string): Set<string> => new Set(step.split(/[^\p{L}\p{N}]+/u).filter((word) => word.length > 0));

/**
 * A shortest root→target path; among several, the one whose nodes the steps name (step i leads
 * to the path's node i + 1), so that the highlighted path is the record's own reasoning.
 */
export function answerPath(record: GraphRecord): number[] {
  const count = record.idx_to_symbol.length;
  const next = children(count, record.edges);
  const distance = new Array<number>(count).fill(-1);
  distance[record.root] = 0;
  const queue = [record.root];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] as number;
    for (const child of next[node] ?? []) {
      if (distance[child] === -1) {
        distance[child] = (distance[node] as number) + 1;
        queue.push(child);
      }
    }
  }
  if ((distance[record.target] ?? -1) < 0) return [];
  const parentsOnShortest: number[][] = Array.from({ length: count }, () => []);
  for (const [from, to] of record.edges) {
    if (distance[from] !== -1 && distance[to] === (distance[from] as number) + 1) parentsOnShortest[to]?.push(from);
  }
  const words = record.steps.map(stepWords);
  const score = (path: number[]) => path.slice(1).filter((node, i) => words[i]?.has(record.idx_to_symbol[node] ?? '') === true).length;
  let best: number[] = [];
  let bestScore = -1;
  let compared = 0;
  // Walk back from the target along shortest-path parents; each complete walk is one path.
  const walk = (node: number, suffix: number[]): void => {
    if (compared >= MAX_PATHS_COMPARED) return;
    const path = [node, ...suffix];
    if (node === record.root) {
      compared++;
      const value = score(path);
      if (value > bestScore) {
        best = path;
        bestScore = value;
      }
      return;
    }
    for (const parent of parentsOnShortest[node] ?? []) walk(parent, path);
  };
  walk(record.target, []);
  return best;
}

/** Layer of each node: its longest distance from a node without parents (a cycle's nodes go last). */
export function layersOf(nodeCount: number, edges: ReadonlyArray<[number, number]>): number[] {
  const next = children(nodeCount, edges);
  const incoming = new Array<number>(nodeCount).fill(0);
  for (const [, to] of edges) incoming[to] = (incoming[to] ?? 0) + 1;
  const layer = new Array<number>(nodeCount).fill(0);
  const ready = [...incoming.keys()].filter((node) => incoming[node] === 0);
  const placed = new Set<number>();
  while (ready.length > 0) {
    const node = ready.shift() as number;
    placed.add(node);
    for (const child of next[node] ?? []) {
      layer[child] = Math.max(layer[child] ?? 0, (layer[node] ?? 0) + 1);
      incoming[child] = (incoming[child] ?? 0) - 1;
      if (incoming[child] === 0) ready.push(child);
    }
  }
  const deepest = Math.max(0, ...layer);
  for (let node = 0; node < nodeCount; node++) if (!placed.has(node)) layer[node] = deepest + 1;
  return layer;
}

/** Order each layer by the mean position of its parents (one downward sweep), which removes most crossings in these small graphs. */
function orderWithinLayers(layer: number[], edges: ReadonlyArray<[number, number]>): number[] {
  const parents: number[][] = layer.map(() => []);
  for (const [from, to] of edges) parents[to]?.push(from);
  const layerCount = Math.max(0, ...layer) + 1;
  const position = new Array<number>(layer.length).fill(0);
  const offset = new Array<number>(layer.length).fill(0);
  for (let current = 0; current < layerCount; current++) {
    const members = [...layer.keys()].filter((node) => layer[node] === current);
    const weight = (node: number) => {
      const placedParents = (parents[node] ?? []).filter((parent) => (layer[parent] ?? 0) < current);
      return placedParents.length === 0 ? node : placedParents.reduce((sum, parent) => sum + (offset[parent] ?? 0), 0) / placedParents.length;
    };
    members.sort((a, b) => weight(a) - weight(b) || a - b);
    members.forEach((node, i) => {
      position[node] = i;
      offset[node] = i - (members.length - 1) / 2;
    });
  }
  return offset;
}

export function buildRecordGraph(record: GraphRecord): RecordGraphView {
  const count = record.idx_to_symbol.length;
  const layer = layersOf(count, record.edges);
  const offset = orderWithinLayers(layer, record.edges);
  const path = answerPath(record);
  const onPath = new Set(path);
  const pathEdges = new Set(path.slice(1).map((to, i) => `${path[i]}>${to}`));
  const roleOf = (index: number): NodeRole => {
    if (index === record.root) return 'root';
    if (index === record.target) return 'target';
    if (index === record.neg_target) return 'negative';
    return onPath.has(index) ? 'path' : 'other';
  };
  return {
    nodes: record.idx_to_symbol.map((symbol, index) => ({ index, symbol, layer: layer[index] ?? 0, offset: offset[index] ?? 0, role: roleOf(index) })),
    edges: record.edges.map(([from, to]) => ({ from, to, onPath: pathEdges.has(`${from}>${to}`) })),
    path,
    layers: Math.max(0, ...layer) + 1,
  };
}
