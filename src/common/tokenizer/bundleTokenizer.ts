/**
 * The tokenizer of a model bundle (or a checkpoint): its `tokenizer.json` and the engine's
 * `tokenizer_meta` (`{ word_level, names }`), read with the same ids as the engine's `TextCodec`.
 * `word_level` → the engine's own word-level tokenizer (`wordLevel.ts`); otherwise the Hugging Face
 * tokenizer a transformers model brought, with the markers added (`hfTokenizer.ts`). Either way
 * one interface: encode as `TextCodec.encode`, decode as `TextCodec.decode`.
 *
 * Plain ECMAScript only: runs in Node and in the renderer.
 */
import { HfTokenizer } from './hfTokenizer.js';
import { UnsupportedTokenizerError, WordLevelTokenizer, type SpecialTokenNames } from './wordLevel.js';

export interface BundleTokenizerMeta {
  word_level: boolean;
  names: SpecialTokenNames;
}

export interface BundleTokenizer {
  readonly wordLevel: boolean;
  /** Vocabulary size including added tokens (`TextCodec.vocab_size`). */
  readonly vocabSize: number;
  /** The ids of the engine's special tokens (`TextCodec.bot_id`, …). */
  readonly specialIds: Readonly<Record<keyof SpecialTokenNames, number>>;
  /** `TextCodec.encode(text, add_special_tokens)`: with `addSpecialTokens` a transformers tokenizer adds what its template adds (Llama's BOS); the word-level one adds nothing. */
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  /** `TextCodec.decode(ids)`: word-level words joined by spaces without the markers, eos and pad; a transformers tokenizer's own decoding with special tokens skipped. Unknown ids are skipped. */
  decode(ids: Iterable<number>): string;
  tokenToId(token: string): number | undefined;
  /** The raw vocabulary string of `id` ("Ġis", "▁Tom", "<0x0A>"), for display. */
  idToToken(id: number): string | undefined;
  /** `TextCodec.comparable`: the form two texts are compared in (word sequences for word-level vocabularies, the text itself otherwise). */
  comparable(text: string): string;
  /** The id unknown words map to: the word-level vocabulary's unk; null for byte-level tokenizers, which have no unknown words. */
  readonly unkId: number | null;
}

const NAME_KEYS: readonly (keyof SpecialTokenNames)[] = ['bot', 'eot', 'latent', 'eos', 'pad'];

function specialIds(names: SpecialTokenNames, tokenToId: (token: string) => number | undefined): Record<keyof SpecialTokenNames, number> {
  const ids = {} as Record<keyof SpecialTokenNames, number>;
  for (const key of NAME_KEYS) {
    const name = names[key];
    const id = typeof name === 'string' ? tokenToId(name) : undefined;
    // As TextCodec: a tokenizer without one of its special tokens is refused.
    if (id === undefined) throw new UnsupportedTokenizerError(`names.${key}`, `names ${JSON.stringify(name)}, which the tokenizer does not have`);
    ids[key] = id;
  }
  return ids;
}

/**
 * Reads a bundle's tokenizer; throws `UnsupportedTokenizerError` (its `field` the JSON path) for
 * a tokenizer.json the loaders do not reproduce exactly, or metadata naming tokens it lacks.
 */
export function loadBundleTokenizer(tokenizerJson: string | unknown, meta: BundleTokenizerMeta): BundleTokenizer {
  const names = meta.names;
  if (meta.word_level) {
    const tokenizer = WordLevelTokenizer.fromJSON(tokenizerJson);
    const ids = specialIds(names, (token) => tokenizer.tokenToId(token));
    return {
      wordLevel: true,
      vocabSize: tokenizer.vocabSize,
      specialIds: ids,
      encode: (text) => tokenizer.encode(text),
      decode: (ids) => tokenizer.decode(ids, names),
      tokenToId: (token) => tokenizer.tokenToId(token),
      idToToken: (id) => tokenizer.idToToken(id),
      comparable: (text) => tokenizer.comparable(text),
      unkId: tokenizer.unkTokenId,
    };
  }
  const tokenizer = HfTokenizer.fromJSON(tokenizerJson);
  const ids = specialIds(names, (token) => tokenizer.tokenToId(token));
  return {
    wordLevel: false,
    vocabSize: tokenizer.vocabSize,
    specialIds: ids,
    encode: (text, options = {}) => tokenizer.encode(text, options),
    decode: (ids) => tokenizer.decode(ids, { skipSpecialTokens: true }),
    tokenToId: (token) => tokenizer.tokenToId(token),
    idToToken: (id) => tokenizer.idToToken(id),
    comparable: (text) => text,
    unkId: null,
  };
}
