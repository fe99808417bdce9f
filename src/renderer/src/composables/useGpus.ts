import { onBeforeUnmount, ref, type Ref } from 'vue';
import type { GpuInventory } from '../../../common/api';
import type { ClientApi } from '../api';

/** How often the GPU figures refresh: often enough to see a job take memory, cheap for nvidia-smi. */
const REFRESH_MS = 10_000;

/** The machine's GPUs, refreshed while the component that asked is mounted. */
export function useGpus(api: ClientApi): Ref<GpuInventory | null> {
  const inventory = ref<GpuInventory | null>(null);
  const load = () =>
    api.call('system.gpus', {}).then(
      (value) => (inventory.value = value),
      () => undefined, // the connection banner already says when the host is unreachable
    );
  void load();
  const timer = setInterval(() => void load(), REFRESH_MS);
  onBeforeUnmount(() => clearInterval(timer));
  return inventory;
}
