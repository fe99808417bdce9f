/**
 * Reading and checking dataset files in Node. The record format itself is the contract in
 * src/common/records.ts (shared with the engine as a JSON Schema); this module adds what a schema
 * cannot say (graph fields that come together, node indices within the graph) and the file
 * handling: UTF-8, JSON, one message per problem naming the file, the record and the field.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import {
  DatasetRecordSchema,
  GRAPH_FIELDS,
  RECORD_FIELD_RULES,
  REQUIRED_RECORD_FIELDS,
  type DatasetRecord,
} from '../../common/records.js';

export { DatasetRecordSchema, type DatasetRecord };

/** Errors reported before the rest are summarised in one line. */
export const MAX_REPORTED_ERRORS = 20;

export interface DatasetValidation {
  /** Records in the list (valid or not). */
  records: number;
  /** Messages such as `train.json: record 12: 'steps' must be a list of strings`: at most MAX_REPORTED_ERRORS, then one summary line. */
  errors: string[];
  /** Problems found in all, including those not listed. */
  errorCount: number;
}

/** An unpaired UTF-16 surrogate: with the `u` flag, a valid pair is one code point and does not match. */
const UNPAIRED_SURROGATE = /[\ud800-\udfff]/u;

/**
 * Text the engine cannot encode: JSON may escape half of a surrogate pair (`"\ud800"`), which
 * JavaScript and Python both accept as a string, but which no UTF-8 tokenizer can take. Each
 * problem names the field and, inside lists, the item.
 */
export function unencodableText(record: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const visit = (value: unknown, where: string): void => {
    if (typeof value === 'string') {
      const found = UNPAIRED_SURROGATE.exec(value);
      if (found) {
        const code = found[0].charCodeAt(0).toString(16).toUpperCase();
        problems.push(`${where} is not valid Unicode text: it holds half of a surrogate pair (U+${code}, "\\u${code.toLowerCase()}" in JSON) at character ${[...value.slice(0, found.index)].length}`);
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, `${where} item ${index}`));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) visit(item, `${where}.${key}`);
    }
  };
  for (const [field, value] of Object.entries(record)) visit(value, `'${field}'`);
  return problems.map((problem) => problem.replace(/^'steps' item (\d+)/, "'steps' step $1"));
}

/** Problems with one record, each as "'field' …"; empty when the record is valid. */
export function recordProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return ['must be an object with question, steps and answer'];
  }
  const record = value as Record<string, unknown>;
  const problems: string[] = unencodableText(record);
  for (const field of REQUIRED_RECORD_FIELDS) if (record[field] === undefined) problems.push(`'${field}' is missing`);
  const parsed = DatasetRecordSchema.safeParse(record);
  if (!parsed.success) {
    const fields = new Set(parsed.error.issues.map((issue) => String(issue.path[0] ?? '')));
    for (const field of fields) {
      if (record[field] === undefined) continue; // already reported as missing
      const detail = stepDetail(field, record[field]);
      problems.push(`'${field}' ${fieldRule(field, record[field])}${detail}`);
    }
    return problems;
  }
  return [...problems, ...graphProblems(parsed.data)];
}

/**
 * The words for a field that is present but wrong: its rule, or, for a text field holding another
 * JSON type, what it holds (the engine words it the same way, from the same schema).
 */
function fieldRule(field: string, value: unknown): string {
  if (field === 'question' || field === 'answer') {
    if (typeof value !== 'string') return `must be a string, found ${describeJson(value)}`;
  }
  return RECORD_FIELD_RULES[field as keyof typeof RECORD_FIELD_RULES] ?? 'is invalid';
}

/** Point at the first bad step, since a record may have many. */
function stepDetail(field: string, value: unknown): string {
  if (field !== 'steps' || !Array.isArray(value)) return '';
  const bad = value.findIndex((step) => typeof step !== 'string' || step.trim() === '');
  return bad >= 0 ? ` (step ${bad} is ${typeof value[bad] === 'string' ? 'empty' : JSON.stringify(value[bad]) ?? 'undefined'})` : '';
}

/**
 * Graph fields are optional, but when present they come together and point at existing nodes:
 * rules between fields, which a JSON Schema cannot state, so the workbench alone checks them.
 */
export function graphProblems(record: DatasetRecord): string[] {
  const present = GRAPH_FIELDS.filter((field) => record[field] !== undefined);
  if (present.length === 0) {
    return (['neg_target', 'frontiers'] as const).filter((field) => record[field] !== undefined).map((field) => `'${field}' is given without the graph fields`);
  }
  const missing = GRAPH_FIELDS.filter((field) => record[field] === undefined);
  if (missing.length > 0) return missing.map((field) => `'${field}' is missing (graph fields come together)`);
  const nodeCount = (record.idx_to_symbol as string[]).length;
  const problems: string[] = [];
  const badEdge = (record.edges ?? []).findIndex(([from, to]) => from >= nodeCount || to >= nodeCount || from === to);
  if (badEdge >= 0) problems.push(`'edges' entry ${badEdge} does not join two different nodes of idx_to_symbol (${nodeCount} nodes)`);
  for (const field of ['root', 'target', 'neg_target'] as const) {
    const node = record[field];
    if (node !== undefined && node >= nodeCount) problems.push(`'${field}' is ${node}, but idx_to_symbol has ${nodeCount} nodes`);
  }
  const badFrontier = (record.frontiers ?? []).findIndex((nodes) => nodes.some((node) => node >= nodeCount));
  if (badFrontier >= 0) problems.push(`'frontiers' list ${badFrontier} names a node outside idx_to_symbol (${nodeCount} nodes)`);
  return problems;
}

