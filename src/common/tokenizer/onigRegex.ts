/**
 * Oniguruma patterns of a tokenizer.json (the `Split` pre-tokenizer's `Regex`, the `ByteLevel`
 * pre-tokenizer's built-in pattern) as JavaScript regular expressions that find the same matches.
 *
 * The Rust `tokenizers` crate runs these patterns with Oniguruma (Ruby syntax). JavaScript's own
 * `\p{L}`, `\p{N}` and `\s` follow the runtime's Unicode version and its own idea of white space,
 * so they are replaced by the engine's classes measured from its `tokenizers` (`bpeTables.ts`;
 * Oniguruma's `\s` is the Unicode White_Space set, the same table as the word-level `\s`):
 * with Node 20 (Unicode 17), 4,644 code points were `\p{L}` for JavaScript and not for the engine,
 * 13 `\p{N}`, and `\s` differed on U+0085 (Oniguruma: space) and U+FEFF (JavaScript: space).
 *
 * Supported: literals, `.`, `^`/`$` (Ruby's line anchors), groups `(…)`, `(?:…)`, `(?=…)`, `(?!…)`,
 * `(?<=…)`, `(?<!…)`, `(?i:…)` over ASCII letters, alternation, greedy and lazy quantifiers
 * (`{,n}` too), classes with ranges, and the escapes `\s \S \p{L} \p{N} \P{L} \P{N} \r \n \t \f \v
 * \a \e \xHH \x{H…} \uHHHH` and escaped punctuation. Anything else (`\d`, `\w`, `\b`, other
 * properties, backreferences, possessive quantifiers, nested classes…) throws `OnigPatternError`:
 * its tables were not measured, so a translation could silently disagree.
 *
 * Plain ECMAScript only: runs in Node and in the renderer.
 */
import { LETTER_RANGES, NUMBER_RANGES } from './bpeTables.js';
import { SPACE_RANGES } from './unicodeTables.js';
import { unpackRanges } from './wordLevel.js';

/** A pattern this translator does not reproduce exactly. */
export class OnigPatternError extends Error {
  constructor(detail: string) {
    super(detail);
    this.name = 'OnigPatternError';
  }
}

const classBody = (packed: string) =>
  unpackRanges(packed)
    .map(([start, end]) => (start === end ? `\\u{${start.toString(16)}}` : `\\u{${start.toString(16)}}-\\u{${end.toString(16)}}`))
    .join('');

/** Class bodies (without brackets) of the engine's `\s`, `\p{L}` and `\p{N}`. */
export const ONIG_CLASS = {
  space: classBody(SPACE_RANGES),
  letter: classBody(LETTER_RANGES),
  number: classBody(NUMBER_RANGES),
};

/** Oniguruma's case folding adds these to ASCII letters (measured: `(?i:[a-z])` matches exactly a–z, A–Z, U+017F and U+212A). */
const EXTRA_FOLDS: Readonly<Record<string, string>> = { s: '\u017f', k: '\u212a' };
/** Letter pairs that Oniguruma's multi-character folding also matches as one character (`(?i:ss)` matches "ß"): not reproduced. */
const MULTI_FOLDS = new Set(['ss', 'st', 'ff', 'fi', 'fl']);
const SYNTAX = new Set('^$\\.*+?()[]{}|/');

const hex = (cp: number) => `\\u{${cp.toString(16)}}`;
const isAsciiLetter = (c: string) => /^[A-Za-z]$/.test(c);

class Translator {
  private pos = 0;
  private caseless = false;

  constructor(private readonly src: string) {}

  translate(): string {
    const out = this.alternation();
    if (this.pos < this.src.length) throw new OnigPatternError(`unbalanced ')' at ${this.pos}`);
    return out;
  }

  private peek(offset = 0): string | undefined {
    return this.src[this.pos + offset];
  }

  private fail(detail: string): never {
    throw new OnigPatternError(`${detail} at ${this.pos}`);
  }

  private alternation(): string {
    let out = this.sequence();
    while (this.peek() === '|') {
      this.pos++;
      out += '|' + this.sequence();
    }
    return out;
  }

  private sequence(): string {
    let out = '';
    let previousLetter = '';
    while (this.pos < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const start = this.pos;
      const atom = this.atom();
      const letter = this.src.slice(start, this.pos);
      if (this.caseless && isAsciiLetter(letter)) {
        if (MULTI_FOLDS.has((previousLetter + letter).toLowerCase())) this.fail(`case-insensitive "${previousLetter}${letter}" (Oniguruma also matches its one-character folding)`);
        previousLetter = letter;
      } else {
        previousLetter = '';
      }
      const quantifier = this.quantifier();
      if (quantifier) previousLetter = '';
      out += atom + quantifier;
    }
    return out;
  }

