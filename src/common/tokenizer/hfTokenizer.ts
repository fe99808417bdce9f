/**
 * A Hugging Face `tokenizer.json` (the `tokenizers` library's format) with a BPE model, read in
 * TypeScript with the same ids as the engine's Python — the tokenizer a transformers model folder
 * brings (GPT-2, Qwen2, Llama 3, Llama 2 families), with the Coconut markers added to it.
 *
 * Why a loader of our own instead of a library (measured with tokenizers 0.23.3 and transformers
 * 5.24 in the engine venv, Node 20.20, on the eight tokenizers `bpeTokenizer.test.ts` builds: GPT-2,
 * Qwen2, Llama 3, Llama 2 as transformers 5 loads it (Metaspace) and as older files have it
 * (Prepend + Replace), a SentencePiece-style Metaspace BPE, one with every Split behaviour, and one
 * with every added-token option; 1,655 texts each, generated records plus tricky and random
 * strings, and 1,956 id lists each): `@huggingface/tokenizers` 0.2.0 gave the engine's ids for
 * 11,454 of 13,240 encodings (the same with special tokens) and the engine's text for 15,179 of
 * 15,648 decodings; this module for all of them. Where it differs: its ByteLevel regex uses
 * JavaScript's `\s` (U+FEFF a space, U+0085 not: 6 GPT-2 texts); its `\p{L}`, `\p{N}` and
 * `normalize()` follow the runtime's Unicode 17, not the engine's (letters and digits new in
 * Unicode 16/17, new canonical composites: 2 Qwen2 texts, 1 Llama 3, 15 of the added-token
 * layout); it ignores `single_word` (110 texts of that layout); an inverted Split keeps
 * only what the pattern matched (1,652 texts); it throws on an empty id list (2 per tokenizer); its
 * ByteFallback decodes a broken byte run to one U+FFFD where the engine gives one per byte, and it
 * drops a leading U+FEFF (119 and 131 Llama 2 decodings); it decodes an added token without the
 * ByteLevel decoder and a normalized one unnormalized (62 decodings); its Metaspace decoder drops
 * the first space even with `prepend_scheme: "never"` (149 decodings). Only on the Llama 2 and
 * Metaspace layouts did all its encodings agree. `@huggingface/transformers` 4.3 depends on that
 * same package for its tokenizers. Patched, little of it would remain, and it accepts unknown
 * configurations with a console warning where we must refuse them by name.
 *
 * What is reproduced, component by component, as the Rust crate does it (tokenizers 0.23.3):
 * - added tokens: found leftmost-longest, first those with `normalized: false` in the raw text, then
 *   those with `normalized: true` (their content normalized too) in each normalized piece; `lstrip`
 *   and `rstrip` take in the white space (Unicode White_Space) beside the token, `single_word`
 *   drops a match with a word character (the Rust `regex` crate's `\w`, the word-level table) right
 *   before or after it; `special` ones are dropped when decoding;
 * - normalizers: NFC (the runtime's `normalize`, but only over code points the engine's normalizer
 *   knows, `NORMALIZATION_RANGES`: every other one it leaves alone, and so do we), Prepend, Replace
 *   (string pattern), Sequence;
 * - pre-tokenizers: ByteLevel (`add_prefix_space`, `use_regex`: GPT-2's pattern), Split (string or
 *   Oniguruma pattern translated by `onigRegex.ts`; every behaviour, `invert`), Metaspace
 *   (`prepend_scheme` always/first/never, `split`), Sequence;
 * - model: BPE with `ignore_merges`, `byte_fallback` (`<0xXX>` tokens), `unk_token`, `fuse_unk`;
 *   merges applied lowest rank first, leftmost first among equals, as Rust's priority queue does;
 * - post-processors (only with `addSpecialTokens`): TemplateProcessing (its `single` template),
 *   ByteLevel (ids unchanged), Sequence;
 * - decoders: ByteLevel, Replace (string pattern), ByteFallback, Fuse, Strip, Metaspace, Sequence.
 * Anything else is rejected with `UnsupportedHfTokenizerError` naming the JSON field, rather than
 * guessed: WordPiece/Unigram models, BPE dropout or subword prefixes and suffixes, other
 * normalizers (NFD, NFKC, Lowercase, …), other pre-tokenizers (Whitespace, Digits, Punctuation,
 * …), Bert/Roberta post-processors, regex patterns outside the measured subset (`\d`, `\w`,
 * `\p{Lu}`, …), truncation and padding.
 *
 * Text is encoded as UTF-8 the way Rust strings hold it; a lone UTF-16 surrogate (which a Rust
 * string cannot hold, so Python refuses it) is taken as U+FFFD.
 *
 * Plain ECMAScript only: runs in Node and in the renderer.
 */
import { NORMALIZATION_RANGES } from './bpeTables.js';
import { findMatches, OnigPatternError, onigToJs } from './onigRegex.js';
import { SPACE_RANGES, WORD_RANGES } from './unicodeTables.js';
import { unpackRanges, UnsupportedTokenizerError } from './wordLevel.js';

/** A tokenizer.json this loader cannot reproduce exactly; `field` is the JSON path at fault. */
export class UnsupportedHfTokenizerError extends UnsupportedTokenizerError {
  constructor(field: string, detail: string) {
    super(field, detail);
    this.message = `unsupported tokenizer.json: ${field} ${detail} (supported: BPE tokenizers of the GPT-2, Qwen2, Llama 3 and Llama 2 kinds; see src/common/tokenizer/hfTokenizer.ts)`;
  }
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const describe = (value: unknown): string => JSON.stringify(value) ?? String(value);
const unsupported = (field: string, detail: string) => new UnsupportedHfTokenizerError(field, detail);

function object(value: unknown, path: string): Json {
  if (!isObject(value)) throw unsupported(path, `must be an object, got ${describe(value)}`);
  return value;
}

/** Rejects fields this loader does not know: each could change what the engine does. */
function onlyKeys(data: Json, path: string, known: readonly string[]): void {
  for (const key of Object.keys(data)) {
    if (key !== 'type' && !known.includes(key)) throw unsupported(`${path}.${key}`, `is not a field this loader knows for ${describe(data.type)}`);
  }
}

function string(value: unknown, path: string): string {
  if (typeof value !== 'string') throw unsupported(path, `must be a string, got ${describe(value)}`);
  return value;
}

function boolean(value: unknown, path: string, fallback?: boolean): boolean {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'boolean') throw unsupported(path, `must be true or false, got ${describe(value)}`);
  return value;
}

