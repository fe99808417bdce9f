/**
 * Reading a run config's YAML text by the rules the engine's loader (`coconut_engine/config.py`)
 * follows, so that `config.check`, `runs.create` and the engine agree on what every text means:
 *
 * - **YAML 1.2, core schema**, on both sides: `yes`, `no`, `on`, `off`, `12:30` and `2024-01-01`
 *   are text, `1e-4` is a number, `true`/`True`/`TRUE` are booleans. (PyYAML alone would read
 *   YAML 1.1, where `name: no` is false and `12:30` is 750; the engine swaps in these rules.)
 * - **Limits** (`CONFIG_YAML_LIMITS`): size, nesting depth and node count, checked before or while
 *   parsing, so no text can make either side work for long.
 * - **No anchors or aliases** (`&name`, `*name`): a config has no use for them, refusing aliases
 *   ends "billion laughs" expansion before it starts, and the two parsers accept different anchor
 *   names (this one any non-space characters, PyYAML only letters, digits, `-` and `_`); **no duplicate keys** (found in linear time); only the core
 *   schema's tags (`!!str`, `!!int`, `!!float`, `!!bool`, `!!null`, `!!map`, `!!seq`).
 * - **Characters both parsers read alike**: no tabs, control characters, Unicode line separators
 *   (YAML 1.1 parsers break lines there, 1.2 ones do not) or unpaired surrogates in the text; text
 *   values are printable and on one line; numbers are finite.
 *
 * Lives in src/common so that every reader of a config draft can apply the same rules.
 */
import { CST, isAlias, isCollection, isMap, isPair, isScalar, Lexer, LineCounter, parseDocument, type Alias, type Document, type YAMLError } from 'yaml';
import type { Issue } from './api.js';
import { CONFIG_YAML_LIMITS } from './config.js';

/** Options for every `parseDocument` of a config: YAML 1.2 core, duplicates and tags checked here. */
export const CONFIG_YAML_OPTIONS = {
  version: '1.2',
  schema: 'core',
  // The library's duplicate-key check compares each key with every earlier one (quadratic).
  uniqueKeys: false,
  // !!binary, !!timestamp, !!set... would otherwise resolve; the engine refuses them too.
  resolveKnownTags: false,
  merge: false,
  prettyErrors: false,
} as const;

const CORE_TAGS: ReadonlySet<string> = new Set(
  ['str', 'int', 'float', 'bool', 'null', 'map', 'seq'].map((name) => `tag:yaml.org,2002:${name}`).concat('!'),
);

/**
 * Characters allowed anywhere in a config's text (after a leading byte order mark): line breaks,
 * printable ASCII and the printable rest of Unicode, less U+FEFF. The engine uses the same class.
 */
const TEXT_CHARACTER_NOT_ALLOWED = /[^\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]/u;
/** Characters allowed in a text value: the same, less the line breaks. */
const VALUE_CHARACTER_NOT_ALLOWED = /[^\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufefe\uff00-\ufffd\u{10000}-\u{10ffff}]/u;

/** "U+0009 (a tab)": a character the rules refuse, as a message names it. */
export function describeCharacter(character: string): string {
  const code = character.codePointAt(0) ?? 0;
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
  if (character === '\t') return `${hex} (a tab)`;
  if (character === '\n') return `${hex} (a line break)`;
  if (character === '\r') return `${hex} (a carriage return without a line feed)`;
  if (code === 0x85 || code === 0x2028 || code === 0x2029) return `${hex} (a Unicode line separator)`;
  if (code >= 0xd800 && code <= 0xdfff) return `${hex} (an unpaired surrogate, not valid Unicode)`;
  if (code === 0xfeff) return `${hex} (a byte order mark)`;
  if (code === 0xfffe || code === 0xffff) return `${hex} (not a character)`;
  return `${hex} (a control character)`;
}

