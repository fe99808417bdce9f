/**
 * `coconut eval` end to end: a tiny Coconut run trained by the real engine, then evaluated on
 * another split with thoughts forced to k = 0..2 through the real command line, then analysed;
 * and every request the evaluation refuses, each with one message naming the place.
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../common/api.js';
import { RunConfigSchema } from '../../common/config.js';
import type { EngineEvent } from '../../common/events.js';
import { RunAnalyser } from '../analysis/runAnalysis.js';
import { readDataset } from '../datasets/records.js';
import { reachabilityData } from '../inspector/testing.js';
import { runCoconut } from '../testing/cli.js';
import { tempDir } from '../testing/fixtures.js';
import { Workbench } from '../workbench/workbench.js';
import { evaluationConfig, parseThoughtRange } from './evaluation.js';

const engineEnv = { OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

const coconut = (args: string[], home: string) => runCoconut(args, home, engineEnv);

describe('thought ranges on the command line', () => {
  it('reads K and FROM..TO, and refuses the rest with the option named', () => {
    expect(parseThoughtRange('2')).toEqual({ from: 2, to: 2 });
    expect(parseThoughtRange('0..3')).toEqual({ from: 0, to: 3 });
    expect(parseThoughtRange('1-2')).toEqual({ from: 1, to: 2 });
    expect(() => parseThoughtRange('3..1')).toThrow(/--thoughts 3..1: 3 is greater than 1/);
    expect(() => parseThoughtRange('two')).toThrow(/--thoughts "two"/);
    expect(() => parseThoughtRange('0..99')).toThrow(/at most 32/);
  });
});

describe('coconut eval', () => {
  let home: ReturnType<typeof tempDir>;
  let workbench: Workbench;
  let sourceId = '';
  let testPath = '';

  beforeAll(async () => {
    home = tempDir();
    const data = join(home.path, 'datasets', 'tiny');
    mkdirSync(data, { recursive: true });
    const { trainPath, valPath } = await reachabilityData(data, { train: 160, valid: 8 });
    testPath = join(data, 'test.json');
    // Another seed's questions over the same vocabulary: a held-out split.
    writeFileSync(testPath, JSON.stringify((await readDataset(valPath)).reverse()));
    workbench = new Workbench(home.path, { engineEnv, pollMs: 100, gpuCount: 0 });
    const config = RunConfigSchema.parse({
      name: 'tiny-coconut',
      coconut: true,
      c_thought: 1,
      epochs_per_stage: 1,
      max_latent_stage: 2,
      uniform_prob: 0.3,
      num_epochs: 2,
      batch_size_training: 16,
      lr: 0.003,
      train_path: trainPath,
      val_path: valPath,
      max_new_tokens: 16,
      num_threads: 1,
      device: 'cpu',
      offline_model: { n_layer: 1, n_embd: 32, n_head: 2, n_positions: 256 },
    });
    const run = workbench.jobs.submit(config);
    sourceId = run.id;
    const done = await workbench.jobs.waitForEnd(run.id);
    if (done.status !== 'completed') throw new Error(`training failed: ${done.last_error}`);
  }, 240_000);

  afterAll(async () => {
    await workbench?.datasetJobs.close();
    home?.remove();
  });

  it('evaluates with <eot> forced after k = 0..2 thoughts as a new run, one predictions file per k, which the analysis reads', async () => {
    const result = await coconut(['eval', sourceId, '--dataset', testPath, '--checkpoint', 'last', '--thoughts', '0..2', '--json'], home.path);
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.code, result.stderr).toBe(0);
    const { run, evals } = JSON.parse(result.stdout) as { run: { id: string; status: string; eval_of: unknown; val_path: string; dir: string }; evals: Extract<EngineEvent, { type: 'eval' }>[] };
    expect(run).toMatchObject({ status: 'completed', eval_of: { run: sourceId, checkpoint: 'last' }, val_path: testPath });
    expect(evals.map((event) => [event.forced_thoughts, event.total, event.predictions])).toEqual([
      [0, 8, 'predictions/eval-2-k0.jsonl'],
      [1, 8, 'predictions/eval-2-k1.jsonl'],
      [2, 8, 'predictions/eval-2-k2.jsonl'],
    ]);
    for (const k of [0, 1, 2]) {
      const rows = readFileSync(join(run.dir, 'predictions', `eval-2-k${k}.jsonl`), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { thoughts: number; idx: number });
      expect(rows.map((row) => row.thoughts)).toEqual(Array(8).fill(k));
      expect(rows.map((row) => row.idx)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    }
    // The source run is untouched: the evaluation lives in its own folder.
    expect(readdirSync(join(workbench.store.realDir(sourceId), 'predictions')).sort()).toEqual(['epoch-1.jsonl', 'epoch-2.jsonl']);

    const analysis = await new RunAnalyser(workbench.store, (path) => readDataset(path)).analyse(run.id);
    expect(analysis).toMatchObject({ graph: true, problem: null, val_path: testPath });
    expect(analysis.files.map((file) => [file.file, file.forced_thoughts, file.total])).toEqual([
      ['eval-2-k0.jsonl', 0, 8],
      ['eval-2-k1.jsonl', 1, 8],
      ['eval-2-k2.jsonl', 2, 8],
    ]);
    for (const file of analysis.files) expect(Object.values(file.categories ?? {}).reduce((a, b) => a + b, 0)).toBe(8);

    const table = await coconut(['analyse', run.id], home.path);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/eval-2-k2\.jsonl +2 +1 +2 /);
    expect(table.stdout).toMatch(/Halluc/);
  }, 240_000);

  it('refuses a missing dataset, another vocabulary, thoughts for CoT and an unknown checkpoint, naming each', async () => {
    const refused = async (request: Partial<Parameters<typeof evaluationConfig>[1]>) => {
      try {
        await evaluationConfig(workbench.store, { runId: sourceId, checkpoint: 'best', dataset: testPath, baseDir: home.path, ...request });
      } catch (error) {
        expect(error).toBeInstanceOf(ApiError);
        return (error as ApiError).message;
      }
      throw new Error('not refused');
    };
    expect(await refused({ dataset: 'nowhere.json' })).toMatch(/dataset nowhere.json: no such file/);
    const foreign = join(home.path, 'foreign.json');
    writeFileSync(foreign, JSON.stringify([{ question: 'Is Wally a zumpus?', steps: ['Wally is a zumpus.'], answer: 'True' }]));
    expect(await refused({ dataset: foreign })).toMatch(/\d+ % of its words are unknown to the run's tokenizer \(record 0: .*"Wally"/);
    // The same words whether the file is read here or through the workbench's dataset cache (the API's way).
    const torn = join(home.path, 'torn.json');
    writeFileSync(torn, '[{"question": ');
    const fromStore = (path: string) => workbench.datasets.recordsOfPath(path);
    expect(await refused({ dataset: torn })).toMatch(/^dataset torn\.json: not valid JSON/);
    expect(await refused({ dataset: torn, readRecords: fromStore })).toBe(await refused({ dataset: torn }));
    expect(await refused({ dataset: foreign, readRecords: fromStore })).toBe(await refused({ dataset: foreign }));
    expect(await refused({ checkpoint: 'epoch-9' })).toMatch(/no checkpoint "epoch-9" .*have: best, last, epoch-2, epoch-1/);

    const cot = workbench.store.create(RunConfigSchema.parse({ name: 'cot', cot: true, train_path: testPath, val_path: testPath }), {});
    copyFileSync(join(workbench.store.realDir(sourceId), 'checkpoints', 'best.pt'), join(cot.dir, 'checkpoints', 'best.pt'));
    expect(await refused({ runId: cot.id, thoughts: { from: 0, to: 1 } })).toMatch(/is cot: its prompts have no continuous thoughts/);
  });
});
