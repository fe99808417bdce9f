/**
 * The Hugging Face tokenizer loader without the engine: what it rejects (by JSON field), the
 * facade's checks, UTF-8 handling and the Oniguruma translation. Parity with the engine's Python
 * is `src/node/engine/bpeTokenizer.test.ts`.
 */
import { describe, expect, it } from 'vitest';
import { loadBundleTokenizer } from './bundleTokenizer.js';
import { HfTokenizer, UnsupportedHfTokenizerError, utf8Bytes, utf8Decode } from './hfTokenizer.js';
import { onigToJs, OnigPatternError } from './onigRegex.js';
import { DEFAULT_SPECIAL_TOKEN_NAMES, UnsupportedTokenizerError } from './wordLevel.js';

const MARKERS = ['<|start-latent|>', '<|end-latent|>', '<|latent|>'];

/** A tiny GPT-2 style tokenizer.json: byte-level alphabet, two merges, eos and the markers added. */
function gpt2Json(): Record<string, unknown> {
  const vocab: Record<string, number> = { '<|endoftext|>': 0 };
  const printable = [...Array(256).keys()].filter((b) => (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff));
  let extra = 0;
  for (let byte = 0; byte < 256; byte++) vocab[String.fromCodePoint(printable.includes(byte) ? byte : 256 + extra++)] = Object.keys(vocab).length;
  for (const token of ['Ġi', 'Ġis']) vocab[token] = Object.keys(vocab).length;
  const size = Object.keys(vocab).length;
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [
      { id: 0, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true },
      ...MARKERS.map((content, index) => ({ id: size + index, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: false })),
    ],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, ignore_merges: false, vocab, merges: [['Ġ', 'i'], 'Ġi s'] },
  };
}

const META = { word_level: false, names: { ...DEFAULT_SPECIAL_TOKEN_NAMES, eos: '<|endoftext|>', pad: '<|endoftext|>' } };

function rejection(mutate: (json: Record<string, unknown>) => void): UnsupportedHfTokenizerError {
  const json = gpt2Json();
  mutate(json);
  try {
    HfTokenizer.fromJSON(JSON.stringify(json));
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedHfTokenizerError);
    expect(error).toBeInstanceOf(UnsupportedTokenizerError);
    return error as UnsupportedHfTokenizerError;
  }
  throw new Error('expected a rejection');
}