  private quantifier(): string {
    const c = this.peek();
    let out = '';
    if (c === '?' || c === '*' || c === '+') {
      this.pos++;
      out = c;
    } else if (c === '{') {
      const rest = this.src.slice(this.pos);
      const bounded = /^\{(\d+)(,(\d*))?\}/.exec(rest);
      const upTo = /^\{,(\d+)\}/.exec(rest);
      if (bounded) {
        this.pos += bounded[0].length;
        out = bounded[0];
      } else if (upTo) {
        this.pos += upTo[0].length;
        out = `{0,${upTo[1]}}`;
      } else {
        return '';
      }
    } else {
      return '';
    }
    if (this.peek() === '?') {
      this.pos++;
      out += '?';
    } else if (this.peek() === '+') {
      this.fail('possessive quantifier');
    }
    return out;
  }

  private atom(): string {
    const c = this.src.codePointAt(this.pos) as number;
    const char = String.fromCodePoint(c);
    switch (char) {
      case '(':
        return this.group();
      case '[':
        return this.characterClass();
      case '.':
        this.pos++;
        return '[^\\n]';
      case '^':
        this.pos++;
        return '(?:(?<![\\s\\S])|(?<=\\n))';
      case '$':
        this.pos++;
        return '(?:(?=\\n)|(?![\\s\\S]))';
      case '\\':
        return this.escape();
      case '*':
      case '+':
      case '?':
        return this.fail(`nothing to repeat before '${char}'`);
      default:
        this.pos += char.length;
        return this.literal(char);
    }
  }

  private literal(char: string): string {
    if (this.caseless && /^[A-Za-z]$/.test(char)) {
      const lower = char.toLowerCase();
      return `[${lower}${lower.toUpperCase()}${EXTRA_FOLDS[lower] ?? ''}]`;
    }
    if (this.caseless && char.toLowerCase() !== char.toUpperCase()) this.fail(`case-insensitive non-ASCII letter '${char}'`);
    return SYNTAX.has(char) ? `\\${char}` : char;
  }

  private static readonly GROUPS: readonly (readonly [string, string])[] = [
    ['?:', '(?:'],
    ['?=', '(?='],
    ['?!', '(?!'],
    ['?<=', '(?<='],
    ['?<!', '(?<!'],
    ['?i:', '(?:'],
  ];

  private group(): string {
    this.pos++; // (
    const rest = this.src.slice(this.pos);
    const known = Translator.GROUPS.find(([prefix]) => rest.startsWith(prefix));
    if (!known && rest.startsWith('?')) this.fail(`group syntax '(${rest.slice(0, 3)}'`);
    const saved = this.caseless;
    if (known) {
      this.pos += known[0].length;
      if (known[0] === '?i:') this.caseless = true;
    }
    const inner = this.alternation();
    if (this.peek() !== ')') this.fail("missing ')'");
    this.pos++;
    this.caseless = saved;
    return `${known?.[1] ?? '(?:'}${inner})`;
  }

  /** `\x…` inside or outside a class: the code point, or null when this is not a hex escape. */
  private hexEscape(): number | null {
    const rest = this.src.slice(this.pos);
    const braced = /^\\x\{([0-9A-Fa-f]{1,8})\}/.exec(rest) ?? /^\\x([0-9A-Fa-f]{1,2})/.exec(rest) ?? /^\\u([0-9A-Fa-f]{4})/.exec(rest);
    if (!braced) return null;
    const cp = parseInt(braced[1] as string, 16);
    if (cp > 0x10ffff) this.fail('code point out of range');
    this.pos += braced[0].length;
    return cp;
  }

