/**
 * The word-level tokenizer without the engine: what it accepts, what it rejects and why, and the
 * engine's rules on a hand-written file. Parity with Python is src/node/engine/tokenizer.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { UnsupportedTokenizerError, WordLevelTokenizer, wordsOf } from './wordLevel.js';

const SPECIALS = ['<|endoftext|>', '<|pad|>', '<|unk|>', '\n', '<|start-latent|>', '<|end-latent|>', '<|latent|>'];
const WORDS = ['a', '.', 'Tom', 'is', 'wumpus', '###', 'café'];

/** A tokenizer.json shaped as the engine writes it. */
function engineFile(): Record<string, unknown> {
  const vocab = Object.fromEntries([...SPECIALS, ...WORDS].map((token, id) => [token, id]));
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: content !== '\n' })),
    normalizer: null,
    pre_tokenizer: { type: 'Whitespace' },
    post_processor: null,
    decoder: null,
    model: { type: 'WordLevel', vocab, unk_token: '<|unk|>' },
  };
}

function rejection(edit: (file: Record<string, unknown>) => void): UnsupportedTokenizerError {
  const file = engineFile();
  edit(file);
  try {
    WordLevelTokenizer.fromJSON(JSON.stringify(file));
  } catch (error) {
    expect(error).toBeInstanceOf(UnsupportedTokenizerError);
    return error as UnsupportedTokenizerError;
  }
  throw new Error('accepted an unsupported tokenizer.json');
}

describe('word-level tokenizer', () => {
  it('encodes with added tokens first, the Whitespace split and the unk fallback', () => {
    const tokenizer = WordLevelTokenizer.fromJSON(engineFile());
    const tokens = (text: string) => tokenizer.encode(text).map((id) => tokenizer.idToToken(id));
    expect(tokens('Tom is a wumpus.\n<|start-latent|><|latent|><|end-latent|>### Tom is a gizmo!!')).toEqual(
      ['Tom', 'is', 'a', 'wumpus', '.', '\n', '<|start-latent|>', '<|latent|>', '<|end-latent|>', '###', 'Tom', 'is', 'a', '<|unk|>', '<|unk|>'],
    );
    expect(tokens('café')).toEqual(['café']); // \w is Unicode, as in the engine's Rust regex
    expect(tokenizer.encode('')).toEqual([]);
    // "²" is No (not Nd, not Alphabetic): not \w for Rust, so it joins the punctuation run, as Python says.
    expect(wordsOf('  x²,y\u00a0z ')).toEqual(['x', '²,', 'y', 'z']);
  });

  it('decodes as the engine does: markers, eos and pad dropped, spaces except around line breaks', () => {
    const tokenizer = WordLevelTokenizer.fromJSON(engineFile());
    const ids = tokenizer.encode('Tom is a wumpus.\n<|start-latent|><|latent|><|end-latent|>### Tom<|endoftext|><|pad|>');
    expect(tokenizer.decode(ids)).toBe('Tom is a wumpus .\n### Tom');
    expect(tokenizer.decode([2, 999, 9])).toBe('<|unk|> Tom');
    expect(tokenizer.comparable('\n Tom  is a\twumpus.\n')).toBe('Tom is a wumpus .');
  });

  it('rejects every configuration it cannot reproduce, naming the field', () => {
    expect(rejection((file) => (file.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Whitespace' }, { type: 'Punctuation' }] })).field).toBe('pre_tokenizer');
    expect(rejection((file) => (file.normalizer = { type: 'Lowercase' })).field).toBe('normalizer');
    expect(rejection((file) => (file.decoder = { type: 'WordPiece' })).field).toBe('decoder');
    expect(rejection((file) => (file.post_processor = { type: 'TemplateProcessing' })).field).toBe('post_processor');
    expect(rejection((file) => ((file.model as Record<string, unknown>).type = 'BPE')).field).toBe('model.type');
    expect(rejection((file) => ((file.model as Record<string, unknown>).unk_token = '[UNK]')).field).toBe('model.unk_token');
    expect(rejection((file) => ((file.added_tokens as Record<string, unknown>[])[4]!.lstrip = true)).field).toBe('added_tokens[4].lstrip');
    expect(rejection((file) => ((file.added_tokens as Record<string, unknown>[])[0]!.normalized = true)).field).toBe('added_tokens[0].normalized');
    expect(rejection((file) => ((file.added_tokens as Record<string, unknown>[])[1]!.id = 40)).field).toBe('added_tokens[1].id');
    expect(rejection((file) => (file.truncation = { max_length: 8 })).field).toBe('truncation');
    expect(rejection((file) => (file.extra = 1)).field).toBe('extra');
    const error = rejection((file) => (file.pre_tokenizer = { type: 'ByteLevel' }));
    expect(error.message).toMatch(/^unsupported tokenizer\.json: pre_tokenizer must be \{"type":"Whitespace"\}, got \{"type":"ByteLevel"\}/);
    expect(() => WordLevelTokenizer.fromJSON('{not json')).toThrow(UnsupportedTokenizerError);
  });
});
