/**
 * Whether a run has a checkpoint the thought inspector can open (for the run page's Inspect
 * button), asked again whenever `refresh` changes (an epoch ended, the run finished).
 */
import { ref, watch, type Ref } from 'vue';
import type { ClientApi } from '../api';

export function useInspectable(api: ClientApi, runId: Ref<string>, refresh: Ref<unknown>): { available: Ref<boolean>; reason: Ref<string | null> } {
  const available = ref(false);
  const reason = ref<string | null>(null);
  let latest = 0;

  async function check(): Promise<void> {
    const call = ++latest;
    try {
      const targets = await api.call('inspect.targets', { id: runId.value });
      if (call !== latest) return;
      available.value = targets.problem === null && targets.checkpoints.length > 0;
      reason.value = targets.problem ?? (targets.checkpoints.length === 0 ? 'No checkpoint yet.' : null);
    } catch (e) {
      if (call !== latest) return;
      available.value = false;
      reason.value = e instanceof Error ? e.message : String(e);
    }
  }

  watch([runId, refresh], () => void check(), { immediate: true });
  return { available, reason };
}
