/**
 * A run's `run.json` read with a diagnosis: the record, or what is wrong with the file in words a
 * person can act on ("not valid JSON at line 3, column 7", "status: must be one of …"). A run
 * whose record cannot be read is still a run: `damagedRecord` stands in for it in the runs list,
 * with what could be salvaged (the file's valid fields, the config's name and method).
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { configErrorMap, configIssues } from '../../common/configMessages.js';
import { METHOD_FLAGS, methodOf } from '../../common/config.js';
import { RunRecordSchema, RunSummarySchema, StoredRunStatusSchema, type RunDamage, type RunRecord } from '../../common/runs.js';
import { parseConfigYaml } from './configText.js';

/** What `run.json` may hold: a record whose status is one the workbench writes (never `damaged`). */
const StoredRunRecordSchema = RunRecordSchema.extend({ status: StoredRunStatusSchema }).omit({ damage: true });

/** More would bury the first; the rest are counted. */
const MAX_LISTED_ISSUES = 3;

export type RecordRead =
  | { ok: true; record: RunRecord }
  /** `salvage`: the file's JSON object when it is one (its valid fields are still worth showing). */
  | { ok: false; damage: RunDamage; salvage: Record<string, unknown> | null };

/**
 * Offset of the first character at which `text` stops being JSON (its length when it ends too
 * early), or -1 when it is JSON. `JSON.parse` says where only for some mistakes, and in words that
 * differ between Node versions.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new JsonStop(i);
  };
  const space = (): void => {
    while (i < text.length && ' \t\n\r'.includes(text[i] as string)) i += 1;
  };
  const expect = (char: string): void => {
    if (text[i] !== char) fail();
    i += 1;
  };
  const string = (): void => {
    expect('"');
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      i += 1;
      if (c === '"') return;
      if (c === '\\') {
        const escape = text[i];
        if (escape === 'u') {
          i += 1;
          for (let k = 0; k < 4; k += 1) {
            if (!/[0-9a-fA-F]/.test(text[i] ?? '')) fail();
            i += 1;
          }
        } else {
          if (escape === undefined || !'"\\/bfnrt'.includes(escape)) fail();
          i += 1;
        }
      }
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): void => {
    space();
    const c = text[i];
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i += 1;
      space();
      if (text[i] === close) {
        i += 1;
        return;
      }
      for (;;) {
        if (c === '{') {
          space();
          string();
          space();
          expect(':');
        }
        value();
        space();
        if (text[i] === ',') i += 1;
        else return expect(close);
      }
    }
    if (c === '"') return string();
    for (const word of ['true', 'false', 'null']) {
      if (c !== word[0]) continue;
      for (const letter of word) expect(letter);
      return;
    }
    NUMBER.lastIndex = i;
    if (!NUMBER.test(text)) fail();
    i = NUMBER.lastIndex;
  };
  try {
    value();
    space();
    if (i < text.length) fail();
    return -1;
  } catch (error) {
    if (error instanceof JsonStop) return error.offset;
    // Nesting deeper than the stack: not a file the workbench wrote; say so without a place.
    return 0;
  }
}

class JsonStop {
  constructor(readonly offset: number) {}
}

/** Line and column (from 1) of an offset in a text. */
function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** Why a text is not JSON, for people: empty, cut short, or the place of the first mistake. */
export function jsonProblem(text: string): string {
  if (text.trim() === '') return text.length === 0 ? 'empty (0 bytes)' : 'holds only white space';
  if (/^\0+$/.test(text)) return `holds only zero bytes (${text.length}): its contents never reached the disk`;
  const offset = jsonErrorOffset(text);
  const { line, column } = lineAndColumn(text, Math.max(0, offset));
  if (offset >= text.trimEnd().length) return `cut short: the JSON is not complete at its end (line ${line})`;
  return `not valid JSON at line ${line}, column ${column}`;
}