describe('HfTokenizer', () => {
  it('encodes, merges and decodes a byte-level BPE with the markers', () => {
    const tokenizer = loadBundleTokenizer(JSON.stringify(gpt2Json()), META);
    const is = tokenizer.tokenToId('Ġis') as number;
    const ids = tokenizer.encode('Tom is<|latent|> é');
    expect(ids).toContain(is);
    expect(ids).toContain(tokenizer.specialIds.latent);
    expect(tokenizer.decode(ids)).toBe('Tom is<|latent|> é');
    expect(tokenizer.decode([0, ...ids, 0, 99999])).toBe('Tom is<|latent|> é');
    expect(tokenizer.idToToken(is)).toBe('Ġis');
    expect(tokenizer.vocabSize).toBe(256 + 3 + 3);
    expect(tokenizer.encode('')).toEqual([]);
  });

  it('takes a lone surrogate as U+FFFD (Python cannot encode one at all)', () => {
    const tokenizer = HfTokenizer.fromJSON(gpt2Json());
    expect(tokenizer.encode('a\ud800b')).toEqual(tokenizer.encode('a\ufffdb'));
  });

  it.each([
    ['model.type', (json: Record<string, unknown>) => ((json.model as Record<string, unknown>).type = 'WordPiece')],
    ['model.dropout', (json: Record<string, unknown>) => ((json.model as Record<string, unknown>).dropout = 0.1)],
    ['model.continuing_subword_prefix', (json: Record<string, unknown>) => ((json.model as Record<string, unknown>).continuing_subword_prefix = '##')],
    ['model.unk_token', (json: Record<string, unknown>) => ((json.model as Record<string, unknown>).unk_token = '<unk>')],
    ['model.merges[1]', (json: Record<string, unknown>) => ((json.model as Record<string, unknown>).merges = [['Ġ', 'i'], ['Ġi', 'q']])],
    ['model.shape', (json: Record<string, unknown>) => ((json.model as Record<string, unknown>).shape = 1)],
    ['normalizer.type', (json: Record<string, unknown>) => (json.normalizer = { type: 'Lowercase' })],
    ['normalizer.normalizers[1].type', (json: Record<string, unknown>) => (json.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFC' }, { type: 'NFKC' }] })],
    ['normalizer.pattern', (json: Record<string, unknown>) => (json.normalizer = { type: 'Replace', pattern: { Regex: ' +' }, content: ' ' })],
    ['pre_tokenizer.pretokenizers[1].type', (json: Record<string, unknown>) => (json.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'ByteLevel', add_prefix_space: false }, { type: 'Whitespace' }] })],
    ['pre_tokenizer.pattern.Regex', (json: Record<string, unknown>) => (json.pre_tokenizer = { type: 'Split', pattern: { Regex: '\\d+' }, behavior: 'Isolated', invert: false })],
    ['pre_tokenizer.pattern.Regex', (json: Record<string, unknown>) => (json.pre_tokenizer = { type: 'Split', pattern: { Regex: '\\p{Lu}+' }, behavior: 'Isolated', invert: false })],
    ['pre_tokenizer.behavior', (json: Record<string, unknown>) => (json.pre_tokenizer = { type: 'Split', pattern: { String: ' ' }, behavior: 'Sideways', invert: false })],
    ['pre_tokenizer.add_prefix_space', (json: Record<string, unknown>) => (json.pre_tokenizer = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', add_prefix_space: false })],
    ['post_processor.type', (json: Record<string, unknown>) => (json.post_processor = { type: 'BertProcessing', sep: ['[SEP]', 1], cls: ['[CLS]', 2] })],
    ['post_processor.single[0].SpecialToken.id', (json: Record<string, unknown>) => (json.post_processor = { type: 'TemplateProcessing', single: [{ SpecialToken: { id: '<s>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }], pair: [], special_tokens: {} })],
    ['decoder.decoders[0].type', (json: Record<string, unknown>) => (json.decoder = { type: 'Sequence', decoders: [{ type: 'WordPiece', prefix: '##' }] })],
    ['truncation', (json: Record<string, unknown>) => (json.truncation = { max_length: 8, strategy: 'LongestFirst', stride: 0, direction: 'Right' })],
    ['padding', (json: Record<string, unknown>) => (json.padding = { strategy: 'BatchLongest' })],
    ['added_tokens[3].id', (json: Record<string, unknown>) => ((json.added_tokens as Record<string, unknown>[])[3]!.id = 400)],
    ['added_tokens[0].special_case', (json: Record<string, unknown>) => ((json.added_tokens as Record<string, unknown>[])[0]!.special_case = true)],
    ['extra', (json: Record<string, unknown>) => (json.extra = {})],
    ['version', (json: Record<string, unknown>) => (json.version = '2.0')],
  ])('rejects %s by name', (field, mutate) => {
    const error = rejection(mutate);
    expect(error.field).toBe(field);
    expect(error.message).toContain(field);
  });

  it('rejects metadata naming a token the tokenizer lacks, like TextCodec', () => {
    expect(() => loadBundleTokenizer(JSON.stringify(gpt2Json()), { ...META, names: { ...META.names, pad: '<pad>' } })).toThrow(/names\.pad/);
  });

  it('reads the word-level tokenizer through the same facade', () => {
    const vocab = { '<|endoftext|>': 0, '<|pad|>': 1, '<|unk|>': 2, '\n': 3, [MARKERS[0] as string]: 4, [MARKERS[1] as string]: 5, [MARKERS[2] as string]: 6, Tom: 7, is: 8 };
    const json = {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: Object.entries(vocab).map(([content, id]) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: content !== '\n' })),
      normalizer: null,
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: null,
      decoder: null,
      model: { type: 'WordLevel', vocab, unk_token: '<|unk|>' },
    };
    const tokenizer = loadBundleTokenizer(JSON.stringify(json), { word_level: true, names: { ...DEFAULT_SPECIAL_TOKEN_NAMES } });
    expect(tokenizer.encode('Tom<|latent|>is x', { addSpecialTokens: true })).toEqual([7, 6, 8, 2]);
    expect(tokenizer.decode([7, 6, 8, 0])).toBe('Tom is');
    expect(tokenizer.specialIds).toEqual({ bot: 4, eot: 5, latent: 6, eos: 0, pad: 1 });
    // A word-level file read as a transformers tokenizer is refused, not guessed.
    expect(() => loadBundleTokenizer(JSON.stringify(json), { word_level: false, names: { ...DEFAULT_SPECIAL_TOKEN_NAMES } })).toThrow(/model\.type/);
  });
});

describe('UTF-8', () => {
  it('decodes like the WHATWG decoder (Rust from_utf8_lossy), one U+FFFD per maximal invalid subpart', () => {
    const decoder = new TextDecoder('utf-8', { fatal: false });
    let state = 7;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
    const interesting = [0x00, 0x41, 0x7f, 0x80, 0xbf, 0xc0, 0xc2, 0xdf, 0xe0, 0xe1, 0xed, 0xee, 0xef, 0xf0, 0xf1, 0xf4, 0xf5, 0xff, 0x9f, 0xa0, 0x8f, 0x90];
    for (let trial = 0; trial < 5000; trial++) {
      const bytes = Array.from({ length: next() % 12 }, () => (next() % 3 === 0 ? next() % 256 : (interesting[next() % interesting.length] as number)));
      const expected = decoder.decode(new Uint8Array(bytes));
      const { text, valid } = utf8Decode(bytes);
      expect(text, JSON.stringify(bytes)).toBe(expected);
      expect(valid).toBe(!expected.includes('\ufffd') || bytes.join() === utf8Bytes(expected).join());
    }
    expect(utf8Bytes('a é 日 😀')).toEqual([...new TextEncoder().encode('a é 日 😀')]);
  });
});

describe('onigToJs', () => {
  it('translates the GPT-2, Qwen2 and Llama 3 patterns', () => {
    for (const pattern of [
      String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`,
      String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
      String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`,
    ]) {
      const regex = new RegExp(onigToJs(pattern), 'gu');
      expect("I'M 123456 ſ".match(regex)).toBeTruthy();
    }
    const caseless = new RegExp(onigToJs("(?i:'s)"), 'u');
    expect(["'s", "'S", "'ſ", "'x"].map((text) => caseless.test(text))).toEqual([true, true, true, false]);
    expect(new RegExp(onigToJs('a{,2}b'), 'u').test('aab')).toBe(true);
    expect(new RegExp(`^${onigToJs('.')}$`, 'u').test('\n')).toBe(false);
    expect(new RegExp(`^${onigToJs('.')}$`, 'u').test('\r')).toBe(true);
  });

  it.each(['\\d', '\\w', '\\b', '\\p{Lu}', '(?i:ss)', 'a++', '[[a]]', '[a&&b]', '(?<name>a)', '\\1', '(?i)a'])('refuses %s', (pattern) => {
    expect(() => onigToJs(pattern)).toThrow(OnigPatternError);
  });
});
