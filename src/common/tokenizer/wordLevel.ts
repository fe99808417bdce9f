/**
 * The engine's word-level `tokenizer.json`, read in TypeScript with the same ids as Python.
 *
 * Why a loader of our own instead of a library (measured with tokenizers 0.23.3 in the engine
 * venv, Node 20.20, on a tokenizer.json built by `build_word_level_codec`, 20 tricky strings):
 * `@huggingface/tokenizers` 0.2.0 disagreed on 9 of 20. An unknown word comes back as
 * `undefined` instead of the unk id (7 of the 9), and its `Whitespace` pre-tokenizer is the
 * JavaScript regex `/\w+|[^\w\s]+/g`, whose `\w` is ASCII only, whereas the Rust `regex` crate's
 * `\w` is Unicode: "café", "naïve", "日本語" and a word starting with a combining mark split
 * differently (the other 2, even with unk patched in). `@huggingface/transformers` 4.3 depends on
 * that same package for its tokenizers (and brings onnxruntime and sharp), so it cannot do better.
 * The configuration the engine writes is small (WordLevel + Whitespace + non-normalized added
 * tokens, nothing else), so this module implements exactly that and rejects anything else by name.
 *
 * Encoding, as the Rust `tokenizers` crate does it for this configuration:
 * 1. added tokens are found in the raw text first, leftmost-longest (its Aho-Corasick split);
 * 2. the text between them is pre-tokenized with `\w+|[^\w\s]+`, where `\w` and `\s` have the
 *    `regex` crate's Unicode meaning (UTS #18 Annex C: Alphabetic, marks, decimal digits,
 *    connector punctuation, join controls; White_Space);
 * 3. each piece is looked up in the vocabulary, the unk id when absent.
 *
 * `\w` and `\s` come from `unicodeTables.ts`, measured from the engine's `tokenizers`, not from
 * ECMAScript's `\p{Alphabetic}`…: those follow the runtime's Unicode version (Node 20: 17.0,
 * Chromium its own), and with them 4,699 code points added in recent Unicode versions were `\w`
 * in Node and not in the engine (tokenizers 0.23.3). The parity test compares every code point.
 * Decoding reproduces the engine's `TextCodec.decode` (readable text, markers dropped), not
 * `tokenizers`' generic decode.
 *
 * Plain ECMAScript only: runs in Node and in the renderer.
 */
import { SPACE_RANGES, WORD_RANGES } from './unicodeTables.js';

/** The spellings of the engine's special tokens (`SpecialTokenNames` in tokenizer.py). */
export interface SpecialTokenNames {
  bot: string;
  eot: string;
  latent: string;
  eos: string;
  pad: string;
}

export const DEFAULT_SPECIAL_TOKEN_NAMES: Readonly<SpecialTokenNames> = Object.freeze({
  bot: '<|start-latent|>',
  eot: '<|end-latent|>',
  latent: '<|latent|>',
  eos: '<|endoftext|>',
  pad: '<|pad|>',
});

const NEWLINE = '\n';

/** A tokenizer.json this loader cannot reproduce exactly; `field` is the JSON path at fault. */
export class UnsupportedTokenizerError extends Error {
  constructor(
    readonly field: string,
    detail: string,
  ) {
    super(`unsupported tokenizer.json: ${field} ${detail} (only the engine's word-level tokenizer is supported: WordLevel model, Whitespace pre-tokenizer, non-normalized added tokens, nothing else)`);
    this.name = 'UnsupportedTokenizerError';
  }
}

/** Inclusive code point ranges of a packed table (the format is described in unicodeTables.ts). */
export function unpackRanges(packed: string): [number, number][] {
  let next = 0;
  return packed.split(',').map((pair) => {
    const [gap, length] = pair.split('+').map((part) => parseInt(part, 36)) as [number, number];
    const start = next + gap;
    next = start + length + 1;
    return [start, start + length];
  });
}

const classBody = (ranges: [number, number][]) => ranges.map(([start, end]) => (start === end ? `\\u{${start.toString(16)}}` : `\\u{${start.toString(16)}}-\\u{${end.toString(16)}}`)).join('');
const WORD = classBody(unpackRanges(WORD_RANGES));
const SPACE = classBody(unpackRanges(SPACE_RANGES));
const WHITESPACE_PRE_TOKENIZER = new RegExp(`[${WORD}]+|[^${WORD}${SPACE}]+`, 'gu');

