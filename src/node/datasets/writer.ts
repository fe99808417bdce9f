/**
 * Writing dataset files so that a reader never sees half of one: records stream into a temporary
 * file beside the target, which is flushed to disk and then renamed over it (a rename within one
 * directory is atomic on POSIX file systems). If anything fails, the temporary file is removed and
 * an older file at the target, if any, is left as it was.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Text is handed to the file in chunks of about this size, so memory stays flat for any count. */
const CHUNK_CHARS = 1 << 20;

/** Turn a file-system error into one sentence that names the path and the cause. */
function fileSystemProblem(error: unknown, action: string, path: string): Error {
  const code = (error as NodeJS.ErrnoException).code;
  const cause =
    code === 'EACCES' || code === 'EPERM'
      ? 'permission denied'
      : code === 'EEXIST' || code === 'ENOTDIR'
        ? 'a file is in the way of a folder on that path'
        : code === 'ENOENT'
          ? 'its folder does not exist'
          : code === 'ENOSPC'
            ? 'the disk is full'
            : code === 'EROFS'
              ? 'the file system is read-only'
              : (error as Error).message;
  return new Error(`cannot ${action} ${path}: ${cause}`, { cause: error });
}

/** Create a folder and its parents, with a clear error when that is impossible. */
export async function ensureDirectory(path: string): Promise<void> {
  try {
    await mkdir(path, { recursive: true });
  } catch (error) {
    throw fileSystemProblem(error, 'create the folder', path);
  }
}

/** A hidden temporary name in the target's directory (same file system, so rename is atomic). */
function temporaryPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Write `path` atomically from pieces of text produced by `produce`, which calls `write` for each
 * piece (awaiting it lets the file keep up with a fast producer).
 */
export async function writeFileAtomic(path: string, produce: (write: (text: string) => Promise<void>) => Promise<void>): Promise<void> {
  const temporary = temporaryPathFor(path);
  const file = await open(temporary, 'wx').catch((error: unknown) => {
    throw fileSystemProblem(error, 'write', path);
  });
  let buffered = '';
  const flush = async () => {
    if (buffered.length === 0) return;
    const text = buffered;
    buffered = '';
    await file.write(text, null, 'utf8');
  };
  try {
    await produce(async (text) => {
      buffered += text;
      if (buffered.length >= CHUNK_CHARS) await flush();
    });
    await flush();
    await file.sync();
    await file.close();
    await rename(temporary, path);
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(temporary, { force: true });
    if ((error as NodeJS.ErrnoException).code !== undefined && (error as NodeJS.ErrnoException).syscall !== undefined) {
      throw fileSystemProblem(error, 'write', path);
    }
    throw error;
  }
}

/**
 * Write records as a JSON list, one record per line (valid JSON that diffs and greps well), and
 * return how many were written. `records` may be a generator: it is consumed as the file is written.
 */
export async function writeJsonListAtomic(path: string, records: Iterable<unknown> | AsyncIterable<unknown>): Promise<number> {
  let written = 0;
  await writeFileAtomic(path, async (write) => {
    await write('[');
    for await (const record of records) {
      const line = JSON.stringify(record);
      if (line === undefined) throw new Error(`record ${written} cannot be written as JSON`);
      await write(written === 0 ? `\n${line}` : `,\n${line}`);
      written++;
    }
    await write(written === 0 ? ']\n' : '\n]\n');
  });
  return written;
}

/** Write one JSON value (e.g. a manifest), pretty-printed, atomically. */
export async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await writeFileAtomic(path, async (write) => write(`${JSON.stringify(value, null, 2)}\n`));
}
