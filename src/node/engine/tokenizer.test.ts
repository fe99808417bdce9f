/**
 * Parity of the TypeScript word-level tokenizer with the engine: the engine (Python `tokenizers`)
 * writes tokenizer.json from generated datasets, encodes and decodes real and tricky text, and
 * every id and every decoded string must be identical in TypeScript. Needs the engine venv.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unpackRanges, wordsOf, WordLevelTokenizer } from '../../common/tokenizer/wordLevel.js';
import { SPACE_RANGES, WORD_RANGES } from '../../common/tokenizer/unicodeTables.js';
import { generateDatasetFile } from '../datasets/generate.js';
import { getGenerator, resolveGeneratorParams } from '../datasets/generators.js';
import { tempDir } from '../testing/fixtures.js';
import { engineStatus } from './launcher.js';
import { writeTokenizerFile } from './tokenizer.js';
import { pythonCharacterClasses, pythonEncode } from './tokenizerProbe.js';
import { packRanges, TOKENIZER_TABLES_FILE, tokenizerTablesSource } from './tokenizerTables.js';

const BOT = '<|start-latent|>';
const EOT = '<|end-latent|>';
const LATENT = '<|latent|>';
const EOS = '<|endoftext|>';
const PAD = '<|pad|>';
const UNK = '<|unk|>';

interface DataRecord {
  question: string;
  steps: string[];
  answer: string;
}

/** Words outside ASCII inside the training set, so they get ids of their own rather than unk. */
const UNICODE_RECORDS: DataRecord[] = [
  { question: 'Is café naïve? 日本語 is x² and ٣٤ and Ⅻ ½.', steps: ['ǅ ʰ ̀a à and a\u200db', 'Ελληνικά, русский; עברית'], answer: 'emoji 😀 yes' },
  { question: 'Straße_1 vs STRASSE — “quoted” … (paren)', steps: ['tab\tsep\u00a0nbsp\u3000ideo'], answer: 'x_y_z 42' },
];

const TRICKY = [
  '',
  ' ',
  '   \t  ',
  '\n',
  '\n\n\n',
  'Tom  is   a\twumpus.',
  'a...b ?! ,, ;; --- ###',
  '### ### #',
  "don't can't it's",
  'Tom is a gizmo!!',
  'zzzunknown qqq 123456789 _ __ a_b',
  `${BOT}${LATENT}${LATENT}${EOT}### Tom`,
  `Tom${LATENT}is${EOS}${PAD}a`,
  `x${BOT}y${EOT}z${UNK}w`,
  `${UNK} unknown ${UNK}${UNK}`,
  '<|latent <|latent| |latent|> <|start-latent <|start-latent|>|>',
  '<<|latent|>>',
  'line one\nline two\r\nline three\rend\n',
  'trailing space \n leading space',
  'café naïve 日本語 ٣٤ x² ½ Ⅻ',
  'emoji 😀 yes 👍🏽 👨‍👩‍👧',
  'a\u00a0b a\u200bb a\u200db a\u2028b a\u3000b a\u0085b',
  'ǅ ʰ ̀a à e\u0301',
  '١٢٣ ① ² ⁂',
  'Ελληνικά, русский; עברית',
  'Straße_1 vs STRASSE — “quoted” … (paren)',
  '3_7 7_9 ? 3 : 9 5',
  '3 7 | 7 9 | ? 3 : 9 5',
];

const engine = engineStatus();

