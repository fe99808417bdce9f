/** The `coconut data` commands, driven through commander as the CLI does. */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerDataCommands } from '../cli/commands/data.js';

interface Outcome {
  stdout: string;
  stderr: string;
  exitCode: number;
  /** Message of a CliError (main.ts prints it as one line on stderr). */
  error?: string;
}

async function coconut(...args: string[]): Promise<Outcome> {
  const program = new Command('coconut').exitOverride();
  registerDataCommands(program);
  const stdout: string[] = [];
  const stderr: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void stdout.push(parts.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...parts: unknown[]) => void stderr.push(parts.join(' ')));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => stdout.push(String(chunk)) > 0);
  process.exitCode = 0;
  let error: string | undefined;
  try {
    await program.parseAsync(['node', 'coconut', ...args]);
  } catch (thrown) {
    error = (thrown as Error).message;
  } finally {
    vi.restoreAllMocks();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { stdout: stdout.join('\n'), stderr: stderr.join('\n'), exitCode, error };
}

describe('coconut data', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coconut-data-cli-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    process.exitCode = 0;
  });

  it('generates a split directory, then recognises it', async () => {
    const out = join(dir, 'small');
    const args = ['data', 'generate', 'prosqa', '--preset', 'small', '--out', out, '--train', '50', '--valid', '10', '--test', '10', '--seed', '1'];
    const first = await coconut(...args, '--json');
    expect(first.error).toBeUndefined();
    const summary = JSON.parse(first.stdout) as { generated: boolean; sizes: object; params: { maxNodes: number } };
    expect(summary).toMatchObject({ generated: true, sizes: { train: 50, valid: 10, test: 10 }, params: { maxNodes: 10 } });
    expect(JSON.parse(await readFile(join(out, 'train.json'), 'utf8'))).toHaveLength(50);
    const second = await coconut(...args);
    expect(second.stdout).toMatch(/already holds this dataset/);
  });

  it('generates one file with --count and parameter overrides', async () => {
    const file = join(dir, 'one.json');
    const result = await coconut('data', 'generate', 'prosqa', '--out', file, '--count', '20', '--seed', '2', '--min-steps', '4', '--max-steps', '4');
    expect(result.stdout).toMatch(/wrote 20 prosqa records/);
    const records = JSON.parse(await readFile(file, 'utf8')) as { steps: string[] }[];
    expect(records.every((r) => r.steps.length === 4)).toBe(true);
  });

  it('generates ProntoQA questions that stats and validate accept', async () => {
    const file = join(dir, 'prontoqa.json');
    const result = await coconut('data', 'generate', 'prontoqa', '--out', file, '--count', '30', '--seed', '3', '--hops', '3', '--phrasing', 'every');
    expect(result.error).toBeUndefined();
    expect(result.stdout).toMatch(/wrote 30 prontoqa records/);
    const records = JSON.parse(await readFile(file, 'utf8')) as { question: string; steps: string[]; answer: string }[];
    expect(records.every((r) => r.steps.length === 4 && (r.answer === 'True' || r.answer === 'False'))).toBe(true);
    expect(records.every((r) => !r.question.includes('Each '))).toBe(true);
    expect((await coconut('data', 'validate', file)).stdout).toMatch(/30 records, all valid/);
    const stats = JSON.parse((await coconut('data', 'stats', file, '--json')).stdout) as { records: number; graph: unknown; steps: { histogram: object } };
    expect(stats).toMatchObject({ records: 30, graph: null, steps: { histogram: { 4: 30 } } });

    const bare = join(dir, 'prontoqa-bare.json');
    await coconut('data', 'generate', 'prontoqa', '--out', bare, '--count', '5', '--seed', '3', '--hops', '2', '--no-distractors', '--json');
    const [first] = JSON.parse(await readFile(bare, 'utf8')) as { question: string }[];
    // Two rules, the entity fact and the query.
    expect(first?.question.split(/(?<=[.?]) /)).toHaveLength(4);
    expect((await coconut('data', 'generate', 'prontoqa', '--out', bare, '--count', '5', '--seed', '3', '--hops', '99')).error).toMatch(/bad prontoqa parameters: hops/);
  });

  it('explains bad generate arguments in one line', async () => {
    expect((await coconut('data', 'generate', 'prosqa', '--out', dir, '--seed', '1')).error).toMatch(/give --count N/);
    expect((await coconut('data', 'generate', 'prosqa', '--out', dir, '--seed', '1', '--train', '5')).error).toMatch(/missing --valid, --test/);
    expect((await coconut('data', 'generate', 'prosqa', '--out', join(dir, 'x.json'), '--seed', '1', '--count', '5', '--min-nodes', '40')).error).toMatch(
      /bad prosqa parameters: minNodes/,
    );
  });

  it('prints statistics as text and JSON', async () => {
    const file = join(dir, 'one.json');
    const text = await coconut('data', 'stats', file);
    expect(text.stdout).toMatch(/20 records/);
    expect(text.stdout).toMatch(/4:\s+20\s+\(100\.0%\)/);
    const json = JSON.parse((await coconut('data', 'stats', file, '--json')).stdout) as { records: number; graph: { records: number } };
    expect(json).toMatchObject({ records: 20, graph: { records: 20 } });
  });

  it('validates: exit code 0 when valid, 1 with one problem per line otherwise', async () => {
    const ok = await coconut('data', 'validate', join(dir, 'one.json'));
    expect(ok).toMatchObject({ exitCode: 0, stderr: '' });
    expect(ok.stdout).toMatch(/20 records, all valid/);

    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify([{ question: 'q', steps: [], answer: 'a' }, { question: 'q', steps: [1], answer: 'a' }, { question: 'q' }]));
    const result = await coconut('data', 'validate', bad);
    expect(result.exitCode).toBe(1);
    expect(result.stderr.split('\n')).toEqual([
      "bad.json: record 1: 'steps' must be a list of strings (step 0 is 1)",
      "bad.json: record 2: 'steps' is missing",
      "bad.json: record 2: 'answer' is missing",
    ]);
    expect((await coconut('data', 'validate', join(dir, 'missing.json'))).error).toMatch(/missing\.json: no such file/);
  });
});
