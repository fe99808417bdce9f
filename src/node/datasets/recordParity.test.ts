/**
 * One record format: the workbench's check (`recordProblems`, what `coconut data validate`, the
 * importer and the app run) and the engine's (`coconut_engine.data`, what training runs, from the
 * generated `record.schema.json`) name the same fields of the same broken records, in the same
 * words. Records are generated (fast-check): valid plain and graph records with fields replaced by
 * values of every JSON type and the edge cases of each rule, or removed. The graph rules between
 * fields (come together, node indices within the graph) are the workbench's alone and left out.
 */
import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DatasetRecordSchema } from '../../common/records.js';
import { enginePython } from '../engine/paths.js';
import { runProcess } from '../testing/cli.js';
import { graphProblems, recordProblems } from './records.js';

interface NamedProblem {
  /** The field the problem names; null for the whole record. */
  field: string | null;
  message: string;
}

/** The engine's problems for each record, from one Python process. */
async function engineProblems(records: unknown[]): Promise<NamedProblem[][]> {
  const result = await runProcess(enginePython(), ['-m', 'coconut_engine.data'], { input: JSON.stringify(records) });
  if (result.code !== 0) throw new Error(`the engine's record check failed (${result.code}): ${result.stderr}`);
  const found = JSON.parse(result.stdout) as { record: number; field: string | null; message: string }[];
  const byRecord: NamedProblem[][] = records.map(() => []);
  for (const { record, field, message } of found) {
    byRecord[record]!.push({ field, message: message.replace(/^records\.json: record \d+: /, '') });
  }
  return byRecord;
}

/** The workbench's problems for one record, less the rules between graph fields that only it checks. */
function workbenchProblems(record: unknown): NamedProblem[] {
  const parsed = DatasetRecordSchema.safeParse(record);
  const graphOnly = new Set(parsed.success ? graphProblems(parsed.data) : []);
  return recordProblems(record)
    .filter((problem) => !graphOnly.has(problem))
    .map((message) => ({ field: /^'([^']+)'/.exec(message)?.[1] ?? null, message }));
}

const plain = { question: '3_7 7_9 ? 3 : 9 5', steps: ['3_7', '7_9'], answer: '9' };
const graph = {
  ...plain,
  idx_to_symbol: ['3', '7', '9', '5'],
  edges: [[0, 1], [1, 2]],
  root: 0,
  target: 2,
  neg_target: 3,
  frontiers: [[1], [2]],
};
const FIELDS = Object.keys(DatasetRecordSchema.shape);

/** Values of every JSON type with each rule's edge cases: blank text by JavaScript's whitespace (U+FEFF is, U+001C is not), half a surrogate pair, fractions, booleans, numbers past 2^53, pairs of the wrong length. */
const EDGE_VALUES: unknown[] = [
  null, true, 0, 1, -1, 1.5, 2 ** 53, 2 ** 60, '', ' ', '\t\n', '\u00a0', '\u3000', '\ufeff', '\u001c', '\u0085', 'x', 'a\ud800b',
  [], [''], [' '], ['a'], ['a', 1], ['ok', '\udc00'], [[0, 1]], [[0, 1, 2]], [[0]], [[-1, 0]], [[0, 1.5]], [['a', 'b']], [[true, 0]], [[]], [[0, 2 ** 60]], [null],
  {}, { a: 'b\ud800' },
];

const mutation = fc.record({
  field: fc.constantFrom(...FIELDS, 'extra'),
  value: fc.oneof(fc.constantFrom(...EDGE_VALUES, undefined), fc.jsonValue({ maxDepth: 2 })),
});
const record = fc.oneof(
  { weight: 9, arbitrary: fc.tuple(fc.constantFrom(plain, graph), fc.array(mutation, { minLength: 1, maxLength: 3 })) },
  { weight: 1, arbitrary: fc.constantFrom<unknown>('text', 3, null, [plain]).map((value) => [value, []] as const) },
).map(([base, mutations]) => {
  if (typeof base !== 'object' || base === null || Array.isArray(base)) return base as unknown;
  const changed = structuredClone(base) as Record<string, unknown>;
  for (const { field, value } of mutations) {
    if (value === undefined) delete changed[field];
    else changed[field] = value;
  }
  return changed;
});

describe.skipIf(!existsSync(enginePython()))('the workbench and the engine check records alike (engine venv present)', () => {
  it('name the same fields of the same broken records, in the same words', { timeout: 60_000 }, async () => {
    const records = [...fc.sample(record, { numRuns: 2000, seed: 12 }), ...EDGE_VALUES.flatMap((value) => FIELDS.map((field) => ({ ...graph, [field]: value })))];
    const theirs = await engineProblems(records);
    const disagreements: string[] = [];
    let broken = 0;
    records.forEach((item, index) => {
      const ours = workbenchProblems(item);
      if (ours.length > 0) broken++;
      const fields = (problems: NamedProblem[]) => problems.map((problem) => problem.field ?? '(record)').sort();
      // Either may add a detail at the end (the workbench "(step 1 is 3)", the engine "found a list" for a record that is not an object).
      const sameWords = theirs[index]!.every((problem) =>
        ours.some((mine) => mine.field === problem.field && (mine.message.startsWith(problem.message) || problem.message.startsWith(mine.message))),
      );
      if (JSON.stringify(fields(ours)) !== JSON.stringify(fields(theirs[index]!)) || !sameWords) {
        disagreements.push(`${JSON.stringify(item)}\n  workbench: ${JSON.stringify(ours)}\n  engine:    ${JSON.stringify(theirs[index])}`);
      }
    });
    expect(disagreements.slice(0, 5)).toEqual([]);
    // The generated records exercise the checks: most are broken, some are still valid.
    expect(broken).toBeGreaterThan(records.length / 2);
    expect(broken).toBeLessThan(records.length);
  });
});
