/**
 * Completion for the config editor, read from the config's JSON Schema (the same one the engine
 * validates against, generated from `RunConfigSchema`): top-level keys with their descriptions
 * and defaults, and the values a key accepts (booleans, enums, its default) after `key: `.
 */
import { z } from 'zod';
import { RunConfigSchema } from '../../../common/config';

interface PropertySchema {
  description?: string;
  default?: unknown;
  type?: string | string[];
  enum?: unknown[];
  anyOf?: PropertySchema[];
}

export interface ConfigSuggestion {
  kind: 'key' | 'value';
  label: string;
  insertText: string;
  detail: string;
  documentation: string;
}

const yamlScalar = (value: unknown): string => (value === null ? 'null' : typeof value === 'string' ? value : JSON.stringify(value));

function variants(prop: PropertySchema): PropertySchema[] {
  return prop.anyOf ? prop.anyOf.flatMap(variants) : [prop];
}

function typeSummary(prop: PropertySchema): string {
  const names = variants(prop).flatMap((v) => (v.enum ? v.enum.map((value) => JSON.stringify(value)) : ([] as string[]).concat(v.type ?? 'object')));
  return [...new Set(names)].join(' | ');
}

function valuesOf(prop: PropertySchema): unknown[] {
  const values: unknown[] = [];
  for (const variant of variants(prop)) {
    const types = ([] as string[]).concat(variant.type ?? []);
    if (variant.enum) values.push(...variant.enum);
    else if (types.includes('boolean')) values.push(true, false);
    if (types.includes('null')) values.push(null);
  }
  if (prop.default !== undefined && typeof prop.default !== 'object') values.unshift(prop.default);
  return [...new Set(values)];
}

let cached: Record<string, PropertySchema> | null = null;
function properties(): Record<string, PropertySchema> {
  cached ??= (z.toJSONSchema(RunConfigSchema, { io: 'input' }) as { properties: Record<string, PropertySchema> }).properties;
  return cached;
}

/**
 * Suggestions for the text before the cursor on its line; `present` holds the keys already in the
 * document. The editor filters them by what has been typed (fuzzily), so this does not.
 */
export function configSuggestions(lineBeforeCursor: string, present: ReadonlySet<string>): ConfigSuggestion[] {
  const props = properties();
  const keyTyped = /^([A-Za-z_]*)$/.exec(lineBeforeCursor);
  if (keyTyped) {
    return Object.entries(props)
      .filter(([key]) => !present.has(key))
      .map(([key, prop]) => ({
        kind: 'key',
        label: key,
        // Objects (offline_model) get their key and a new line; scalars their default.
        insertText: prop.default !== undefined && (typeof prop.default !== 'object' || prop.default === null) ? `${key}: ${yamlScalar(prop.default)}` : `${key}:`,
        detail: typeSummary(prop),
        documentation: [prop.description, prop.default !== undefined ? `Default: ${JSON.stringify(prop.default)}` : 'Required.'].filter(Boolean).join('\n\n'),
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
      detail: text === yamlScalar(prop.default) ? 'default' : typeSummary(prop),
      documentation: prop.description ?? '',
    }));
}

/** Top-level keys of a YAML text (lines that start with `key:`), to leave out of key suggestions. */
export function presentKeys(text: string): Set<string> {
  return new Set([...text.matchAll(/^([A-Za-z_]+):/gm)].map((match) => match[1] as string));
}
