/** The dataset record of the question shown side by side (`analysis.record`), read when the choice changes. */
import { ref, watch, type Ref } from 'vue';
import type { DatasetRecordView } from '../../../common/api';
import type { ClientApi } from '../api';

export function useCompareRecord(api: ClientApi, runId: Ref<string | null>, index: Ref<number | null>): { record: Ref<DatasetRecordView | null>; error: Ref<string | null>; loading: Ref<boolean> } {
  const record = ref<DatasetRecordView | null>(null);
  const error = ref<string | null>(null);
  const loading = ref(false);
  let latest = 0;

  watch(
    () => [runId.value, index.value] as const,
    async ([id, at]) => {
      const call = ++latest;
      if (id === null || at === null) {
        record.value = null;
        error.value = null;
        loading.value = false;
        return;
      }
      loading.value = true;
      try {
        const found = await api.call('analysis.record', { id, index: at });
        if (call !== latest) return;
        record.value = found;
        error.value = null;
      } catch (e) {
        if (call !== latest) return;
        record.value = null;
        error.value = `Could not read question ${at}: ${e instanceof Error ? e.message : String(e)}`;
      } finally {
        if (call === latest) loading.value = false;
      }
    },
    { immediate: true },
  );
  return { record, error, loading };
}
