/**
 * The job manager's scheduling, recovery and bookkeeping, with an in-memory engine (fakeEngine.ts)
 * that writes real event and log files into real run folders: milliseconds, no Python. What only
 * a real engine can show (signals, process trees, torchrun) is in jobManager.test.ts and
 * jobRecovery.test.ts.
 */
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunStreamMessage } from '../../common/api.js';
import type { RunRecord } from '../../common/runs.js';
import { checkConfig } from '../runs/configText.js';
import { RunStore } from '../runs/runStore.js';
import { tempDir, tinyRun, type TinyRun } from '../testing/fixtures.js';
import { FakeLauncher, type FakeEngine } from './fakeEngine.js';
import { JobManager, type JobManagerOptions } from './jobManager.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, condition: () => boolean, timeoutMs = 2000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(2);
  }
}

const completed = { type: 'finished', status: 'completed', best_accuracy: 0.75, best_epoch: 1, final_accuracy: 0.75, seconds: 2 } as const;
const evalAt = (epoch: number, accuracy: number) =>
  ({ type: 'eval', stage: 0, epoch, split: 'valid', accuracy, correct: 3, total: 4, cot_match: null, mean_new_tokens: 5, seconds: 1 }) as const;
const stepAt = (step: number, epoch = 0) =>
  ({ type: 'step', stage: 0, epoch, step, epoch_step: step, steps_in_epoch: 100, loss: 1, lr: 1e-3, samples_per_s: 1, tokens_per_s: 1 }) as const;

