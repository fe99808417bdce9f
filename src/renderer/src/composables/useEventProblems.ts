/**
 * The lines of a run's events.jsonl the host skipped (`runs.eventProblems`), asked again whenever
 * `refresh` changes (the run's status or epoch). A failed call shows nothing: the page already
 * says when the run itself cannot be read.
 */
import { ref, watch, type Ref } from 'vue';
import type { EventLogReport } from '../../../common/runs';
import type { ClientApi } from '../api';

export function useEventProblems(api: ClientApi, runId: Ref<string>, refresh: Ref<unknown>): Ref<EventLogReport | null> {
  const report = ref<EventLogReport | null>(null);
  let latest = 0;

  async function load(): Promise<void> {
    const call = ++latest;
    try {
      const answer = await api.call('runs.eventProblems', { id: runId.value });
      if (call === latest) report.value = answer;
    } catch {
      if (call === latest) report.value = null;
    }
  }

  watch(runId, () => (report.value = null));
  watch([runId, refresh], () => void load(), { immediate: true });
  return report;
}
