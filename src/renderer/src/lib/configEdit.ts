/**
 * Edits of a run's YAML config for the actions on a run (clone, re-run with another seed, resume
 * from a checkpoint) and for the new-run form's checkpoint picker. The `yaml` package's Document
 * finds each key; a value that is already there is replaced in the text itself, byte for byte
 * around it, so the user's comments, spacing, key order and quoting stay exactly as they were.
 */
import { Document, isMap, isScalar, parseDocument, Scalar } from 'yaml';
import { CONFIG_DEFAULTS } from './configDoc';

/** `value: undefined` removes the key (its default applies). */
export interface ConfigEdit {
  path: readonly string[];
  value: string | number | boolean | null | undefined;
}

type EditValue = Exclude<ConfigEdit['value'], undefined>;

function parseMapping(text: string) {
  const doc = parseDocument(text, { prettyErrors: false });
  if (doc.errors.length > 0) {
    const first = doc.errors[0];
    throw new Error(`The config does not parse as YAML: ${first?.message.split('\n')[0] ?? 'syntax error'}`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) throw new Error('The config must be a YAML mapping of keys to values.');
  return doc;
}

/** How YAML writes the value on one line (quoted only where needed, or as the old value was quoted). */
function scalarText(value: EditValue, old: Scalar | null): string {
  const scalar = new Scalar(value);
  if (typeof value === 'string' && (old?.type === Scalar.QUOTE_DOUBLE || old?.type === Scalar.QUOTE_SINGLE)) scalar.type = old.type;
  return new Document(scalar).toString({ lineWidth: 0 }).trimEnd();
}

function applyEdit(text: string, { path, value }: ConfigEdit): string {
  const doc = parseMapping(text);
  if (value !== undefined) {
    const node = doc.getIn(path, true);
    // A scalar written out (not `key:` with nothing after it): swap its characters only.
    if (isScalar(node) && node.range && node.range[1] > node.range[0]) {
      return text.slice(0, node.range[0]) + scalarText(value, node) + text.slice(node.range[1]);
    }
    const top = doc.contents;
    if (path.length === 1 && !doc.hasIn(path) && (top === null || (isMap(top) && !top.flow))) {
      const key = scalarText(path[0] as string, null);
      return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${key}: ${scalarText(value, null)}\n`;
    }
    doc.setIn(path, value);
  } else if (doc.hasIn(path)) {
    doc.deleteIn(path);
  } else {
    return text;
  }
  // Anything else (a nested key to add, a key to remove) goes through the Document's own writer,
  // which keeps comments and order but may even out spacing.
  return doc.toString({ lineWidth: 0 });
}

/** The text with each edit applied; nothing else in it changes. Throws on text that is not a YAML mapping. */
export function editConfigText(text: string, edits: readonly ConfigEdit[]): string {
  let out = text;
  parseMapping(out);
  for (const edit of edits) out = applyEdit(out, edit);
  return out;
}

/** One key's value as the YAML says it (undefined when absent). */
export function readConfigValue(text: string, path: readonly string[]): unknown {
  const value: unknown = parseMapping(text).getIn(path);
  return value;
}

/** Suffixes this module adds, taken off again so that a clone of a clone is `x-copy-2`, not `x-copy-copy`. */
const OWN_SUFFIX = /(?:-copy(?:-\d+)?|-seed\d+(?:-\d+)?|-from-(?:epoch-\d+|best)(?:-\d+)?)+$/;

export function nameStem(name: string): string {
  const stem = name.replace(OWN_SUFFIX, '');
  return stem === '' ? name : stem;
}

/** `base`, or `base-2`, `base-3`, … : the first that no run has. */
export function uniqueName(base: string, taken: Iterable<string>): string {
  const names = new Set(taken);
  if (!names.has(base)) return base;
  for (let n = 2; ; n++) if (!names.has(`${base}-${n}`)) return `${base}-${n}`;
}

function nameOf(text: string): string {
  const name = readConfigValue(text, ['name']);
  return typeof name === 'string' && name.trim() !== '' ? name : CONFIG_DEFAULTS.name;
}

export interface PreparedConfig {
  yaml: string;
  name: string;
}

/** The same config under a new name (`<name>-copy`), nothing else changed. */
export function cloneConfig(text: string, takenNames: Iterable<string>): PreparedConfig {
  const name = uniqueName(`${nameStem(nameOf(text))}-copy`, takenNames);
  return { yaml: editConfigText(text, [{ path: ['name'], value: name }]), name };
}

/**
 * The same config with the next seed no run of this family has used (above the config's own),
 * named `<name>-seed<N>`.
 */
export function reseedConfig(
  text: string,
  options: { takenNames: Iterable<string>; usedSeeds?: Iterable<number | null | undefined> },
): PreparedConfig & { seed: number; previousSeed: number } {
  const raw = readConfigValue(text, ['seed']);
  const previousSeed = typeof raw === 'number' && Number.isInteger(raw) ? raw : CONFIG_DEFAULTS.seed;
  let highest = previousSeed;
  for (const seed of options.usedSeeds ?? []) if (typeof seed === 'number' && seed > highest) highest = seed;
  const seed = highest + 1;
  const name = uniqueName(`${nameStem(nameOf(text))}-seed${seed}`, options.takenNames);
  return {
    yaml: editConfigText(text, [
      { path: ['seed'], value: seed },
      { path: ['name'], value: name },
    ]),
    name,
    seed,
    previousSeed,
  };
}

/**
 * Continues training from a checkpoint of this very config: `load_model_path` names it and
 * `resume` skips the epochs it completed, so the curriculum picks up where the checkpoint left
 * off. `note` says what still needs the user (num_epochs used up, an epoch nobody recorded).
 */
export function resumeConfig(
  text: string,
  checkpoint: { file: string; epoch: number | null; label: string },
  takenNames: Iterable<string>,
): PreparedConfig & { note: string | null } {
  const { epoch } = checkpoint;
  const from = epoch === null ? checkpoint.label : `epoch-${epoch}`;
  const name = uniqueName(`${nameStem(nameOf(text))}-from-${from}`, takenNames);
  const edits: ConfigEdit[] = [{ path: ['load_model_path'], value: checkpoint.file }];
  if (epoch !== null) edits.push({ path: ['resume'], value: epoch });
  edits.push({ path: ['name'], value: name });
  const yaml = editConfigText(text, edits);
  if (epoch === null) return { yaml, name, note: `The run's events do not say which epoch ${checkpoint.label} ends: set resume to the epochs it completed.` };
  const raw = readConfigValue(text, ['num_epochs']);
  const numEpochs = typeof raw === 'number' ? raw : CONFIG_DEFAULTS.num_epochs;
  const note = numEpochs <= epoch ? `num_epochs is ${numEpochs} and the checkpoint completed ${epoch}: raise num_epochs to train further.` : null;
  return { yaml, name, note };
}

/** The picker's edit in the form: `load_model_path`, and `resume` when one is given. */
export function withCheckpoint(text: string, file: string, resume: number | null): string {
  const edits: ConfigEdit[] = [{ path: ['load_model_path'], value: file }];
  if (resume !== null) edits.push({ path: ['resume'], value: resume });
  return editConfigText(text, edits);
}