function natural(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw unsupported(path, `must be a non-negative integer, got ${describe(value)}`);
  return value;
}

function list(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw unsupported(path, `must be a list, got ${describe(value)}`);
  return value;
}

function singleChar(value: unknown, path: string): string {
  const text = string(value, path);
  if ([...text].length !== 1) throw unsupported(path, `must be one character, got ${describe(text)}`);
  return text;
}

/** `{"String": s}` patterns only (a `Regex` one is not measured here). */
function stringPattern(value: unknown, path: string): string {
  const pattern = object(value, path);
  if (typeof pattern.String === 'string' && Object.keys(pattern).length === 1) return pattern.String;
  throw unsupported(path, `must be {"String": …}, got ${describe(value)}`);
}

// --- UTF-8 ----------------------------------------------------------------------------------

/** UTF-8 bytes of `text`, a lone surrogate as U+FFFD. */
export function utf8Bytes(text: string): number[] {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
    if (cp < 0x80) bytes.push(cp);
    else if (cp < 0x800) bytes.push(0xc0 | (cp >> 6), 0x80 | (cp & 0x3f));
    else if (cp < 0x10000) bytes.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
    else bytes.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f));
  }
  return bytes;
}

/**
 * Text of UTF-8 `bytes`, each maximal invalid subpart replaced by one U+FFFD (Rust's
 * `String::from_utf8_lossy`, the WHATWG decoder); `valid` says whether nothing was replaced.
 */
export function utf8Decode(bytes: readonly number[]): { text: string; valid: boolean } {
  const points: number[] = [];
  let valid = true;
  let i = 0;
  while (i < bytes.length) {
    const lead = bytes[i] as number;
    if (lead < 0x80) {
      points.push(lead);
      i++;
      continue;
    }
    let need = 0;
    let low = 0x80;
    let high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) need = 1;
    else if (lead === 0xe0) [need, low] = [2, 0xa0];
    else if ((lead >= 0xe1 && lead <= 0xec) || lead === 0xee || lead === 0xef) need = 2;
    else if (lead === 0xed) [need, high] = [2, 0x9f];
    else if (lead === 0xf0) [need, low] = [3, 0x90];
    else if (lead >= 0xf1 && lead <= 0xf3) need = 3;
    else if (lead === 0xf4) [need, high] = [3, 0x8f];
    if (need === 0) {
      points.push(0xfffd);
      valid = false;
      i++;
      continue;
    }
    let cp = lead & (need === 1 ? 0x1f : need === 2 ? 0x0f : 0x07);
    let j = i + 1;
    let ok = true;
    for (let k = 0; k < need; k++) {
      const next = bytes[j];
      if (next === undefined || next < (k === 0 ? low : 0x80) || next > (k === 0 ? high : 0xbf)) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (next & 0x3f);
      j++;
    }
    // A valid sequence is one code point; a broken one (its valid prefix) one U+FFFD, and the byte that broke it starts afresh.
    points.push(ok ? cp : 0xfffd);
    if (!ok) valid = false;
    i = j;
  }
  let text = '';
  for (let start = 0; start < points.length; start += 4096) text += String.fromCodePoint(...points.slice(start, start + 4096));
  return { text, valid };
}

// --- byte-level alphabet --------------------------------------------------------------------

/** GPT-2's `bytes_to_unicode`: printable bytes stand for themselves, the others for U+0100 on. */
const BYTE_CHARS: string[] = (() => {
  const chars: string[] = [];
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    chars.push(String.fromCodePoint(printable ? byte : 256 + extra++));
  }
  return chars;
})();
const CHAR_BYTES = new Map(BYTE_CHARS.map((char, byte) => [char, byte]));

const byteLevel = (text: string) => {
  let out = '';
  for (const byte of utf8Bytes(text)) out += BYTE_CHARS[byte] as string;
  return out;
};

/** The pattern the ByteLevel pre-tokenizer splits with (Rust: Oniguruma, like Split patterns). */
const BYTE_LEVEL_PATTERN = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;
let byteLevelRegex: RegExp | null = null;

// --- normalization --------------------------------------------------------------------------

const classOf = (packed: string) => unpackRanges(packed).map(([start, end]) => (start === end ? `\\u{${start.toString(16)}}` : `\\u{${start.toString(16)}}-\\u{${end.toString(16)}}`)).join('');
let normalizationClass: string | null = null;
let knownNonAscii: RegExp | null = null;
let inertRun: RegExp | null = null;

/**
 * The engine's NFC: code points its normalizer has no data for are left alone (they neither
 * decompose nor compose, and they stop reordering and composition around them); the runs between
 * them are normalized by the runtime, whose data for those code points is the same (Unicode never
 * changes a decomposition or combining class once assigned, nor lets a new composite form from
 * older characters).
 */
export function engineNfc(text: string): string {
  normalizationClass ??= classOf(NORMALIZATION_RANGES);
  knownNonAscii ??= new RegExp(`(?![\\0-\\x7f])[${normalizationClass}]`, 'u');
  if (!knownNonAscii.test(text)) return text;
  inertRun ??= new RegExp(`[^${normalizationClass}]+`, 'gu');
  let out = '';
  let at = 0;
  for (const match of text.matchAll(inertRun)) {
    out += text.slice(at, match.index).normalize('NFC') + match[0];
    at = match.index + match[0].length;
  }
  return out + text.slice(at).normalize('NFC');
}

