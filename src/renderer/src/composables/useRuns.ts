/** The runs list: `runs.list` once, then kept live by the `runs` topic (re-listed after a reconnect). */
import { computed, onScopeDispose, ref, type ComputedRef, type Ref } from 'vue';
import type { RunSummary } from '../../../common/runs';
import type { ClientApi } from '../api';

export function sortRuns(runs: Iterable<RunSummary>): RunSummary[] {
  return [...runs].sort((a, b) => b.created_at.localeCompare(a.created_at) || a.name.localeCompare(b.name));
}

export function useRuns(api: ClientApi): {
  runs: ComputedRef<RunSummary[]>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  reload: () => Promise<void>;
} {
  const byId = ref(new Map<string, RunSummary>());
  const loading = ref(true);
  const error = ref<string | null>(null);
  // Updates that arrive while a list call is in flight must win over its (older) answer.
  let pending: Map<string, RunSummary> | null = null;

  async function reload(): Promise<void> {
    loading.value = true;
    pending = new Map();
    try {
      const list = await api.call('runs.list', {});
      const next = new Map(list.map((r) => [r.id, r]));
      for (const [id, run] of pending) next.set(id, run);
      byId.value = next;
      error.value = null;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
    } finally {
      pending = null;
      loading.value = false;
    }
  }

  const stop = api.subscribe(
    'runs',
    {},
    (run) => {
      pending?.set(run.id, run);
      const next = new Map(byId.value);
      next.set(run.id, run);
      byId.value = next;
    },
    {
      onResubscribed: () => void reload(),
      onError: (e) => {
        error.value = e.message;
      },
    },
  );
  onScopeDispose(stop);
  void reload();

  return { runs: computed(() => sortRuns(byId.value.values())), loading, error, reload };
}
