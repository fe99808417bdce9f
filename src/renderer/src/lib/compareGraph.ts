/**
 * A written path drawn on its record's graph (the Compare page's CoT side): the steps the model
 * wrote as thick edges, an edge it used that the graph lacks (or the step the classifier blamed)
 * dashed red, the completion a partial path assumes dotted, and the leaf a wrong path reached
 * marked. The layout is the record graph's (lib/recordGraph.ts), so both sides of the page place
 * every node alike.
 */
import type { PathVerdictView } from '../../../common/analysis';
import { chartTheme, tooltipStyle } from './chartTheme';
import type { EChartsOption } from './echarts';
import { buildRecordGraph, type GraphRecord, type NodeRole } from './recordGraph';
import type { Scheme } from './stageColors';

export type WrittenEdgeKind = 'written' | 'hallucinated' | 'completion';

export interface WrittenEdge {
  from: number;
  to: number;
  kind: WrittenEdgeKind;
  /** Whether the graph has this edge. */
  exists: boolean;
}

export interface WrittenPath {
  edges: WrittenEdge[];
  /** Nodes the text named, in order. */
  nodes: number[];
  /** The node a valid walk ended at when that is not the answer (Wrong Target); else null. */
  reachedWrong: number | null;
  /** The node the stated answer names, when it names one. */
  answerNode: number | null;
}

/** Parents along one shortest path from `from` to `to` (breadth first), as edges; empty when unreachable. */
export function shortestEdges(nodeCount: number, edges: ReadonlyArray<readonly [number, number]>, from: number, to: number): Array<[number, number]> {
  const children: number[][] = Array.from({ length: nodeCount }, () => []);
  for (const [a, b] of edges) children[a]?.push(b);
  const parent = new Array<number>(nodeCount).fill(-1);
  const seen = new Set([from]);
  const queue = [from];
  for (let head = 0; head < queue.length && !seen.has(to); head++) {
    const node = queue[head] as number;
    for (const child of children[node] ?? []) {
      if (seen.has(child)) continue;
      seen.add(child);
      parent[child] = node;
      queue.push(child);
    }
  }
  if (!seen.has(to) || from === to) return [];
  const out: Array<[number, number]> = [];
  for (let node = to; node !== from; node = parent[node] as number) out.unshift([parent[node] as number, node]);
  return out;
}

export function writtenPath(record: GraphRecord, verdict: PathVerdictView): WrittenPath {
  const count = record.idx_to_symbol.length;
  const isNode = (node: number | undefined): node is number => node !== undefined && Number.isInteger(node) && node >= 0 && node < count;
  const edgeSet = new Set(record.edges.map(([a, b]) => `${a}>${b}`));
  const nodes = verdict.path.filter(isNode);
  const edges: WrittenEdge[] = [];
  const find = (from: number, to: number) => edges.find((edge) => edge.from === from && edge.to === to);
  for (let i = 0; i + 1 < nodes.length; i++) {
    const from = nodes[i] as number;
    const to = nodes[i + 1] as number;
    if (find(from, to)) continue;
    const exists = edgeSet.has(`${from}>${to}`);
    edges.push({ from, to, kind: exists ? 'written' : 'hallucinated', exists });
  }
  // The step the classifier blamed is red even when the graph has its edge (a disconnected jump).
  const [badFrom, badTo] = verdict.missing_edge ?? [];
  if (isNode(badFrom) && isNode(badTo)) {
    const blamed = find(badFrom, badTo);
    if (blamed) blamed.kind = 'hallucinated';
    else edges.push({ from: badFrom, to: badTo, kind: 'hallucinated', exists: edgeSet.has(`${badFrom}>${badTo}`) });
  }
  // A partial path (after k thoughts) begins where the thoughts left it: show the shortest way there.
  const start = nodes[0];
  if (verdict.category !== 'hallucination' && (verdict.completion ?? 0) > 0 && isNode(start)) {
    for (const [from, to] of shortestEdges(count, record.edges, record.root, start)) {
      if (!find(from, to)) edges.unshift({ from, to, kind: 'completion', exists: true });
    }
  }
  const reached = verdict.reached;
  return {
    edges,
    nodes,
    reachedWrong: verdict.category === 'wrong_target' && isNode(reached) && reached !== record.target ? reached : null,
    answerNode: isNode(verdict.answer_node) ? verdict.answer_node : null,
  };
}

