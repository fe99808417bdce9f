/**
 * Parity of the bundle tokenizer (`loadBundleTokenizer`) with the engine's Python: the engine's
 * `tokenizers` trains small BPE tokenizers of the GPT-2, Qwen2, Llama 3 and Llama 2 layouts (and
 * one exercising every added-token option), transformers loads each as build.py loads a local
 * model and adds the markers, and the engine's `TextCodec` encodes (with and without special
 * tokens) and decodes; every id, decoded string and vocabulary entry must be identical in
 * TypeScript. Also the word-level path through the same facade, and the code point tables the
 * loader relies on. Needs the engine venv.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LETTER_RANGES, NUMBER_RANGES } from '../../common/tokenizer/bpeTables.js';
import { loadBundleTokenizer, type BundleTokenizer, type BundleTokenizerMeta } from '../../common/tokenizer/bundleTokenizer.js';
import { engineNfc } from '../../common/tokenizer/hfTokenizer.js';
import { ONIG_CLASS } from '../../common/tokenizer/onigRegex.js';
import { SPACE_RANGES, WORD_RANGES } from '../../common/tokenizer/unicodeTables.js';
import { DEFAULT_SPECIAL_TOKEN_NAMES, unpackRanges } from '../../common/tokenizer/wordLevel.js';
import { tempDir } from '../testing/fixtures.js';
import { comparedTexts, generatedRecords, trainingCorpus, type CaseRecord } from './bpeTokenizerCases.js';
import { BUNDLE_KINDS, pythonAddedTokenClasses, pythonBpeCharacterClasses, pythonBuildBundles, pythonBundleEncode, type BundleKind } from './bpeTokenizerProbe.js';
import { BPE_TABLES_FILE, bpeTablesSource } from './bpeTokenizerTables.js';
import { engineStatus } from './launcher.js';
import { writeTokenizerFile } from './tokenizer.js';
import { pythonEncode } from './tokenizerProbe.js';

const engine = engineStatus();

/** Seeded id lists over the whole vocabulary and a little past it (unknown ids are skipped). */
function randomIdLists(size: number, count: number): number[][] {
  let state = 12345;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: count }, () => Array.from({ length: 1 + (next() % 40) }, () => next() % (size + 3)));
}

