import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeJsonAtomic, writeJsonListAtomic } from './writer.js';

describe('atomic dataset writer', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coconut-writer-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a JSON list that parses back to the records', async () => {
    const path = join(dir, 'train.json');
    const records = Array.from({ length: 5 }, (_, i) => ({ question: `q${i}`, steps: [], answer: 'a' }));
    expect(await writeJsonListAtomic(path, records)).toBe(5);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual(records);
    expect(await writeJsonListAtomic(join(dir, 'empty.json'), [])).toBe(0);
    expect(JSON.parse(await readFile(join(dir, 'empty.json'), 'utf8'))).toEqual([]);
  });

  it('streams a large generated list without holding it', async () => {
    const path = join(dir, 'big.json');
    function* many() {
      for (let i = 0; i < 30_000; i++) yield { question: `question ${i} ${'x'.repeat(60)}`, steps: ['s'], answer: 'a' };
    }
    expect(await writeJsonListAtomic(path, many())).toBe(30_000);
    const parsed = JSON.parse(await readFile(path, 'utf8')) as unknown[];
    expect(parsed).toHaveLength(30_000);
  });

  it('leaves no file, partial or temporary, when the records fail halfway', async () => {
    const path = join(dir, 'train.json');
    async function* failing() {
      for (let i = 0; i < 20_000; i++) {
        if (i === 10_000) throw new Error('generator broke');
        yield { question: `q${i} ${'y'.repeat(200)}`, steps: [], answer: 'a' };
      }
    }
    await expect(writeJsonListAtomic(path, failing())).rejects.toThrow('generator broke');
    expect(await readdir(dir)).toEqual([]);
  });

  it('keeps the previous file intact when a rewrite fails', async () => {
    const path = join(dir, 'train.json');
    await writeFile(path, '[{"question":"old","steps":[],"answer":"a"}]');
    function* failing() {
      yield { question: 'new', steps: [], answer: 'a' };
      throw new Error('stop');
    }
    await expect(writeJsonListAtomic(path, failing())).rejects.toThrow('stop');
    expect(await readFile(path, 'utf8')).toBe('[{"question":"old","steps":[],"answer":"a"}]');
    expect(await readdir(dir)).toEqual(['train.json']);
  });

  it('explains a missing folder instead of a bare error code', async () => {
    await expect(writeJsonAtomic(join(dir, 'no', 'such', 'm.json'), {})).rejects.toThrow(/cannot write .*m\.json: its folder does not exist/);
  });
});
