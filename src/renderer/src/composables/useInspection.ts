/**
 * One inspection that follows its inputs: the record, the checkpoint and the thought count k.
 * Every change asks `inspect.run` again after a short pause (dragging the k slider or typing a
 * question sends one request per pause, not one per step), and a reply that arrives after a newer
 * request was sent is dropped, so the page always shows the latest inputs' answer. A failed call
 * leaves the last inspection on the page (marked as not current) beside the error.
 */
import { computed, onScopeDispose, ref, watch, type ComputedRef, type Ref } from 'vue';
import { ApiError, type ApiErrorCode } from '../../../common/api';
import { MAX_INSPECT_THOUGHTS, type InspectRecord, type Inspection } from '../../../common/inspector';
import type { ClientApi } from '../api';

export interface ThoughtLimits {
  /** The checkpoint's last stage's thoughts: where k starts. */
  default: number;
  max: number;
  /** A pause-token model reads all its pause tokens: min = max there. 0 when absent. */
  min?: number;
}

export interface InspectionError {
  code: ApiErrorCode | null;
  message: string;
}

export interface LiveInspection {
  inspection: Ref<Inspection | null>;
  error: Ref<InspectionError | null>;
  /** A request is waiting for its pause or its reply. */
  loading: Ref<boolean>;
  /** The inspection shown answers the current inputs (false while a newer one is pending or failed). */
  current: ComputedRef<boolean>;
  /** k: thoughts before `<eot>`; null until the bundle's limits are known. */
  thoughts: Ref<number | null>;
  minThoughts: ComputedRef<number>;
  maxThoughts: ComputedRef<number>;
  setThoughts: (k: number) => void;
  refresh: () => void;
}

export interface InspectionInputs {
  runId: Ref<string>;
  checkpoint: Ref<string | null>;
  record: Ref<InspectRecord | null>;
  /** The open bundle's thought counts; null (no bundle) holds every request back. */
  limits: Ref<ThoughtLimits | null>;
  /** False while the bundle cannot answer (being exported). */
  enabled: Ref<boolean>;
}

/** Top tokens asked per thought and lens cell. */
export const TOP_TOKENS = 10;

const errorOf = (e: unknown): InspectionError =>
  e instanceof ApiError ? { code: e.code, message: e.message } : { code: null, message: e instanceof Error ? e.message : String(e) };

export function clampThoughts(k: number, limits: ThoughtLimits): number {
  const max = Math.min(MAX_INSPECT_THOUGHTS, limits.max);
  const min = Math.min(max, limits.min ?? 0);
  return Math.min(max, Math.max(min, Math.round(Number.isFinite(k) ? k : limits.default)));
}

export function useInspection(api: ClientApi, inputs: InspectionInputs, options: { delayMs?: number } = {}): LiveInspection {
  const inspection = ref<Inspection | null>(null);
  const error = ref<InspectionError | null>(null);
  const loading = ref(false);
  const thoughts = ref<number | null>(null);
  /** The request behind what is shown, as JSON (to skip asking the same thing twice). */
  const shownKey = ref<string | null>(null);
  const wantedKey = ref<string | null>(null);
  /** The request waiting for its pause or its reply. */
  let pendingKey: string | null = null;
  let latest = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const maxThoughts = computed(() => (inputs.limits.value ? Math.min(MAX_INSPECT_THOUGHTS, inputs.limits.value.max) : 0));

  function request() {
    const record = inputs.record.value;
    const checkpoint = inputs.checkpoint.value;
    if (record === null || checkpoint === null || thoughts.value === null || inputs.limits.value === null || !inputs.enabled.value) return null;
    return { id: inputs.runId.value, checkpoint, record, thoughts: thoughts.value, top: TOP_TOKENS, cache: true };
  }

  function cancelPending(): void {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  }

  async function send(body: NonNullable<ReturnType<typeof request>>, key: string): Promise<void> {
    const call = ++latest;
    pendingKey = key;
    try {
      const result = await api.call('inspect.run', body);
      if (call !== latest) return;
      inspection.value = result;
      shownKey.value = key;
      error.value = null;
    } catch (e) {
      if (call === latest) error.value = errorOf(e);
    } finally {
      if (call === latest) {
        loading.value = false;
        pendingKey = null;
      }
    }
  }

  function schedule(force = false): void {
    const body = request();
    if (body === null) {
      // Nothing to ask: forget the pending request, and drop any reply still on its way.
      cancelPending();
      pendingKey = null;
      latest++;
      wantedKey.value = null;
      loading.value = false;
      if (inputs.record.value === null) {
        inspection.value = null;
        shownKey.value = null;
        error.value = null;
      }
      return;
    }
    const key = JSON.stringify(body);
    // The same request again (an input recomputed to an equal value) is already on its way.
    if (!force && key === pendingKey) return;
    cancelPending();
    pendingKey = null;
    wantedKey.value = key;
    if (!force && key === shownKey.value && error.value === null) {
      latest++;
      loading.value = false;
      return;
    }
    loading.value = true;
    pendingKey = key;
    latest++;
    timer = setTimeout(() => {
      timer = null;
      void send(body, key);
    }, options.delayMs ?? 90);
  }

  // k starts at the checkpoint's default on every new checkpoint or bundle, and stays in range.
  watch(
    () => [inputs.checkpoint.value, inputs.limits.value?.default, inputs.limits.value?.max, inputs.limits.value?.min] as const,
    ([checkpoint], previous) => {
      const limits = inputs.limits.value;
      if (limits === null) return;
      const checkpointChanged = previous !== undefined && previous[0] !== checkpoint;
      thoughts.value = thoughts.value === null || checkpointChanged ? clampThoughts(limits.default, limits) : clampThoughts(thoughts.value, limits);
    },
    { immediate: true },
  );
  watch(
    () => [inputs.runId.value, inputs.checkpoint.value, inputs.record.value, thoughts.value, inputs.limits.value, inputs.enabled.value] as const,
    () => schedule(),
    { immediate: true, deep: true },
  );
  onScopeDispose(cancelPending);

  return {
    inspection,
    error,
    loading,
    current: computed(() => shownKey.value !== null && shownKey.value === wantedKey.value && error.value === null),
    thoughts,
    minThoughts: computed(() => (inputs.limits.value ? clampThoughts(0, inputs.limits.value) : 0)),
    maxThoughts,
    setThoughts: (k: number) => {
      if (inputs.limits.value) thoughts.value = clampThoughts(k, inputs.limits.value);
    },
    refresh: () => schedule(true),
  };
}
