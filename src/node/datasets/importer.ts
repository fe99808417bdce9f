/**
 * Importing datasets written elsewhere into the reference format (a JSON list of
 * `{question, steps, answer}`): the reference's own JSON, JSON Lines (one record per line), and
 * the GSM8k-Aug text format, one `question||steps ## answer` per line, where the steps are the
 * `<<…>>` calculations (the whole steps text is one step when it has none).
 *
 * Line formats are read as a stream and written as a stream, so a 400k-line file is never held in
 * memory twice. Every record is validated on the way; problems are reported all together, with
 * the line (or record index) and field, and then nothing is written: the output is only renamed
 * into place when every record was valid.
 */
import { createReadStream } from 'node:fs';
import { basename, extname } from 'node:path';
import { DatasetError, decodeUtf8, MAX_REPORTED_ERRORS, readDatasetJson, recordProblems } from './records.js';
import { writeJsonListAtomic } from './writer.js';

export const IMPORT_FORMATS = ['json', 'jsonl', 'gsm'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

/** The format a file's extension suggests: .jsonl/.ndjson, .txt (GSM8k-Aug), else JSON. */
export function formatOfPath(path: string): ImportFormat {
  const extension = extname(path).toLowerCase();
  if (extension === '.jsonl' || extension === '.ndjson') return 'jsonl';
  if (extension === '.txt') return 'gsm';
  return 'json';
}

/** One GSM8k-Aug line as a record, or the reason it is not one. */
export function parseGsmLine(line: string): { question: string; steps: string[]; answer: string } | string {
  const split = line.indexOf('||');
  if (split < 0) return "no '||' between the question and the steps";
  const question = line.slice(0, split).trim();
  const rest = line.slice(split + 2);
  const marker = /\s*#{2,}\s*/g;
  let last: RegExpExecArray | null = null;
  for (let match = marker.exec(rest); match !== null; match = marker.exec(rest)) last = match;
  if (last === null) return "no '##' before the answer";
  const stepsText = rest.slice(0, last.index).trim();
  const answer = rest.slice(last.index + last[0].length).trim();
  const calculations = stepsText.match(/<<[^<>]*>>/g);
  const steps = calculations ?? (stepsText === '' ? [] : [stepsText]);
  return { question, steps, answer };
}

interface Located {
  /** "line 12" or "record 3", for messages. */
  where: string;
  value: unknown;
}

/**
 * The file's non-blank lines with their numbers (LF or CRLF endings). Lines are cut from the raw
 * bytes (a newline byte never occurs inside a UTF-8 sequence) and decoded one by one, so that a
 * line that is not UTF-8 is reported by its number instead of turned into U+FFFD.
 */
async function* lines(path: string): AsyncGenerator<{ number: number; text: string } | { number: number; problem: string }> {
  const input = createReadStream(path);
  let number = 0;
  let pending: Buffer[] = [];
  function* emit(bytes: Buffer): Generator<{ number: number; text: string } | { number: number; problem: string }> {
    number++;
    const line = bytes.at(-1) === 0x0d ? bytes.subarray(0, -1) : bytes;
    const decoded = decodeUtf8(line, false);
    if ('problem' in decoded) yield { number, problem: decoded.problem };
    else if (decoded.text.trim() !== '') yield { number, text: decoded.text };
  }
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      let start = 0;
      for (let newline = chunk.indexOf(0x0a); newline >= 0; newline = chunk.indexOf(0x0a, start)) {
        pending.push(chunk.subarray(start, newline));
        yield* emit(Buffer.concat(pending));
        pending = [];
        start = newline + 1;
      }
      if (start < chunk.length) pending.push(chunk.subarray(start));
    }
    if (pending.length > 0) yield* emit(Buffer.concat(pending));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new DatasetError(`${basename(path)}: no such file (${path})`);
    throw new DatasetError(`${basename(path)}: cannot read ${path}: ${(error as Error).message}`);
  }
}

async function* located(path: string, format: ImportFormat): AsyncGenerator<Located> {
  if (format === 'json') {
    const value = await readDatasetJson(path);
    if (!Array.isArray(value)) throw new DatasetError(`${basename(path)}: must be a JSON list of records`);
    for (const [index, record] of value.entries()) yield { where: `record ${index}`, value: record };
    return;
  }
  for await (const line of lines(path)) {
    const { number } = line;
    if ('problem' in line) {
      yield { where: `line ${number}`, value: new Error(line.problem) };
      continue;
    }
    const { text } = line;
    if (format === 'gsm') {
      const parsed = parseGsmLine(text);
      yield { where: `line ${number}`, value: typeof parsed === 'string' ? new Error(parsed) : parsed };
      continue;
    }
    try {
      yield { where: `line ${number}`, value: JSON.parse(text) as unknown };
    } catch (error) {
      yield { where: `line ${number}`, value: new Error(`not valid JSON (${(error as Error).message})`) };
    }
  }
}

export interface ImportOptions {
  input: string;
  output: string;
  format?: ImportFormat;
  onProgress?: (records: number) => void;
}

/** Convert and validate `input` into `output` (a JSON list); returns the number of records. */
export async function importDataset(options: ImportOptions): Promise<number> {
  const format = options.format ?? formatOfPath(options.input);
  const name = basename(options.input);
  const problems: string[] = [];
  let problemCount = 0;
  const report = (message: string) => {
    problemCount++;
    if (problems.length < MAX_REPORTED_ERRORS) problems.push(message);
  };
  async function* valid(): AsyncGenerator<unknown> {
    let count = 0;
    for await (const { where, value } of located(options.input, format)) {
      const found = value instanceof Error ? [value.message] : recordProblems(value);
      for (const problem of found) report(`${name}: ${where}: ${problem}`);
      // Once anything is wrong, keep reading to report it all, but write no more.
      if (problemCount === 0) yield value;
      if (++count % 10_000 === 0) options.onProgress?.(count);
    }
    if (problemCount > 0) {
      if (problemCount > problems.length) problems.push(`${name}: … and ${problemCount - problems.length} more problems not shown (${problemCount} in all)`);
      throw new DatasetError(problems[0] as string, problems);
    }
  }
  return writeJsonListAtomic(options.output, valid());
}
