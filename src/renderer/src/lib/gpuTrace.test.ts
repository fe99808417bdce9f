import { describe, expect, it } from 'vitest';
import type { GpuInventory } from '../../../common/api';
import { appendGpuSample, emptyGpuTrace } from './gpuTrace';

const reading = (used: [number, number], utilization: [number, number]): GpuInventory => ({
  problem: null,
  gpus: [0, 1].map((index) => ({
    index,
    name: 'GPU',
    memory_total_mib: 81_920,
    memory_used_mib: used[index]!,
    utilization_percent: utilization[index]!,
  })),
});

describe('GPU trace', () => {
  it("keeps only the run's GPUs, in time order", () => {
    const trace = emptyGpuTrace();
    appendGpuSample(trace, reading([1000, 5000], [10, 90]), [1], 1_000);
    appendGpuSample(trace, reading([1100, 6000], [20, 95]), [1], 3_000);
    expect([...trace.byGpu.keys()]).toEqual([1]);
    expect(trace.byGpu.get(1)!.map((s) => [s.t, s.memoryUsedMib, s.utilizationPercent])).toEqual([
      [1_000, 5000, 90],
      [3_000, 6000, 95],
    ]);
    expect(trace.samples).toBe(2);
  });

  it('drops samples older than the window and skips GPUs a reading lacks', () => {
    const trace = emptyGpuTrace();
    appendGpuSample(trace, reading([1, 2], [0, 0]), [0, 1], 0, 10_000);
    appendGpuSample(trace, { problem: 'nvidia-smi failed: timeout', gpus: [] }, [0, 1], 5_000, 10_000);
    appendGpuSample(trace, reading([3, 4], [0, 0]), [0, 1], 12_000, 10_000);
    expect(trace.byGpu.get(0)!.map((s) => s.t)).toEqual([12_000]);
    expect(trace.samples).toBe(2);
  });

  it('skips a reading it already has (the host re-sends its last one to a new subscription)', () => {
    const trace = emptyGpuTrace();
    appendGpuSample(trace, reading([1, 2], [0, 0]), [0], 2_000);
    appendGpuSample(trace, reading([1, 2], [0, 0]), [0], 2_000);
    appendGpuSample(trace, reading([5, 6], [0, 0]), [0], 1_000);
    appendGpuSample(trace, reading([7, 8], [0, 0]), [0], 4_000);
    expect(trace.byGpu.get(0)!.map((s) => [s.t, s.memoryUsedMib])).toEqual([
      [2_000, 1],
      [4_000, 7],
    ]);
    expect(trace.samples).toBe(2);
  });
});
