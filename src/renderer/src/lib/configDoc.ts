/**
 * The new-run form and the YAML text describe one config. The YAML is kept as a `yaml` Document so
 * that a form edit changes only its own key and leaves the user's comments and layout alone; the
 * form's fields are drafts (strings as typed) read back from the document whenever the YAML changes.
 */
import { isMap, isScalar, isSeq, parseDocument, type Document, type Node as YamlNode } from 'yaml';
import type { Issue } from '../../../common/api';
import { METHOD_FLAGS, RunConfigSchema, methodOf, type MethodFlag, type MethodName, type RunConfig } from '../../../common/config';
import { parseRunConfig } from '../../../common/configMessages';
import { CONFIG_YAML_OPTIONS } from '../../../common/configYaml';
import { METHOD_NAMES, METHODS, methodSpec } from '../../../common/methods';

export type FieldKind = 'text' | 'path' | 'int' | 'number' | 'nullableText' | 'method';

export interface FieldSpec {
  key: string;
  /** Config key path; the method field stands for the method flags (METHOD_FLAGS). */
  path: string[];
  kind: FieldKind;
  label: string;
  help: string;
  group: 'run' | 'data' | 'curriculum' | 'training' | 'model';
}


export const METHOD_CHOICES: ReadonlyArray<{ value: MethodName; label: string; flag: MethodFlag | null }> = METHOD_NAMES.map((name) => ({
  value: name,
  label: METHODS[name].description,
  flag: METHODS[name].flag,
}));

export const FORM_FIELDS: readonly FieldSpec[] = [
  { key: 'name', path: ['name'], kind: 'text', label: 'Name', help: 'Run name.', group: 'run' },
  { key: 'method', path: [], kind: 'method', label: 'Method', help: `Sets the ${METHOD_FLAGS.join(' / ')} flags.`, group: 'run' },
  { key: 'train_path', path: ['train_path'], kind: 'path', label: 'Train set', help: 'JSON list of {question, steps, answer}.', group: 'data' },
  { key: 'val_path', path: ['val_path'], kind: 'path', label: 'Validation set', help: 'Same format as the train set.', group: 'data' },
  { key: 'c_thought', path: ['c_thought'], kind: 'int', label: 'c (thoughts / step)', help: 'Continuous thoughts per removed reasoning step.', group: 'curriculum' },
  { key: 'epochs_per_stage', path: ['epochs_per_stage'], kind: 'int', label: 'Epochs / stage', help: 'Epochs at each curriculum stage.', group: 'curriculum' },
  { key: 'max_latent_stage', path: ['max_latent_stage'], kind: 'int', label: 'Max latent stage', help: 'Last curriculum stage.', group: 'curriculum' },
  { key: 'num_epochs', path: ['num_epochs'], kind: 'int', label: 'Epochs', help: 'Total epochs.', group: 'training' },
  { key: 'batch_size_training', path: ['batch_size_training'], kind: 'int', label: 'Batch size', help: 'Samples per forward pass.', group: 'training' },
  { key: 'lr', path: ['lr'], kind: 'number', label: 'Learning rate', help: 'AdamW learning rate.', group: 'training' },
  { key: 'model_id', path: ['model_id'], kind: 'text', label: 'Model', help: 'A model id or path, or offline-gpt2.', group: 'model' },
  { key: 'load_model_path', path: ['load_model_path'], kind: 'nullableText', label: 'Start from checkpoint', help: 'Empty for none.', group: 'model' },
  { key: 'offline_model.n_layer', path: ['offline_model', 'n_layer'], kind: 'int', label: 'Layers', help: 'Offline GPT-2: transformer blocks.', group: 'model' },
  { key: 'offline_model.n_embd', path: ['offline_model', 'n_embd'], kind: 'int', label: 'Hidden size', help: 'Offline GPT-2: hidden size.', group: 'model' },
  { key: 'offline_model.n_head', path: ['offline_model', 'n_head'], kind: 'int', label: 'Heads', help: 'Offline GPT-2: attention heads (divide the hidden size).', group: 'model' },
  { key: 'offline_model.n_positions', path: ['offline_model', 'n_positions'], kind: 'int', label: 'Max positions', help: 'Offline GPT-2: longest sequence.', group: 'model' },
];

