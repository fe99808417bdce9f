import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetError, firstInvalidUtf8, MAX_REPORTED_ERRORS, readDataset, validateDataset } from './records.js';

const good = { question: 'Is Ada a wumpus or a tumpus?', steps: ['Ada is a wumpus.'], answer: 'Ada is a wumpus.' };

describe('validateDataset', () => {
  it('accepts valid records, with or without graph fields', () => {
    const graph = { ...good, idx_to_symbol: ['Ada', 'wumpus', 'tumpus'], edges: [[0, 1]], root: 0, target: 1, neg_target: 2 };
    expect(validateDataset([good, graph], 'train.json')).toEqual({ records: 2, errors: [], errorCount: 0 });
  });

  it('names the file, the record index and the field of every problem', () => {
    const { errors } = validateDataset(
      [good, { question: 'q', steps: 'one step', answer: 'a' }, { steps: [], answer: ' ' }, 'text', { ...good, steps: ['ok', 3] }],
      'train.json',
    );
    expect(errors).toEqual([
      "train.json: record 1: 'steps' must be a list of strings",
      "train.json: record 2: 'question' is missing",
      "train.json: record 2: 'answer' must be a non-empty string",
      'train.json: record 3: must be an object with question, steps and answer',
      "train.json: record 4: 'steps' must be a list of strings (step 1 is 3)",
    ]);
  });

  it('checks graph fields against each other', () => {
    const { errors } = validateDataset(
      [
        { ...good, idx_to_symbol: ['Ada', 'wumpus'], edges: [[0, 5]], root: 0, target: 1 },
        { ...good, idx_to_symbol: ['Ada'], edges: [], root: 0, target: 3 },
        { ...good, edges: [[0, 1]] },
        { ...good, idx_to_symbol: ['Ada', 'b'], edges: [[0, 1.5]], root: 0, target: 1 },
      ],
      'g.json',
    );
    expect(errors).toEqual([
      "g.json: record 0: 'edges' entry 0 does not join two different nodes of idx_to_symbol (2 nodes)",
      "g.json: record 1: 'target' is 3, but idx_to_symbol has 1 nodes",
      "g.json: record 2: 'idx_to_symbol' is missing (graph fields come together)",
      "g.json: record 2: 'root' is missing (graph fields come together)",
      "g.json: record 2: 'target' is missing (graph fields come together)",
      "g.json: record 3: 'edges' must be a list of [from, to] node index pairs",
    ]);
  });

  it('takes frontiers as an optional list of node lists within the graph', () => {
    const graph = { ...good, idx_to_symbol: ['Ada', 'wumpus', 'tumpus'], edges: [[0, 1]], root: 0, target: 1, neg_target: 2 };
    const { errors } = validateDataset(
      [
        { ...graph, frontiers: [[1]] },
        { ...graph, frontiers: [[1], [3]] },
        { ...graph, frontiers: [1] },
        { ...good, frontiers: [[1]] },
        { ...good, question: 7, answer: ['a'] },
      ],
      'f.json',
    );
    expect(errors).toEqual([
      "f.json: record 1: 'frontiers' list 1 names a node outside idx_to_symbol (3 nodes)",
      "f.json: record 2: 'frontiers' must be a list of lists of node indices",
      "f.json: record 3: 'frontiers' is given without the graph fields",
      "f.json: record 4: 'question' must be a string, found a number",
      "f.json: record 4: 'answer' must be a string, found a list",
    ]);
  });

  it(`stops listing after ${MAX_REPORTED_ERRORS} problems and says how many there were`, () => {
    const { errors, errorCount } = validateDataset(Array.from({ length: 50 }, () => ({ ...good, answer: 7 })), 'big.json');
    expect(errorCount).toBe(50);
    expect(errors).toHaveLength(MAX_REPORTED_ERRORS + 1);
    expect(errors.at(-1)).toBe('big.json: … and 30 more problems not shown (50 in all)');
  });

  it('refuses anything but a list', () => {
    expect(validateDataset({ records: [] }, 'x.json').errors).toEqual(['x.json: must be a JSON list of records, found an object']);
    expect(validateDataset(null, 'x.json').errors).toEqual(['x.json: must be a JSON list of records, found null']);
  });
});