const ROLE_COLORS: Record<Scheme, Record<NodeRole, string>> = {
  light: { root: '#2e9e6a', target: '#2f63cc', path: '#6d93e0', negative: '#d1503e', other: '#b9bfca' },
  dark: { root: '#52c48f', target: '#6f9bf2', path: '#4f74bf', negative: '#ee7a68', other: '#4a5262' },
};
export const WRITTEN_COLORS: Record<Scheme, { written: string; hallucinated: string; reference: string }> = {
  light: { written: '#7a5cd1', hallucinated: '#d1503e', reference: '#9db6ea' },
  dark: { written: '#a38af0', hallucinated: '#ee7a68', reference: '#3d5a94' },
};
const LAYER_GAP = 150;
const NODE_GAP = 56;

/** The graph with the written path on it, as an ECharts graph series (same layout as RecordGraph). */
export function writtenPathOption(record: GraphRecord, path: WrittenPath, scheme: Scheme): EChartsOption {
  const theme = chartTheme(scheme);
  const roles = ROLE_COLORS[scheme];
  const colors = WRITTEN_COLORS[scheme];
  const view = buildRecordGraph(record);
  const written = new Set(path.nodes);
  const overlay = new Map(path.edges.map((edge) => [`${edge.from}>${edge.to}`, edge]));
  const styleOf = (edge: WrittenEdge) => {
    if (edge.kind === 'hallucinated') return { color: colors.hallucinated, width: 3, type: 'dashed', opacity: 1, curveness: edge.exists ? 0 : 0.25 };
    if (edge.kind === 'completion') return { color: colors.written, width: 2, type: 'dotted', opacity: 0.9 };
    return { color: colors.written, width: 4, type: 'solid', opacity: 1 };
  };
  const graphLinks = view.edges.map((edge) => {
    const drawn = overlay.get(`${edge.from}>${edge.to}`);
    return {
      source: edge.from,
      target: edge.to,
      lineStyle: drawn ? styleOf(drawn) : edge.onPath ? { color: colors.reference, width: 2, opacity: 1 } : { color: roles.other, width: 1, opacity: 0.9 },
      z: drawn ? 4 : edge.onPath ? 2 : 1,
    };
  });
  // Edges the text used that the graph does not have: drawn on top, curved so they stand apart.
  const extraLinks = path.edges
    .filter((edge) => !edge.exists)
    .map((edge) => ({ source: edge.from, target: edge.to, lineStyle: styleOf(edge), z: 5 }));
  const label = (index: number, symbol: string) => {
    if (index === path.reachedWrong) return `${symbol}\n{bad|✗ reached}`;
    if (index === path.answerNode && index !== record.target) return `${symbol}\n{bad|answered}`;
    return symbol;
  };
  return {
    animation: false,
    tooltip: {
      ...tooltipStyle(theme),
      formatter: (params: { dataType?: string; name?: string; data?: { note?: string } }) => (params.dataType === 'node' ? `${params.name}${params.data?.note ? `<br/>${params.data.note}` : ''}` : ''),
    },
    series: [
      {
        type: 'graph',
        layout: 'none',
        roam: true,
        draggable: false,
        edgeSymbol: ['none', 'arrow'],
        edgeSymbolSize: 7,
        label: { show: true, position: 'bottom', color: theme.text, fontSize: 11 },
        data: view.nodes.map((node) => {
          const wrong = node.index === path.reachedWrong;
          const onWritten = written.has(node.index);
          const notes = [node.role === 'other' ? '' : node.role === 'negative' ? 'the other option' : node.role, onWritten ? 'written' : '', wrong ? 'the wrong leaf the path reached' : '']
            .filter((note) => note !== '')
            .join(' · ');
          return {
            name: node.symbol,
            x: node.layer * LAYER_GAP,
            y: node.offset * NODE_GAP,
            note: notes,
            symbolSize: node.role !== 'other' || onWritten ? 20 : 14,
            itemStyle: {
              color: roles[node.role],
              borderColor: wrong ? colors.hallucinated : onWritten ? colors.written : theme.tooltipBg,
              borderWidth: wrong ? 4 : onWritten ? 3 : 1,
            },
            label: {
              fontWeight: node.role !== 'other' || onWritten ? 'bold' : 'normal',
              formatter: label(node.index, node.symbol),
              lineHeight: 14,
              rich: { bad: { color: colors.hallucinated, fontSize: 10, fontWeight: 'bold', lineHeight: 12 } },
            },
          };
        }),
        links: [...graphLinks, ...extraLinks],
      },
    ],
  };
}
