import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/fixtures.js';
import { FileTail } from './fileTail.js';

describe('following a log file', () => {
  const dir = tempDir();
  afterEach(() => dir.remove());

  it('returns what was appended since the last read, from the given offset, with characters cut between reads kept whole', () => {
    const path = join(dir.path, 'stderr.log');
    const tail = new FileTail(path, 0);
    expect(tail.read()).toBe(''); // not there yet
    writeFileSync(path, 'before\n');
    const fromNow = new FileTail(path, FileTail.sizeOf(path));
    appendFileSync(path, Buffer.from('é').subarray(0, 1)); // the first of its two bytes
    expect(fromNow.read()).toBe('');
    appendFileSync(path, Buffer.concat([Buffer.from('é').subarray(1), Buffer.from('poque 1\n')]));
    expect(fromNow.read()).toBe('époque 1\n');
    expect(fromNow.read()).toBe('');
    expect(tail.read()).toBe('before\népoque 1\n');
    writeFileSync(path, 'new\n'); // replaced by a shorter file: read again from its start
    expect(fromNow.read()).toBe('new\n');
  });
});