type Normalizer = (text: string) => string;

function readNormalizer(value: unknown, path: string): Normalizer | null {
  if (value === null || value === undefined) return null;
  const data = object(value, path);
  switch (data.type) {
    case 'NFC':
      onlyKeys(data, path, []);
      return engineNfc;
    case 'Prepend': {
      onlyKeys(data, path, ['prepend']);
      const prepend = string(data.prepend, `${path}.prepend`);
      return (text) => (text.length > 0 ? prepend + text : text);
    }
    case 'Replace': {
      onlyKeys(data, path, ['pattern', 'content']);
      const pattern = stringPattern(data.pattern, `${path}.pattern`);
      const content = string(data.content, `${path}.content`);
      return (text) => (pattern === '' ? text : text.split(pattern).join(content));
    }
    case 'Sequence': {
      onlyKeys(data, path, ['normalizers']);
      const steps = list(data.normalizers, `${path}.normalizers`).map((step, index) => readNormalizer(step, `${path}.normalizers[${index}]`));
      return (text) => steps.reduce((current, step) => (step ? step(current) : current), text);
    }
    default:
      throw unsupported(`${path}.type`, `${describe(data.type)} is not a normalizer this loader reproduces (NFC, Prepend, Replace, Sequence)`);
  }
}

// --- pre-tokenization -----------------------------------------------------------------------

/** A piece of text on its way to the model; `first` when it starts where the input starts. */
interface Piece {
  text: string;
  first: boolean;
}

type PreTokenizer = (pieces: Piece[]) => Piece[];

type Behavior = 'Removed' | 'Isolated' | 'MergedWithPrevious' | 'MergedWithNext' | 'Contiguous';
const BEHAVIORS: readonly Behavior[] = ['Removed', 'Isolated', 'MergedWithPrevious', 'MergedWithNext', 'Contiguous'];

/** `NormalizedString::split`: the parts of `piece` around the matches, as `behavior` keeps them. */
function splitPiece(piece: Piece, matches: [number, number][], behavior: Behavior, invert: boolean, out: Piece[]): void {
  const text = piece.text;
  // Every stretch of the text, matched or not (Rust's find_matches).
  const segments: [number, number, boolean][] = [];
  if (text.length === 0) segments.push([0, 0, false]);
  let previous = 0;
  for (const [start, end] of matches) {
    if (previous !== start) segments.push([previous, start, false]);
    segments.push([start, end, true]);
    previous = end;
  }
  if (text.length > 0 && previous !== text.length) segments.push([previous, text.length, false]);
  if (invert) for (const segment of segments) segment[2] = !segment[2];

  const kept: [number, number][] = [];
  if (behavior === 'Isolated' || behavior === 'Removed') {
    for (const [start, end, isMatch] of segments) if (behavior === 'Isolated' || !isMatch) kept.push([start, end]);
  } else if (behavior === 'Contiguous' || behavior === 'MergedWithPrevious') {
    let previousMatch = false;
    for (const [start, end, isMatch] of segments) {
      const last = kept[kept.length - 1];
      const merge = behavior === 'Contiguous' ? isMatch === previousMatch : isMatch && !previousMatch;
      if (merge && last) last[1] = end;
      else kept.push([start, end]);
      previousMatch = isMatch;
    }
  } else {
    let previousMatch = false;
    for (let index = segments.length - 1; index >= 0; index--) {
      const [start, end, isMatch] = segments[index] as [number, number, boolean];
      const last = kept[kept.length - 1];
      if (isMatch && !previousMatch && last) last[0] = start;
      else kept.push([start, end]);
      previousMatch = isMatch;
    }
    kept.reverse();
  }
  for (const [start, end] of kept) if (end > start) out.push({ text: text.slice(start, end), first: piece.first && start === 0 });
}

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, '\\$&');

