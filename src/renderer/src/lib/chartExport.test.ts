import { describe, expect, it } from 'vitest';
import { optionToSvg } from './chartExport';
import { VALUE_RAMP, valueColor } from './valueScale';

/** ECharts writes fills as rgb(r,g,b). */
const rgb = (hex: string) => `rgb(${[1, 3, 5].map((at) => Number.parseInt(hex.slice(at, at + 2), 16)).join(',')})`;

describe('chart export', () => {
  it('draws a heatmap option as a standalone SVG whose cells carry the value scale', () => {
    const svg = optionToSvg(
      {
        xAxis: { type: 'category', data: ['#1', '#2'] },
        yAxis: { type: 'category', data: ['emb', 'L1'] },
        visualMap: { type: 'continuous', min: 0, max: 1, dimension: 2, inRange: { color: [...VALUE_RAMP.light] } },
        series: [
          {
            type: 'heatmap',
            data: [
              [0, 0, 0],
              [0, 1, 1],
              [1, 0, 0.5],
              [1, 1, 0.25],
            ],
            label: { show: true, formatter: 'tok' },
          },
        ],
      },
      320,
      200,
      '#ffffff',
    );
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('width="320"');
    // The visualMap colours each cell as valueColor does: the graph and the heatmap agree.
    for (const value of [0, 1, 0.5, 0.25]) expect(svg).toContain(`fill="${rgb(valueColor(value, 'light'))}"`);
    expect(svg).toContain('tok');
    expect(svg).toContain('emb');
  });

  it('draws a graph chart (the record graph) and bar grids', () => {
    const svg = optionToSvg(
      {
        title: [{ text: 'thought #1' }],
        grid: [{ left: 60, width: 100 }],
        xAxis: [{ type: 'value', gridIndex: 0, max: 1 }],
        yAxis: [{ type: 'category', gridIndex: 0, data: ['3_7', '<eot>'] }],
        series: [
          { type: 'bar', data: [0.7, 0.2] },
          { type: 'graph', layout: 'none', data: [{ name: 'a', x: 0, y: 0, itemStyle: { color: '#123456' } }, { name: 'b', x: 10, y: 0 }], links: [{ source: 'a', target: 'b' }] },
        ],
      },
      400,
      200,
      '#ffffff',
    );
    expect(svg).toContain('thought #1');
    expect(svg).toContain('&lt;eot&gt;');
    expect(svg).toContain('fill="#123456"');
  });
});