/** Reads and checks `run.json` at `path`; never throws. */
export function readRunRecord(path: string): RecordRead {
  const damage = (reason: string): RunDamage => ({ file: 'run.json', path, reason });
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'missing' : `cannot be read: ${(error as Error).message}`;
    return { ok: false, damage: damage(reason), salvage: null };
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { ok: false, damage: damage(jsonProblem(text)), salvage: null };
  }
  const salvage = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : null;
  const parsed = StoredRunRecordSchema.safeParse(raw, { error: configErrorMap });
  if (parsed.success) return { ok: true, record: parsed.data };
  const issues = configIssues(parsed.error, StoredRunRecordSchema).map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message));
  const more = issues.length > MAX_LISTED_ISSUES ? ` (and ${issues.length - MAX_LISTED_ISSUES} more)` : '';
  const listed = issues.slice(0, MAX_LISTED_ISSUES).join('; ');
  return { ok: false, damage: damage(salvage ? listed + more : `not a run record: ${listed}`), salvage };
}

/** `20260102-030405-…` (how run ids begin) as the time it names, or null. */
function timeOfId(id: string): string | null {
  const match = /^(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})/.exec(id);
  if (!match) return null;
  const [, year, month, day, hour, minute, second] = match;
  const date = new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

/** What the runs list shows of a config: all it needs to name a damaged run and tell it apart. */
export interface ConfigFacts {
  name?: string;
  method?: string;
  num_epochs?: number;
  val_path?: string | null;
  seed?: number;
}

/**
 * The facts of a `config.yaml`: from the checked config when it passes the check, else the values
 * of the right type it holds (a config of an older workbench, or edited by hand, still names its run).
 */
export function configFacts(text: string): ConfigFacts {
  const checked = parseConfigYaml(text);
  if (checked.ok) {
    const { name, num_epochs, val_path, seed } = checked.config;
    return { name, method: methodOf(checked.config), num_epochs, val_path, seed };
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    return {};
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return {};
  const value = raw as Record<string, unknown>;
  const textAt = (key: string): string | undefined => (typeof value[key] === 'string' && value[key] !== '' ? (value[key] as string) : undefined);
  const wholeAt = (key: string): number | undefined => (Number.isSafeInteger(value[key]) ? (value[key] as number) : undefined);
  return {
    name: textAt('name'),
    method: METHOD_FLAGS.find((flag) => value[flag] === true),
    num_epochs: wholeAt('num_epochs'),
    val_path: textAt('val_path'),
    seed: wholeAt('seed'),
  };
}

export interface DamagedRun {
  id: string;
  /** The run folder as it is on disk now (never the `dir` the damaged file says). */
  dir: string;
  damage: RunDamage;
  salvage: Record<string, unknown> | null;
  /** What its `config.yaml` says, as far as it could be read. */
  config: ConfigFacts;
  /** When the folder last changed: the creation time of last resort. */
  folderTime: Date;
}

/**
 * The record that stands in for a run whose `run.json` cannot be read: status `damaged`, `damage`
 * saying why, the damaged file's fields that are still valid, else the config's, else nothing.
 */
export function damagedRecord({ id, dir, damage, salvage, config, folderTime }: DamagedRun): RunRecord {
  const kept = <K extends keyof typeof RunSummarySchema.shape>(key: K): unknown => {
    const parsed = RunSummarySchema.shape[key].safeParse(salvage?.[key]);
    return parsed.success && parsed.data !== undefined && parsed.data !== null ? parsed.data : undefined;
  };
  const or = <T>(key: keyof typeof RunSummarySchema.shape, fallback: T): T => (kept(key) as T | undefined) ?? fallback;
  return {
    id,
    name: or('name', config.name ?? id),
    status: 'damaged',
    method: or('method', config.method ?? ''),
    created_at: or('created_at', timeOfId(id) ?? folderTime.toISOString()),
    started_at: or('started_at', null),
    ended_at: or('ended_at', null),
    stage: or('stage', null),
    epoch: or('epoch', null),
    num_epochs: or('num_epochs', config.num_epochs ?? null),
    best_accuracy: or('best_accuracy', null),
    last_accuracy: or('last_accuracy', null),
    last_error: or('last_error', null),
    dir,
    val_path: or('val_path', config.val_path ?? null),
    seed: or('seed', config.seed ?? null),
    eval_of: or('eval_of', null),
    damage,
    pid: null,
    versions: {},
    exit_code: null,
  };
}