describe('JobManager scheduling with an in-memory engine', () => {
  let home: ReturnType<typeof tempDir>;
  let tiny: TinyRun;
  let launcher: FakeLauncher;
  let store: RunStore;
  const managers: JobManager[] = [];

  beforeEach(() => {
    home = tempDir();
    tiny = tinyRun(home.path);
    launcher = new FakeLauncher();
    store = new RunStore(home.path);
  });
  afterEach(() => {
    for (const manager of managers.splice(0)) manager.close();
    home.remove();
  });

  function managerWith(options: JobManagerOptions = {}): JobManager {
    const manager = new JobManager(store, { launcher, pollMs: 2, gpuCount: 0, cancelGraceMs: 50, ...options });
    managers.push(manager);
    return manager;
  }

  function config(overrides: Record<string, unknown> = {}) {
    const check = checkConfig(tiny.configYaml(overrides), tiny.home);
    if (!check.config) throw new Error(JSON.stringify(check.issues));
    return check.config;
  }

  /** The fake engine started for run `id`. */
  function engineOf(id: string): FakeEngine {
    const engine = launcher.launched.find((candidate) => candidate.launch?.runDir === store.realDir(id));
    if (!engine) throw new Error(`no engine was started for ${id}`);
    return engine;
  }

  const finish = (engine: FakeEngine) => {
    engine.emit(completed);
    engine.exitWith({ code: 0, signal: null });
  };

  it('starts runs in the order they came, no more at once than maxConcurrent', async () => {
    const jobs = managerWith({ maxConcurrent: 2 });
    const [a, b, c, d] = [1, 2, 3, 4].map(() => jobs.submit(config()));
    expect([a, b, c, d].map((run) => run?.status)).toEqual(['running', 'running', 'queued', 'queued']);
    finish(engineOf(b!.id));
    expect((await jobs.waitForEnd(b!.id)).status).toBe('completed');
    expect(store.read(c!.id).status).toBe('running');
    expect(store.read(d!.id).status).toBe('queued');
    finish(engineOf(a!.id));
    await jobs.waitForEnd(a!.id);
    expect(launcher.launched.map((engine) => engine.launch?.runDir)).toEqual([a, b, c, d].map((run) => store.realDir(run!.id)));
  });

  it('keeps a sweep tag in run.json from queuing through the run to its end', async () => {
    const jobs = managerWith({ maxConcurrent: 1 });
    const sweep = { id: 'sweep-test', step: 'coconut' };
    const [running, waiting] = [jobs.submit(config(), { sweep }), jobs.submit(config(), { sweep })];
    expect([store.read(running!.id), store.read(waiting!.id)].map((record) => [record.status, record.sweep])).toEqual([
      ['running', sweep],
      ['queued', sweep],
    ]);
    engineOf(running!.id).emit(stepAt(1));
    await until('a step in run.json', () => store.read(running!.id).epoch !== null || store.read(running!.id).stage !== null);
    expect(store.read(running!.id).sweep).toEqual(sweep);
    finish(engineOf(running!.id));
    expect((await jobs.waitForEnd(running!.id)).sweep).toEqual(sweep);
    expect(store.read(running!.id).sweep).toEqual(sweep);
  });

  it('gives GPU runs GPUs of their own, holds the queue (CPU runs too) while the head waits for them, and frees them at the end', async () => {
    const jobs = managerWith({ maxConcurrent: 4, gpuCount: 2 });
    const one = jobs.submit(config());
    const two = jobs.submit(config({ processes: 2, device: 'auto' }));
    const onCpu = jobs.submit(config({ device: 'cpu' }));
    expect(one.gpus).toEqual([0]);
    expect(engineOf(one.id).launch?.env.CUDA_VISIBLE_DEVICES).toBe('0');
    expect([two.status, onCpu.status]).toEqual(['queued', 'queued']);
    expect(jobs.submit(config({ processes: 3 }))).toMatchObject({ status: 'failed', last_error: 'processes: 3 needs 3 GPUs, and this machine has 2' });

    finish(engineOf(one.id));
    await jobs.waitForEnd(one.id);
    expect(store.read(two.id)).toMatchObject({ status: 'running', gpus: [0, 1] });
    expect(engineOf(two.id).launch).toMatchObject({ processes: 2, env: { CUDA_VISIBLE_DEVICES: '0,1' } });
    expect(store.read(onCpu.id)).toMatchObject({ status: 'running', gpus: [] });
    expect(engineOf(onCpu.id).launch?.env.CUDA_VISIBLE_DEVICES).toBeUndefined();
  });

  it('counts the GPUs only when a run that may use CUDA is due, and queues it until then', async () => {
    let counted = 0;
    let answer: (count: number) => void = () => undefined;
    const jobs = managerWith({ gpuCount: undefined, countGpus: () => new Promise<number>((resolve) => ((counted += 1), (answer = resolve))) });
    const onCpu = jobs.submit(config({ device: 'cpu' }));
    expect(onCpu.status).toBe('running');
    finish(engineOf(onCpu.id));
    await jobs.waitForEnd(onCpu.id);
    expect(counted).toBe(0);
    const auto = jobs.submit(config());
    expect(auto.status).toBe('queued');
    expect(counted).toBe(1);
    answer(1);
    await until('the GPU run to start', () => store.read(auto.id).status === 'running');
    expect(store.read(auto.id).gpus).toEqual([0]);
  });

  it('cancels a queued run without starting it, and its subscribers hear the end', () => {
    const jobs = managerWith();
    const first = jobs.submit(config());
    const second = jobs.submit(config());
    const heard: RunStreamMessage[] = [];
    jobs.subscribeRun(second.id, (message) => heard.push(message));
    expect(jobs.cancel(second.id).status).toBe('cancelled');
    expect(heard.at(-1)).toMatchObject({ kind: 'run', run: { status: 'cancelled' } });
    expect(launcher.launched).toHaveLength(1);
    finish(engineOf(first.id));
    expect(launcher.launched).toHaveLength(1); // the cancelled run never starts
  });

  it('cancels a running run through its engine: the engine\'s own `finished` event decides, and one that ignores SIGTERM is cancelled when it dies', async () => {
    const jobs = managerWith();
    const run = jobs.submit(config());
    jobs.cancel(run.id);
    expect(engineOf(run.id).terminations).toEqual([50]);
    expect((await jobs.waitForEnd(run.id)).status).toBe('cancelled');
    expect(store.read(run.id)).toMatchObject({ status: 'cancelled', exit_code: 0 });

    const stubborn = jobs.submit(config());
    engineOf(stubborn.id).obeysTerminate = false;
    jobs.cancel(stubborn.id);
    await sleep(20);
    expect(store.read(stubborn.id).status).toBe('running');
    engineOf(stubborn.id).exitWith({ code: null, signal: 'SIGKILL' }); // the grace period's SIGKILL
    expect((await jobs.waitForEnd(stubborn.id)).status).toBe('cancelled');
  });

  it('fails a run whose engine cannot start, and starts the next', async () => {
    const jobs = managerWith();
    launcher.failNextLaunch = 'no such file or folder opening stdout.log';
    const broken = jobs.submit(config());
    const next = jobs.submit(config());
    expect(store.read(broken.id)).toMatchObject({ status: 'failed', last_error: 'could not start the engine: no such file or folder opening stdout.log' });
    expect(store.read(next.id).status).toBe('running');
  });

  it('fails a run whose engine ends without a `finished` event: with its error event, else how it exited and its last output', async () => {
    const jobs = managerWith({ maxConcurrent: 2 });
    const crashed = jobs.submit(config());
    const errored = jobs.submit(config());
    engineOf(crashed.id).emit(stepAt(1)).print('stderr', 'loading\nTraceback (most recent call last)\nMemoryError\n').exitWith({ code: 1, signal: null });
    engineOf(errored.id).emit({ type: 'error', message: 'steps must be a list', where: 'valid.json record 0', traceback: null }).exitWith({ code: 2, signal: null });
    expect(await jobs.waitForEnd(crashed.id)).toMatchObject({
      status: 'failed',
      last_error: 'the engine stopped without finishing (exit code 1); its last output: MemoryError',
    });
    expect(await jobs.waitForEnd(errored.id)).toMatchObject({ status: 'failed', last_error: 'valid.json record 0: steps must be a list' });
  });

  it('keeps the summary in memory and writes run.json only when it changes', async () => {
    const jobs = managerWith();
    const run = jobs.submit(config());
    const engine = engineOf(run.id);
    const recordFile = store.path(run.id, 'record');
    engine.emit(stepAt(1));
    await until('the first step', () => store.read(run.id).epoch === 0);
    const written = statSync(recordFile).ino; // each write replaces the file: a new inode
    for (let step = 2; step <= 20; step += 1) engine.emit(stepAt(step));
    await sleep(30);
    expect(statSync(recordFile).ino).toBe(written);
    engine.emit(evalAt(0, 0.5));
    await until('the eval to be recorded', () => store.read(run.id).last_accuracy === 0.5);
    expect(statSync(recordFile).ino).not.toBe(written);
    finish(engine);
    expect(await jobs.waitForEnd(run.id)).toMatchObject({ status: 'completed', best_accuracy: 0.75, last_accuracy: 0.5 });
  });

  it('fails a run whose run.json cannot be written, stops its engine, goes on with the queue, and writes the failure once it can', async () => {
    const jobs = managerWith();
    const run = jobs.submit(config());
    const next = jobs.submit(config());
    const recordFile = store.path(run.id, 'record');
    rmSync(recordFile);
    mkdirSync(join(recordFile, 'in-the-way'), { recursive: true }); // run.json cannot be replaced now
    engineOf(run.id).emit(evalAt(0, 0.5));
    const ended = await jobs.waitForEnd(run.id);
    expect(ended).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/writing run\.json \(the engine itself ended the run cancelled\)$/) });
    expect(engineOf(run.id).terminations).toHaveLength(1);
    expect(store.read(next.id).status).toBe('running');

    rmSync(recordFile, { recursive: true });
    finish(engineOf(next.id)); // the next write retries the unsaved record
    await jobs.waitForEnd(next.id);
    expect(new RunStore(home.path).read(run.id)).toMatchObject({ status: 'failed', last_accuracy: 0.5 });
  });

  describe('recovery after a restart', () => {
    /** A run as a workbench that stopped left it. */
    function leftBehind(patch: Partial<RunRecord>): RunRecord {
      const record = { ...store.create(config(), {}), ...patch };
      store.write(record);
      return record;
    }

    it('adopts a run whose engine still runs, catches up on its events, keeps its GPUs taken, and ends it as its events say', async () => {
      const record = leftBehind({ status: 'running', started_at: new Date().toISOString(), gpus: [0] });
      const engine = launcher.leftRunning(store.realDir(record.id));
      store.write({ ...record, pid: engine.pid, process_start: engine.start });
      engine.emit(evalAt(0, 0.5)); // written while no workbench watched
      const queued = leftBehind({});

      const jobs = managerWith({ gpuCount: 1, maxConcurrent: 2 });
      jobs.recover();
      expect(store.read(record.id)).toMatchObject({ status: 'running', last_accuracy: 0.5 });
      expect(store.read(queued.id).status).toBe('queued'); // its GPU is the adopted run's
      engine.emit(completed);
      engine.exitWith({ code: null, signal: null }); // an adopted engine's exit code is unknown
      expect(await jobs.waitForEnd(record.id)).toMatchObject({ status: 'completed', best_accuracy: 0.75 });
      await until('the queued run to start', () => store.read(queued.id).status === 'running');
      expect(store.read(queued.id).gpus).toEqual([0]);
    });

    it('settles runs whose engine is gone by their events (never adopting a bare PID), and requeues queued ones in order', () => {
      const alive = launcher.leftRunning(home.path);
      const bare = leftBehind({ status: 'running', pid: alive.pid }); // no start time: never trusted
      const gone = leftBehind({ status: 'running', pid: 999_999, process_start: 'long-ago' });
      const finished = leftBehind({ status: 'running', pid: 999_998, process_start: 'long-ago' });
      launcher.leftRunning(store.realDir(finished.id)).emit(completed);
      const firstQueued = leftBehind({ created_at: '2026-01-01T00:00:00.000Z' });
      const secondQueued = leftBehind({ created_at: '2026-01-02T00:00:00.000Z' });

      const jobs = managerWith();
      jobs.recover();
      expect(store.read(bare.id)).toMatchObject({ status: 'interrupted', last_error: expect.stringMatching(/process is gone/) });
      expect(store.read(gone.id).status).toBe('interrupted');
      expect(store.read(finished.id)).toMatchObject({ status: 'completed', best_accuracy: 0.75 });
      expect(alive.terminations).toEqual([]);
      // Queued again in the order they were created, one at a time.
      expect([firstQueued, secondQueued].map((run) => store.read(run.id).status)).toEqual(['running', 'queued']);
    });

    it('fails an adopted run whose process disappears without a word, saying its exit code is unknown', async () => {
      const record = leftBehind({ status: 'running' });
      const engine = launcher.leftRunning(store.realDir(record.id));
      store.write({ ...record, pid: engine.pid, process_start: engine.start });
      const jobs = managerWith();
      jobs.recover();
      engine.gone = true; // noticed by the next poll's check
      expect(await jobs.waitForEnd(record.id)).toMatchObject({
        status: 'failed',
        last_error: 'the engine stopped without finishing (it was started by an earlier workbench, so its exit code is unknown)',
      });
    });
  });
});
