/**
 * The texts the bundle tokenizer's parity test (`bpeTokenizer.test.ts`) trains its tokenizers on
 * and compares: generated ProsQA, ProntoQA and graph records, and tricky strings. Kept apart from
 * the test so that a measurement of another implementation (a library) can use the same cases.
 */
import { getGenerator, resolveGeneratorParams } from '../datasets/generators.js';
import { createRandom } from '../datasets/random.js';

export const BOT = '<|start-latent|>';
export const EOT = '<|end-latent|>';
export const LATENT = '<|latent|>';

export interface CaseRecord {
  question: string;
  steps: string[];
  answer: string;
}

/** Generated records: ProsQA sentences, ProntoQA sentences and reachability graphs. */
export function generatedRecords(): CaseRecord[] {
  const records: CaseRecord[] = [];
  const sets: [string, Record<string, unknown>, number][] = [
    ['prosqa', {}, 120],
    ['prontoqa', {}, 40],
    ['reachability', { edgeStyle: 'pair' }, 40],
  ];
  for (const [index, [name, params, count]] of sets.entries()) {
    const generator = getGenerator(name);
    const resolved = resolveGeneratorParams(generator, params);
    const rng = createRandom(11 + index);
    for (let n = 0; n < count; n++) records.push(generator.generate(rng, resolved) as CaseRecord);
  }
  return records;
}

/**
 * Lines where JavaScript's idea of a letter, a digit or a space differs from the engine's
 * Oniguruma (letters and digits new in Unicode 16 and 17; U+0085 and U+FEFF), and text for the
 * byte fallback and normalization. Repeated in the training corpus, so that merges across these
 * characters exist and a pre-tokenizer that splits them differently gets different ids.
 */
export const EDGE_LINES = [
  'wump\u088Fus \u088F\u088Fpus ab\u0C5Ccd \u0CDCx \uA7CEy Tom\uA7D2s \u{10940}\u{10941}\u{10942} z\u{11DB0}z',
  'a 12\u{11DE0}34 \u{11DE1}\u{11DE2}\u{11DE3} 1234567 123\u{11DE0}4567 \u{16FF4}9 2\u{16FF5}',
  'a \u0085 b  \u0085\u0085x x\u0085 y\ufeff\ufeffz \ufeff a \ufeff\ufeff b tab\u0085\tx',
  "it's IT'S we've I'M they'LL she'd 'ſ 'K don'T",
  'café naïve résumé cafe\u0301 nai\u0308ve A\u030A \u212B \uF900 \u1100\u1161\u11A8 a\u0301\u0316',
  '\u{11935}\u{11930} \u{105D2}\u0307 \u{16D67}\u{16D67} x\u{11935}\u{11930}y',
];

/** The training corpus: every record's question, steps and answer line, and the edge lines. */
export function trainingCorpus(records: readonly CaseRecord[]): string[] {
  const corpus: string[] = [];
  for (const record of records) corpus.push(record.question, ...record.steps, `### ${record.answer}`);
  for (let copy = 0; copy < 30; copy++) corpus.push(...EDGE_LINES);
  return corpus;
}

