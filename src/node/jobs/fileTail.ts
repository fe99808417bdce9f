/**
 * Follows a growing text file (an engine's stdout.log / stderr.log): each `read` returns what was
 * appended since the last one, with the byte offsets it spans. The position only ever moves past
 * whole UTF-8 characters, so a character cut between two reads comes whole with the next one, and
 * a position handed to a client (a stream cursor) can be read from again without a broken character.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';

/** More at once would only delay the events behind it; the rest comes with the next read. */
const MAX_READ_BYTES = 1 << 20;

/** Text read from a file and the bytes it spans: `offset` (its first byte) to `end` (the byte after it). */
export interface FileChunk {
  text: string;
  offset: number;
  end: number;
}

export class FileTail {
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

  /**
   * The whole characters of `path` from byte `from` up to byte `to` (at most `maxBytes` of them),
   * or null when there is nothing there or the file cannot be read.
   */
  static readRange(path: string, from: number, to: number, maxBytes = MAX_READ_BYTES): FileChunk | null {
    const length = Math.min(to - from, maxBytes);
    if (length <= 0) return null;
    const buffer = Buffer.alloc(length);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return null;
    }
    try {
      const read = readSync(fd, buffer, 0, length, from);
      const whole = wholeCharacters(buffer.subarray(0, read));
      if (whole === 0) return null;
      return { text: buffer.subarray(0, whole).toString('utf8'), offset: from, end: from + whole };
    } catch {
      return null;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * Where the last `maxBytes` of `path` (up to byte `to`) begin, moved on to the start of a line
   * when that cuts one: the start of a log tail shown to a new subscriber.
   */
  static tailStart(path: string, to: number, maxBytes: number): number {
    if (to <= maxBytes) return 0;
    const start = to - maxBytes;
    const chunk = FileTail.readRange(path, start, to);
    if (!chunk) return to;
    const newline = chunk.text.indexOf('\n');
    return newline < 0 ? to : start + Buffer.byteLength(chunk.text.slice(0, newline + 1));
  }

  /** The byte the next read starts at. */
  get position(): number {
    return this.offset;
  }

  /** The text appended since the last read ('' when none, or when the file cannot be read). */
  read(): string {
    return this.readChunk()?.text ?? '';
  }

  /** `read` with the bytes the text spans; null when nothing new (or the file cannot be read). */
  readChunk(): FileChunk | null {
    const size = FileTail.sizeOf(this.path);
    // Truncated or replaced: start again from its beginning.
    if (size < this.offset) this.offset = 0;
    const chunk = FileTail.readRange(this.path, this.offset, size);
    if (chunk) this.offset = chunk.end;
    return chunk;
  }
}

/** How many leading bytes of `bytes` are whole UTF-8 characters (a sequence cut at the end is left out). */
function wholeCharacters(bytes: Buffer): number {
  const length = bytes.length;
  // A character is at most 4 bytes: look back at most 3 for the lead byte of a cut one.
  for (let back = 1; back <= Math.min(3, length); back += 1) {
    const byte = bytes[length - back] as number;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: its lead is further back
    const needed = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return needed > back ? length - back : length;
  }
  return length;
}
