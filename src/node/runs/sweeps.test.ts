/**
 * `coconut sweep` end to end: a tiny config trained by the real engine over two seeds through
 * the real command line, each run's last checkpoint then tested on another split; the figures it
 * prints are checked against each run's own events and records, and the summary against them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import type { EngineEvent } from '../../common/events.js';
import { DispatchedApi } from '../testing/dispatchedApi.js';
import { runCoconut } from '../testing/cli.js';
import { tempDir } from '../testing/fixtures.js';
import { Workbench } from '../workbench/workbench.js';
import { parseConfigYaml } from './configText.js';
import { RunStore } from './runStore.js';
import { sweepRuns } from './sweeps.js';
import { readManifest } from '../datasets/splits.js';

const engineEnv = { OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

const coconut = (args: string[], home: string) => runCoconut(args, home, engineEnv);

/**
 * Questions whose answer is a word looked up from the question's first word (six of them), with
 * a distractor word: a one-layer model learns part of it within two short epochs, so the seeds
 * end at accuracies between none and all (the figures the sweep must carry, not a target).
 */
function lookupRecords(count: number, seed: number): { question: string; steps: string[]; answer: string }[] {
  const keys = ['red', 'blue', 'green', 'pink', 'gray', 'gold'];
  const values = ['apple', 'sea', 'leaf', 'rose', 'ash', 'sun'];
  let state = seed;
  const next = (n: number): number => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;
    return state % n;
  };
  return Array.from({ length: count }, () => {
    const key = next(keys.length);
    return { question: `${keys[key]} ${keys[next(keys.length)]} ?`, steps: [`${keys[key]} means ${values[key]}`], answer: values[key]! };
  });
}

type EvalEvent = Extract<EngineEvent, { type: 'eval' }>;
interface Figure {
  accuracy: number;
  epoch: number;
  stage: number;
}
interface Spread {
  n: number;
  mean: number;
  sd: number | null;
  min: number;
  max: number;
}
interface SweepOutput {
  sweep: string;
  seeds: number[];
  runs: { seed: number; run: string; status: string; last: Figure; best: Figure; test: { accuracy: number; run: string; status: string } }[];
  summary: { last: Spread; best: Spread; test: Spread };
}

