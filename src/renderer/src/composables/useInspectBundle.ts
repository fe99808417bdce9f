/**
 * What the inspector can open for one run: its checkpoints (`inspect.targets`), the chosen one's
 * exported bundle, and exports in progress (the `exportJobs` topic). A checkpoint without a bundle
 * (or with a stale one) is exported once on its own the first time it is chosen; after that only
 * the Export button starts one, so a failing export is shown rather than retried in a loop.
 */
import { computed, onScopeDispose, ref, watch, type ComputedRef, type Ref } from 'vue';
import type { ExportJob, InspectTargets } from '../../../common/inspector';
import { hasPauseTokens } from '../../../common/methods';
import type { ClientApi } from '../api';
import type { ThoughtLimits } from './useInspection';
import { bundleOf, checkpointChoice } from '../lib/inspectRequest';

/**
 * `loading`: targets not read yet; `unavailable`: nothing to inspect (see `problem`); `missing`: no
 * bundle; `stale`: the checkpoint changed since its bundle was written (the host refuses to
 * inspect it until it is exported again); `exporting`; `failed`: the latest export failed; `ready`.
 */
export type BundleState = 'loading' | 'unavailable' | 'missing' | 'stale' | 'exporting' | 'failed' | 'ready';

export interface CheckpointOption {
  value: string;
  label: string;
  epoch: number | null;
  exported: boolean;
}

export interface InspectBundle {
  targets: Ref<InspectTargets | null>;
  /** Why the targets could not be read (the call failed), or why nothing can be inspected. */
  problem: ComputedRef<string | null>;
  checkpoint: Ref<string | null>;
  options: ComputedRef<CheckpointOption[]>;
  bundle: ComputedRef<InspectTargets['bundles'][number] | null>;
  /** The latest export of the chosen checkpoint seen on the topic (or started here). */
  job: ComputedRef<ExportJob | null>;
  state: ComputedRef<BundleState>;
  /** Whether `inspect.run` can be asked now (a bundle matches the checkpoint and is not being rewritten). */
  usable: ComputedRef<boolean>;
  /** Why the export failed: the job's error, or the refusal of `inspect.export` itself. */
  exportError: ComputedRef<string | null>;
  /** The thought counts the bundle's model can be asked for (the inspection's k slider), once a bundle is open. */
  limits: ComputedRef<ThoughtLimits | null>;
  startExport: () => Promise<void>;
  reload: () => Promise<void>;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export function useInspectBundle(api: ClientApi, runId: Ref<string>, options: { autoExport?: boolean } = {}): InspectBundle {
  const targets = ref<InspectTargets | null>(null);
  const loadError = ref<string | null>(null);
  const startError = ref<string | null>(null);
  const checkpoint = ref<string | null>(null);
  const jobs = ref(new Map<string, ExportJob>());
  /** Checkpoints exported on their own already during this visit. */
  const autoStarted = new Set<string>();
  let latest = 0;

  async function reload(): Promise<void> {
    const call = ++latest;
    try {
      const result = await api.call('inspect.targets', { id: runId.value });
      if (call !== latest) return;
      targets.value = result;
      loadError.value = null;
      const values = result.checkpoints.map(checkpointChoice);
      if (checkpoint.value === null || !values.includes(checkpoint.value)) checkpoint.value = values.includes('best') ? 'best' : (values[0] ?? null);
    } catch (e) {
      if (call === latest) loadError.value = message(e);
    }
  }

  const stop = api.subscribe(
    'exportJobs',
    {},
    (job) => {
      if (job.run_id !== runId.value) return;
      const before = jobs.value.get(job.id);
      const next = new Map(jobs.value);
      next.set(job.id, job);
      jobs.value = next;
      // A finished export changes the bundles (and a stale one is fresh again).
      if (job.status === 'completed' && before?.status !== 'completed') void reload();
    },
    { onResubscribed: () => void reload() },
  );
  onScopeDispose(stop);

  const options_ = computed<CheckpointOption[]>(() =>
    (targets.value?.checkpoints ?? []).map((candidate) => {
      const value = checkpointChoice(candidate);
      return { value, label: candidate.label, epoch: candidate.epoch, exported: bundleOf(targets.value, value) !== null };
    }),
  );
  const bundle = computed(() => bundleOf(targets.value, checkpoint.value));
  const job = computed(() => {
    const mine = [...jobs.value.values()].filter((candidate) => candidate.checkpoint === checkpoint.value);
    return mine.sort((a, b) => b.started_at.localeCompare(a.started_at))[0] ?? null;
  });

  const state = computed<BundleState>(() => {
    if (targets.value === null) return 'loading';
    if (targets.value.problem !== null || checkpoint.value === null) return 'unavailable';
    if (job.value?.status === 'running') return 'exporting';
    // A failure after the bundle we have (or with none at all) is what the user needs to see.
    if (job.value?.status === 'failed' && (bundle.value === null || bundle.value.stale)) return 'failed';
    if (startError.value !== null && (bundle.value === null || bundle.value.stale)) return 'failed';
    if (bundle.value === null) return 'missing';
    return bundle.value.stale ? 'stale' : 'ready';
  });

  async function startExport(): Promise<void> {
    const chosen = checkpoint.value;
    if (chosen === null) return;
    startError.value = null;
    try {
      const started = await api.call('inspect.export', { id: runId.value, checkpoint: chosen });
      const next = new Map(jobs.value);
      // The topic may already have brought a newer state of this job; keep that one.
      if (!next.has(started.id)) next.set(started.id, started);
      jobs.value = next;
    } catch (e) {
      startError.value = message(e);
    }
  }

  watch(state, (now) => {
    if (options.autoExport === false || checkpoint.value === null) return;
    if ((now === 'missing' || now === 'stale') && !autoStarted.has(checkpoint.value)) {
      autoStarted.add(checkpoint.value);
      void startExport();
    }
  });
  watch(checkpoint, () => {
    startError.value = null;
  });
  watch(
    runId,
    () => {
      targets.value = null;
      checkpoint.value = null;
      jobs.value = new Map();
      void reload();
    },
    { immediate: true },
  );

  return {
    targets,
    problem: computed(() => (targets.value ? targets.value.problem : loadError.value)),
    checkpoint,
    options: options_,
    bundle,
    job,
    state,
    usable: computed(() => state.value === 'ready'),
    exportError: computed(() => {
      if (state.value !== 'failed') return null;
      return startError.value ?? job.value?.error ?? 'The export failed.';
    }),
    limits: computed(() => {
      const open = bundle.value;
      if (!open) return null;
      // A pause-token model always reads all its pause tokens (max_thoughts): k cannot move.
      const fixed = hasPauseTokens(targets.value?.method);
      return { default: fixed ? open.max_thoughts : open.default_thoughts, max: open.max_thoughts, min: fixed ? open.max_thoughts : 0 };
    }),
    startExport,
    reload,
  };
}