export type Drafts = Record<string, string>;

/** The schema's defaults, shown as placeholders for keys the YAML leaves out. */
export const CONFIG_DEFAULTS: RunConfig = RunConfigSchema.parse({ train_path: '-', val_path: '-' });

export function defaultText(field: FieldSpec): string {
  if (field.kind === 'method') return '';
  let value: unknown = CONFIG_DEFAULTS;
  for (const key of field.path) value = (value as Record<string, unknown> | null)?.[key];
  if (field.key === 'train_path' || field.key === 'val_path') return '';
  return value === null || value === undefined ? '' : String(value);
}

export function parseConfigText(text: string): Document {
  // The same YAML rules as the host and the engine (YAML 1.2 core schema, no aliases or custom tags).
  return parseDocument(text, { ...CONFIG_YAML_OPTIONS, keepSourceTokens: false, prettyErrors: false });
}

function contentsObject(doc: Document): Record<string, unknown> | null {
  if (doc.errors.length > 0) return null;
  const js: unknown = doc.toJS();
  return js !== null && typeof js === 'object' && !Array.isArray(js) ? (js as Record<string, unknown>) : null;
}

export function methodOfDoc(doc: Document): MethodName {
  const js = contentsObject(doc) ?? {};
  return methodOf(Object.fromEntries(METHOD_FLAGS.map((flag) => [flag, js[flag] === true])) as Record<MethodFlag, boolean>);
}

export function readDraft(doc: Document, field: FieldSpec): string {
  if (field.kind === 'method') return methodOfDoc(doc);
  let value: unknown;
  try {
    value = doc.getIn(field.path);
  } catch {
    return '';
  }
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function readDrafts(doc: Document): Drafts {
  return Object.fromEntries(FORM_FIELDS.map((f) => [f.key, readDraft(doc, f)]));
}

const NUMBER_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;

/** The YAML value a draft stands for; `undefined` removes the key (the default applies). */
export function draftValue(field: FieldSpec, draft: string): string | number | null | undefined {
  const trimmed = draft.trim();
  switch (field.kind) {
    case 'int':
    case 'number':
      if (trimmed === '') return undefined;
      return NUMBER_RE.test(trimmed) ? Number(trimmed) : trimmed;
    case 'nullableText':
      return trimmed === '' ? null : trimmed;
    case 'path':
      return trimmed === '' ? undefined : trimmed;
    default:
      return draft === '' ? undefined : draft;
  }
}

/** Writes one form field into the document, keeping everything else (comments included) as it was. */
export function writeDraft(doc: Document, field: FieldSpec, draft: string): void {
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new Error('The YAML must be a mapping of config keys to values.');
  }
  if (field.kind === 'method') {
    const choice = METHOD_CHOICES.find((c) => c.value === draft);
    if (!choice) return;
    for (const flag of METHOD_FLAGS) {
      if (flag === choice.flag) doc.setIn([flag], true);
      else if (doc.hasIn([flag])) doc.setIn([flag], false);
    }
    return;
  }
  const value = draftValue(field, draft);
  if (value === undefined) {
    if (doc.hasIn(field.path)) doc.deleteIn(field.path);
    return;
  }
  if (value === null && !doc.hasIn(field.path)) return;
  doc.setIn(field.path, value);
}

export interface DraftIssue extends Issue {
  source: 'yaml' | 'schema' | 'host';
  /** Character offsets in the YAML text, when the issue points at a place in it. */
  range: [number, number] | null;
  /** A warning (allowed, probably not meant) never blocks a run; absent means an error. */
  severity?: 'warning';
}