describe('coconut sweep', () => {
  let home: ReturnType<typeof tempDir>;
  let configPath = '';
  let testPath = '';

  beforeAll(() => {
    home = tempDir();
    const trainPath = join(home.path, 'train.json');
    const valPath = join(home.path, 'valid.json');
    testPath = join(home.path, 'test.json');
    writeFileSync(trainPath, JSON.stringify(lookupRecords(320, 1)));
    writeFileSync(valPath, JSON.stringify(lookupRecords(24, 2)));
    writeFileSync(testPath, JSON.stringify(lookupRecords(20, 3)));
    configPath = join(home.path, 'lookup.yaml');
    writeFileSync(
      configPath,
      stringify({
        name: 'lookup',
        no_cot: true,
        seed: 7, // replaced by each run's seed
        num_epochs: 2,
        batch_size_training: 16,
        lr: 0.01,
        train_path: trainPath,
        val_path: valPath,
        max_new_tokens: 4,
        num_threads: 1,
        device: 'cpu',
        offline_model: { n_layer: 1, n_embd: 32, n_head: 2, n_positions: 64 },
      }),
    );
  });

  afterAll(() => home?.remove());

  it('trains the config once per seed as one sweep, and prints each seed’s figures as its events have them with their mean and spread', async () => {
    const result = await coconut(['sweep', configPath, '--seeds', '0,1', '--test', testPath, '--json'], home.path);
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout) as SweepOutput;
    expect(output.seeds).toEqual([0, 1]);
    expect(output.runs.map((row) => [row.seed, row.status, row.test.status])).toEqual([
      [0, 'completed', 'completed'],
      [1, 'completed', 'completed'],
    ]);

    const store = new RunStore(home.path);
    // The sweep's runs are found together by the id in their run.json.
    expect(sweepRuns(store, output.sweep).map((run) => run.id)).toEqual(output.runs.map((row) => row.run));
    for (const row of output.runs) {
      const record = store.read(row.run);
      expect(record).toMatchObject({ name: `lookup · seed ${row.seed}`, seed: row.seed, sweep: { id: output.sweep }, status: 'completed' });
      const config = parseConfigYaml(store.configText(row.run));
      expect(config.ok && config.config.seed).toBe(row.seed);

      const evals = store.events(row.run).filter((event): event is EvalEvent => event.type === 'eval');
      expect(evals.map((event) => event.epoch)).toEqual([0, 1]);
      const lastEval = evals[evals.length - 1]!;
      expect(row.last).toEqual({ accuracy: lastEval.accuracy, epoch: lastEval.epoch, stage: lastEval.stage });
      const bestAccuracy = Math.max(...evals.map((event) => event.accuracy));
      const bestEval = evals.find((event) => event.accuracy === bestAccuracy)!;
      expect(row.best).toEqual({ accuracy: bestEval.accuracy, epoch: bestEval.epoch, stage: bestEval.stage });
      // The job manager's own record of the run agrees.
      expect([record.last_accuracy, record.best_accuracy]).toEqual([row.last.accuracy, row.best.accuracy]);

      // The test figure is the evaluation run's, made from the run's last checkpoint on the test split.
      const evaluation = store.read(row.test.run);
      expect(evaluation).toMatchObject({ eval_of: { run: row.run, checkpoint: 'last' }, val_path: testPath, status: 'completed' });
      const testEvals = store.events(row.test.run).filter((event): event is EvalEvent => event.type === 'eval');
      expect(testEvals.map((event) => [event.total, event.accuracy])).toEqual([[20, row.test.accuracy]]);
    }

    // The API answers the same sweep from the run folders alone.
    const workbench = new Workbench(home.path, { engineEnv, gpuCount: 0 });
    try {
      const api = new DispatchedApi(workbench);
      const report = await api.call('runs.sweep', { sweep: output.sweep });
      expect(report.runs.map((entry) => [entry.run.id, entry.last, entry.best, entry.tests.map((t) => [t.run, t.checkpoint, t.dataset, t.accuracy])])).toEqual(
        output.runs.map((row) => [row.run, row.last, row.best, [[row.test.run, 'last', testPath, row.test.accuracy]]]),
      );
      expect(report.steps).toEqual([{ step: null, runs: 2, completed: 2, last: output.summary.last, best: output.summary.best }]);
      await expect(api.call('runs.sweep', { sweep: 'sweep-none' })).rejects.toMatchObject({ code: 'not_found', message: expect.stringMatching(/no runs of sweep sweep-none/) });
    } finally {
      await workbench.datasetJobs.close();
    }

    // Two values a and b: mean (a + b) / 2, sample standard deviation |a − b| / √2.
    for (const figure of ['last', 'best', 'test'] as const) {
      const [a, b] = output.runs.map((row) => row[figure].accuracy) as [number, number];
      const summary = output.summary[figure];
      expect(summary.n).toBe(2);
      expect(summary.mean).toBeCloseTo((a + b) / 2, 12);
      expect(summary.sd).toBeCloseTo(Math.abs(a - b) / Math.SQRT2, 12);
      expect([summary.min, summary.max]).toEqual([Math.min(a, b), Math.max(a, b)]);
    }
  }, 300_000);

  it('runs the quickstart pair per seed (CoT, then Coconut from its checkpoint) and prints their difference per seed, here with the reference curriculum', async () => {
    // The quickstart's own configs, shrunk for a test: `debug` trains on 256 records, one CoT epoch after the first.
    const shrink = ['--set', 'debug=true', '--set', 'num_epochs=2', '--set', 'num_threads=1', '--set', 'offline_model={n_layer: 1, n_embd: 32, n_head: 2, n_positions: 256}'];
    const result = await coconut(['sweep', '--quickstart', '--preset', 'reference', '--seeds', '0,1', ...shrink, '--json'], home.path);
    expect(result.stderr).not.toMatch(/Traceback/);
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout) as {
      sweep: string;
      seeds: { seed: number; cot: SweepOutput['runs'][number]; coconut: SweepOutput['runs'][number]; difference: { last: number; test: null } }[];
      summary: { cot: { last: Spread }; coconut: { last: Spread }; difference: { last: Spread; test: null } };
    };
    expect(output.seeds.map((row) => row.seed)).toEqual([0, 1]);
    const store = new RunStore(home.path);
    expect(sweepRuns(store, output.sweep).map((run) => [run.name, run.sweep?.step])).toEqual([
      ['quickstart-cot · seed 0', 'cot'],
      ['quickstart-coconut · seed 0', 'coconut'],
      ['quickstart-cot · seed 1', 'cot'],
      ['quickstart-coconut · seed 1', 'coconut'],
    ]);
    for (const row of output.seeds) {
      const cotConfig = parseConfigYaml(store.configText(row.cot.run));
      const coconutConfig = parseConfigYaml(store.configText(row.coconut.run));
      if (!cotConfig.ok || !coconutConfig.ok) throw new Error('a run config does not parse');
      expect([cotConfig.config.seed, cotConfig.config.cot, cotConfig.config.debug]).toEqual([row.seed, true, true]);
      expect([coconutConfig.config.seed, coconutConfig.config.coconut]).toEqual([row.seed, true]);
      expect(coconutConfig.config.load_model_path).toBe(join(store.realDir(row.cot.run), 'checkpoints', 'best.pt'));
      for (const run of [row.cot, row.coconut]) {
        const evals = store.events(run.run).filter((event): event is EvalEvent => event.type === 'eval');
        expect(run.last.accuracy).toBe(evals[evals.length - 1]!.accuracy);
      }
      expect(row.difference.last).toBeCloseTo(row.coconut.last.accuracy - row.cot.last.accuracy, 12);
    }
    const differences = output.seeds.map((row) => row.difference.last);
    expect(output.summary.difference.last.mean).toBeCloseTo((differences[0]! + differences[1]!) / 2, 12);
    expect(output.summary.difference.test).toBeNull();
  }, 400_000);

  it('trains the quickstart pair with its default, the frontier preset, two seeds at once with --jobs 2', async () => {
    const shrink = ['--set', 'debug=true', '--set', 'num_epochs=2', '--set', 'num_threads=1', '--set', 'offline_model={n_layer: 1, n_embd: 32, n_head: 2, n_positions: 256}'];
    const result = await coconut(['sweep', '--quickstart', '--seeds', '3,2', '--jobs', '2', ...shrink, '--json'], home.path);
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout) as { seeds: { seed: number; cot: { run: string; status: string }; coconut: { run: string; status: string } }[] };
    expect(output.seeds.map((row) => row.seed)).toEqual([3, 2]);
    const store = new RunStore(home.path);
    for (const row of output.seeds) {
      const cotConfig = parseConfigYaml(store.configText(row.cot.run));
      const coconutConfig = parseConfigYaml(store.configText(row.coconut.run));
      if (!cotConfig.ok || !coconutConfig.ok) throw new Error('a run config does not parse');
      expect(cotConfig.config).toMatchObject({ seed: row.seed, frontier_supervision: false });
      expect(coconutConfig.config).toMatchObject({ name: `quickstart-coconut-frontier · seed ${row.seed}`, seed: row.seed, frontier_supervision: true, resume: 0, lr: 0.0003 });
      expect(coconutConfig.config.load_model_path).toBe(join(store.realDir(row.cot.run), 'checkpoints', 'best.pt'));
      expect(row.coconut.status).toBe('completed');
      // Stage 0 (name a child of the root), which the reference preset skips with resume, is trained too.
      const stages = store.events(row.coconut.run).flatMap((event) => (event.type === 'eval' ? [event.stage] : []));
      expect(stages).toEqual([0, 1]);
    }
    // The two seeds' CoT runs trained at the same time.
    const [first, second] = output.seeds.map((row) => store.read(row.cot.run));
    expect(Date.parse(first!.started_at!)).toBeLessThan(Date.parse(second!.ended_at!));
    expect(Date.parse(second!.started_at!)).toBeLessThan(Date.parse(first!.ended_at!));
  }, 400_000);

  it('trains the larger recipe (--preset larger) on its own dataset, with its test split, and says which runs a wrong --name would have been', async () => {
    const shrink = ['--set', 'debug=true', '--set', 'num_epochs=2', '--set', 'num_threads=1', '--set', 'offline_model={n_layer: 1, n_embd: 32, n_head: 2, n_positions: 256}'];
    const result = await coconut(['sweep', '--quickstart', '--preset', 'larger', '--seeds', '1', '--test', ...shrink, '--json'], home.path);
    expect(result.code, result.stderr).toBe(0);
    const output = JSON.parse(result.stdout) as { dataset: string; test: string; seeds: { seed: number; cot: { run: string; test: { run: string } }; coconut: { run: string } }[] };
    const dataset = join(home.path, 'datasets', 'quickstart-larger');
    expect(output.dataset).toBe(dataset);
    expect(output.test).toBe(join(dataset, 'test.json'));
    const manifest = await readManifest(dataset);
    expect(manifest?.params).toMatchObject({ minNodes: 10, maxNodes: 14, minSteps: 3, maxSteps: 4, misleadingBranch: 1 });
    const store = new RunStore(home.path);
    const [row] = output.seeds;
    const cotConfig = parseConfigYaml(store.configText(row!.cot.run));
    const coconutConfig = parseConfigYaml(store.configText(row!.coconut.run));
    if (!cotConfig.ok || !coconutConfig.ok) throw new Error('a run config does not parse');
    expect(cotConfig.config).toMatchObject({ name: 'quickstart-larger-cot · seed 1', train_path: join(dataset, 'train.json') });
    expect(coconutConfig.config).toMatchObject({ name: 'quickstart-larger-coconut-frontier · seed 1', frontier_supervision: true, frontier_thought_labels: true, max_latent_stage: 3 });
    expect(coconutConfig.config.load_model_path).toBe(join(store.realDir(row!.cot.run), 'checkpoints', 'best.pt'));
    expect(store.read(row!.cot.test.run).val_path).toBe(join(dataset, 'test.json'));

    const named = await coconut(['sweep', '--quickstart', '--preset', 'larger', '--seeds', '0', '--name', 'mine'], home.path);
    expect(named.code).toBe(1);
    expect(named.stderr).toMatch(/--name applies to a config sweep.*`quickstart-larger-cot · seed S` and `quickstart-larger-coconut-frontier · seed S`/);
    const unknown = await coconut(['sweep', '--quickstart', '--preset', 'huge', '--seeds', '0'], home.path);
    expect(unknown.stderr).toMatch(/--preset: 'huge' is not a quickstart preset \(frontier, reference, larger\)/);
  }, 400_000);

  it('refuses bad seeds, a missing config and a config with --quickstart, naming each, before training anything', async () => {
    const runsBefore = new RunStore(home.path).list().length;
    const badSeeds = await coconut(['sweep', configPath, '--seeds', '0,x'], home.path);
    expect(badSeeds.code).not.toBe(0);
    expect(badSeeds.stderr).toMatch(/--seeds.*"x" is not a seed/);
    const missing = await coconut(['sweep', join(home.path, 'nowhere.yaml'), '--seeds', '0'], home.path);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/cannot read .*nowhere\.yaml: ENOENT/);
    const both = await coconut(['sweep', configPath, '--quickstart', '--seeds', '0'], home.path);
    expect(both.code).toBe(1);
    expect(both.stderr).toMatch(/give a config or --quickstart, not both/);
    const noDataset = await coconut(['sweep', configPath, '--seeds', '0', '--test'], home.path);
    expect(noDataset.stderr).toMatch(/--test needs a dataset file/);
    const noJobs = await coconut(['sweep', configPath, '--seeds', '0', '--jobs', '0'], home.path);
    expect(noJobs.stderr).toMatch(/--jobs.*expected a whole number of at least 1/);
    expect(new RunStore(home.path).list()).toHaveLength(runsBefore);
  }, 60_000);
});