/** The words the `Whitespace` pre-tokenizer finds in `text` (`words_of` in tokenizer.py). */
export function wordsOf(text: string): string[] {
  return text.match(WHITESPACE_PRE_TOKENIZER) ?? [];
}

interface AddedToken {
  id: number;
  content: string;
  special: boolean;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const describe = (value: unknown): string => JSON.stringify(value) ?? String(value);

function requireNull(data: Json, key: string): void {
  // Absent and null mean the same to the Rust loader for these optional parts.
  if (data[key] !== undefined && data[key] !== null) throw new UnsupportedTokenizerError(key, `must be null, got ${describe(data[key])}`);
}

function requireFlag(token: Json, index: number, key: string, expected: boolean): void {
  if (token[key] !== undefined && token[key] !== expected) {
    throw new UnsupportedTokenizerError(`added_tokens[${index}].${key}`, `must be ${expected}, got ${describe(token[key])}`);
  }
}

export class WordLevelTokenizer {
  private readonly vocab: Map<string, number>;
  private readonly tokens: Map<number, string>;
  private readonly unkId: number;
  private readonly added: AddedToken[];
  /** Added tokens by first UTF-16 unit, longest first: the leftmost-longest match is the first that fits. */
  private readonly addedByFirstUnit: Map<string, AddedToken[]>;

  private constructor(vocab: Map<string, number>, unkToken: string, added: AddedToken[]) {
    this.vocab = vocab;
    this.tokens = new Map([...vocab].map(([token, id]) => [id, token]));
    this.unkId = vocab.get(unkToken) as number;
    this.added = added;
    this.addedByFirstUnit = new Map();
    for (const token of [...added].sort((a, b) => b.content.length - a.content.length)) {
      const first = token.content[0] as string;
      const list = this.addedByFirstUnit.get(first) ?? [];
      list.push(token);
      this.addedByFirstUnit.set(first, list);
    }
  }

  /** Reads a tokenizer.json (its text or the parsed object); throws `UnsupportedTokenizerError` for anything but the engine's configuration. */
  static fromJSON(source: string | unknown): WordLevelTokenizer {
    let data: unknown = source;
    if (typeof source === 'string') {
      try {
        data = JSON.parse(source);
      } catch (error) {
        throw new UnsupportedTokenizerError('(root)', `is not JSON: ${(error as Error).message}`);
      }
    }
    if (!isObject(data)) throw new UnsupportedTokenizerError('(root)', 'must be a JSON object');
    for (const key of Object.keys(data)) {
      const known = ['version', 'truncation', 'padding', 'added_tokens', 'normalizer', 'pre_tokenizer', 'post_processor', 'decoder', 'model'];
      if (!known.includes(key)) throw new UnsupportedTokenizerError(key, 'is not a field this loader knows');
    }
    if (data.version !== undefined && data.version !== '1.0') throw new UnsupportedTokenizerError('version', `must be "1.0", got ${describe(data.version)}`);
    for (const key of ['truncation', 'padding', 'normalizer', 'post_processor', 'decoder']) requireNull(data, key);

    const pre = data.pre_tokenizer;
    if (!isObject(pre) || pre.type !== 'Whitespace' || Object.keys(pre).length !== 1) {
      throw new UnsupportedTokenizerError('pre_tokenizer', `must be {"type":"Whitespace"}, got ${describe(pre)}`);
    }

    const model = data.model;
    if (!isObject(model)) throw new UnsupportedTokenizerError('model', 'must be an object');
    if (model.type !== 'WordLevel') throw new UnsupportedTokenizerError('model.type', `must be "WordLevel", got ${describe(model.type)}`);
    for (const key of Object.keys(model)) {
      if (!['type', 'vocab', 'unk_token'].includes(key)) throw new UnsupportedTokenizerError(`model.${key}`, 'is not a WordLevel field this loader knows');
    }
    if (!isObject(model.vocab)) throw new UnsupportedTokenizerError('model.vocab', 'must be an object of token to id');
    const vocab = new Map<string, number>();
    const seenIds = new Set<number>();
    for (const [token, id] of Object.entries(model.vocab)) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) throw new UnsupportedTokenizerError(`model.vocab[${describe(token)}]`, `must be a non-negative integer id, got ${describe(id)}`);
      if (seenIds.has(id)) throw new UnsupportedTokenizerError(`model.vocab[${describe(token)}]`, `reuses id ${id}`);
      seenIds.add(id);
      vocab.set(token, id);
    }
    if (typeof model.unk_token !== 'string' || !vocab.has(model.unk_token)) {
      // Without an unk in the vocabulary Rust fails on the first unknown word; we would have to guess.
      throw new UnsupportedTokenizerError('model.unk_token', `must name a token of model.vocab, got ${describe(model.unk_token)}`);
    }

