/**
 * The run's validation questions for the inspector's picker: a page at a time, filtered by a
 * search sent once typing pauses. `highlighted` follows the arrow keys; a record is only
 * inspected once it is picked (Enter or a click), so moving through the list stays cheap.
 */
import { ref, watch, type Ref } from 'vue';
import type { ClientApi } from '../api';
import { usePagedRecords, type PagedRecords } from './usePagedRecords';

export const QUESTIONS_PER_PAGE = 12;

export interface InspectRecords extends PagedRecords {
  /** The validation file the questions come from. */
  path: Ref<string | null>;
}

export function useInspectRecords(api: ClientApi, runId: Ref<string>, options: { searchDelayMs?: number } = {}): InspectRecords {
  const path = ref<string | null>(null);
  const paged = usePagedRecords((request) => api.call('inspect.records', { id: runId.value, ...request }), {
    perPage: QUESTIONS_PER_PAGE,
    searchDelayMs: options.searchDelayMs,
    clearOnError: true,
    onPage: (result) => (path.value = result.path),
  });
  watch(runId, () => paged.reset(), { immediate: true });
  return { ...paged, path };
}
