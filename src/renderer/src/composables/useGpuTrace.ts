import { onScopeDispose, ref, shallowRef, watch, type Ref, type ShallowRef } from 'vue';
import type { ClientApi } from '../api';
import { appendGpuSample, emptyGpuTrace, type GpuTrace } from '../lib/gpuTrace';

/**
 * Charts the GPUs a run holds from the host's GPU readings (the `gpus` topic, one every two
 * seconds) while `active` is true, subscribing only then. `version` ticks on each new reading so
 * a chart can append without watching the (mutable, shallow) trace deeply.
 */
export function useGpuTrace(api: ClientApi, gpus: Ref<readonly number[]>, active: Ref<boolean>): { trace: ShallowRef<GpuTrace>; version: Ref<number> } {
  const trace = shallowRef(emptyGpuTrace());
  const version = ref(0);
  let stop: (() => void) | null = null;
  let lastAt = -Infinity;

  const unsubscribe = () => {
    stop?.();
    stop = null;
  };

  watch(
    () => active.value && gpus.value.length > 0,
    (on) => {
      unsubscribe();
      if (!on) return;
      stop = api.subscribe(
        'gpus',
        {},
        (sample) => {
          // The reading's own time: every view shows the same reading at the same place.
          const at = Date.parse(sample.sampled_at);
          if (!(at > lastAt)) return; // the host's last reading again, sent to a re-subscription
          lastAt = at;
          appendGpuSample(trace.value, sample, gpus.value, at);
          version.value++;
        },
        { onError: () => undefined }, // the connection banner already reports an unreachable host
      );
    },
    { immediate: true },
  );
  onScopeDispose(unsubscribe);
  return { trace, version };
}