    const addedList = data.added_tokens ?? [];
    if (!Array.isArray(addedList)) throw new UnsupportedTokenizerError('added_tokens', 'must be a list');
    const added: AddedToken[] = addedList.map((token: unknown, index) => {
      if (!isObject(token)) throw new UnsupportedTokenizerError(`added_tokens[${index}]`, 'must be an object');
      const { id, content } = token;
      if (typeof content !== 'string' || content.length === 0) throw new UnsupportedTokenizerError(`added_tokens[${index}].content`, 'must be a non-empty string');
      // Matching options the engine never sets would change where tokens are found.
      requireFlag(token, index, 'single_word', false);
      requireFlag(token, index, 'lstrip', false);
      requireFlag(token, index, 'rstrip', false);
      requireFlag(token, index, 'normalized', false);
      // An added token outside the vocabulary gets an id Rust assigns itself; ours are always inside.
      if (vocab.get(content) !== id) {
        throw new UnsupportedTokenizerError(`added_tokens[${index}].id`, `must equal model.vocab[${describe(content)}] (${describe(vocab.get(content))}), got ${describe(id)}`);
      }
      return { id: id as number, content, special: token.special === true };
    });
    return new WordLevelTokenizer(vocab, model.unk_token, added);
  }

  /** Vocabulary size including added tokens (they are all inside the vocabulary). */
  get vocabSize(): number {
    return this.vocab.size;
  }

  get unkTokenId(): number {
    return this.unkId;
  }

  tokenToId(token: string): number | undefined {
    return this.vocab.get(token);
  }

  idToToken(id: number): string | undefined {
    return this.tokens.get(id);
  }

  /** The added tokens, in file order. */
  get addedTokens(): readonly Readonly<AddedToken>[] {
    return this.added;
  }

  /** Token ids of `text`, as `TextCodec.encode(text)` (no special tokens added around it). */
  encode(text: string): number[] {
    const ids: number[] = [];
    const words = (segment: string) => {
      for (const word of wordsOf(segment)) ids.push(this.vocab.get(word) ?? this.unkId);
    };
    let plainStart = 0;
    let position = 0;
    while (position < text.length) {
      const match = this.addedByFirstUnit.get(text[position] as string)?.find((token) => text.startsWith(token.content, position));
      if (match === undefined) {
        position += 1;
        continue;
      }
      words(text.slice(plainStart, position));
      ids.push(match.id);
      position += match.content.length;
      plainStart = position;
    }
    words(text.slice(plainStart));
    return ids;
  }

  /** Readable text of ids, as `TextCodec.decode`: markers, eos and pad left out, unknown ids skipped, words joined by one space except around line breaks. */
  decode(ids: Iterable<number>, names: SpecialTokenNames = DEFAULT_SPECIAL_TOKEN_NAMES): string {
    const hidden = new Set([names.bot, names.eot, names.latent, names.eos, names.pad]);
    const pieces: string[] = [];
    for (const id of ids) {
      const word = this.tokens.get(id);
      if (word === undefined || hidden.has(word)) continue;
      if (pieces.length > 0 && word !== NEWLINE && pieces[pieces.length - 1] !== NEWLINE) pieces.push(' ');
      pieces.push(word);
    }
    return pieces.join('');
  }

  /** The form in which the engine compares word-level texts (`TextCodec.comparable`). */
  comparable(text: string): string {
    const lines = text.split(NEWLINE).map((line) => wordsOf(line).join(' '));
    return lines.join(NEWLINE).replace(/^\n+|\n+$/g, '');
  }
}