describe('readDataset', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coconut-records-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const fileWith = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  it('returns the records of a valid file', async () => {
    expect(await readDataset(await fileWith('ok.json', JSON.stringify([good])))).toEqual([good]);
  });

  it('gives one clear error for a missing file, bad JSON or a non-list', async () => {
    await expect(readDataset(join(dir, 'missing.json'))).rejects.toThrow(/missing\.json: no such file/);
    await expect(readDataset(await fileWith('broken.json', '[{"question":'))).rejects.toThrow(/broken\.json: not valid JSON/);
    await expect(readDataset(await fileWith('object.json', '{"question": "q"}'))).rejects.toThrow(
      'object.json: must be a JSON list of records, found an object',
    );
    await expect(readDataset(dir)).rejects.toThrow(/is a folder/);
  });

  it('lists every invalid record in the error', async () => {
    const path = await fileWith('bad.json', JSON.stringify([good, { ...good, steps: null }, { ...good, question: '' }]));
    const error = await readDataset(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DatasetError);
    expect((error as DatasetError).message).toBe("bad.json: record 1: 'steps' must be a list of strings (2 problems in all)");
    expect((error as DatasetError).problems).toEqual([
      "bad.json: record 1: 'steps' must be a list of strings",
      "bad.json: record 2: 'question' must be a non-empty string",
    ]);
  });
});

describe('text the engine cannot encode', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coconut-records-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a file that is not UTF-8, naming the byte and its line (as the engine does)', async () => {
    const path = join(dir, 'train.json');
    await writeFile(path, Buffer.concat([Buffer.from('[{"question": "q",\n "steps": [], "answer": "caf'), Buffer.from([0xe9]), Buffer.from('"}]')]));
    await expect(readDataset(path)).rejects.toThrow(
      'train.json: not UTF-8 text: byte 0xE9 on line 2 (byte 47 of the file) is not valid UTF-8; save the file as UTF-8',
    );
  });

  it('refuses half of a surrogate pair, naming the record, the field and the step', async () => {
    const path = join(dir, 'val.json');
    await writeFile(path, '[{"question": "a\\ud800b", "steps": ["ok", "\\udc00"], "answer": "\\ud83d\\ude00"}]');
    const error = await readDataset(path).catch((e: unknown) => e);
    expect((error as DatasetError).problems).toEqual([
      `val.json: record 0: 'question' is not valid Unicode text: it holds half of a surrogate pair (U+D800, "\\ud800" in JSON) at character 1`,
      `val.json: record 0: 'steps' step 1 is not valid Unicode text: it holds half of a surrogate pair (U+DC00, "\\udc00" in JSON) at character 0`,
    ]);
  });

  it('drops a byte order mark, as the engine does', async () => {
    const path = join(dir, 'bom.json');
    await writeFile(path, `\ufeff${JSON.stringify([good])}`);
    expect(await readDataset(path)).toEqual([good]);
  });

  it('finds the first byte that is not well-formed UTF-8', () => {
    const bytes = (...values: number[]) => Uint8Array.from(values);
    expect(firstInvalidUtf8(Buffer.from('plain ascii, é, 😀, 中'))).toBe(-1);
    expect(firstInvalidUtf8(bytes(0x61, 0xc0, 0x80))).toBe(1); // overlong
    expect(firstInvalidUtf8(bytes(0xed, 0xa0, 0x80))).toBe(0); // an encoded surrogate
    expect(firstInvalidUtf8(bytes(0xf4, 0x90, 0x80, 0x80))).toBe(0); // past U+10FFFF
    expect(firstInvalidUtf8(bytes(0x61, 0x62, 0xe4, 0xb8))).toBe(2); // cut short
    expect(firstInvalidUtf8(bytes(0x80))).toBe(0); // a continuation byte alone
  });
});
