/**
 * The new-run draft: YAML text and form drafts kept in step (see lib/configDoc), validated live
 * against `RunConfigSchema`, checked by the host (`config.check`) shortly after each change that
 * passes locally, and submitted with `runs.create`.
 */
import { computed, onScopeDispose, reactive, ref, shallowRef, type ComputedRef, type Ref, type ShallowRef } from 'vue';
import type { Document } from 'yaml';
import { ApiError } from '../../../common/api';
import type { RunSummary } from '../../../common/runs';
import type { ClientApi } from '../api';
import {
  FORM_FIELDS,
  checkDocument,
  parseConfigText,
  placeIssues,
  readDraft,
  writeDraft,
  type DraftIssue,
  type Drafts,
} from '../lib/configDoc';

export type HostCheckState = 'idle' | 'checking' | 'ok' | 'rejected' | 'unavailable';

export interface ConfigDraft {
  text: Ref<string>;
  drafts: Drafts;
  issues: ComputedRef<DraftIssue[]>;
  localIssues: ShallowRef<DraftIssue[]>;
  hostIssues: ShallowRef<DraftIssue[]>;
  hostState: Ref<HostCheckState>;
  hostMethod: Ref<string | null>;
  yamlBroken: ComputedRef<boolean>;
  dirty: ComputedRef<boolean>;
  templateMethod: Ref<'cot' | 'coconut'>;
  loadingTemplate: Ref<boolean>;
  submitting: Ref<boolean>;
  submitError: Ref<string | null>;
  setText: (text: string) => void;
  setField: (key: string, value: string) => void;
  loadTemplate: (method: 'cot' | 'coconut') => Promise<void>;
  submit: () => Promise<RunSummary | null>;
}

