/**
 * The logit lens as a matrix for the heatmap: one row per layer ("emb" for the input to the first
 * block, then L1, L2, …), one column per thought, each cell the most likely token read from that
 * layer's hidden state.
 */
import type { Inspection, LensCell, TokenProb } from '../../../common/inspector';

export interface LensMatrixCell {
  /** Column: the thought's place in the strip (0-based). */
  column: number;
  /** Row: the layer (0 is the embedding row). */
  row: number;
  token: string;
  prob: number;
  top: TokenProb[];
}

export interface LensMatrix {
  /** Row labels, bottom to top as the heatmap draws them: index = layer. */
  rows: string[];
  /** Column labels: `#1` is the first thought. */
  columns: string[];
  cells: LensMatrixCell[];
}

export function layerLabel(layer: number): string {
  return layer === 0 ? 'emb' : `L${layer}`;
}

export function thoughtLabel(index: number): string {
  return `#${index + 1}`;
}

/**
 * Rows come from `lens_layers` (not from the cells), so a thought with a missing layer leaves a
 * gap rather than shifting the rows; a layer reported twice keeps its first cell.
 */
export function lensMatrix(inspection: Pick<Inspection, 'thoughts' | 'lens_layers'>): LensMatrix {
  const rows = Array.from({ length: inspection.lens_layers }, (_, layer) => layerLabel(layer));
  const cells: LensMatrixCell[] = [];
  inspection.thoughts.forEach((thought, column) => {
    const seen = new Set<number>();
    const byLayer = [...thought.lens].sort((a, b) => a.layer - b.layer);
    for (const cell of byLayer) {
      if (cell.layer >= inspection.lens_layers || seen.has(cell.layer)) continue;
      seen.add(cell.layer);
      cells.push(toCell(cell, column));
    }
  });
  return { rows, columns: inspection.thoughts.map((thought) => thoughtLabel(thought.index)), cells };
}

function toCell(cell: LensCell, column: number): LensMatrixCell {
  return { column, row: cell.layer, token: cell.token, prob: cell.prob, top: cell.top };
}

/** Tokens can hold `<`, `&` (`<eot>`, `<|endoftext|>`): tooltips are HTML. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

/** A token as shown: white space made visible (a newline ends every question; BPE tokens carry a leading space), empty as ∅. */
export function showToken(token: string): string {
  if (token === '') return '∅';
  return token.replace(/\r?\n/g, '↵').replace(/\t/g, '⇥').replace(/ /g, '·');
}

/** The cell's tooltip: where it is, then its top tokens with their probabilities. */
export function lensTooltip(cell: LensMatrixCell, matrix: LensMatrix): string {
  const head = `${escapeHtml(matrix.columns[cell.column] ?? '')} · ${escapeHtml(matrix.rows[cell.row] ?? '')}`;
  const lines = (cell.top.length > 0 ? cell.top : [{ token: cell.token, id: 0, prob: cell.prob }]).map(
    (entry) => `<span style="font-family:monospace">${escapeHtml(showToken(entry.token))}</span> ${(entry.prob * 100).toFixed(1)} %`,
  );
  return `${head}<br/>${lines.join('<br/>')}`;
}
