/** `coconut analyse classify`, driven through commander as the CLI does, on real files. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { registerAnalyseCommands } from '../cli/commands/analyse.js';
import { CliError } from '../cli/output.js';
import { generateReachabilityRecord, resolveReachabilityParams, type ReachabilityRecord } from '../datasets/reachability.js';
import { createRandom } from '../datasets/random.js';

interface Outcome {
  stdout: string;
  exitCode: number;
  error?: string;
  errorIsCli?: boolean;
}

async function coconut(...args: string[]): Promise<Outcome> {
  const program = new Command('coconut').exitOverride();
  registerAnalyseCommands(program);
  const stdout: string[] = [];
  vi.spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void stdout.push(parts.join(' ')));
  vi.spyOn(console, 'error').mockImplementation(() => undefined);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => stdout.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.exitCode = 0;
  let error: string | undefined;
  let errorIsCli: boolean | undefined;
  try {
    await program.parseAsync(['node', 'coconut', ...args]);
  } catch (thrown) {
    error = (thrown as Error).message;
    errorIsCli = thrown instanceof CliError && thrown.exitCode === 1;
  } finally {
    vi.restoreAllMocks();
  }
  const exitCode = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { stdout: stdout.join('\n'), exitCode, error, errorIsCli };
}

describe('coconut analyse classify', () => {
  let dir = '';
  let dataset = '';
  let records: ReachabilityRecord[] = [];
  const write = async (name: string, value: unknown) => {
    const path = join(dir, name);
    await writeFile(path, typeof value === 'string' ? value : JSON.stringify(value));
    return path;
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'coconut-analyse-cli-'));
    const rng = createRandom(3);
    const params = resolveReachabilityParams({ preset: 'small' });
    records = Array.from({ length: 4 }, () => generateReachabilityRecord(rng, params));
    dataset = await write('data.json', [...records, { question: 'Is it?', steps: ['yes'], answer: 'True' }]);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    process.exitCode = 0;
  });

  const own = (i: number, k = 0) => {
    const record = records[i] as ReachabilityRecord;
    return [...record.steps.slice(k), `### ${record.answer}`].join('\n');
  };

  it('classifies with --json, each entry with its own thoughts or --thoughts', async () => {
    const predictions = await write('predictions.json', [
      { idx: 0, text: own(0) },
      { idx: 1, text: own(1, 1), thoughts: 1 },
      { idx: 2, text: '### nonsense' },
      { idx: 3, text: '99_98\n### 1' },
    ]);
    const result = await coconut('analyse', 'classify', '--dataset', dataset, '--predictions', predictions, '--json');
    expect(result.error).toBeUndefined();
    const rows = JSON.parse(result.stdout) as { idx: number; category: string; explanation: string; thoughts: number }[];
    expect(rows.map((r) => [r.idx, r.category, r.thoughts])).toEqual([
      [0, 'correct_path', 0],
      [1, 'correct_path', 1],
      [2, 'incorrect_label', 0],
      [3, 'hallucination', 0],
    ]);
    expect(rows.every((r) => r.explanation.length > 0)).toBe(true);
    const all = await coconut('analyse', 'classify', '--dataset', dataset, '--predictions', await write('k.json', [{ idx: 1, text: own(1, 1) }]), '--thoughts', '1', '--json');
    expect((JSON.parse(all.stdout) as { category: string }[])[0]?.category).toBe('correct_path');
  });

  it('prints a table of counts with percentages and examples', async () => {
    const predictions = await write('table.json', [
      { idx: 0, text: own(0) },
      { idx: 1, text: own(1) },
      { idx: 2, text: '### nonsense' },
      { idx: 3, text: 'garbage' },
    ]);
    const result = await coconut('analyse', 'classify', '--dataset', dataset, '--predictions', predictions);
    expect(result.error).toBeUndefined();
    expect(result.stdout).toMatch(/^4 outputs/);
    expect(result.stdout).toMatch(/Correct Path\s+2\s+50\.0 %/);
    expect(result.stdout).toMatch(/Incorrect Label\s+1\s+25\.0 %/);
    expect(result.stdout).toMatch(/Hallucination\s+1\s+25\.0 %/);
    expect(result.stdout).toMatch(/Wrong Target\s+0\s+0\.0 %/);
    expect(result.stdout).toMatch(/\[Hallucination\] #3: step 1 'garbage' is not a step/);
  });

  it("reads the engine's predictions JSON Lines", async () => {
    const lines = [{ idx: 0, thoughts: 0, text: own(0), answer: '', correct: true }, { idx: 2, thoughts: 2, text: `### ${records[2]?.answer}` }];
    const predictions = await write('epoch-1.jsonl', lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const result = await coconut('analyse', 'classify', '--dataset', dataset, '--predictions', predictions, '--json');
    expect((JSON.parse(result.stdout) as { category: string }[]).map((r) => r.category)).toEqual(['correct_path', 'correct_label']);
  });

  it('names the place of bad input', async () => {
    const run = async (name: string, value: unknown) => coconut('analyse', 'classify', '--dataset', dataset, '--predictions', await write(name, value));
    const cases: [string, unknown, RegExp][] = [
      ['obj.json', '{\n"idx": 0\n}', /predictions obj\.json: must be a JSON list/],
      ['bad.json', 'not json', /predictions bad\.json: not valid JSON/],
      ['noidx.json', [{ idx: 0, text: 'a' }, { text: 'a' }], /predictions noidx\.json: entry 1: "idx" is missing/],
      ['badidx.json', [{ idx: -1, text: 'a' }], /entry 0: "idx" must be a record index/],
      ['notext.json', [{ idx: 0 }], /entry 0: "text" is missing/],
      ['numtext.json', [{ idx: 0, text: 5 }], /entry 0: "text" must be a string/],
      ['thoughts.json', [{ idx: 0, text: '', thoughts: 'two' }], /entry 0: "thoughts" must be a whole number/],
      ['far.json', [{ idx: 0, text: '' }, { idx: 50, text: '' }], /entry 1: "idx" 50 is not a record of data\.json \(5 records: 0\.\.4\)/],
      ['nograph.json', [{ idx: 4, text: '' }], /data\.json: record 4 has no graph: idx_to_symbol/],
      ['lines.jsonl', '{"idx": 0, "text": ""}\n{oops\n', /predictions lines\.jsonl: line 2: not valid JSON/],
    ];
    for (const [name, value, message] of cases) {
      const result = await run(name, value);
      expect(result.error, name).toMatch(message);
      expect(result.errorIsCli, name).toBe(true);
    }
    const missing = await coconut('analyse', 'classify', '--dataset', dataset, '--predictions', join(dir, 'absent.json'));
    expect(missing.error).toMatch(/predictions absent\.json: no such file/);
    const noDataset = await coconut('analyse', 'classify', '--dataset', join(dir, 'none.json'), '--predictions', dataset);
    expect(noDataset.error).toMatch(/dataset none\.json: no such file/);
    const badK = await coconut('analyse', 'classify', '--dataset', dataset, '--predictions', dataset, '--thoughts', 'two');
    expect(badK.error).toMatch(/--thoughts.*expected a whole number/);
  });
});
