/**
 * A run's GPU figures over time, from the host's GPU readings (the `gpus` topic, i.e. nvidia-smi)
 * while the run holds GPUs. Only the run's own GPUs are kept, over a sliding window,
 * so a week-long run does not grow the page without bound.
 */
import type { GpuInventory } from '../../../common/api';

export interface GpuSample {
  /** Milliseconds since the epoch. */
  t: number;
  memoryUsedMib: number;
  memoryTotalMib: number;
  utilizationPercent: number;
}

export interface GpuTrace {
  /** GPU index → its samples, oldest first. */
  byGpu: Map<number, GpuSample[]>;
  samples: number;
}

/** Twenty minutes of samples at one every two seconds. */
export const GPU_TRACE_WINDOW_MS = 20 * 60 * 1000;

export function emptyGpuTrace(): GpuTrace {
  return { byGpu: new Map(), samples: 0 };
}

/**
 * Adds the run's GPUs from one inventory reading taken at `t`; GPUs the reading lacks are skipped,
 * not zeroed. A reading no newer than the last one kept is skipped too: the host hands its last
 * reading to every new subscription, so a re-subscription (after a reconnect) sees it again.
 */
export function appendGpuSample(trace: GpuTrace, inventory: GpuInventory, gpus: readonly number[], t: number, windowMs = GPU_TRACE_WINDOW_MS): GpuTrace {
  const wanted = new Set(gpus);
  for (const gpu of inventory.gpus) {
    if (!wanted.has(gpu.index)) continue;
    const series = trace.byGpu.get(gpu.index) ?? [];
    if (series.length > 0 && series.at(-1)!.t >= t) continue;
    series.push({ t, memoryUsedMib: gpu.memory_used_mib, memoryTotalMib: gpu.memory_total_mib, utilizationPercent: gpu.utilization_percent });
    const oldest = t - windowMs;
    while (series.length > 0 && series[0]!.t < oldest) series.shift();
    trace.byGpu.set(gpu.index, series);
  }
  trace.samples = [...trace.byGpu.values()].reduce((sum, series) => sum + series.length, 0);
  return trace;
}
