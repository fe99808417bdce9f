/** The tokenizer of a bundle, as the inspector uses it (the engine's ids, encode and decode rules). */
import { WordLevelTokenizer, type SpecialTokenNames } from '../../common/tokenizer/wordLevel.js';

export interface BundleTokenizer {
  readonly vocabSize: number;
  readonly wordLevel: boolean;
  encode(text: string, options?: { addSpecialTokens?: boolean }): number[];
  decode(ids: Iterable<number>): string;
  /** The form two texts are compared in (word sequences for word-level vocabularies). */
  comparable(text: string): string;
  tokenToId(token: string): number | undefined;
  idToToken(id: number): string | undefined;
  /** The unknown-token id, when the vocabulary has one (word-level). */
  readonly unkId: number | null;
}

export function loadBundleTokenizer(json: string, meta: { word_level: boolean; names: SpecialTokenNames }): BundleTokenizer {
  if (!meta.word_level) throw new Error('only word-level tokenizers are supported yet');
  const tokenizer = WordLevelTokenizer.fromJSON(json);
  return {
    vocabSize: tokenizer.vocabSize,
    wordLevel: true,
    encode: (text) => tokenizer.encode(text),
    decode: (ids) => tokenizer.decode(ids, meta.names),
    comparable: (text) => tokenizer.comparable(text),
    tokenToId: (token) => tokenizer.tokenToId(token),
    idToToken: (id) => tokenizer.idToToken(id),
    unkId: tokenizer.unkTokenId,
  };
}
