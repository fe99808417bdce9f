import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import { formatOfPath, importDataset, parseGsmLine } from './importer.js';
import { DatasetError, readDataset } from './records.js';

describe('dataset import', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());
  const file = (name: string, text: string) => {
    const path = join(dir.path, name);
    writeFileSync(path, text);
    return path;
  };

  it('reads GSM8k-Aug lines: question, the <<…>> steps, the answer after the last ##', () => {
    expect(parseGsmLine('Tom has 3 apples and buys 2.||<<3+2=5>> <<5*2=10>> #### 10')).toEqual({
      question: 'Tom has 3 apples and buys 2.',
      steps: ['<<3+2=5>>', '<<5*2=10>>'],
      answer: '10',
    });
    expect(parseGsmLine('q||think about it ## 4')).toEqual({ question: 'q', steps: ['think about it'], answer: '4' });
    expect(parseGsmLine('q|| ## 4')).toEqual({ question: 'q', steps: [], answer: '4' });
    expect(parseGsmLine('no separator ## 4')).toBe("no '||' between the question and the steps");
    expect(parseGsmLine('q||<<1+1=2>>')).toBe("no '##' before the answer");
  });

  it('picks the format from the extension', () => {
    expect(['a.jsonl', 'a.ndjson', 'a.txt', 'a.json', 'a'].map(formatOfPath)).toEqual(['jsonl', 'jsonl', 'gsm', 'json', 'json']);
  });

  it('converts JSON Lines and GSM8k-Aug text into a dataset the validator accepts', async () => {
    const jsonl = file('in.jsonl', '{"question":"q1","steps":["s"],"answer":"a"}\n\n{"question":"q2","steps":[],"answer":"b"}\n');
    const out = join(dir.path, 'out.json');
    expect(await importDataset({ input: jsonl, output: out })).toBe(2);
    expect(await readDataset(out)).toEqual([
      { question: 'q1', steps: ['s'], answer: 'a' },
      { question: 'q2', steps: [], answer: 'b' },
    ]);
    const gsm = file('gsm.txt', 'A||<<1+1=2>> #### 2\nB||<<2*3=6>> <<6-1=5>> #### 5\n');
    expect(await importDataset({ input: gsm, output: out })).toBe(2);
    expect((await readDataset(out))[1]).toEqual({ question: 'B', steps: ['<<2*3=6>>', '<<6-1=5>>'], answer: '5' });
  });

  it('reports every bad record with its line and field, and leaves the output as it was', async () => {
    const out = file('out.json', '["kept"]');
    const bad = file('bad.jsonl', ['{"question":"q","steps":["s"],"answer":"a"}', '{"question":"","steps":["s"],"answer":"a"}', 'not json', '{"question":"q","steps":"s","answer":"a"}'].join('\n'));
    const error = await importDataset({ input: bad, output: out }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).problems).toEqual([
      "bad.jsonl: line 2: 'question' must be a non-empty string",
      expect.stringMatching(/^bad\.jsonl: line 3: not valid JSON/),
      "bad.jsonl: line 4: 'steps' must be a list of strings",
    ]);
    expect(readFileSync(out, 'utf8')).toBe('["kept"]');
    expect(readdirSync(dir.path).sort()).toEqual(['bad.jsonl', 'out.json']); // no temporary file left
  });

  it('reports a line that is not UTF-8 by its number, and reads CRLF lines', async () => {
    const out = join(dir.path, 'out.json');
    const good = '{"question":"q","steps":["s"],"answer":"a"}';
    const lines = Buffer.concat([Buffer.from(`${good}\r\n{"question":"caf`), Buffer.from([0xff]), Buffer.from(`","steps":[],"answer":"a"}\r\n${good}\r\n`)]);
    const input = join(dir.path, 'mixed.jsonl');
    writeFileSync(input, lines);
    const error = await importDataset({ input, output: out }).catch((e: unknown) => e);
    expect((error as DatasetError).problems).toEqual(['mixed.jsonl: line 2: not UTF-8 text: byte 0xFF at byte 16 of the line is not valid UTF-8; save the file as UTF-8']);
    writeFileSync(input, `${good}\r\n${good}`);
    expect(await importDataset({ input, output: out })).toBe(2);
  });

  it('refuses half of a surrogate pair in a JSON line', async () => {
    const input = file('half.jsonl', '{"question":"q","steps":["\\ud800"],"answer":"a"}\n');
    const error = await importDataset({ input, output: join(dir.path, 'out.json') }).catch((e: unknown) => e);
    expect((error as DatasetError).problems).toEqual([
      `half.jsonl: line 1: 'steps' step 0 is not valid Unicode text: it holds half of a surrogate pair (U+D800, "\\ud800" in JSON) at character 0`,
    ]);
  });
});
