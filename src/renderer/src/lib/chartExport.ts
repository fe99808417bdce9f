/**
 * Saving a chart as PNG or SVG, and any text (an inspection's JSON) as a file. The charts draw on
 * a canvas; their SVG is drawn again from the same option by ECharts' server-side SVG renderer,
 * so the file is true vector output rather than an embedded bitmap.
 */
import { echarts, type ECharts, type EChartsOption } from './echarts';

/** PNG at twice the screen's resolution, on an opaque background (a transparent one reads badly in slides). */
export function chartPng(chart: ECharts, background: string): string {
  return chart.getDataURL({ type: 'png', pixelRatio: 2, backgroundColor: background });
}

/** The chart as an SVG document, at its size on screen. */
export function chartSvg(chart: ECharts, background: string): string {
  return optionToSvg(chart.getOption() as EChartsOption, chart.getWidth(), chart.getHeight(), background);
}

export function optionToSvg(option: EChartsOption, width: number, height: number, background: string): string {
  const offscreen = echarts.init(null, null, { renderer: 'svg', ssr: true, width: Math.max(1, width), height: Math.max(1, height) });
  try {
    offscreen.setOption({ ...option, animation: false, backgroundColor: background });
    return offscreen.renderToSVGString();
  } finally {
    offscreen.dispose();
  }
}

/** Starts a download of `url` (a data: or blob: URL) as `fileName`. */
export function downloadUrl(url: string, fileName: string): void {
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.rel = 'noopener';
  document.body.appendChild(link);
  link.click();
  link.remove();
}

/** Starts a download of `text` through a Blob (large JSON does not fit a data: URL everywhere). */
export function downloadText(text: string, type: string, fileName: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  downloadUrl(url, fileName);
  // The click has handed the blob to the download; keep the URL a moment for slow browsers.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