/** YAML syntax errors, then the schema's verdict on the document (in the host's words, see common/configMessages). */
export function checkDocument(doc: Document): DraftIssue[] {
  if (doc.errors.length > 0) {
    return doc.errors.map((e) => ({ path: '', message: e.message.split('\n')[0] ?? e.message, source: 'yaml', range: [e.pos[0], Math.max(e.pos[1], e.pos[0] + 1)] }));
  }
  const js = contentsObject(doc);
  if (!js) {
    return [{ path: '', message: 'The config must be a YAML mapping of keys to values.', source: 'yaml', range: null }];
  }
  const parsed = parseRunConfig(js);
  return parsed.ok ? [] : placeIssues(doc, parsed.issues, 'schema');
}

/** Issues from the host (config.check, runs.create), placed in the current text. */
export function placeIssues(doc: Document, issues: readonly Issue[], source: DraftIssue['source'] = 'host', severity?: 'warning'): DraftIssue[] {
  return issues.map((i) => ({ ...i, source, range: i.path ? rangeOfPath(doc, i.path.split('.')) : null, ...(severity ? { severity } : {}) }));
}

/**
 * The text range of the deepest key along `path` that the document has: the whole `key: value`
 * when it is a scalar, only the key when the value is a block. Null when not even the first key is there.
 */
export function rangeOfPath(doc: Document, path: readonly string[]): [number, number] | null {
  let node: unknown = doc.contents;
  let found: [number, number] | null = null;
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key);
      if (!pair) break;
      const keyNode = isScalar(pair.key) ? pair.key : null;
      const value = pair.value as YamlNode | null;
      const keyRange = keyNode?.range;
      if (!keyRange) break;
      const end = isScalar(value) && value.range ? value.range[1] : keyRange[1];
      found = [keyRange[0], Math.max(end, keyRange[0] + 1)];
      node = value;
    } else if (isSeq(node)) {
      const item = node.items[Number(key)] as YamlNode | undefined;
      if (!item?.range) break;
      found = [item.range[0], Math.max(item.range[1], item.range[0] + 1)];
      node = item;
    } else {
      break;
    }
  }
  return found;
}

/** Whether an issue belongs to a form field (shown next to it). */
export function issueMatchesField(issue: Issue, field: FieldSpec): boolean {
  if (field.kind === 'method') return (METHOD_FLAGS as readonly string[]).includes(issue.path.split('.')[0] ?? '');
  const path = field.path.join('.');
  return issue.path === path || issue.path.startsWith(`${path}.`);
}

/** Fields the chosen method does not use (shown muted, still editable). */
export function unusedFields(method: string): Set<string> {
  const spec = methodSpec(method);
  if (!spec) return new Set();
  const unused = new Set<string>();
  if (spec.thoughts_per_step === 0) unused.add('c_thought');
  if (spec.curriculum !== 'latent') unused.add('epochs_per_stage');
  // max_latent_stage sets the curriculum's last stage, and the pause-token count with c_thought.
  if (spec.curriculum !== 'latent' && spec.thoughts_per_step === 0) unused.add('max_latent_stage');
  return unused;
}

/** Replace-only-what-changed edit between two texts (keeps an editor's cursor and undo sensible). */
export function textDelta(before: string, after: string): { start: number; end: number; text: string } | null {
  if (before === after) return null;
  let start = 0;
  const max = Math.min(before.length, after.length);
  while (start < max && before.charCodeAt(start) === after.charCodeAt(start)) start++;
  let endBefore = before.length;
  let endAfter = after.length;
  while (endBefore > start && endAfter > start && before.charCodeAt(endBefore - 1) === after.charCodeAt(endAfter - 1)) {
    endBefore--;
    endAfter--;
  }
  return { start, end: endBefore, text: after.slice(start, endAfter) };
}