describe.skipIf(!engine.python)(`tokenizer parity with the engine${engine.python ? '' : ` (skipped: ${engine.problem})`}`, () => {
  const dir = tempDir('coconut-tokenizer-');
  let tokenizerPath = '';
  let records: DataRecord[] = [];
  let tokenizer: WordLevelTokenizer;

  beforeAll(async () => {
    const sets: [string, Record<string, unknown>, number][] = [
      ['prosqa', {}, 150],
      ['reachability', {}, 150],
      ['reachability', { edgeStyle: 'pair' }, 100],
    ];
    for (const [index, [name, params, count]] of sets.entries()) {
      const generator = getGenerator(name);
      const outFile = join(dir.path, `set${index}.json`);
      await generateDatasetFile({ generator, params: resolveGeneratorParams(generator, params), seed: 7 + index, count, outFile });
      records.push(...(JSON.parse(readFileSync(outFile, 'utf8')) as DataRecord[]));
    }
    records = [...records, ...UNICODE_RECORDS];
    const dataset = join(dir.path, 'train.json');
    writeFileSync(dataset, JSON.stringify(records));
    tokenizerPath = join(dir.path, 'tokenizer.json');
    const summary = await writeTokenizerFile(dataset, tokenizerPath);
    expect(summary.records).toBe(records.length);
    tokenizer = WordLevelTokenizer.fromJSON(readFileSync(tokenizerPath, 'utf8'));
    expect(tokenizer.vocabSize).toBe(summary.vocab_size);
  });
  afterAll(() => dir.remove());

  /** Record texts as the engine sees them, alone and joined into CoT and Coconut-style samples. */
  function recordTexts(): string[] {
    const texts: string[] = [];
    for (const [index, record] of records.entries()) {
      texts.push(record.question, ...record.steps, `### ${record.answer}`);
      texts.push([record.question, ...record.steps, `### ${record.answer}`].join('\n') + EOS);
      const latents = LATENT.repeat(1 + (index % 3));
      texts.push(`${record.question}\n${BOT}${latents}${EOT}${record.steps.slice(1).join('\n')}\n### ${record.answer}${EOS}${PAD}${PAD}`);
    }
    return texts;
  }

  it('encodes generated records and tricky strings to the same ids, words and comparable forms', async () => {
    const texts = [...recordTexts(), ...TRICKY];
    const python = await pythonEncode(tokenizerPath, texts);
    expect(python.vocab_size).toBe(tokenizer.vocabSize);
    const unk = tokenizer.unkTokenId;
    let unknownWords = 0;
    for (const [index, text] of texts.entries()) {
      const expected = python.texts[index];
      expect(tokenizer.encode(text), JSON.stringify(text)).toEqual(expected?.ids);
      expect(wordsOf(text), JSON.stringify(text)).toEqual(expected?.words);
      expect(tokenizer.comparable(text), JSON.stringify(text)).toBe(expected?.comparable);
      unknownWords += tokenizer.encode(text).filter((id) => id === unk).length;
    }
    // The tricky strings do exercise the unk fallback, and the unicode records get their own ids.
    expect(unknownWords).toBeGreaterThan(5);
    expect(tokenizer.tokenToId('café')).toBeGreaterThan(6);
    expect(tokenizer.encode('café 日本語 😀')).not.toContain(unk);
  });

  it('decodes id lists to the same text as the engine, markers dropped and unknown ids skipped', async () => {
    const size = tokenizer.vocabSize;
    const lists: number[][] = [[], [0, 1, 4, 5, 6], [3, 3], [size, size + 10, 2, 3, 7]];
    // Seeded pseudo-random id lists over the whole vocabulary, newline and markers included.
    let state = 12345;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
    for (let list = 0; list < 200; list++) lists.push(Array.from({ length: 1 + (next() % 40) }, () => next() % (size + 3)));
    const texts = [...recordTexts().slice(0, 300), ...TRICKY];
    const python = await pythonEncode(tokenizerPath, [], [...lists, ...texts.map((text) => tokenizer.encode(text))]);
    const ours = [...lists, ...texts.map((text) => tokenizer.encode(text))].map((ids) => tokenizer.decode(ids));
    expect(ours).toEqual(python.decoded);
  });

  it('classifies every Unicode code point as the Rust pre-tokenizer does (\\w, \\s, neither)', async () => {
    const python = await pythonCharacterClasses();
    // The committed tables are the engine's (run `npx tsx scripts/write-tokenizer-tables.ts` if not).
    expect(unpackRanges(WORD_RANGES)).toEqual(python.word);
    expect(unpackRanges(SPACE_RANGES)).toEqual(python.space);
    expect(readFileSync(TOKENIZER_TABLES_FILE, 'utf8')).toBe(tokenizerTablesSource(python));
    expect(unpackRanges(packRanges(python.word))).toEqual(python.word);
    // And the regex built from them agrees on every code point, the same probe Python answered.
    const classOf = (ranges: [number, number][]) => {
      const set = new Set<number>();
      for (const [start, end] of ranges) for (let cp = start; cp <= end; cp++) set.add(cp);
      return set;
    };
    const word = classOf(python.word);
    const space = classOf(python.space);
    const wrong: string[] = [];
    for (let cp = 0; cp < 0x110000; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const c = String.fromCodePoint(cp);
      const pieces = wordsOf(`a${c} `);
      const expected = word.has(cp) ? ['a' + c] : space.has(cp) ? ['a'] : ['a', c];
      if (pieces.length !== expected.length || pieces.some((piece, i) => piece !== expected[i])) wrong.push(cp.toString(16));
    }
    expect(wrong.slice(0, 20)).toEqual([]);
  });

  it('`coconut data tokenizer` reports a missing dataset with the engine\'s one-line error', async () => {
    await expect(writeTokenizerFile(join(dir.path, 'missing.json'), join(dir.path, 'never.json'))).rejects.toThrow(/dataset file not found/);
  });
});
