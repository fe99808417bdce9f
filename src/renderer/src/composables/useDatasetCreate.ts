/**
 * The new-dataset form: generators and their defaults from `datasets.generators`, parameters as
 * text fields, and a live check through `datasets.resolveParams`. Only the parameters the user
 * changed are sent, so the generator fills in the rest (a preset then sets its own sizes); the
 * fields not touched show what they resolve to. `submit` starts the job and returns it.
 */
import { computed, onScopeDispose, reactive, ref, watch, type ComputedRef, type Ref } from 'vue';
import type { DatasetGeneratorInfo, DatasetJob, Issue } from '../../../common/api';
import { ApiError } from '../../../common/api';
import type { ClientApi } from '../api';

export type ParamKind = 'number' | 'boolean' | 'text';

export interface ParamField {
  key: string;
  kind: ParamKind;
}

export interface DatasetForm {
  generators: Ref<DatasetGeneratorInfo[]>;
  generator: Ref<string>;
  description: ComputedRef<string>;
  fields: ComputedRef<ParamField[]>;
  /** Text of each parameter field. */
  values: Record<string, string>;
  edited: Ref<Set<string>>;
  name: Ref<string>;
  seed: Ref<number>;
  sizes: { train: number; valid: number; test: number };
  /** Problems from the live check or the host's answer, keyed like `params.minNodes`, `name`. */
  issues: Ref<Issue[]>;
  error: Ref<string | null>;
  submitting: Ref<boolean>;
  setParam: (key: string, text: string) => void;
  setName: (text: string) => void;
  setGenerator: (name: string) => void;
  /** Sizes and seed from number fields: an empty or broken field reads as NaN, which the host names. */
  setSize: (split: 'train' | 'valid' | 'test', value: number) => void;
  setSeed: (value: number) => void;
  resetParams: () => void;
  issuesOf: (path: string) => Issue[];
  submit: () => Promise<DatasetJob | null>;
}

function kindOf(value: unknown): ParamKind {
  if (typeof value === 'number') return 'number';
  if (typeof value === 'boolean') return 'boolean';
  return 'text';
}

function textOf(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** A field's text as the parameter's type; numbers that do not parse stay text so the generator names the problem. */
export function parseParam(kind: ParamKind, text: string): unknown {
  if (kind === 'number') {
    const number = Number(text);
    return text.trim() !== '' && Number.isFinite(number) ? number : text;
  }
  if (kind === 'boolean') return text === 'true';
  return text;
}

export function useDatasetCreate(api: ClientApi, options: { checkDelayMs?: number } = {}): DatasetForm {
  const generators = ref<DatasetGeneratorInfo[]>([]);
  const generator = ref('');
  const values = reactive<Record<string, string>>({});
  const edited = ref(new Set<string>());
  const name = ref('');
  const seed = ref(0);
  const sizes = reactive({ train: 1000, valid: 100, test: 100 });
  const issues = ref<Issue[]>([]);
  const error = ref<string | null>(null);
  const submitting = ref(false);
  let checkTimer: ReturnType<typeof setTimeout> | null = null;
  let checkCall = 0;

  const current = computed(() => generators.value.find((candidate) => candidate.name === generator.value) ?? null);
  const fields = computed<ParamField[]>(() => Object.entries(current.value?.defaults ?? {}).map(([key, value]) => ({ key, kind: kindOf(value) })));

  function changedParams(): Record<string, unknown> {
    const params: Record<string, unknown> = {};
    for (const field of fields.value) if (edited.value.has(field.key)) params[field.key] = parseParam(field.kind, values[field.key] ?? '');
    return params;
  }

  function resetParams(): void {
    // A check still on its way answers for the old parameters (or generator): drop it.
    checkCall++;
    if (checkTimer !== null) clearTimeout(checkTimer);
    checkTimer = null;
    for (const key of Object.keys(values)) delete values[key];
    for (const [key, value] of Object.entries(current.value?.defaults ?? {})) values[key] = textOf(value);
    edited.value = new Set();
    issues.value = [];
  }

  async function check(): Promise<void> {
    const call = ++checkCall;
    try {
      const result = await api.call('datasets.resolveParams', { generator: generator.value, params: changedParams() });
      if (call !== checkCall) return;
      issues.value = result.issues;
      // Untouched fields follow what the edited ones imply (e.g. a preset's graph sizes).
      if (result.params) {
        for (const [key, value] of Object.entries(result.params)) if (key in values && !edited.value.has(key)) values[key] = textOf(value);
      }
    } catch (e) {
      if (call === checkCall) issues.value = e instanceof ApiError ? e.issues : [];
    }
  }

  function scheduleCheck(): void {
    if (checkTimer !== null) clearTimeout(checkTimer);
    checkTimer = setTimeout(() => {
      checkTimer = null;
      void check();
    }, options.checkDelayMs ?? 200);
  }

  function setParam(key: string, text: string): void {
    values[key] = text;
    edited.value = new Set(edited.value).add(key);
    scheduleCheck();
  }

  watch(generator, () => resetParams());
  onScopeDispose(() => {
    if (checkTimer !== null) clearTimeout(checkTimer);
  });

  api.call('datasets.generators', {}).then(
    (list) => {
      generators.value = list;
      if (!list.some((candidate) => candidate.name === generator.value)) generator.value = list[0]?.name ?? '';
    },
    (e: unknown) => {
      error.value = `Could not list the generators: ${e instanceof Error ? e.message : String(e)}`;
    },
  );

  async function submit(): Promise<DatasetJob | null> {
    if (submitting.value) return null;
    submitting.value = true;
    error.value = null;
    try {
      const job = await api.call('datasets.create', {
        name: name.value.trim(),
        generator: generator.value,
        params: changedParams(),
        sizes: { train: sizes.train, valid: sizes.valid, test: sizes.test },
        seed: seed.value,
      });
      issues.value = [];
      return job;
    } catch (e) {
      error.value = e instanceof Error ? e.message : String(e);
      issues.value = e instanceof ApiError ? e.issues : [];
      return null;
    } finally {
      submitting.value = false;
    }
  }

  return {
    generators,
    generator,
    description: computed(() => current.value?.description ?? ''),
    fields,
    values,
    edited,
    name,
    seed,
    sizes,
    issues,
    error,
    submitting,
    setParam,
    setName: (text) => {
      name.value = text;
    },
    setGenerator: (next) => {
      generator.value = next;
    },
    setSize: (split, value) => {
      sizes[split] = value;
    },
    setSeed: (value) => {
      seed.value = value;
    },
    resetParams,
    issuesOf: (path: string) => issues.value.filter((issue) => issue.path === path || issue.path.startsWith(`${path}.`)),
    submit,
  };
}