/** Check every record of a parsed dataset; `fileName` prefixes each message. */
export function validateDataset(value: unknown, fileName: string): DatasetValidation {
  if (!Array.isArray(value)) {
    return { records: 0, errors: [`${fileName}: must be a JSON list of records, found ${describeJson(value)}`], errorCount: 1 };
  }
  const errors: string[] = [];
  let unreported = 0;
  value.forEach((record, index) => {
    for (const problem of recordProblems(record)) {
      if (errors.length < MAX_REPORTED_ERRORS) errors.push(`${fileName}: record ${index}: ${problem}`);
      else unreported++;
    }
  });
  const errorCount = errors.length + unreported;
  if (unreported > 0) errors.push(`${fileName}: … and ${unreported} more problems not shown (${errorCount} in all)`);
  return { records: value.length, errors, errorCount };
}

function describeJson(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  return `a ${typeof value}`;
}

/** A dataset file could not be read, parsed or validated; `problems` lists every message. */
export class DatasetError extends Error {
  override name = 'DatasetError';
  constructor(
    message: string,
    readonly problems: string[] = [message],
  ) {
    super(message);
  }
}

/**
 * Offset of the first byte of `bytes` that does not belong to a well-formed UTF-8 sequence (as
 * the Unicode standard defines it: no overlong forms, no surrogates, nothing past U+10FFFF), or
 * -1 when all of it is UTF-8.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i++;
      continue;
    }
    let length: number;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) length = 2;
    else if (lead >= 0xe0 && lead <= 0xef) {
      length = 3;
      if (lead === 0xe0) low = 0xa0;
      if (lead === 0xed) high = 0x9f;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
      length = 4;
      if (lead === 0xf0) low = 0x90;
      if (lead === 0xf4) high = 0x8f;
    } else return i;
    for (let k = 1; k < length; k++) {
      const next = bytes[i + k];
      if (next === undefined || next < (k === 1 ? low : 0x80) || next > (k === 1 ? high : 0xbf)) return i;
    }
    i += length;
  }
  return -1;
}

/**
 * `bytes` as text (a leading byte order mark dropped), or what is wrong: "byte 0xFF on line 3 (byte
 * 41 of the file) is not valid UTF-8". `lines` false leaves the line out (for text that is one line).
 */
export function decodeUtf8(bytes: Uint8Array, lines = true): { text: string } | { problem: string } {
  const bad = firstInvalidUtf8(bytes);
  if (bad < 0) return { text: new TextDecoder('utf-8').decode(bytes) };
  const byte = `0x${bytes[bad]!.toString(16).toUpperCase().padStart(2, '0')}`;
  if (!lines) return { problem: `not UTF-8 text: byte ${byte} at byte ${bad} of the line is not valid UTF-8; save the file as UTF-8` };
  let line = 1;
  for (let i = 0; i < bad; i++) if (bytes[i] === 0x0a) line++;
  return { problem: `not UTF-8 text: byte ${byte} on line ${line} (byte ${bad} of the file) is not valid UTF-8; save the file as UTF-8` };
}

/** Read and parse a JSON file, with one clear error for a missing file, text that is not UTF-8, or bad JSON. */
export async function readDatasetJson(path: string): Promise<unknown> {
  const name = basename(path);
  let text: string;
  try {
    // Bytes, not 'utf8': Node would quietly turn bytes that are not UTF-8 into U+FFFD.
    const decoded = decodeUtf8(await readFile(path));
    if ('problem' in decoded) throw new DatasetError(`${name}: ${decoded.problem}`);
    text = decoded.text;
  } catch (error) {
    if (error instanceof DatasetError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatasetError(`${name}: no such file (${path})`);
    if (code === 'EISDIR') throw new DatasetError(`${name}: is a folder, not a dataset file (${path})`);
    throw new DatasetError(`${name}: cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new DatasetError(`${name}: not valid JSON (${(error as Error).message})`);
  }
}

/** Read a dataset file and validate every record; throws DatasetError listing the problems. */
export async function readDataset(path: string): Promise<DatasetRecord[]> {
  const value = await readDatasetJson(path);
  const { errors, errorCount } = validateDataset(value, basename(path));
  if (errorCount > 0) {
    const more = errorCount > 1 ? ` (${errorCount} problems in all)` : '';
    throw new DatasetError(`${errors[0]}${more}`, errors);
  }
  // Validated above; returned as parsed so that records keep exactly the fields they were written with.
  return value as DatasetRecord[];
}
