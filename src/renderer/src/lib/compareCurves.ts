/**
 * The chosen runs' curves overlaid: one loss line per run (its stages joined, as its own steps
 * count them) and one accuracy line per run and evaluation series (split, forced k), each run in
 * one colour on both charts so a line can be found again in the other.
 */
import type { EngineEvent } from '../../../common/events';
import type { RunSummary } from '../../../common/runs';
import type { CurvePoint, CurveSeries } from './curves';
import { methodLabel } from './format';
import { RunCurves } from './runCurves';
import { RunTrace } from './runTrace';
import { stageColor, type Scheme } from './stageColors';

export interface CompareCurveInput {
  run: RunSummary;
  events: readonly EngineEvent[];
}

/** Legend names, made unique: method and name, then the id where two runs would read alike. */
export function runLegendNames(runs: readonly RunSummary[]): string[] {
  const base = runs.map((run) => `${methodLabel(run.method)} · ${run.name}`);
  return base.map((name, i) => (base.filter((other) => other === name).length > 1 ? `${name} (${runs[i]?.id})` : name));
}

export function compareCurveSeries(inputs: readonly CompareCurveInput[], scheme: Scheme): { loss: CurveSeries[]; accuracy: CurveSeries[] } {
  const names = runLegendNames(inputs.map((input) => input.run));
  const loss: CurveSeries[] = [];
  const accuracy: CurveSeries[] = [];
  inputs.forEach((input, i) => {
    const trace = new RunTrace();
    for (const event of input.events) trace.apply(event);
    const curves = new RunCurves(trace);
    curves.update();
    const color = stageColor(i, scheme);
    const name = names[i] as string;
    // Stages follow one another in steps: joined they are the run's one loss line.
    const points: CurvePoint[] = curves.loss.flatMap((line) => line.points).sort((a, b) => a.step - b.step);
    if (points.length > 0) loss.push({ name, color, points });
    const lines = [...curves.accuracy.entries()];
    lines.forEach(([split, accuracyPoints], j) => {
      // A run's first evaluation series is solid, others (a forced k, another split) dashed in its colour.
      accuracy.push({ name: lines.length > 1 ? `${name} · ${split}` : name, color, points: accuracyPoints, dashed: j > 0 });
    });
  });
  return { loss, accuracy };
}