export function useConfigDraft(api: ClientApi, options: { hostCheckDelayMs?: number } = {}): ConfigDraft {
  const delay = options.hostCheckDelayMs ?? 450;
  const text = ref('');
  const baseline = ref('');
  let doc: Document = parseConfigText('');
  const drafts = reactive<Drafts>(Object.fromEntries(FORM_FIELDS.map((f) => [f.key, ''])));
  const localIssues = shallowRef<DraftIssue[]>([]);
  const hostIssues = shallowRef<DraftIssue[]>([]);
  const hostState = ref<HostCheckState>('idle');
  const hostMethod = ref<string | null>(null);
  const templateMethod = ref<'cot' | 'coconut'>('coconut');
  const loadingTemplate = ref(false);
  const submitting = ref(false);
  const submitError = ref<string | null>(null);
  let checkTimer: ReturnType<typeof setTimeout> | null = null;
  let checkSeq = 0;

  const yamlBroken = computed(() => localIssues.value.some((i) => i.source === 'yaml'));
  const issues = computed(() => [...localIssues.value, ...hostIssues.value]);
  const dirty = computed(() => text.value !== baseline.value);

  function syncDrafts(except: string | null): void {
    for (const field of FORM_FIELDS) {
      if (field.key === except) continue;
      const next = readDraft(doc, field);
      if (drafts[field.key] !== next) drafts[field.key] = next;
    }
  }

  function changed(except: string | null): void {
    localIssues.value = checkDocument(doc);
    hostIssues.value = [];
    submitError.value = null;
    if (!localIssues.value.some((i) => i.source === 'yaml')) syncDrafts(except);
    scheduleHostCheck();
  }

  function setText(next: string): void {
    if (next === text.value) return;
    text.value = next;
    doc = parseConfigText(next);
    changed(null);
  }

  function setField(key: string, value: string): void {
    const field = FORM_FIELDS.find((f) => f.key === key);
    if (!field) return;
    drafts[key] = value;
    if (yamlBroken.value) return; // the form is read-only until the YAML parses
    try {
      writeDraft(doc, field, value);
    } catch (e) {
      submitError.value = e instanceof Error ? e.message : String(e);
      return;
    }
    text.value = doc.toString();
    doc = parseConfigText(text.value); // fresh offsets for markers
    changed(key);
  }

  function scheduleHostCheck(): void {
    if (checkTimer !== null) clearTimeout(checkTimer);
    checkTimer = null;
    checkSeq += 1;
    if (localIssues.value.length > 0 || text.value.trim() === '') {
      hostState.value = 'idle';
      return;
    }
    const seq = checkSeq;
    hostState.value = 'checking';
    checkTimer = setTimeout(() => {
      checkTimer = null;
      void hostCheck(seq);
    }, delay);
  }

  async function hostCheck(seq: number): Promise<boolean> {
    const sent = text.value;
    try {
      const result = await api.call('config.check', { config_yaml: sent });
      if (seq !== checkSeq) return result.ok;
      hostMethod.value = result.method;
      // Warnings travel with the issues (yellow in the editor and under the field) but never block.
      hostIssues.value = [...placeIssues(doc, result.issues), ...placeIssues(doc, result.warnings, 'host', 'warning')];
      hostState.value = result.ok ? 'ok' : 'rejected';
      return result.ok;
    } catch (e) {
      if (seq === checkSeq) {
        hostState.value = 'unavailable';
        hostIssues.value = e instanceof ApiError ? placeIssues(doc, e.issues) : [];
      }
      return false;
    }
  }

  async function loadTemplate(method: 'cot' | 'coconut'): Promise<void> {
    loadingTemplate.value = true;
    templateMethod.value = method;
    try {
      const { config_yaml } = await api.call('config.template', { method });
      baseline.value = config_yaml;
      setText(config_yaml);
      submitError.value = null;
    } catch (e) {
      // Still give the user something to edit: a minimal config with the method flag set.
      if (text.value.trim() === '') {
        const fallback = fallbackTemplate(method);
        baseline.value = fallback;
        setText(fallback);
      }
      submitError.value = `Could not load the ${method} template (${e instanceof Error ? e.message : String(e)}); starting from a minimal config.`;
    } finally {
      loadingTemplate.value = false;
    }
  }

  async function submit(): Promise<RunSummary | null> {
    if (submitting.value) return null;
    submitError.value = null;
    if (localIssues.value.length > 0) {
      const n = localIssues.value.length;
      submitError.value = `Fix ${n} problem${n === 1 ? '' : 's'} in the config first.`;
      return null;
    }
    submitting.value = true;
    try {
      if (checkTimer !== null) clearTimeout(checkTimer);
      checkTimer = null;
      const seq = ++checkSeq;
      hostState.value = 'checking';
      const ok = await hostCheck(seq);
      if (!ok) {
        if (!submitError.value) {
          submitError.value =
            (hostState.value as HostCheckState) === 'unavailable' ? 'The host could not check the config.' : 'The host rejected the config; see the marked fields.';
        }
        return null;
      }
      return await api.call('runs.create', { config_yaml: text.value });
    } catch (e) {
      if (e instanceof ApiError) {
        hostIssues.value = placeIssues(doc, e.issues);
        submitError.value = e.message;
      } else {
        submitError.value = e instanceof Error ? e.message : String(e);
      }
      return null;
    } finally {
      submitting.value = false;
    }
  }

  onScopeDispose(() => {
    if (checkTimer !== null) clearTimeout(checkTimer);
  });

  return {
    text,
    drafts,
    issues,
    localIssues,
    hostIssues,
    hostState,
    hostMethod,
    yamlBroken,
    dirty,
    templateMethod,
    loadingTemplate,
    submitting,
    submitError,
    setText,
    setField,
    loadTemplate,
    submit,
  };
}

/** A minimal config for when the host cannot give a template: the data paths still need filling in. */
export function fallbackTemplate(method: 'cot' | 'coconut'): string {
  return [
    '# Minimal run config; every key left out takes its default.',
    `name: ${method}-run`,
    `${method}: true`,
    'train_path: ""  # a JSON list of {question, steps, answer}',
    'val_path: ""',
    '',
  ].join('\n');
}