describe.skipIf(!engine.python)(`bundle tokenizer parity with the engine${engine.python ? '' : ` (skipped: ${engine.problem})`}`, () => {
  const dir = tempDir('coconut-bpe-tokenizer-');
  let records: CaseRecord[] = [];
  let texts: string[] = [];
  let built: Awaited<ReturnType<typeof pythonBuildBundles>>;

  beforeAll(async () => {
    records = generatedRecords();
    texts = comparedTexts(records);
    built = await pythonBuildBundles(trainingCorpus(records), dir.path);
  });
  afterAll(() => dir.remove());

  const load = (kind: BundleKind): { tokenizer: BundleTokenizer; path: string; meta: BundleTokenizerMeta } => {
    const path = join(dir.path, `${kind}.json`);
    const bundle = JSON.parse(readFileSync(path, 'utf8')) as { json: string; meta: BundleTokenizerMeta };
    return { tokenizer: loadBundleTokenizer(bundle.json, bundle.meta), path, meta: bundle.meta };
  };

  it.each(BUNDLE_KINDS)('%s: the same ids with and without special tokens, the same decoded text and vocabulary', async (kind) => {
    const { tokenizer, path } = load(kind);
    const ours = texts.map((text) => tokenizer.encode(text));
    const oursSpecial = texts.map((text) => tokenizer.encode(text, { addSpecialTokens: true }));
    const lists = [[], ...ours, ...oursSpecial, ...randomIdLists(tokenizer.vocabSize, 300)];
    const python = await pythonBundleEncode(path, texts, lists);

    expect(tokenizer.vocabSize).toBe(python.vocab_size);
    expect(tokenizer.vocabSize).toBe(built[kind].vocab_size);
    const mismatches = (a: unknown[], b: unknown[]) => a.flatMap((value, index) => (JSON.stringify(value) === JSON.stringify(b[index]) ? [] : [{ text: texts[index] ?? lists[index], ours: value, python: b[index] }]));
    expect(mismatches(ours, python.plain).slice(0, 3)).toEqual([]);
    expect(mismatches(oursSpecial, python.special).slice(0, 3)).toEqual([]);
    const decoded = lists.map((ids) => tokenizer.decode(ids));
    expect(decoded.flatMap((text, index) => (text === python.decoded[index] ? [] : [{ ids: lists[index], ours: text, python: python.decoded[index] }])).slice(0, 3)).toEqual([]);
    const tokens = python.tokens.map((_, id) => tokenizer.idToToken(id) ?? null);
    expect(tokens).toEqual(python.tokens);
    expect(python.tokens.map((token) => (token === null ? null : (tokenizer.tokenToId(token) ?? null)))).toEqual(python.token_ids);

    // The cases do reach what they are about: markers, the BOS template, the byte fallback, unk.
    const latent = tokenizer.specialIds.latent;
    expect(tokenizer.encode(`a${'<|latent|>'}b`).length).toBeGreaterThan(1);
    expect(ours.some((ids) => ids.includes(latent))).toBe(true);
    if (kind === 'llama3' || kind.startsWith('llama2')) expect(oursSpecial[0]?.length).toBe((ours[0]?.length ?? 0) + 1);
    if (kind.startsWith('llama2')) expect(ours.some((ids) => ids.some((id) => /^<0x[0-9A-F]{2}>$/.test(tokenizer.idToToken(id) ?? '')))).toBe(true);
    if (kind === 'metaspace' || kind === 'splits') expect(ours.some((ids) => ids.includes(tokenizer.tokenToId('<unk>') as number))).toBe(true);
    if (kind === 'added') {
      const wump = tokenizer.tokenToId('wump');
      expect(tokenizer.encode('wump wumpus xwump').filter((id) => id === wump)).toHaveLength(1);
      expect(tokenizer.encode('a  <mask>')).toHaveLength(2);
      expect(tokenizer.decode(tokenizer.encode('x <mask> 日本 y'))).not.toMatch(/mask|日本/);
    }
  });

  it('the corpus and tricky strings tell the layouts apart (the same text gets different ids)', () => {
    const kinds = BUNDLE_KINDS.map((kind) => load(kind).tokenizer);
    const text = texts.find((candidate) => candidate.includes('1234567')) as string;
    const encodings = new Set(kinds.map((tokenizer) => JSON.stringify(tokenizer.encode(text).map((id) => tokenizer.idToToken(id)))));
    expect(encodings.size).toBeGreaterThan(4);
  });

  it('reads the engine word-level tokenizer.json through the same facade, with identical ids and decoding', async () => {
    const dataset = join(dir.path, 'train.json');
    writeFileSync(dataset, JSON.stringify(records));
    const path = join(dir.path, 'word-level.json');
    await writeTokenizerFile(dataset, path);
    const tokenizer = loadBundleTokenizer(readFileSync(path, 'utf8'), { word_level: true, names: { ...DEFAULT_SPECIAL_TOKEN_NAMES } });
    expect(tokenizer.wordLevel).toBe(true);
    const lists = [...texts.map((text) => tokenizer.encode(text)), ...randomIdLists(tokenizer.vocabSize, 100)];
    const python = await pythonEncode(path, texts, lists);
    expect(tokenizer.vocabSize).toBe(python.vocab_size);
    expect(texts.map((text) => tokenizer.encode(text, { addSpecialTokens: true }))).toEqual(python.texts.map((entry) => entry.ids));
    expect(lists.map((ids) => tokenizer.decode(ids))).toEqual(python.decoded);
    expect(tokenizer.specialIds).toEqual({ bot: 4, eot: 5, latent: 6, eos: 0, pad: 1 });
  });

  it('uses the engine’s code point classes: Oniguruma \\p{L} \\p{N} \\s and case folding, NFC on every code point', async () => {
    const classes = await pythonBpeCharacterClasses();
    // The committed tables are the engine's (`npx tsx src/node/engine/bpeTokenizerTables.ts --write` if not).
    expect(unpackRanges(LETTER_RANGES)).toEqual(classes.letter);
    expect(unpackRanges(NUMBER_RANGES)).toEqual(classes.number);
    expect(readFileSync(BPE_TABLES_FILE, 'utf8')).toBe(bpeTablesSource(classes));
    // Oniguruma's \s is White_Space, the word-level table; (?i:) adds only ſ and K to ASCII letters.
    expect(unpackRanges(SPACE_RANGES)).toEqual(classes.space);
    expect(classes.fold).toEqual([[65, 90], [97, 122], [0x17f, 0x17f], [0x212a, 0x212a]]);

    const letter = new RegExp(`^[${ONIG_CLASS.letter}]$`, 'u');
    const number = new RegExp(`^[${ONIG_CLASS.number}]$`, 'u');
    const space = new RegExp(`^[${ONIG_CLASS.space}]$`, 'u');
    const inside = (ranges: [number, number][]) => {
      const set = new Set<number>();
      for (const [start, end] of ranges) for (let cp = start; cp <= end; cp++) set.add(cp);
      return set;
    };
    const [letters, numbers, spaces] = [inside(classes.letter), inside(classes.number), inside(classes.space)];
    const wrong: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      if (letter.test(c) !== letters.has(cp) || number.test(c) !== numbers.has(cp) || space.test(c) !== spaces.has(cp)) wrong.push(`class ${cp.toString(16)}`);
      if (cp > 0 && engineNfc(c) !== (classes.normalization.nfc[cp] ?? c)) wrong.push(`nfc ${cp.toString(16)}`);
    }
    expect(wrong.slice(0, 20)).toEqual([]);
  });

  it('matches single_word and lstrip/rstrip added tokens beside the same characters as the engine', async () => {
    // Every range edge of the word and space tables, and every 97th code point.
    const points = new Set<number>();
    for (const [start, end] of [...unpackRanges(WORD_RANGES), ...unpackRanges(SPACE_RANGES)]) for (const cp of [start - 1, start, end, end + 1]) points.add(cp);
    for (let cp = 2; cp < 0x110000; cp += 97) points.add(cp);
    const asked = [...points].filter((cp) => cp > 2 && cp < 0x110000 && (cp < 0xd800 || cp > 0xdfff)).sort((a, b) => a - b);
    const python = await pythonAddedTokenClasses(asked);
    const word = new RegExp(`^[${Object.values(unpackRanges(WORD_RANGES)).map(([a, b]) => `\\u{${a.toString(16)}}-\\u{${b.toString(16)}}`).join('')}]$`, 'u');
    const ours = asked.filter((cp) => word.test(String.fromCodePoint(cp)));
    expect(python.word_before).toEqual(ours);
    expect(python.word_after).toEqual(ours);
    expect(python.strip).toEqual(asked.filter((cp) => new RegExp(`^[${ONIG_CLASS.space}]$`, 'u').test(String.fromCodePoint(cp))));
  });
});