function readPreTokenizer(value: unknown, path: string): PreTokenizer | null {
  if (value === null || value === undefined) return null;
  const data = object(value, path);
  switch (data.type) {
    case 'ByteLevel': {
      onlyKeys(data, path, ['add_prefix_space', 'trim_offsets', 'use_regex']);
      const addPrefixSpace = boolean(data.add_prefix_space, `${path}.add_prefix_space`);
      boolean(data.trim_offsets, `${path}.trim_offsets`, true); // offsets only
      const useRegex = boolean(data.use_regex, `${path}.use_regex`, true);
      if (useRegex) byteLevelRegex ??= new RegExp(onigToJs(BYTE_LEVEL_PATTERN), 'gu');
      return (pieces) => {
        const out: Piece[] = [];
        for (const piece of pieces) {
          const text = addPrefixSpace && !piece.text.startsWith(' ') ? ' ' + piece.text : piece.text;
          const parts: Piece[] = [];
          if (byteLevelRegex && useRegex) splitPiece({ text, first: piece.first }, findMatches(byteLevelRegex, text), 'Isolated', false, parts);
          else if (text.length > 0) parts.push({ text, first: piece.first });
          for (const part of parts) out.push({ text: byteLevel(part.text), first: part.first });
        }
        return out;
      };
    }
    case 'Split': {
      onlyKeys(data, path, ['pattern', 'behavior', 'invert']);
      const pattern = object(data.pattern, `${path}.pattern`);
      let regex: RegExp | null;
      if (typeof pattern.String === 'string' && Object.keys(pattern).length === 1) {
        regex = pattern.String === '' ? null : new RegExp(escapeRegExp(pattern.String), 'gu');
      } else if (typeof pattern.Regex === 'string' && Object.keys(pattern).length === 1) {
        try {
          regex = new RegExp(onigToJs(pattern.Regex), 'gu');
        } catch (error) {
          if (error instanceof OnigPatternError) throw unsupported(`${path}.pattern.Regex`, `${describe(pattern.Regex)}: ${error.message}`);
          throw error;
        }
      } else {
        throw unsupported(`${path}.pattern`, `must be {"String": …} or {"Regex": …}, got ${describe(data.pattern)}`);
      }
      const behavior = data.behavior as Behavior;
      if (!BEHAVIORS.includes(behavior)) throw unsupported(`${path}.behavior`, `must be one of ${BEHAVIORS.join(', ')}, got ${describe(data.behavior)}`);
      const invert = boolean(data.invert, `${path}.invert`, false);
      return (pieces) => {
        const out: Piece[] = [];
        for (const piece of pieces) splitPiece(piece, regex ? findMatches(regex, piece.text) : [], behavior, invert, out);
        return out;
      };
    }
    case 'Metaspace': {
      onlyKeys(data, path, ['replacement', 'prepend_scheme', 'split', 'add_prefix_space', 'str_rep']);
      const { replacement, scheme, split } = readMetaspace(data, path);
      return (pieces) => {
        const out: Piece[] = [];
        for (const piece of pieces) {
          let text = piece.text.split(' ').join(replacement);
          if ((scheme === 'always' || (scheme === 'first' && piece.first)) && !text.startsWith(replacement)) text = replacement + text;
          if (!split) {
            if (text.length > 0) out.push({ text, first: piece.first });
            continue;
          }
          const matches: [number, number][] = [];
          for (let at = text.indexOf(replacement); at >= 0; at = text.indexOf(replacement, at + replacement.length)) matches.push([at, at + replacement.length]);
          splitPiece({ text, first: piece.first }, matches, 'MergedWithNext', false, out);
        }
        return out;
      };
    }
    case 'Sequence': {
      onlyKeys(data, path, ['pretokenizers']);
      const steps = list(data.pretokenizers, `${path}.pretokenizers`).map((step, index) => readPreTokenizer(step, `${path}.pretokenizers[${index}]`));
      return (pieces) => steps.reduce((current, step) => (step ? step(current) : current), pieces);
    }
    default:
      throw unsupported(`${path}.type`, `${describe(data.type)} is not a pre-tokenizer this loader reproduces (ByteLevel, Split, Metaspace, Sequence)`);
  }
}

type PrependScheme = 'always' | 'first' | 'never';

/** Metaspace's fields, with the Rust deserializer's defaults (`prepend_scheme` from the older `add_prefix_space`). */
function readMetaspace(data: Json, path: string): { replacement: string; scheme: PrependScheme; split: boolean } {
  const replacement = singleChar(data.replacement, `${path}.replacement`);
  let scheme: PrependScheme = 'always';
  if (data.prepend_scheme !== undefined) {
    if (!['always', 'first', 'never'].includes(data.prepend_scheme as string)) throw unsupported(`${path}.prepend_scheme`, `must be "always", "first" or "never", got ${describe(data.prepend_scheme)}`);
    scheme = data.prepend_scheme as PrependScheme;
  }
  if (data.add_prefix_space !== undefined && !boolean(data.add_prefix_space, `${path}.add_prefix_space`)) {
    if (data.prepend_scheme !== undefined && scheme !== 'never') throw unsupported(`${path}.add_prefix_space`, 'false contradicts prepend_scheme (the engine refuses this file)');
    scheme = 'never';
  }
  return { replacement, scheme, split: boolean(data.split, `${path}.split`, true) };
}

// --- BPE ------------------------------------------------------------------------------------

interface Merge {
  rank: number;
  id: number;
}

/**
 * A min-heap of pending merges, lowest rank first, then leftmost (Rust's `BinaryHeap<Merge>`
 * order): each entry's key is rank·2^22 + position, beside the merged token's id.
 */
class MergeQueue {
  private keys: number[] = [];
  private ids: number[] = [];
  size = 0;

  reset(): void {
    this.size = 0;
  }

  push(rank: number, position: number, id: number): void {
    const key = rank * POSITIONS + position;
    let at = this.size++;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      const parentKey = this.keys[parent] as number;
      if (parentKey <= key) break;
      this.keys[at] = parentKey;
      this.ids[at] = this.ids[parent] as number;
      at = parent;
    }
    this.keys[at] = key;
    this.ids[at] = id;
  }

  /** Removes the top entry; its position and id are left in `position` and `id`. */
  pop(): void {
    const key = this.keys[0] as number;
    this.position = key % POSITIONS;
    this.id = this.ids[0] as number;
    const size = --this.size;
    const lastKey = this.keys[size] as number;
    const lastId = this.ids[size] as number;
    let at = 0;
    for (;;) {
      let child = 2 * at + 1;
      if (child >= size) break;
      if (child + 1 < size && (this.keys[child + 1] as number) < (this.keys[child] as number)) child++;
      if ((this.keys[child] as number) >= lastKey) break;
      this.keys[at] = this.keys[child] as number;
      this.ids[at] = this.ids[child] as number;
      at = child;
    }
    this.keys[at] = lastKey;
    this.ids[at] = lastId;
  }

  position = 0;
  id = 0;
}

/** Positions per rank in a queue key: words up to 4M characters. */
const POSITIONS = 2 ** 22;

const CACHE_LIMIT = 10_000;
/** Pair keys: left id · 2^21 + right id. */
const PAIR = 2 ** 21;

class BpeModel {
  readonly vocab: Map<string, number>;
  readonly tokens: Map<number, string>;
  /** Pair key (left * 2^21 + right) → merge rank and the merged token's id. */
  private readonly merges: Map<number, Merge>;
  private readonly unkId: number | null;
  private readonly fuseUnk: boolean;
  private readonly ignoreMerges: boolean;
  /** Ids of `<0x00>`…`<0xFF>` when byte fallback is on. */
  private readonly byteIds: (number | undefined)[] | null;
  private readonly cache = new Map<string, number[]>();
  private readonly queue = new MergeQueue();

