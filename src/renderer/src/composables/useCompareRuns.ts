/**
 * What the Compare page knows of its chosen runs: every run of the home (for the picker), and for
 * each chosen one its summary, its events (grid and curves) and its analysis (prediction files and
 * path categories). Each run is read once and kept while it stays chosen, so adding a run to the
 * comparison reads only that run; `reload` reads them all again.
 */
import { computed, ref, shallowRef, watch, type ComputedRef, type Ref, type ShallowRef } from 'vue';
import type { RunAnalysis } from '../../../common/analysis';
import type { EngineEvent } from '../../../common/events';
import type { RunSummary } from '../../../common/runs';
import type { ClientApi } from '../api';

export interface ComparedRun {
  id: string;
  /** Null while loading, or when the home has no such run (see `problem`). */
  run: RunSummary | null;
  events: readonly EngineEvent[] | null;
  analysis: RunAnalysis | null;
  /** Why the run or its events could not be read. */
  problem: string | null;
  /** Why its predictions could not be analysed (the analysis' own `problem` included). */
  analysisProblem: string | null;
  loading: boolean;
}

export interface CompareRuns {
  /** Every run of the home, newest first as the host lists them. */
  all: Ref<RunSummary[]>;
  allError: Ref<string | null>;
  /** The chosen runs in the chosen order. */
  chosen: ComputedRef<ComparedRun[]>;
  /** Chosen runs whose summary and events are read (what the grid and curves draw). */
  ready: ComputedRef<Array<ComparedRun & { run: RunSummary; events: readonly EngineEvent[] }>>;
  loading: ComputedRef<boolean>;
  reload: () => Promise<void>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function useCompareRuns(api: ClientApi, ids: Ref<readonly string[]>): CompareRuns {
  const all = ref<RunSummary[]>([]);
  const allError = ref<string | null>(null);
  const listed = ref(false);
  /** Per run id; replaced (not mutated) so the computed lists follow. */
  const cache: ShallowRef<Map<string, ComparedRun>> = shallowRef(new Map());
  /** Which load of each id is current, so a late answer for a dropped or reloaded run is ignored. */
  const generation = new Map<string, number>();

  function put(entry: ComparedRun): void {
    const next = new Map(cache.value);
    next.set(entry.id, entry);
    cache.value = next;
  }

  async function listRuns(): Promise<void> {
    try {
      all.value = await api.call('runs.list', {});
      allError.value = null;
    } catch (e) {
      allError.value = `Could not list the runs: ${message(e)}`;
    } finally {
      listed.value = true;
    }
  }

  async function load(id: string): Promise<void> {
    const mine = (generation.get(id) ?? 0) + 1;
    generation.set(id, mine);
    const current = () => generation.get(id) === mine && ids.value.includes(id);
    put({ id, run: null, events: null, analysis: null, problem: null, analysisProblem: null, loading: true });
    const summary = all.value.find((run) => run.id === id) ?? null;
    if (summary === null) {
      if (current()) put({ id, run: null, events: null, analysis: null, problem: allError.value ?? `There is no run '${id}' in this home.`, analysisProblem: null, loading: false });
      return;
    }
    const [events, analysis] = await Promise.allSettled([api.call('runs.events', { id }), api.call('analysis.run', { id })]);
    if (!current()) return;
    put({
      id,
      run: summary,
      events: events.status === 'fulfilled' ? events.value : null,
      analysis: analysis.status === 'fulfilled' ? analysis.value : null,
      problem: events.status === 'rejected' ? `Could not read the events of '${summary.name}': ${message(events.reason)}` : null,
      analysisProblem:
        analysis.status === 'rejected' ? `Could not analyse '${summary.name}': ${message(analysis.reason)}` : analysis.value.problem === null ? null : `'${summary.name}': ${analysis.value.problem}`,
      loading: false,
    });
  }

  async function reload(): Promise<void> {
    cache.value = new Map();
    await listRuns();
    await Promise.all(ids.value.map((id) => load(id)));
  }

  watch(
    () => [...ids.value],
    async (now) => {
      if (!listed.value) await listRuns();
      // A run the list does not know may have been created since it was read: read it again once.
      if (now.some((id) => !all.value.some((run) => run.id === id) && !cache.value.has(id))) await listRuns();
      for (const id of now) if (!cache.value.has(id)) void load(id);
    },
    { immediate: true },
  );

  const chosen = computed(() =>
    ids.value.map((id) => cache.value.get(id) ?? { id, run: null, events: null, analysis: null, problem: null, analysisProblem: null, loading: true }),
  );
  return {
    all,
    allError,
    chosen,
    ready: computed(() => chosen.value.filter((entry): entry is ComparedRun & { run: RunSummary; events: readonly EngineEvent[] } => entry.run !== null && entry.events !== null)),
    loading: computed(() => !listed.value || chosen.value.some((entry) => entry.loading)),
    reload,
  };
}
