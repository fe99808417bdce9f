import { onBeforeUnmount, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import type { ClientApi } from '../api';
import { appendGpuSample, emptyGpuTrace, type GpuTrace } from '../lib/gpuTrace';

/** Every two seconds: fine enough to see memory climb through a curriculum stage. */
const SAMPLE_MS = 2000;

/**
 * Samples the GPUs a run holds while `active` is true. `version` ticks on each new sample so a
 * chart can append without watching the (mutable, shallow) trace deeply.
 */
export function useGpuTrace(api: ClientApi, gpus: Ref<readonly number[]>, active: Ref<boolean>): { trace: ShallowRef<GpuTrace>; version: Ref<number> } {
  const trace = shallowRef(emptyGpuTrace());
  const version = ref(0);
  let timer: ReturnType<typeof setInterval> | null = null;

  const sample = () =>
    api.call('system.gpus', {}).then(
      (inventory) => {
        appendGpuSample(trace.value, inventory, gpus.value, Date.now());
        version.value++;
      },
      () => undefined, // the connection banner already reports an unreachable host
    );

  watch(
    () => active.value && gpus.value.length > 0,
    (on) => {
      if (timer) clearInterval(timer);
      timer = null;
      if (!on) return;
      void sample();
      timer = setInterval(() => void sample(), SAMPLE_MS);
    },
    { immediate: true },
  );
  onBeforeUnmount(() => {
    if (timer) clearInterval(timer);
  });
  return { trace, version };
}
