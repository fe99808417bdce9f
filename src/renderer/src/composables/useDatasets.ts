/**
 * The datasets list and the dataset jobs: `datasets.list` once, the `datasetJobs` topic for
 * generation progress, and the list again whenever a job completes (or the link comes back).
 */
import { computed, onScopeDispose, ref, type ComputedRef, type Ref } from 'vue';
import type { DatasetInfo, DatasetJob } from '../../../common/api';
import type { ClientApi } from '../api';

export function useDatasets(api: ClientApi): {
  datasets: Ref<DatasetInfo[]>;
  jobs: ComputedRef<DatasetJob[]>;
  loading: Ref<boolean>;
  error: Ref<string | null>;
  reload: () => Promise<void>;
} {
  const datasets = ref<DatasetInfo[]>([]);
  const byId = ref(new Map<string, DatasetJob>());
  const loading = ref(true);
  const error = ref<string | null>(null);
  // Replies can overtake one another; only the latest call's answer is kept.
  let latest = 0;

  async function reload(): Promise<void> {
    const call = ++latest;
    loading.value = true;
    try {
      const list = await api.call('datasets.list', {});
      if (call !== latest) return;
      datasets.value = list;
      error.value = null;
    } catch (e) {
      if (call === latest) error.value = e instanceof Error ? e.message : String(e);
    } finally {
      if (call === latest) loading.value = false;
    }
  }

  const stop = api.subscribe(
    'datasetJobs',
    {},
    (job) => {
      const before = byId.value.get(job.id);
      const next = new Map(byId.value);
      next.set(job.id, job);
      byId.value = next;
      if (job.status === 'completed' && before?.status !== 'completed') void reload();
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

  return {
    datasets,
    jobs: computed(() => [...byId.value.values()].sort((a, b) => b.started_at.localeCompare(a.started_at))),
    loading,
    error,
    reload,
  };
}
