import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GpuInventory, GpuSample } from '../../common/api.js';
import { GpuSampler } from './gpuSampler.js';
import { NVIDIA_SMI_MISSING } from './inventory.js';

const INTERVAL = 2000;

/** A stand-in for nvidia-smi that counts its readings; each reading's memory is its number. */
function countingSample(): { sample: () => Promise<GpuInventory>; readings: () => number } {
  let readings = 0;
  return {
    sample: () => {
      readings++;
      return Promise.resolve({ gpus: [{ index: 0, name: 'Stand-in', memory_total_mib: 1000, memory_used_mib: readings, utilization_percent: 5 }], problem: null });
    },
    readings: () => readings,
  };
}

const memory = (samples: GpuSample[]) => samples.map((sample) => sample.gpus[0]?.memory_used_mib);

describe('GpuSampler', () => {
  beforeEach(() => vi.useFakeTimers({ now: new Date('2026-12-02T00:00:00Z') }));
  afterEach(() => vi.useRealTimers());

  it('samples nothing until someone subscribes', async () => {
    const fake = countingSample();
    new GpuSampler({ sample: fake.sample, intervalMs: INTERVAL });
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(fake.readings()).toBe(0);
  });

  it('takes one reading per interval however many subscribe, and every subscriber gets each one', async () => {
    const fake = countingSample();
    const sampler = new GpuSampler({ sample: fake.sample, intervalMs: INTERVAL });
    const seen: GpuSample[][] = [[], [], []];
    const stops = seen.map((list) => sampler.subscribe((sample) => list.push(sample)));
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.readings()).toBe(1);
    await vi.advanceTimersByTimeAsync(5 * INTERVAL);
    expect(fake.readings()).toBe(6);
    for (const list of seen) expect(memory(list)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen[0]![1]!.sampled_at).toBe('2026-12-02T00:00:02.000Z');
    for (const stop of stops) stop();
  });

  it('gives a late subscriber the last reading at once without sampling again', async () => {
    const fake = countingSample();
    const sampler = new GpuSampler({ sample: fake.sample, intervalMs: INTERVAL });
    const stopFirst = sampler.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(INTERVAL / 2);
    const late: GpuSample[] = [];
    const stopLate = sampler.subscribe((sample) => late.push(sample));
    expect(memory(late)).toEqual([1]);
    await vi.advanceTimersByTimeAsync(INTERVAL / 2 - 1);
    expect(fake.readings()).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(memory(late)).toEqual([1, 2]);
    stopFirst();
    stopLate();
  });

  it('stops when the last subscriber leaves, and a quick return waits out the interval', async () => {
    const fake = countingSample();
    const sampler = new GpuSampler({ sample: fake.sample, intervalMs: INTERVAL });
    const stopA = sampler.subscribe(() => {});
    const stopB = sampler.subscribe(() => {});
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(fake.readings()).toBe(2);
    stopA();
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(fake.readings()).toBe(3); // one subscriber is still there
    stopB();
    stopB(); // twice is harmless
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(fake.readings()).toBe(3);
    expect(sampler.latest()?.gpus[0]?.memory_used_mib).toBe(3);

    // Leaving and coming back at once must not add a reading: the next is one interval after the last.
    const again: GpuSample[] = [];
    const stopAgain = sampler.subscribe((sample) => again.push(sample));
    await vi.advanceTimersByTimeAsync(0);
    expect(fake.readings()).toBe(4); // the cached reading was 10 intervals old
    stopAgain();
    const stopQuick = sampler.subscribe((sample) => again.push(sample));
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(fake.readings()).toBe(4);
    await vi.advanceTimersByTimeAsync(1);
    expect(fake.readings()).toBe(5);
    expect(memory(again)).toEqual([3, 4, 4, 5]);
    stopQuick();
  });

  it('reports a machine without nvidia-smi once and never samples again', async () => {
    let readings = 0;
    const sampler = new GpuSampler({
      sample: () => {
        readings++;
        return Promise.resolve({ gpus: [], problem: NVIDIA_SMI_MISSING });
      },
      intervalMs: INTERVAL,
    });
    const seen: GpuSample[] = [];
    const stop = sampler.subscribe((sample) => seen.push(sample));
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(readings).toBe(1);
    expect(seen.map((sample) => sample.problem)).toEqual([NVIDIA_SMI_MISSING]);
    stop();
    const later: GpuSample[] = [];
    sampler.subscribe((sample) => later.push(sample));
    await vi.advanceTimersByTimeAsync(10 * INTERVAL);
    expect(await sampler.read()).toMatchObject({ problem: NVIDIA_SMI_MISSING });
    expect(readings).toBe(1);
    expect(later.map((sample) => sample.problem)).toEqual([NVIDIA_SMI_MISSING]);
  });

  it('keeps sampling after a failed reading (a driver hiccup), which it reports as the problem', async () => {
    let readings = 0;
    const sampler = new GpuSampler({
      sample: () => {
        readings++;
        return readings === 1 ? Promise.reject(new Error('spawn EAGAIN')) : Promise.resolve({ gpus: [], problem: 'nvidia-smi failed: driver busy' });
      },
      intervalMs: INTERVAL,
    });
    const seen: GpuSample[] = [];
    const stop = sampler.subscribe((sample) => seen.push(sample));
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(seen.map((sample) => sample.problem)).toEqual(['reading the GPUs failed: spawn EAGAIN', 'nvidia-smi failed: driver busy']);
    stop();
  });

  it('never overlaps readings: a slow nvidia-smi delays the next one instead of stacking them', async () => {
    let readings = 0;
    let running = 0;
    let most = 0;
    const sampler = new GpuSampler({
      sample: async () => {
        readings++;
        most = Math.max(most, ++running);
        await new Promise((resolve) => setTimeout(resolve, 3 * INTERVAL));
        running--;
        return { gpus: [], problem: 'nvidia-smi failed: slow' };
      },
      intervalMs: INTERVAL,
    });
    const stop = sampler.subscribe(() => {});
    const oneShot = sampler.read(); // shares the reading under way
    await vi.advanceTimersByTimeAsync(6 * INTERVAL);
    await oneShot;
    expect(most).toBe(1);
    expect(readings).toBe(2);
    stop();
  });

  it('answers a one-shot read from a fresh reading and samples when it is stale', async () => {
    const fake = countingSample();
    const sampler = new GpuSampler({ sample: fake.sample, intervalMs: INTERVAL });
    expect(memory([await sampler.read()])).toEqual([1]);
    await vi.advanceTimersByTimeAsync(INTERVAL - 1);
    expect(memory([await sampler.read()])).toEqual([1]);
    await vi.advanceTimersByTimeAsync(1);
    expect(memory([await sampler.read()])).toEqual([2]);
    expect(fake.readings()).toBe(2);
  });

  it('keeps delivering to the others when one subscriber throws', async () => {
    const fake = countingSample();
    const sampler = new GpuSampler({ sample: fake.sample, intervalMs: INTERVAL });
    const seen: GpuSample[] = [];
    const stopBad = sampler.subscribe(() => {
      throw new Error('socket closed');
    });
    const stopGood = sampler.subscribe((sample) => seen.push(sample));
    await vi.advanceTimersByTimeAsync(INTERVAL);
    expect(memory(seen)).toEqual([1, 2]);
    stopBad();
    stopGood();
  });
});
