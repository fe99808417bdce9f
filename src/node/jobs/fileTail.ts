/**
 * Follows a growing text file (an engine's stdout.log / stderr.log): each `read` returns what was
 * appended since the last one. UTF-8 characters cut between two reads are kept whole.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';

/** More at once would only delay the events behind it; the rest comes with the next read. */
const MAX_READ_BYTES = 1 << 20;

export class FileTail {
  private decoder = new StringDecoder('utf8');

  /** `offset`: the byte to start at (the file's size when only new output is wanted). */
  constructor(
    private readonly path: string,
    private offset = 0,
  ) {}

  /** The size of `path` now, 0 when it does not exist. */
  static sizeOf(path: string): number {
    try {
      return statSync(path).size;
    } catch {
      return 0;
    }
  }

  /** The text appended since the last read ('' when none, or when the file cannot be read). */
  read(): string {
    const size = FileTail.sizeOf(this.path);
    if (size < this.offset) {
      // Truncated or replaced: start again from its beginning.
      this.offset = 0;
      this.decoder = new StringDecoder('utf8');
    }
    if (size === this.offset) return '';
    const buffer = Buffer.alloc(Math.min(size - this.offset, MAX_READ_BYTES));
    let fd: number;
    try {
      fd = openSync(this.path, 'r');
    } catch {
      return '';
    }
    try {
      const read = readSync(fd, buffer, 0, buffer.length, this.offset);
      this.offset += read;
      return this.decoder.write(buffer.subarray(0, read));
    } catch {
      return '';
    } finally {
      closeSync(fd);
    }
  }
}
