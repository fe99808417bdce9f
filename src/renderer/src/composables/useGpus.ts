import { onScopeDispose, ref, type Ref } from 'vue';
import type { GpuSample } from '../../../common/api';
import type { ClientApi } from '../api';

/**
 * The machine's GPUs, kept live by the host's `gpus` topic while the component that asked is
 * mounted: the host reads nvidia-smi once for every view, and sends its last reading at once.
 */
export function useGpus(api: ClientApi): Ref<GpuSample | null> {
  const inventory = ref<GpuSample | null>(null);
  // Errors: the connection banner already says when the host is unreachable.
  const stop = api.subscribe('gpus', {}, (sample) => (inventory.value = sample), { onError: () => undefined });
  onScopeDispose(stop);
  return inventory;
}
