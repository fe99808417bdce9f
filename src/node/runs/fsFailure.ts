/** Filesystem errors in researcher words: "no space left on device writing run.json". */

const WORDS: Record<string, string> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  ENOENT: 'no such file or folder',
  ENOTDIR: 'not a folder',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files on this system',
};

/** One line: what went wrong, then what was being done (`writing run.json`). */
export function describeFsError(error: unknown, doing: string): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const words = code ? (WORDS[code] ?? code) : error instanceof Error ? error.message.split('\n')[0] : String(error);
  return `${words} ${doing}`;
}

/** A run's `run.json` could not be written; the message is one line naming the file. */
export class RunRecordWriteError extends Error {
  constructor(
    readonly runId: string,
    message: string,
  ) {
    super(message);
    this.name = 'RunRecordWriteError';
  }
}
