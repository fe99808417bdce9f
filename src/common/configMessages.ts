/**
 * Config problems in the words a researcher reads: "must be greater than 0", "must be a number
 * (got text "abc")", "unknown key `num_epoch` — did you mean `num_epochs`?". One zod error map
 * makes the texts, so the host's check, the CLI, the form fields and the editor markers agree.
 */
import { z } from 'zod';
import type { Issue } from './api.js';
import { RunConfigSchema, type RunConfig } from './config.js';

/** The subset of JSON Schema that zod writes for the config's keys. */
export interface JsonSchemaNode {
  description?: string;
  default?: unknown;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchemaNode[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  properties?: Record<string, JsonSchemaNode>;
  items?: JsonSchemaNode;
}

// ---- did you mean ---------------------------------------------------------------------------

/** Edit distance counting a swap of two neighbouring letters as one edit (`nmu_epochs`). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/**
 * Names other training tools use for a config key or value, which no edit distance would find
 * (or would find wrongly: "gpu" is one letter from "cpu").
 */
const ALIASES: Readonly<Record<string, string>> = {
  learning_rate: 'lr',
  batch_size: 'batch_size_training',
  epochs: 'num_epochs',
  max_epochs: 'num_epochs',
  gpu: 'cuda',
};

const normalise = (word: string): string => word.trim().toLowerCase().replace(/-/g, '_');

/**
 * The candidate `word` was most likely meant as, or null when none is close. A candidate may be a
 * dotted path (`offline_model.n_layer`); it is compared by its last part, so a nested key written
 * at the top level is still found. Earlier candidates win ties.
 */
export function didYouMean(word: string, candidates: readonly string[]): string | null {
  const typed = normalise(word);
  const alias = ALIASES[typed];
  if (alias && candidates.includes(alias)) return alias;
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const leaf = normalise(candidate.split('.').pop() ?? candidate);
    const distance = editDistance(typed, leaf);
    const longer = Math.max(typed.length, leaf.length);
    const allowed = longer <= 4 ? 1 : longer <= 10 ? 2 : 3;
    if (distance <= allowed && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

// ---- the schema's keys ------------------------------------------------------------------------

/** The object schema inside defaults, optionals and nullables, or null when there is none. */
function objectInside(schema: z.core.$ZodType | undefined): z.ZodObject | null {
  let current: unknown = schema;
  for (let depth = 0; depth < 8 && current; depth++) {
    if (current instanceof z.ZodObject) return current;
    if (current instanceof z.ZodDefault || current instanceof z.ZodOptional || current instanceof z.ZodNullable) {
      current = current.unwrap();
    } else {
      return null;
    }
  }
  return null;
}

/** Every key of an object schema, nested objects' keys as dotted paths after their parent. */
export function keyPathsOf(schema: z.core.$ZodType): string[] {
  const object = objectInside(schema);
  if (!object) return [];
  const paths: string[] = [];
  const nested: string[] = [];
  for (const [key, child] of Object.entries(object.shape)) {
    paths.push(key);
    nested.push(...keyPathsOf(child as z.core.$ZodType).map((inner) => `${key}.${inner}`));
  }
  return [...paths, ...nested];
}

/** The object schema found at `path` inside `schema` (the root for an empty path). */
function objectAt(schema: z.core.$ZodType, path: readonly PropertyKey[]): z.ZodObject | null {
  let object = objectInside(schema);
  for (const key of path) {
    object = objectInside(object?.shape[String(key)] as z.core.$ZodType | undefined);
  }
  return object;
}

/** "unknown key `num_epoch` — did you mean `num_epochs`?" against the keys of `object` (and their nested keys). */
export function unknownKeyMessage(key: string, object: z.core.$ZodType | null): string {
  const suggestion = object ? didYouMean(key, keyPathsOf(object)) : null;
  return suggestion ? `unknown key \`${key}\` — did you mean \`${suggestion}\`?` : `unknown key \`${key}\``;
}

// ---- types in words ---------------------------------------------------------------------------

const SAFE_LIMIT = Number.MAX_SAFE_INTEGER;

const quoted = (value: unknown): string => JSON.stringify(value);

function numberWords(node: JsonSchemaNode, noun: string, whole: boolean): string {
  let low: { value: number; strict: boolean } | null = node.exclusiveMinimum !== undefined ? { value: node.exclusiveMinimum, strict: true } : node.minimum !== undefined && node.minimum > -SAFE_LIMIT ? { value: node.minimum, strict: false } : null;
  let high: { value: number; strict: boolean } | null = node.exclusiveMaximum !== undefined ? { value: node.exclusiveMaximum, strict: true } : node.maximum !== undefined && node.maximum < SAFE_LIMIT ? { value: node.maximum, strict: false } : null;
  // "a whole number from 1 to 64" reads better than "> 0 and ≤ 64".
  if (whole && low && high) {
    if (low.strict) low = { value: low.value + 1, strict: false };
    if (high.strict) high = { value: high.value - 1, strict: false };
  }
  if (low && high && !low.strict && !high.strict) return `${noun} from ${low.value} to ${high.value}`;
  const bounds = [low ? `${low.strict ? '>' : '≥'} ${low.value}` : '', high ? `${high.strict ? '<' : '≤'} ${high.value}` : ''].filter(Boolean);
  return [noun, bounds.join(' and ')].filter(Boolean).join(' ');
}

/** One JSON Schema node (zod's output for a config key) as words: "a whole number > 0 or null". */
export function describeJsonType(node: JsonSchemaNode): string {
  if (node.anyOf) {
    const parts = node.anyOf.map(describeJsonType);
    return parts.reduce((joined, part) => (joined === '' ? part : `${joined}${joined.includes(' or ') ? ', or' : ' or'} ${part}`), '');
  }
  if (node.const !== undefined) return quoted(node.const);
  if (node.enum) return node.enum.length === 1 ? quoted(node.enum[0]) : `one of ${node.enum.map(quoted).join(', ')}`;
  const types = ([] as string[]).concat(node.type ?? []);
  if (types.length > 1) return describeJsonType({ anyOf: types.map((type) => ({ ...node, type })) });
  switch (types[0]) {
    case 'integer':
      return numberWords(node, 'a whole number', true);
    case 'number':
      return numberWords(node, 'a number', false);
    case 'string':
      return node.minLength && node.minLength > 0 ? 'non-empty text' : 'text';
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'object':
      return 'a mapping of keys to values';
    case 'array':
      return node.items ? `a list (each ${describeJsonType(node.items)})` : 'a list';
    default:
      return 'any value';
  }
}

const jsonSchemaCache = new WeakMap<object, JsonSchemaNode>();

function jsonSchemaOf(schema: z.core.$ZodType): JsonSchemaNode | null {
  const cached = jsonSchemaCache.get(schema);
  if (cached) return cached;
  try {
    const node = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchemaNode;
    jsonSchemaCache.set(schema, node);
    return node;
  } catch {
    return null;
  }
}

/** What a YAML value was, for "(got …)": text "abc", 2.5, an empty value. */
export function describeValue(value: unknown): string {
  if (value === null) return 'an empty value';
  if (typeof value === 'string') return value === '' ? 'empty text' : `text ${quoted(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  if (typeof value === 'number') return Number.isNaN(value) ? '.nan' : Number.isFinite(value) ? String(value) : value > 0 ? '.inf' : '-.inf';
  if (typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

const TYPE_WORDS: Readonly<Record<string, string>> = {
  number: 'a number',
  int: 'a whole number',
  string: 'text',
  boolean: 'true or false',
  null: 'null',
  object: 'a mapping of keys to values',
  array: 'a list',
};

/** The YAML 1.1 spellings of booleans, which YAML 1.2 (and so the workbench and engine) reads as text. */
const YAML_11_BOOLEANS: ReadonlySet<string> = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'n', 'N', 'no', 'No', 'NO', 'on', 'On', 'ON', 'off', 'Off', 'OFF']);

/** "; configs are YAML 1.2, where yes is text: write true" for a YAML 1.1 boolean, else nothing. */
export function yaml11BooleanHint(input: unknown): string {
  if (typeof input !== 'string' || !YAML_11_BOOLEANS.has(input)) return '';
  const meant = /^(?:y|yes|on)$/i.test(input) ? 'true' : 'false';
  return `; configs are YAML 1.2, where ${input} is text: write ${meant}`;
}

function sizeWords(origin: string, bound: number | bigint, inclusive: boolean | undefined, side: 'min' | 'max'): string {
  const n = Number(bound);
  if (origin === 'string') {
    if (side === 'min') return n === 1 && inclusive ? 'must not be empty' : `must have at least ${inclusive ? n : n + 1} characters`;
    return `must have at most ${inclusive ? n : n - 1} characters`;
  }
  if (origin === 'array' || origin === 'set') {
    return side === 'min' ? `must have at least ${inclusive ? n : n + 1} items` : `must have at most ${inclusive ? n : n - 1} items`;
  }
  if (side === 'min') return inclusive ? `must be at least ${n}` : `must be greater than ${n}`;
  return inclusive ? `must be at most ${n}` : `must be less than ${n}`;
}

/**
 * zod's error map for configs (pass it to `safeParse(…, { error })`). Messages follow the key they
 * belong to: the form shows them under the field, the editor and CLI after the key's path.
 * Issues it does not know keep zod's own text.
 */
export const configErrorMap: z.core.$ZodErrorMap = (issue) => {
  const got = (): string => `(got ${describeValue(issue.input)})`;
  switch (issue.code) {
    case 'invalid_type': {
      if (issue.input === undefined) return 'is required';
      // zod checks the type before `.int()`, so an integer key reports "number"; say what it takes.
      const expected = issue.expected === 'number' && issue.inst instanceof z.ZodNumber && issue.inst.isInt ? 'int' : issue.expected;
      return `must be ${TYPE_WORDS[expected] ?? expected} ${got()}${expected === 'boolean' ? yaml11BooleanHint(issue.input) : ''}`;
    }
    case 'too_small':
      return sizeWords(issue.origin, issue.minimum, issue.inclusive, 'min');
    case 'too_big':
      return sizeWords(issue.origin, issue.maximum, issue.inclusive, 'max');
    case 'not_multiple_of':
      return `must be a multiple of ${issue.divisor}`;
    case 'invalid_value': {
      const allowed = issue.values.length === 1 ? quoted(issue.values[0]) : `one of ${issue.values.map(quoted).join(', ')}`;
      const close = typeof issue.input === 'string' ? didYouMean(issue.input, issue.values.map(String)) : null;
      return `must be ${allowed} ${got()}${close !== null ? ` — did you mean ${quoted(close)}?` : ''}`;
    }
    case 'invalid_union': {
      const node = issue.inst ? jsonSchemaOf(issue.inst as z.core.$ZodType) : null;
      return node?.anyOf ? `must be ${describeJsonType(node)} ${got()}` : undefined;
    }
    case 'unrecognized_keys': {
      const object = issue.inst instanceof z.ZodObject ? issue.inst : null;
      return issue.keys.map((key) => unknownKeyMessage(key, object)).join('; ');
    }
    default:
      return undefined;
  }
};

/**
 * A config's zod error as issues keyed by config path, in researcher words. An unknown key gets an
 * issue of its own at its own path (so the editor marks its line), not one for the whole mapping.
 */
export function configIssues(error: z.ZodError, schema: z.core.$ZodType = RunConfigSchema): Issue[] {
  return error.issues.flatMap((issue) => {
    const base = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const object = objectAt(schema, issue.path);
      return issue.keys.map((key) => ({ path: [...base, key].join('.'), message: unknownKeyMessage(key, object) }));
    }
    return [{ path: base.join('.'), message: issue.message }];
  });
}

/** Parses a config object (YAML already read) with every default filled in, or its issues in researcher words. */
export function parseRunConfig(raw: unknown): { ok: true; config: RunConfig } | { ok: false; issues: Issue[] } {
  const parsed = RunConfigSchema.safeParse(raw, { error: configErrorMap });
  return parsed.success ? { ok: true, config: parsed.data } : { ok: false, issues: configIssues(parsed.error) };
}