  constructor(data: Json, path: string) {
    onlyKeys(data, path, ['dropout', 'unk_token', 'continuing_subword_prefix', 'end_of_word_suffix', 'fuse_unk', 'byte_fallback', 'ignore_merges', 'vocab', 'merges']);
    if (data.dropout !== null && data.dropout !== undefined) throw unsupported(`${path}.dropout`, `must be null (dropout makes encoding random), got ${describe(data.dropout)}`);
    for (const key of ['continuing_subword_prefix', 'end_of_word_suffix']) {
      if (data[key] !== null && data[key] !== undefined && data[key] !== '') throw unsupported(`${path}.${key}`, `must be null or "", got ${describe(data[key])}`);
    }
    const vocab = object(data.vocab, `${path}.vocab`);
    this.vocab = new Map();
    this.tokens = new Map();
    for (const [token, id] of Object.entries(vocab)) {
      const checked = natural(id, `${path}.vocab[${describe(token)}]`);
      if (this.tokens.has(checked)) throw unsupported(`${path}.vocab[${describe(token)}]`, `reuses id ${checked}`);
      if (checked >= PAIR) throw unsupported(`${path}.vocab[${describe(token)}]`, `id ${checked} is beyond 2^21`);
      this.vocab.set(token, checked);
      this.tokens.set(checked, token);
    }
    this.merges = new Map();
    for (const [rank, merge] of list(data.merges ?? [], `${path}.merges`).entries()) {
      const field = `${path}.merges[${rank}]`;
      let pair: unknown[];
      if (typeof merge === 'string') pair = merge.split(' ');
      else pair = list(merge, field);
      if (pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') throw unsupported(field, `must be a pair of tokens, got ${describe(merge)}`);
      const [left, right] = pair as [string, string];
      const leftId = this.vocab.get(left);
      const rightId = this.vocab.get(right);
      const id = this.vocab.get(left + right);
      if (leftId === undefined || rightId === undefined || id === undefined) throw unsupported(field, `merges tokens outside model.vocab: ${describe(merge)} (the engine refuses this file)`);
      this.merges.set(leftId * PAIR + rightId, { rank, id });
    }
    const unk = data.unk_token;
    if (unk === null || unk === undefined) {
      this.unkId = null;
    } else {
      const unkId = this.vocab.get(string(unk, `${path}.unk_token`));
      if (unkId === undefined) throw unsupported(`${path}.unk_token`, `must name a token of model.vocab, got ${describe(unk)}`);
      this.unkId = unkId;
    }
    this.fuseUnk = boolean(data.fuse_unk, `${path}.fuse_unk`, false);
    this.ignoreMerges = boolean(data.ignore_merges, `${path}.ignore_merges`, false);
    this.byteIds = boolean(data.byte_fallback, `${path}.byte_fallback`, false)
      ? Array.from({ length: 256 }, (_, byte) => this.vocab.get(`<0x${byte.toString(16).toUpperCase().padStart(2, '0')}>`))
      : null;
  }

  /** Ids of one pre-tokenized word. */
  tokenize(word: string, out: number[]): void {
    if (word.length === 0) return;
    const cached = this.cache.get(word);
    if (cached) {
      for (const id of cached) out.push(id);
      return;
    }
    const ids = this.merge(word);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(word, ids);
    for (const id of ids) out.push(id);
  }

  private merge(word: string): number[] {
    if (this.ignoreMerges) {
      const whole = this.vocab.get(word);
      if (whole !== undefined) return [whole];
    }
    // Initial symbols: one per character, bytes for unknown ones, or the (fused) unk.
    const symbols: number[] = [];
    let unkPending = false;
    for (const char of word) {
      const id = this.vocab.get(char);
      if (id !== undefined) {
        if (unkPending) symbols.push(this.unkId as number);
        unkPending = false;
        symbols.push(id);
        continue;
      }
      if (this.byteIds) {
        const bytes = utf8Bytes(char).map((byte) => this.byteIds?.[byte]);
        if (bytes.every((byteId) => byteId !== undefined)) {
          // Rust adds the byte tokens without first flushing a pending unk.
          for (const byteId of bytes) symbols.push(byteId as number);
          continue;
        }
      }
      if (this.unkId !== null) {
        if (unkPending && !this.fuseUnk) symbols.push(this.unkId);
        unkPending = true;
      }
    }
    if (unkPending) symbols.push(this.unkId as number);
    if (symbols.length < 2) return symbols;

    const size = symbols.length;
    if (size >= POSITIONS) throw new RangeError(`a pre-tokenized word of ${size} characters is beyond this tokenizer's limit (${POSITIONS})`);
    const next = new Int32Array(size);
    const previous = new Int32Array(size);
    for (let index = 0; index < size; index++) {
      next[index] = index + 1 < size ? index + 1 : -1;
      previous[index] = index - 1;
    }
    const removed = new Uint8Array(size);
    const queue = this.queue;
    queue.reset();
    for (let index = 0; index + 1 < size; index++) {
      const merge = this.merges.get((symbols[index] as number) * PAIR + (symbols[index + 1] as number));
      if (merge) queue.push(merge.rank, index, merge.id);
    }
    while (queue.size > 0) {
      queue.pop();
      const position = queue.position;
      const id = queue.id;
      if (removed[position]) continue;
      const right = next[position] as number;
      if (right === -1) continue;
      // A stale entry: the pair at this position changed since it was queued.
      const current = this.merges.get((symbols[position] as number) * PAIR + (symbols[right] as number));
      if (current === undefined || current.id !== id) continue;
      symbols[position] = id;
      removed[right] = 1;
      const after = next[right] as number;
      next[position] = after;
      if (after !== -1) previous[after] = position;
      const before = previous[position] as number;
      if (before >= 0) {
        const merge = this.merges.get((symbols[before] as number) * PAIR + id);
        if (merge) queue.push(merge.rank, before, merge.id);
      }
      if (after !== -1) {
        const merge = this.merges.get(id * PAIR + (symbols[after] as number));
        if (merge) queue.push(merge.rank, position, merge.id);
      }
    }
    const result: number[] = [];
    for (let index = 0; index !== -1; index = next[index] as number) result.push(symbols[index] as number);
    return result;
  }
}

// --- post-processing ------------------------------------------------------------------------

type PostProcessor = (ids: number[]) => number[];

function readPostProcessor(value: unknown, path: string): PostProcessor | null {
  if (value === null || value === undefined) return null;
  const data = object(value, path);
  switch (data.type) {
    case 'ByteLevel':
      onlyKeys(data, path, ['add_prefix_space', 'trim_offsets', 'use_regex']);
      return null; // offsets only
    case 'TemplateProcessing': {
      onlyKeys(data, path, ['single', 'pair', 'special_tokens']);
      const specials = object(data.special_tokens ?? {}, `${path}.special_tokens`);
      const pieces = list(data.single, `${path}.single`).map((item, index): number[] | 'A' => {
        const field = `${path}.single[${index}]`;
        const piece = object(item, field);
        if (isObject(piece.Sequence) && Object.keys(piece).length === 1) {
          if (piece.Sequence.id !== 'A') throw unsupported(`${field}.Sequence.id`, `must be "A" in a single template, got ${describe(piece.Sequence.id)}`);
          return 'A';
        }
        if (isObject(piece.SpecialToken) && Object.keys(piece).length === 1) {
          const name = string(piece.SpecialToken.id, `${field}.SpecialToken.id`);
          const special = specials[name];
          if (!isObject(special)) throw unsupported(`${field}.SpecialToken.id`, `names no entry of ${path}.special_tokens: ${describe(name)}`);
          return list(special.ids, `${path}.special_tokens[${describe(name)}].ids`).map((id, at) => natural(id, `${path}.special_tokens[${describe(name)}].ids[${at}]`));
        }
        throw unsupported(field, `must be {"Sequence": …} or {"SpecialToken": …}, got ${describe(item)}`);
      });
      return (ids) => pieces.flatMap((piece) => (piece === 'A' ? ids : piece));
    }
    case 'Sequence': {
      onlyKeys(data, path, ['processors']);
      const steps = list(data.processors, `${path}.processors`).map((step, index) => readPostProcessor(step, `${path}.processors[${index}]`));
      return (ids) => steps.reduce((current, step) => (step ? step(current) : current), ids);
    }
    default:
      throw unsupported(`${path}.type`, `${describe(data.type)} is not a post-processor this loader reproduces (TemplateProcessing, ByteLevel, Sequence)`);
  }
}

// --- decoding -------------------------------------------------------------------------------

type Decoder = (tokens: string[]) => string[];

/** `u8::from_str_radix(…, 16)` of the two characters of a `<0x..>` token (which allows "+F"). */
const byteOfToken = (token: string): number | null => (token.length === 6 && /^<0x(\+[0-9a-fA-F]|[0-9a-fA-F]{2})>$/.test(token) ? parseInt(token.slice(3, 5), 16) : null);

function readDecoder(value: unknown, path: string): Decoder | null {
  if (value === null || value === undefined) return null;
  const data = object(value, path);
  switch (data.type) {
    case 'ByteLevel':
      onlyKeys(data, path, ['add_prefix_space', 'trim_offsets', 'use_regex']);
      return (tokens) => {
        const bytes: number[] = [];
        for (const token of tokens) {
          const mapped: number[] = [];
          let all = true;
          for (const char of token) {
            const byte = CHAR_BYTES.get(char);
            if (byte === undefined) {
              all = false;
              break;
            }
            mapped.push(byte);
          }
          for (const byte of all ? mapped : utf8Bytes(token)) bytes.push(byte);
        }
        return [utf8Decode(bytes).text];
      };
    case 'Replace': {
      onlyKeys(data, path, ['pattern', 'content']);
      const pattern = stringPattern(data.pattern, `${path}.pattern`);
      const content = string(data.content, `${path}.content`);
      return (tokens) => (pattern === '' ? tokens : tokens.map((token) => token.split(pattern).join(content)));
    }
    case 'ByteFallback':
      onlyKeys(data, path, []);
      return (tokens) => {
        const out: string[] = [];
        let pending: number[] = [];
        const flush = () => {
          if (pending.length === 0) return;
          const decoded = utf8Decode(pending);
          if (decoded.valid) out.push(decoded.text);
          else for (let index = 0; index < pending.length; index++) out.push('\ufffd');
          pending = [];
        };
        for (const token of tokens) {
          const byte = byteOfToken(token);
          if (byte !== null) {
            pending.push(byte);
            continue;
          }
          flush();
          out.push(token);
        }
        flush();
        return out;
      };
    case 'Fuse':
      onlyKeys(data, path, []);
      return (tokens) => [tokens.join('')];
    case 'Strip': {
      onlyKeys(data, path, ['content', 'start', 'stop']);
      const content = singleChar(data.content, `${path}.content`);
      const start = natural(data.start, `${path}.start`);
      const stop = natural(data.stop, `${path}.stop`);
      return (tokens) =>
        tokens.map((token) => {
          const chars = [...token];
          let startCut = 0;
          for (let index = 0; index < Math.min(start, chars.length) && chars[index] === content; index++) startCut = index + 1;
          let stopCut = chars.length;
          for (let index = 0; index < stop && chars.length - index - 1 >= 0 && chars[chars.length - index - 1] === content; index++) stopCut = chars.length - index - 1;
          return stopCut > startCut ? chars.slice(startCut, stopCut).join('') : '';
        });
    }
    case 'Metaspace': {
      onlyKeys(data, path, ['replacement', 'prepend_scheme', 'split', 'add_prefix_space', 'str_rep']);
      const { replacement, scheme } = readMetaspace(data, path);
      // Rust drops every replacement character of the first token unless the scheme is "never".
      return (tokens) => tokens.map((token, index) => token.split(replacement).join(index === 0 && scheme !== 'never' ? '' : ' '));
    }
    case 'Sequence': {
      onlyKeys(data, path, ['decoders']);
      const steps = list(data.decoders, `${path}.decoders`).map((step, index) => readDecoder(step, `${path}.decoders[${index}]`));
      return (tokens) => steps.reduce((current, step) => (step ? step(current) : current), tokens);
    }
    default:
      throw unsupported(`${path}.type`, `${describe(data.type)} is not a decoder this loader reproduces (ByteLevel, Replace, ByteFallback, Fuse, Strip, Metaspace, Sequence)`);
  }
}

// --- added tokens ---------------------------------------------------------------------------

export interface HfAddedToken {
  id: number;
  content: string;
  special: boolean;
  normalized: boolean;
  lstrip: boolean;
  rstrip: boolean;
  singleWord: boolean;
}

let wordEnd: RegExp | null = null;
let wordStart: RegExp | null = null;
/** Unicode White_Space (Rust's `char::is_whitespace`, which `lstrip` and `rstrip` use): all in the BMP. */
const SPACES = new Set(unpackRanges(SPACE_RANGES).flatMap(([start, end]) => Array.from({ length: end - start + 1 }, (_, offset) => start + offset)));

/** Finds added tokens the way Rust's `AddedVocabulary` does (its Aho-Corasick, leftmost-longest). */
class AddedMatcher {
  /** By first UTF-16 unit, longest first: the leftmost-longest match is the first that fits. */
  private readonly byFirstUnit = new Map<string, { content: string; token: HfAddedToken }[]>();

