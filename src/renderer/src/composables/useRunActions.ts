/**
 * Actions on a run: clone it, re-run it with another seed, resume it from a checkpoint (each
 * opens the new-run form with the prepared config, to review before creating), or delete it.
 *
 * The prepared config reaches the form through `takeNewRunPrefill`, in memory: the form takes it
 * once when it opens, and a reload of the form starts from the template again.
 */
import { ref, type Ref } from 'vue';
import { ApiError } from '../../../common/api';
import type { RunSummary } from '../../../common/runs';
import type { ClientApi } from '../api';
import type { CheckpointChoice } from '../lib/checkpointChoice';
import { cloneConfig, nameStem, reseedConfig, resumeConfig } from '../lib/configEdit';
import { useHashRoute } from './useHashRoute';

export type RunAction = 'clone' | 'seed' | 'resume';

export interface NewRunPrefill {
  action: RunAction;
  source: { id: string; name: string };
  yaml: string;
  /** What differs from the source run, in a sentence (the form shows it). */
  summary: string;
  /** What the user still has to see to, or null. */
  note: string | null;
}

let pending: NewRunPrefill | null = null;

/** The config an action prepared for the form, once; null when the form opens on its own. */
export function takeNewRunPrefill(): NewRunPrefill | null {
  const prefill = pending;
  pending = null;
  return prefill;
}

function messageOf(error: unknown): string {
  return error instanceof ApiError || error instanceof Error ? error.message : String(error);
}

/**
 * The form's config for an action on `run`, from the config it ran with. `runs` (every run,
 * for names and seeds already taken) is listed when not given.
 */
export async function prepareRunAction(
  api: ClientApi,
  run: RunSummary,
  action: RunAction,
  options: { runs?: readonly RunSummary[]; checkpoint?: CheckpointChoice } = {},
): Promise<NewRunPrefill> {
  const [{ config_yaml }, runs] = await Promise.all([
    api.call('runs.get', { id: run.id }),
    options.runs ? Promise.resolve(options.runs) : api.call('runs.list', {}),
  ]);
  const names = runs.map((r) => r.name);
  const source = { id: run.id, name: run.name };
  switch (action) {
    case 'clone': {
      const { yaml, name } = cloneConfig(config_yaml, names);
      return { action, source, yaml, summary: `Clone of ${run.name}: the same config, named ${name}.`, note: null };
    }
    case 'seed': {
      // Seeds of the same experiment (the name without the suffixes these actions add) are taken.
      const stem = nameStem(run.name);
      const usedSeeds = runs.filter((r) => nameStem(r.name) === stem).map((r) => r.seed);
      const { yaml, name, seed, previousSeed } = reseedConfig(config_yaml, { takenNames: names, usedSeeds });
      return {
        action,
        source,
        yaml,
        summary: `Re-run of ${run.name} with seed ${seed} (it had ${previousSeed}), named ${name}; nothing else changed.`,
        note: null,
      };
    }
    case 'resume': {
      const checkpoint = options.checkpoint;
      if (!checkpoint) throw new Error('choose a checkpoint to resume from');
      const { yaml, name, note } = resumeConfig(config_yaml, checkpoint, names);
      const skip = checkpoint.epoch === null ? '' : ` and resume ${checkpoint.epoch} skips the epochs it completed`;
      return {
        action,
        source,
        yaml,
        summary: `Resumes ${run.name} from ${checkpoint.label}: load_model_path is that checkpoint${skip}; named ${name}.`,
        note,
      };
    }
  }
}

export interface RunActions {
  /** The action being prepared (or the delete in flight), for disabling buttons. */
  busy: Ref<RunAction | 'delete' | null>;
  /** Why the last action failed, in words; null otherwise. */
  error: Ref<string | null>;
  /** Prepares the config and opens the new-run form with it. */
  openInForm: (run: RunSummary, action: RunAction, options?: { runs?: readonly RunSummary[]; checkpoint?: CheckpointChoice }) => Promise<boolean>;
  /** `runs.delete`; false (with `error` set to the host's reason) when refused. */
  remove: (run: RunSummary) => Promise<boolean>;
}

const VERBS: Record<RunAction, string> = { clone: 'clone', seed: 're-run', resume: 'resume' };

export function useRunActions(api: ClientApi): RunActions {
  const { navigate } = useHashRoute();
  const busy = ref<RunAction | 'delete' | null>(null);
  const error = ref<string | null>(null);

  async function openInForm(run: RunSummary, action: RunAction, options: { runs?: readonly RunSummary[]; checkpoint?: CheckpointChoice } = {}): Promise<boolean> {
    if (busy.value) return false;
    busy.value = action;
    error.value = null;
    try {
      pending = await prepareRunAction(api, run, action, options);
      navigate({ name: 'new' });
      return true;
    } catch (e) {
      error.value = `Could not ${VERBS[action]} ${run.name}: ${messageOf(e)}`;
      return false;
    } finally {
      busy.value = null;
    }
  }

  async function remove(run: RunSummary): Promise<boolean> {
    if (busy.value) return false;
    busy.value = 'delete';
    error.value = null;
    try {
      await api.call('runs.delete', { id: run.id });
      return true;
    } catch (e) {
      // A running or queued run comes back as `conflict` with the host's reason: show it as is.
      error.value = messageOf(e);
      return false;
    } finally {
      busy.value = null;
    }
  }

  return { busy, error, openInForm, remove };
}
