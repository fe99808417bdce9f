/**
 * Completion and hover documentation for the config editor, read from the config's JSON Schema
 * (the same one the engine validates against, generated from `RunConfigSchema`): every key's
 * description, type, default and allowed values, nested `offline_model.*` keys included; and the
 * values a key accepts (booleans, enums, its default) after `key: `.
 */
import { z } from 'zod';
import { RunConfigSchema } from '../../../common/config';
import { describeJsonType, type JsonSchemaNode } from '../../../common/configMessages';

export interface ConfigSuggestion {
  kind: 'key' | 'value';
  label: string;
  insertText: string;
  detail: string;
  documentation: string;
}

/** What the editor shows about one config key. */
export interface ConfigKeyDoc {
  /** Dotted path: `num_epochs`, `offline_model.n_head`. */
  path: string;
  description: string;
  /** In words: "a whole number > 0", "one of "auto", "cpu", "cuda"". */
  type: string;
  /** Absent for required keys. */
  default?: unknown;
  required: boolean;
  /** Discrete values the key accepts (booleans, enum members, null), when it has any. */
  values: unknown[];
}

const yamlScalar = (value: unknown): string => (value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value));

function variants(prop: JsonSchemaNode): JsonSchemaNode[] {
  return prop.anyOf ? prop.anyOf.flatMap(variants) : [prop];
}

function discreteValues(prop: JsonSchemaNode): unknown[] {
  const values: unknown[] = [];
  for (const variant of variants(prop)) {
    const types = ([] as string[]).concat(variant.type ?? []);
    if (variant.const !== undefined) values.push(variant.const);
    else if (variant.enum) values.push(...variant.enum);
    else if (types.includes('boolean')) values.push(true, false);
    if (types.includes('null')) values.push(null);
  }
  return [...new Set(values)];
}

/** The values to offer after `key: `: its default first, then the discrete values it accepts. */
function valuesOf(prop: JsonSchemaNode): unknown[] {
  const values = discreteValues(prop);
  if (prop.default !== undefined && typeof prop.default !== 'object') values.unshift(prop.default);
  return [...new Set(values)];
}

interface RootSchema {
  properties: Record<string, JsonSchemaNode>;
  required?: string[];
}

let cachedRoot: RootSchema | null = null;
function rootSchema(): RootSchema {
  cachedRoot ??= z.toJSONSchema(RunConfigSchema, { io: 'input' }) as RootSchema;
  return cachedRoot;
}

function collectDocs(properties: Record<string, JsonSchemaNode>, required: readonly string[], prefix: string, into: Map<string, ConfigKeyDoc>): void {
  for (const [key, prop] of Object.entries(properties)) {
    const path = `${prefix}${key}`;
    into.set(path, {
      path,
      description: prop.description ?? '',
      type: describeJsonType(prop),
      ...(prop.default !== undefined ? { default: prop.default } : {}),
      required: required.includes(key) && prop.default === undefined,
      values: discreteValues(prop),
    });
    if (prop.properties) collectDocs(prop.properties, (prop as { required?: string[] }).required ?? [], `${path}.`, into);
  }
}

let cachedDocs: Map<string, ConfigKeyDoc> | null = null;
/** Every config key's documentation, by dotted path (parents before their nested keys). */
export function configKeyDocs(): ReadonlyMap<string, ConfigKeyDoc> {
  if (!cachedDocs) {
    const root = rootSchema();
    cachedDocs = new Map();
    collectDocs(root.properties, root.required ?? [], '', cachedDocs);
  }
  return cachedDocs;
}

/** A key's documentation as Markdown (hover and completion details). */
export function keyDocMarkdown(doc: ConfigKeyDoc): string {
  const facts = [`Type: ${doc.type}`];
  if (doc.required) facts.push('Required.');
  else if (doc.default !== null && typeof doc.default === 'object') facts.push('Default: each nested key has its own.');
  else facts.push(`Default: \`${yamlScalar(doc.default)}\``);
  return [`**${doc.path}**`, doc.description, facts.join(' · ')].filter(Boolean).join('\n\n');
}