  constructor(entries: { content: string; token: HfAddedToken }[]) {
    for (const entry of [...entries].sort((a, b) => b.content.length - a.content.length)) {
      if (entry.content.length === 0) continue;
      const first = entry.content[0] as string;
      const bucket = this.byFirstUnit.get(first) ?? [];
      bucket.push(entry);
      this.byFirstUnit.set(first, bucket);
    }
  }

  get empty(): boolean {
    return this.byFirstUnit.size === 0;
  }

  /** `text` split into plain stretches (id null) and added tokens, as `split_with_indices`. */
  split(text: string): { text: string; start: number; id: number | null }[] {
    const out: { text: string; start: number; id: number | null }[] = [];
    let startOffset = 0;
    let position = 0;
    while (position < text.length) {
      const entry = this.byFirstUnit.get(text[position] as string)?.find((candidate) => text.startsWith(candidate.content, position));
      if (entry === undefined) {
        position++;
        continue;
      }
      let start = position;
      let stop = position + entry.content.length;
      position = stop;
      const { token } = entry;
      if (token.singleWord) {
        wordEnd ??= new RegExp(`[${classOf(WORD_RANGES)}]$`, 'u');
        wordStart ??= new RegExp(`^[${classOf(WORD_RANGES)}]`, 'u');
        if (wordEnd.test(text.slice(Math.max(0, start - 2), start)) || wordStart.test(text.slice(stop, stop + 2))) continue;
      }
      if (token.lstrip) {
        let spaces = start;
        while (spaces > 0 && SPACES.has(text.charCodeAt(spaces - 1))) spaces--;
        start = Math.max(spaces, startOffset);
      }
      if (token.rstrip) while (stop < text.length && SPACES.has(text.charCodeAt(stop))) stop++;
      if (startOffset < start) out.push({ text: text.slice(startOffset, start), start: startOffset, id: null });
      out.push({ text: text.slice(start, stop), start, id: token.id });
      startOffset = stop;
    }
    if (startOffset < text.length) out.push({ text: text.slice(startOffset), start: startOffset, id: null });
    return out;
  }
}

// --- the tokenizer --------------------------------------------------------------------------

const TOP_LEVEL = ['version', 'truncation', 'padding', 'added_tokens', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'model'];

export class HfTokenizer {
  private readonly model: BpeModel;
  private readonly normalizer: Normalizer | null;
  private readonly preTokenizer: PreTokenizer | null;
  private readonly postProcessor: PostProcessor | null;
  private readonly decoder: Decoder | null;
  private readonly added: HfAddedToken[];
  /** Added tokens' ids to their spelling as Rust gives it back: normalized tokens normalized ("▁<|latent|>" under Llama 2's Prepend). */
  private readonly addedById = new Map<number, string>();
  private readonly addedByContent = new Map<string, HfAddedToken>();
  private readonly specialContents = new Set<string>();
  private readonly rawMatcher: AddedMatcher;
  private readonly normalizedMatcher: AddedMatcher;
  readonly vocabSize: number;