export const TRICKY = [
  '',
  ' ',
  '  ',
  '   \t  ',
  '\n',
  '\n\n\n',
  '\r\n',
  'a\r\nb\rc',
  'Tom  is   a\twumpus.',
  '\tTab\tseparated\t',
  ' leading',
  'trailing ',
  'trailing  \n',
  'a...b ?! ,, ;; --- ###',
  '!!!???...',
  '### Tom',
  "don't can't it's they're we've I'm you'll he'd",
  "IT'S DON'T THEY'RE I'M 'S 'T 'Re 'vE",
  "'s 't 're 'ſ 'K 'k",
  '123456789 3.14 1,000,000 42nd 0x1F 1234567 12345678',
  '١٢٣ ٣٤ ① ² Ⅻ ½',
  'café naïve résumé',
  'cafe\u0301 nai\u0308ve A\u030A \u212B \uF900 \u1100\u1161\u11A8 a\u0301\u0316 a\u0316\u0301',
  'e\u0301\u0302 ̀a \u0301',
  '日本語の文章です。',
  '中文，标点！',
  'emoji 😀 yes 👍🏽 👨‍👩‍👧 🇫🇷',
  'Ελληνικά, русский; עברית ,العربية',
  'שלום עולם مرحبا بالعالم',
  'a\u00a0b a\u200bb a\u200db a\u2028b a\u3000b a\u0085b a\ufeffb',
  'Straße_1 vs STRASSE — “quoted” … (paren)',
  'x² x₂ ﬁ Ｆｕｌｌ',
  '\u0001\u0002\u007f',
  '\ud7ff\ue000\uffff',
  '𝕏 𐍈 🧪',
  `${BOT}${LATENT}${LATENT}${EOT}### Tom`,
  `Tom${LATENT}is${LATENT}a`,
  `x${BOT}y${EOT}z`,
  `${LATENT}${LATENT}${LATENT}`,
  ` ${LATENT} ${LATENT} `,
  '<|latent <|latent| |latent|> <|start-latent <|start-latent|>|>',
  '<<|latent|>>',
  `wump${LATENT}us`,
  '<|endoftext|>',
  'a<|endoftext|>b',
  '<s>hello</s>',
  '<unk>',
  '<|begin_of_text|>x',
  '<|im_start|>user\nhi<|im_end|>',
  'line one\nline two\r\nline three\rend\n',
  'trailing space \n leading space',
  '3_7 7_9 ? 3 : 9 5',
  '3 7 | 7 9 | ? 3 : 9 5',
  // Added tokens of the "added" layout: lstrip, rstrip, single_word, normalized content, special.
  'a  <mask>  b <mask>\u00a0x\u3000<mask>',
  '[END]  next [END]\n\tx[END]',
  'x <sep>  y<sep>z  <sep>',
  'wump wumpus xwump wump. 1wump é wump _wump wump_ wumpé',
  '[[x]] a[[x]] [[x]]b  [[x]] [[[x]] [[',
  'café cafe\u0301 caféx',
  'Tom  Tom Tom\tTom',
  '日本 日本語 é',
  ...EDGE_LINES,
  'supercalifragilisticexpialidocious'.repeat(20),
  'wumpus'.repeat(200),
  'a'.repeat(1000),
  '😀'.repeat(50),
  ' '.repeat(300),
  '日本'.repeat(100),
  '1234567890'.repeat(30),
  '!?'.repeat(100),
];

/** Seeded random strings over an alphabet of letters, marks, spaces, digits, emoji and markers. */
export function randomStrings(count: number, seed = 3): string[] {
  const rng = createRandom(seed);
  const alphabet = [...'abcdefghijklmnopqrstuvwxyz ABCXYZ.,!?\'\n\t0123456789éü日本😀\u0301\u0085\ufeff\u088F_-'];
  const pieces = [...alphabet, LATENT, BOT, EOT, ' is a ', "'s", '  ', '<mask>', '[END]', 'wump', '[[x]]'];
  return Array.from({ length: count }, () => {
    const length = 1 + Math.floor(rng.next() * 60);
    return Array.from({ length }, () => pieces[Math.floor(rng.next() * pieces.length)] as string).join('');
  });
}

/** The texts compared: every record line, records joined as the engine's samples are, the tricky and random strings. */
export function comparedTexts(records: readonly CaseRecord[]): string[] {
  const texts: string[] = [];
  for (const [index, record] of records.entries()) {
    texts.push(record.question, ...record.steps, `### ${record.answer}`);
    texts.push(`${record.question}\n${BOT}${LATENT.repeat(1 + (index % 3))}${EOT}${record.steps.slice(1).join('\n')}\n### ${record.answer}`);
  }
  return [...texts, ...TRICKY, ...randomStrings(120)];
}