/** UTF-8 length of `text`, stopping once it passes `limit` (an unpaired surrogate counts 3, as its replacement would). */
function utf8LengthUpTo(text: string, limit: number): number {
  let bytes = 0;
  for (let i = 0; i < text.length && bytes <= limit; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

export type ConfigYamlRead = { ok: true; value: unknown } | { ok: false; issues: Issue[] };

const fail = (message: string, path = ''): ConfigYamlRead => ({ ok: false, issues: [{ path, message }] });

/** "YAML line 3, column 5" for an offset into the text. */
function place(lines: LineCounter, offset: number | undefined): string {
  if (offset === undefined) return 'YAML';
  const { line, col } = lines.linePos(offset);
  return `YAML line ${line}, column ${col}`;
}

/**
 * The text problems found before parsing: too large, or a character the two parsers would read
 * differently (or not at all).
 */
function textIssue(text: string): ConfigYamlRead | null {
  const { maxBytes } = CONFIG_YAML_LIMITS;
  const bytes = utf8LengthUpTo(text, maxBytes);
  if (bytes > maxBytes) return fail(`the config is over ${maxBytes} bytes (256 KiB); a run config is a few hundred`);
  const body = text.startsWith('\ufeff') ? text.slice(1) : text;
  // A carriage return ends a line for PyYAML but not for the YAML library here: only CRLF may.
  const found = TEXT_CHARACTER_NOT_ALLOWED.exec(body) ?? /\r(?!\n)/.exec(body);
  if (!found) return documentEndIssue(body);
  const before = body.slice(0, found.index);
  const line = before.split('\n').length;
  const column = [...before.slice(before.lastIndexOf('\n') + 1)].length + 1;
  const hint = found[0] === '\t' ? ': indent and separate with spaces (in double quotes, write \\t)' : ' (in double quotes, write it as an escape)';
  return fail(`YAML line ${line}, column ${column}: ${describeCharacter(found[0])} is not allowed in a config${hint}`);
}

/**
 * A config is one document, and the two parsers count document end markers (`...`) differently
 * (a second one starts an empty document here, PyYAML skips it): none is allowed.
 */
function documentEndIssue(body: string): ConfigYamlRead | null {
  const marker = /^\.\.\.(?= |\r?$)/m.exec(body);
  if (!marker) return null;
  const line = body.slice(0, marker.index).split('\n').length;
  return fail(`YAML line ${line}, column 1: a document end marker (...) is not allowed in a config; a config is one document`);
}

/** A \u or \U escape of a surrogate (not preceded by an odd number of backslashes); group 1 is the escape. */
const SURROGATE_ESCAPE = /(?<!\\)(?:\\\\)*(\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\U0000[dD][89a-fA-F][0-9a-fA-F]{2})/;

/** Lexer tokens that mark a state and stand for no source text. */
const MARKER_TOKENS: ReadonlySet<string> = new Set(['doc-mode', 'flow-error-end', 'scalar']);

/**
 * A nesting deeper than `maxDepth`, found from the tokens before parsing: the parser takes time
 * quadratic in the depth (1 MiB of "[" takes it seconds). Flow brackets and the block indicators
 * ("- - - x") that open a collection on one line each add a level for real, so the count is a
 * lower bound of the depth and refuses only what the engine refuses too. Nesting by indentation
 * needs quadratic room, so within the size limit it stays shallow enough to parse quickly.
 */
function nestingIssue(text: string): ConfigYamlRead | null {
  const { maxDepth } = CONFIG_YAML_LIMITS;
  let flow = 0;
  let onLine = 0;
  let offset = 0;
  for (const token of new Lexer().lex(text)) {
    const type = CST.tokenType(token);
    if (type === 'flow-map-start' || type === 'flow-seq-start') flow++;
    else if (type === 'flow-map-end' || type === 'flow-seq-end') flow = Math.max(0, flow - 1);
    else if ((type === 'seq-item-ind' || type === 'explicit-key-ind') && flow === 0) onLine++;
    else if (type === 'newline') onLine = 0;
    // The n-th collection opened is at least n levels deep, as the engine counts levels.
    if (flow + onLine > maxDepth) {
      const before = text.slice(0, offset);
      const line = before.split('\n').length;
      const column = offset - before.lastIndexOf('\n');
      return fail(`YAML line ${line}, column ${column}: nested over ${maxDepth} levels deep; a run config nests two`);
    }
    if (!(type && MARKER_TOKENS.has(type))) offset += token.length;
  }
  return null;
}

/** Aliases, foreign tags, duplicate or non-text keys, and the depth and node limits, in one walk. */
function structureIssues(document: Document, lines: LineCounter, text: string): Issue[] {
  const { maxDepth, maxNodes } = CONFIG_YAML_LIMITS;
  const issues: Issue[] = [];
  const aliases: Alias[] = [];
  const anchored: { anchor: string; at: number | undefined }[] = [];
  let nodes = 0;
  // Iterative: a deep tree must not exhaust the call stack before its depth is reported.
  const stack: { node: unknown; depth: number }[] = [{ node: document.contents, depth: 1 }];
  while (stack.length > 0) {
    const { node, depth } = stack.pop()!;
    if (node === null || node === undefined) continue;
    if (++nodes > maxNodes) return [{ path: '', message: `the config has over ${maxNodes} keys and values; a run config has about fifty` }];
    if (depth > maxDepth) return [{ path: '', message: `${place(lines, (node as { range?: number[] }).range?.[0])}: nested over ${maxDepth} levels deep; a run config nests two` }];
    if (isAlias(node)) {
      aliases.push(node);
      continue;
    }
    if ((isScalar(node) || isCollection(node)) && node.anchor) anchored.push({ anchor: node.anchor, at: node.range?.[0] });
    if (isScalar(node) && node.type === 'QUOTE_DOUBLE' && node.range) {
      // "\ud83d\ude00" is one character here (JavaScript strings are UTF-16) but two unpaired
      // surrogates to the engine; a surrogate is not a character, so no escape may name one.
      const escape = SURROGATE_ESCAPE.exec(text.slice(node.range[0], node.range[1]));
      if (escape) issues.push({ path: '', message: `${place(lines, node.range[0])}: the escape ${escape[1]} names half of a surrogate pair; write the character itself, or its code point as \\U followed by eight hex digits` });
    }
    if ((isScalar(node) || isCollection(node)) && node.tag !== undefined && !CORE_TAGS.has(node.tag)) {
      issues.push({ path: '', message: `${place(lines, node.range?.[0])}: the tag ${node.tag.replace('tag:yaml.org,2002:', '!!')} is not allowed in a config (only !!str, !!int, !!float, !!bool, !!null)` });
    }
    if (!isCollection(node)) continue;
    const seen = new Set<string>();
    for (const item of node.items) {
      if (!isPair(item)) continue;
      const key = item.key as unknown;
      // A pair counts its key even when empty, as the engine's parser makes a node of it.
      if (key === null) nodes++;
      if (!isMap(node)) continue;
      if (isScalar(key)) {
        const keyValue = key.value;
        if (typeof keyValue !== 'string') {
          issues.push({ path: '', message: `${place(lines, key.range?.[0])}: the key ${String(keyValue)} is not text; config keys are names such as lr` });
        } else if (seen.has(keyValue)) {
          issues.push({ path: '', message: `${place(lines, key.range?.[0])}: the key ${keyValue} is given twice` });
        } else {
          seen.add(keyValue);
        }
      } else if (key === null) {
        issues.push({ path: '', message: `${place(lines, (item.value as { range?: number[] } | null)?.range?.[0])}: a value has no key` });
      } else if (!isAlias(key)) {
        issues.push({ path: '', message: `${place(lines, (key as { range?: number[] }).range?.[0])}: a key must be a name, not a list or mapping` });
      }
    }
    // Children in reverse, so that the stack visits them in document order.
    for (const item of [...node.items].reverse()) {
      if (isPair(item)) stack.push({ node: item.value, depth: depth + 1 }, { node: item.key, depth: depth + 1 });
      else stack.push({ node: item, depth: depth + 1 });
    }
  }
  // One message for both: aliases are what matters when there are any (they expand), else the anchors.
  if (anchored.length > 0 && aliases.length === 0) {
    const [first] = anchored;
    const more = anchored.length > 1 ? ` and ${anchored.length - 1} more` : '';
    issues.unshift({ path: '', message: `${place(lines, first!.at)}: anchors (&${first!.anchor}${more}) are not allowed in a config; write the value out` });
  }
  if (aliases.length > 0) {
    const [first] = aliases;
    const more = aliases.length > 1 ? ` and ${aliases.length - 1} more` : '';
    issues.unshift({ path: '', message: `${place(lines, first!.range?.[0])}: aliases (*${first!.source}${more}) are not allowed in a config; write the value out` });
  }
  return issues;
}

/** Values the engine could not take as the schema means them: unprintable text, infinite numbers. */
function valueIssues(value: unknown, path: string[] = [], issues: Issue[] = []): Issue[] {
  const where = path.join('.');
  if (typeof value === 'string') {
    const found = VALUE_CHARACTER_NOT_ALLOWED.exec(value);
    if (found) issues.push({ path: where, message: `contains ${describeCharacter(found[0])}; config text must be printable and on one line` });
  } else if (typeof value === 'number' && !Number.isFinite(value)) {
    const shown = Number.isNaN(value) ? '.nan' : value > 0 ? '.inf' : '-.inf';
    issues.push({ path: where, message: `must be a finite number (got ${shown})` });
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => valueIssues(item, [...path, String(index)], issues));
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) valueIssues(item, [...path, key], issues);
  }
  return issues;
}