  /** `\p{L}`, `\p{^N}`, `\P{L}`: the class body and whether it is negated, or null. */
  private property(): { body: string; negated: boolean } | null {
    const match = /^\\([pP])\{(\^?)([^}]*)\}/.exec(this.src.slice(this.pos));
    if (!match) return null;
    const name = match[3] as string;
    const body = name === 'L' ? ONIG_CLASS.letter : name === 'N' ? ONIG_CLASS.number : null;
    if (body === null) this.fail(`property \\p{${name}} (only \\p{L} and \\p{N} are measured)`);
    this.pos += match[0].length;
    return { body, negated: (match[1] === 'P') !== (match[2] === '^') };
  }

  private static readonly CONTROL: Readonly<Record<string, string>> = { r: '\\r', n: '\\n', t: '\\t', f: '\\f', v: '\\v', a: '\\x07', e: '\\x1b' };

  private escape(): string {
    const property = this.property();
    if (property) return `[${property.negated ? '^' : ''}${property.body}]`;
    const cp = this.hexEscape();
    if (cp !== null) {
      const char = String.fromCodePoint(cp);
      return this.caseless && isAsciiLetter(char) ? this.literal(char) : hex(cp);
    }
    const next = this.peek(1);
    if (next === undefined) this.fail('trailing backslash');
    this.pos += 2;
    if (next === 's') return `[${ONIG_CLASS.space}]`;
    if (next === 'S') return `[^${ONIG_CLASS.space}]`;
    const control = Translator.CONTROL[next];
    if (control) return control;
    if (/^[A-Za-z0-9]$/.test(next)) {
      this.pos -= 2;
      this.fail(`escape \\${next} (not measured against the engine)`);
    }
    return SYNTAX.has(next) ? `\\${next}` : next;
  }

  private characterClass(): string {
    if (this.caseless) this.fail('character class inside (?i:…)');
    this.pos++; // [
    let negated = false;
    if (this.peek() === '^') {
      negated = true;
      this.pos++;
    }
    let body = '';
    let first = true;
    for (;;) {
      const c = this.peek();
      if (c === undefined) this.fail("missing ']'");
      if (c === ']' && !first) {
        this.pos++;
        break;
      }
      if (c === '[') this.fail('nested character class');
      if (c === '&' && this.peek(1) === '&') this.fail('character class intersection');
      first = false;
      if (c === '\\') {
        const property = this.property();
        if (property) {
          if (property.negated) this.fail('negated property inside a class');
          body += property.body;
          continue;
        }
        if (this.peek(1) === 's') {
          this.pos += 2;
          body += ONIG_CLASS.space;
          continue;
        }
      }
      const start = this.classChar();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== undefined) {
        this.pos++;
        const end = this.classChar();
        if (end < start) this.fail('empty range');
        body += `${hex(start)}-${hex(end)}`;
      } else {
        body += hex(start);
      }
    }
    return `[${negated ? '^' : ''}${body}]`;
  }

  /** One literal member of a class, as a code point. */
  private classChar(): number {
    const c = this.src.codePointAt(this.pos) as number;
    if (c !== 0x5c) {
      this.pos += String.fromCodePoint(c).length;
      return c;
    }
    const cp = this.hexEscape();
    if (cp !== null) return cp;
    const next = this.peek(1);
    if (next === undefined) this.fail('trailing backslash');
    const control: Readonly<Record<string, number>> = { r: 13, n: 10, t: 9, f: 12, v: 11, a: 7, e: 27 };
    if (control[next] !== undefined) {
      this.pos += 2;
      return control[next];
    }
    if (/^[A-Za-z0-9]$/.test(next)) this.fail(`escape \\${next} in a class (not measured against the engine)`);
    const escaped = this.src.codePointAt(this.pos + 1) as number;
    this.pos += 1 + String.fromCodePoint(escaped).length;
    return escaped;
  }
}

/** The JavaScript source (for flags `gu`) of an Oniguruma pattern; throws `OnigPatternError` for what it does not support. */
export function onigToJs(pattern: string): string {
  const source = new Translator(pattern).translate();
  try {
    new RegExp(source, 'gu');
  } catch (error) {
    throw new OnigPatternError(`does not translate to a JavaScript pattern: ${(error as Error).message}`);
  }
  return source;
}

/**
 * The matches Oniguruma's `find_iter` reports (the `onig` crate): left to right, each search
 * starting where the previous match ended; an empty match right where the previous one ended is
 * skipped by moving one character on. `[start, end]` in UTF-16 units.
 */
export function findMatches(regex: RegExp, text: string): [number, number][] {
  const found: [number, number][] = [];
  let lastEnd = 0;
  let lastMatchEnd = -1;
  while (lastEnd <= text.length) {
    regex.lastIndex = lastEnd;
    const match = regex.exec(text);
    if (match === null) break;
    const start = match.index;
    const end = start + match[0].length;
    if (start === end && end === lastMatchEnd) {
      lastEnd += (text.codePointAt(lastEnd) ?? 0) > 0xffff ? 2 : 1;
      continue;
    }
    lastEnd = end;
    lastMatchEnd = end;
    found.push([start, end]);
  }
  return found;
}