  private constructor(data: Json) {
    for (const key of Object.keys(data)) if (!TOP_LEVEL.includes(key)) throw unsupported(key, 'is not a field this loader knows');
    if (data.version !== undefined && data.version !== '1.0') throw unsupported('version', `must be "1.0", got ${describe(data.version)}`);
    for (const key of ['truncation', 'padding']) {
      if (data[key] !== null && data[key] !== undefined) throw unsupported(key, `must be null (the engine encodes whole texts), got ${describe(data[key])}`);
    }
    const model = object(data.model, 'model');
    if (model.type !== 'BPE') throw unsupported('model.type', `must be "BPE" (WordPiece, Unigram and WordLevel are not reproduced here), got ${describe(model.type)}`);
    this.model = new BpeModel(model, 'model');
    this.normalizer = readNormalizer(data.normalizer, 'normalizer');
    this.preTokenizer = readPreTokenizer(data.pre_tokenizer, 'pre_tokenizer');
    this.postProcessor = readPostProcessor(data.post_processor, 'post_processor');
    this.decoder = readDecoder(data.decoder, 'decoder');
    this.added = this.readAddedTokens(data.added_tokens ?? []);
    const raw: { content: string; token: HfAddedToken }[] = [];
    const normalized: { content: string; token: HfAddedToken }[] = [];
    for (const token of this.added) {
      if (token.normalized) normalized.push({ content: this.normalizer ? this.normalizer(token.content) : token.content, token });
      else raw.push({ content: token.content, token });
    }
    for (const token of this.added) {
      if (token.special) this.specialContents.add(token.content);
      if (!this.addedById.has(token.id)) this.addedById.set(token.id, token.normalized && this.normalizer ? this.normalizer(token.content) : token.content);
    }
    this.rawMatcher = new AddedMatcher(raw);
    this.normalizedMatcher = new AddedMatcher(normalized);
    const contents = new Set(this.model.vocab.keys());
    for (const token of this.added) contents.add(token.content);
    this.vocabSize = contents.size;
  }