/** The YAML library's message, with a refused tag said as the engine says it. */
function yamlProblem(error: YAMLError): string {
  const message = error.message.split('\n')[0] ?? '';
  const tag = error.code === 'TAG_RESOLVE_FAILED' ? /Unresolved tag: (.*)$/.exec(message)?.[1] : undefined;
  if (tag === undefined) return message;
  const shown = tag.replace('tag:yaml.org,2002:', '!!');
  return CORE_TAGS.has(tag) ? `the value does not fit its tag ${shown}` : `the tag ${shown} is not allowed in a config (only !!str, !!int, !!float, !!bool, !!null)`;
}

/**
 * A config's YAML text as plain data (mappings as objects), or the issues that stop it: YAML
 * errors at path '' (their message names the line), value problems at their key's path.
 */
export function readConfigYaml(text: string): ConfigYamlRead {
  const early = textIssue(text) ?? nestingIssue(text);
  if (early) return early;
  const lines = new LineCounter();
  let document: Document;
  try {
    document = parseDocument(text, { ...CONFIG_YAML_OPTIONS, lineCounter: lines });
  } catch (error) {
    // The parser recurses per nesting level; 1 MiB of "[" reaches the stack's end first.
    if (error instanceof RangeError) return fail(`the YAML is nested over ${CONFIG_YAML_LIMITS.maxDepth} levels deep; a run config nests two`);
    throw error;
  }
  const problems = [...document.errors, ...document.warnings];
  if (problems.length > 0) {
    return { ok: false, issues: problems.map((error) => ({ path: '', message: `${place(lines, error.pos[0])}: ${yamlProblem(error)}` })) };
  }
  const directive = document.directives?.yaml;
  if (directive?.explicit && directive.version !== '1.2') {
    return fail(`a %YAML ${directive.version} directive: configs are read as YAML 1.2 (yes, no, on and off are text); remove it`);
  }
  const structure = structureIssues(document, lines, text);
  if (structure.length > 0) return { ok: false, issues: structure };
  if (!isMap(document.contents)) return fail('a config must be a YAML mapping of keys to values');
  const value = document.toJS() as unknown;
  const issues = valueIssues(value);
  return issues.length > 0 ? { ok: false, issues } : { ok: true, value };
}
