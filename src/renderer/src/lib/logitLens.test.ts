import { describe, expect, it } from 'vitest';
import type { LensCell, ThoughtView } from '../../../common/inspector';
import { escapeHtml, layerLabel, lensMatrix, lensTooltip, showToken } from './logitLens';

const cell = (layer: number, token: string, prob: number): LensCell => ({ layer, token, id: 1, prob, top: [{ token, id: 1, prob }] });
const thought = (index: number, lens: LensCell[]): ThoughtView => ({ index, top: [], entropy: 0, norm: 1, lens });

describe('logit lens matrix', () => {
  it('labels the embedding row and the blocks', () => {
    expect([0, 1, 2].map(layerLabel)).toEqual(['emb', 'L1', 'L2']);
  });

  it('puts one cell per layer and thought, rows by layer whatever order they came in', () => {
    const matrix = lensMatrix({
      lens_layers: 3,
      thoughts: [thought(0, [cell(2, 'c', 0.9), cell(0, 'a', 0.1), cell(1, 'b', 0.5)]), thought(1, [cell(0, 'd', 0.2), cell(1, 'e', 0.3), cell(2, 'f', 0.4)])],
    });
    expect(matrix.rows).toEqual(['emb', 'L1', 'L2']);
    expect(matrix.columns).toEqual(['#1', '#2']);
    expect(matrix.cells.map((c) => [c.column, c.row, c.token])).toEqual([
      [0, 0, 'a'],
      [0, 1, 'b'],
      [0, 2, 'c'],
      [1, 0, 'd'],
      [1, 1, 'e'],
      [1, 2, 'f'],
    ]);
  });

  it('leaves a gap for a missing layer and ignores repeats and layers beyond lens_layers', () => {
    const matrix = lensMatrix({ lens_layers: 2, thoughts: [thought(0, [cell(1, 'x', 0.5), cell(1, 'y', 0.6), cell(5, 'z', 1)])] });
    expect(matrix.cells).toHaveLength(1);
    expect(matrix.cells[0]).toMatchObject({ row: 1, token: 'x' });
  });

  it('has no cells when there are no thoughts (k = 0)', () => {
    expect(lensMatrix({ lens_layers: 3, thoughts: [] })).toEqual({ rows: ['emb', 'L1', 'L2'], columns: [], cells: [] });
  });

  it('writes tooltips that survive tokens like <eot>', () => {
    const matrix = lensMatrix({ lens_layers: 1, thoughts: [thought(0, [{ layer: 0, token: '<eot>', id: 2, prob: 0.5, top: [{ token: '<eot>', id: 2, prob: 0.5 }, { token: ' a&b', id: 3, prob: 0.25 }] }])] });
    const text = lensTooltip(matrix.cells[0]!, matrix);
    expect(text).toContain('#1 · emb');
    expect(text).toContain('&#60;eot&#62;</span> 50.0 %');
    expect(text).toContain('·a&#38;b</span> 25.0 %');
    expect(text).not.toContain('<eot>');
    expect(escapeHtml('"\'')).toBe('&#34;&#39;');
    expect(showToken('')).toBe('∅');
    expect(showToken('\n')).toBe('↵');
    expect(showToken(' the')).toBe('·the');
  });
});