  /** Ids as Rust assigns them on load: the model's id for a token it has, otherwise the next one after the model and the tokens before it. */
  private readAddedTokens(value: unknown): HfAddedToken[] {
    const tokens = list(value, 'added_tokens').map((item, index): HfAddedToken => {
      const field = `added_tokens[${index}]`;
      const token = object(item, field);
      for (const key of Object.keys(token)) {
        if (!['id', 'content', 'single_word', 'lstrip', 'rstrip', 'normalized', 'special'].includes(key)) throw unsupported(`${field}.${key}`, 'is not an added-token field this loader knows');
      }
      const content = string(token.content, `${field}.content`);
      if (content.length === 0) throw unsupported(`${field}.content`, 'must not be empty');
      const special = boolean(token.special, `${field}.special`, false);
      return {
        id: natural(token.id, `${field}.id`),
        content,
        special,
        normalized: boolean(token.normalized, `${field}.normalized`, !special),
        lstrip: boolean(token.lstrip, `${field}.lstrip`, false),
        rstrip: boolean(token.rstrip, `${field}.rstrip`, false),
        singleWord: boolean(token.single_word, `${field}.single_word`, false),
      };
    });
    const modelSize = this.model.vocab.size;
    let nextId = -1;
    for (const token of [...tokens].sort((a, b) => a.id - b.id)) {
      const field = `added_tokens[${tokens.indexOf(token)}].id`;
      const known = this.addedByContent.get(token.content)?.id ?? this.model.vocab.get(token.content);
      let expected: number;
      if (known !== undefined) expected = known;
      else expected = nextId < 0 ? modelSize : nextId >= modelSize || modelSize === 0 ? nextId + 1 : modelSize;
      if (token.id !== expected) throw unsupported(field, `is ${token.id}, but the engine gives ${describe(token.content)} id ${expected} on load`);
      if (known === undefined) nextId = expected;
      if (!this.addedByContent.has(token.content)) this.addedByContent.set(token.content, token);
    }
    return tokens;
  }

  /** Reads a tokenizer.json (its text or the parsed object); throws `UnsupportedHfTokenizerError` for anything it does not reproduce. */
  static fromJSON(source: string | unknown): HfTokenizer {
    let data: unknown = source;
    if (typeof source === 'string') {
      try {
        data = JSON.parse(source);
      } catch (error) {
        throw unsupported('(root)', `is not JSON: ${(error as Error).message}`);
      }
    }
    return new HfTokenizer(object(data, '(root)'));
  }

  tokenToId(token: string): number | undefined {
    return this.addedByContent.get(token)?.id ?? this.model.vocab.get(token);
  }

  /** The vocabulary string of `id` (byte-level tokens as stored, "Ġis"; a normalized added token normalized), or undefined. */
  idToToken(id: number): string | undefined {
    return this.addedById.get(id) ?? this.model.tokens.get(id);
  }

  get addedTokens(): readonly Readonly<HfAddedToken>[] {
    return this.added;
  }

  /** Token ids of `text`, as `tokenizer.encode(text, add_special_tokens=…).ids` in Python. */
  encode(text: string, options: { addSpecialTokens?: boolean } = {}): number[] {
    const ids: number[] = [];
    for (const stretch of this.rawMatcher.empty ? [{ text, start: 0, id: null }] : this.rawMatcher.split(text)) {
      if (stretch.id !== null) {
        ids.push(stretch.id);
        continue;
      }
      const normalized = this.normalizer ? this.normalizer(stretch.text) : stretch.text;
      const parts = this.normalizedMatcher.empty ? [{ text: normalized, start: 0, id: null }] : this.normalizedMatcher.split(normalized);
      for (const part of parts) {
        if (part.id !== null) {
          ids.push(part.id);
          continue;
        }
        if (part.text.length === 0) continue;
        let pieces: Piece[] = [{ text: part.text, first: stretch.start === 0 && part.start === 0 }];
        if (this.preTokenizer) pieces = this.preTokenizer(pieces);
        for (const piece of pieces) this.model.tokenize(piece.text, ids);
      }
    }
    return options.addSpecialTokens && this.postProcessor ? this.postProcessor(ids) : ids;
  }

  /** Text of `ids`, as `tokenizer.decode(ids, skip_special_tokens=…)` in Python: unknown ids skipped. */
  decode(ids: Iterable<number>, options: { skipSpecialTokens?: boolean } = {}): string {
    const tokens: string[] = [];
    for (const id of ids) {
      const token = this.addedById.get(id) ?? this.model.tokens.get(id);
      // Rust skips by content: any token spelled like a special added token.
      if (token !== undefined && !(options.skipSpecialTokens && this.specialContents.has(token))) tokens.push(token);
    }
    return this.decoder ? this.decoder(tokens).join('') : tokens.join(' ');
  }
}
