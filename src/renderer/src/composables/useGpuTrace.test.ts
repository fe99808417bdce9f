import { describe, expect, it } from 'vitest';
import { effectScope, nextTick, ref } from 'vue';
import type { GpuSample } from '../../../common/api';
import { fakeApi } from './fakeApi.test-helper';
import { useGpuTrace } from './useGpuTrace';
import { useGpus } from './useGpus';

const sample = (second: number, used: number): GpuSample => ({
  problem: null,
  sampled_at: new Date(Date.UTC(2026, 11, 2, 0, 0, second)).toISOString(),
  gpus: [0, 1].map((index) => ({ index, name: 'GPU', memory_total_mib: 81_920, memory_used_mib: used + index, utilization_percent: 50 })),
});

describe('useGpuTrace', () => {
  it('subscribes to the host’s GPU readings only while the run is active and holds GPUs', async () => {
    const api = fakeApi({});
    const active = ref(false);
    const gpus = ref<number[]>([1]);
    const scope = effectScope();
    const { trace, version } = scope.run(() => useGpuTrace(api, gpus, active))!;
    expect(api.subs).toHaveLength(0);

    active.value = true;
    await nextTick();
    expect(api.subs.map((sub) => sub.topic)).toEqual(['gpus']);
    const sub = api.subs[0]!;
    sub.push(sample(2, 1000));
    sub.push(sample(4, 2000));
    sub.push(sample(4, 2000)); // the last reading again, as after a reconnect
    expect(version.value).toBe(2);
    expect(trace.value.byGpu.get(1)!.map((s) => [s.t, s.memoryUsedMib])).toEqual([
      [Date.UTC(2026, 11, 2, 0, 0, 2), 1001],
      [Date.UTC(2026, 11, 2, 0, 0, 4), 2001],
    ]);
    expect(trace.value.byGpu.has(0)).toBe(false);

    active.value = false;
    await nextTick();
    expect(sub.closed).toBe(true);
    active.value = true;
    await nextTick();
    expect(api.subs).toHaveLength(2);
    scope.stop();
    expect(api.subs[1]!.closed).toBe(true);
  });

  it('does not subscribe for a run without GPUs', async () => {
    const api = fakeApi({});
    const scope = effectScope();
    scope.run(() => useGpuTrace(api, ref([]), ref(true)));
    await nextTick();
    expect(api.subs).toHaveLength(0);
    scope.stop();
  });
});

describe('useGpus', () => {
  it('shows the latest reading and ends its subscription with the component', () => {
    const api = fakeApi({});
    const scope = effectScope();
    const inventory = scope.run(() => useGpus(api))!;
    expect(inventory.value).toBeNull();
    api.subs[0]!.push(sample(2, 10));
    api.subs[0]!.push(sample(4, 20));
    expect(inventory.value?.gpus[0]?.memory_used_mib).toBe(20);
    scope.stop();
    expect(api.subs[0]!.closed).toBe(true);
  });
});