/**
 * Suggestions for the text before the cursor on its line; `present` holds the keys already in the
 * document. The editor filters them by what has been typed (fuzzily), so this does not.
 */
export function configSuggestions(lineBeforeCursor: string, present: ReadonlySet<string>): ConfigSuggestion[] {
  const props = rootSchema().properties;
  const docs = configKeyDocs();
  const keyTyped = /^([A-Za-z_]*)$/.exec(lineBeforeCursor);
  if (keyTyped) {
    return Object.entries(props)
      .filter(([key]) => !present.has(key))
      .map(([key, prop]) => ({
        kind: 'key',
        label: key,
        // Objects (offline_model) get their key and a new line; scalars their default.
        insertText: prop.default !== undefined && (typeof prop.default !== 'object' || prop.default === null) ? `${key}: ${yamlScalar(prop.default)}` : `${key}:`,
        detail: describeJsonType(prop),
        documentation: keyDocMarkdown(docs.get(key) as ConfigKeyDoc),
      }));
  }
  const valueTyped = /^([A-Za-z_]+):\s*\S*$/.exec(lineBeforeCursor);
  const prop = valueTyped ? props[valueTyped[1] as string] : undefined;
  if (!valueTyped || !prop) return [];
  return valuesOf(prop)
    .map((value) => yamlScalar(value))
    .map((text) => ({
      kind: 'value',
      label: text,
      insertText: text,
      detail: text === yamlScalar(prop.default) ? 'default' : describeJsonType(prop),
      documentation: prop.description ?? '',
    }));
}

/** Top-level keys of a YAML text (lines that start with `key:`), to leave out of key suggestions. */
export function presentKeys(text: string): Set<string> {
  return new Set([...text.matchAll(/^([A-Za-z_]+):/gm)].map((match) => match[1] as string));
}

const KEY_LINE = /^(\s*)([A-Za-z_][\w-]*)\s*:/;
/** A key whose value is the indented block below it (nothing but a comment after the colon). */
const BLOCK_PARENT_LINE = /^(\s*)([A-Za-z_][\w-]*)\s*:\s*(#.*)?$/;

/**
 * The config key written on line `lineIndex` (0-based) as a dotted path, its parents found by
 * indentation (a config is block-style YAML: `offline_model:` then indented keys). Null when the
 * line holds no key.
 */
export function keyPathAt(lines: readonly string[], lineIndex: number): { path: string; keyStart: number; keyEnd: number } | null {
  const match = KEY_LINE.exec(lines[lineIndex] ?? '');
  if (!match) return null;
  const indent = (match[1] as string).length;
  const key = match[2] as string;
  const path = [key];
  let depth = indent;
  for (let i = lineIndex - 1; i >= 0 && depth > 0; i--) {
    const line = lines[i] as string;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const parentIndent = line.length - line.trimStart().length;
    if (parentIndent >= depth) continue;
    const parent = BLOCK_PARENT_LINE.exec(line);
    if (!parent) return null; // inside something that is not a mapping of keys (a list, a flow value)
    path.unshift(parent[2] as string);
    depth = parentIndent;
  }
  return { path: path.join('.'), keyStart: indent, keyEnd: indent + key.length };
}

/**
 * Hover documentation for the key under the cursor (`column` 0-based, on the key's name), or null
 * when the cursor is not on a key the config knows.
 */
export function configHoverAt(lines: readonly string[], lineIndex: number, column: number): { path: string; keyStart: number; keyEnd: number; markdown: string } | null {
  const at = keyPathAt(lines, lineIndex);
  if (!at || column < at.keyStart || column > at.keyEnd) return null;
  const doc = configKeyDocs().get(at.path);
  return doc ? { ...at, markdown: keyDocMarkdown(doc) } : null;
}
