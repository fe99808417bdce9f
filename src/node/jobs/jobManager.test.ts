/**
 * Job lifecycle against the real engine: a Python process per run on a tiny config, so these
 * tests need the engine environment (`npm run setup`).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunStreamMessage } from '../../common/api.js';
import type { EngineEvent } from '../../common/events.js';
import { readGpuInventory } from '../gpus/inventory.js';
import { checkConfig } from '../runs/configText.js';
import { tempDir, tinyRun, type TinyRun } from '../testing/fixtures.js';
import { Workbench } from '../workbench/workbench.js';
import { processTree, survivors } from './testProcesses.js';

const engineEnv = { OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };

function configFor(tiny: TinyRun, overrides: Record<string, unknown> = {}) {
  const check = checkConfig(tiny.configYaml(overrides), tiny.home);
  if (!check.config) throw new Error(JSON.stringify(check.issues));
  return check.config;
}

/** Resolves with the first event of a type on a run's subscription. */
function nextEvent(workbench: Workbench, id: string, type: EngineEvent['type']): Promise<EngineEvent> {
  return new Promise((resolve) => {
    let stop = (): void => {};
    let done = false;
    stop = workbench.jobs.subscribeRun(id, (message) => {
      if (!done && message.kind === 'event' && message.event.type === type) {
        done = true;
        queueMicrotask(() => stop());
        resolve(message.event);
      }
    });
  });
}

describe('JobManager with the real engine', () => {
  let home: ReturnType<typeof tempDir>;
  let tiny: TinyRun;
  let workbench: Workbench;
  beforeEach(() => {
    home = tempDir();
    tiny = tinyRun(home.path);
    // GPUs counted up front (none), so runs start at submit; the counting itself is tested below.
    workbench = new Workbench(home.path, { engineEnv, pollMs: 100, gpuCount: 0 });
  });
  afterEach(async () => {
    await workbench.jobs.cancelAll();
    workbench.jobs.close();
    home.remove();
  });

  it('runs a job from start to finish, streaming events, and replays them to late subscribers', async () => {
    const run = workbench.jobs.submit(configFor(tiny));
    expect(run.status).toBe('running');
    const live: RunStreamMessage[] = [];
    workbench.jobs.subscribeRun(run.id, (message) => live.push(message));
    const ended = await workbench.jobs.waitForEnd(run.id);
    expect(ended.status).toBe('completed');
    expect(ended.best_accuracy).not.toBeNull();
    expect(ended.epoch).toBe(2);

    const liveTypes = live.filter((m) => m.kind === 'event').map((m) => (m.kind === 'event' ? m.event.type : ''));
    expect(liveTypes.filter((type) => type !== 'log')[0]).toBe('started');
    expect(liveTypes.at(-1)).toBe('finished');
    expect(liveTypes.filter((type) => type === 'eval')).toHaveLength(3);
    expect(liveTypes.filter((type) => type === 'stage')).toHaveLength(3);
    expect(live.at(-1)).toMatchObject({ kind: 'run', run: { status: 'completed' } });

    const replay: RunStreamMessage[] = [];
    workbench.jobs.subscribeRun(run.id, (message) => replay.push(message));
    const replayed = replay.findIndex((m) => m.kind === 'replayed');
    expect(replay.slice(0, replayed).map((m) => (m.kind === 'event' ? m.event : null))).toEqual(
      live.filter((m) => m.kind === 'event').map((m) => (m.kind === 'event' ? m.event : null)),
    );
    expect(existsSync(join(ended.dir, 'checkpoints', 'best.pt'))).toBe(true);
    expect(workbench.store.logTail(run.id, 'stderr', 10_000).text.length).toBeGreaterThan(0);
  });

  it('starts a run of several processes through torchrun, and cancels all of them', async () => {
    const run = workbench.jobs.submit(configFor(tiny, { processes: 2, device: 'cpu', num_epochs: 1, max_latent_stage: 0 }));
    const started = await nextEvent(workbench, run.id, 'started');
    expect(started).toMatchObject({ type: 'started', world_size: 2 });
    const ended = await workbench.jobs.waitForEnd(run.id);
    expect(ended.status).toBe('completed');
    expect(workbench.store.logTail(run.id, 'stderr', 100_000).text.match(/epoch 1 eval:/g)).toHaveLength(1);

    const long = workbench.jobs.submit(configFor(tiny, { processes: 2, device: 'cpu', num_epochs: 200 }));
    await nextEvent(workbench, long.id, 'step');
    const leader = workbench.store.read(long.id).pid as number;
    const tree = processTree(leader);
    // torchrun and its two workers, each worker in a session of its own (so not in torchrun's group).
    expect(tree.length).toBeGreaterThanOrEqual(3);
    expect(tree.filter((row) => row.pid !== leader && row.pgid !== leader).length).toBeGreaterThanOrEqual(2);
    workbench.jobs.cancel(long.id);
    const cancelled = await workbench.jobs.waitForEnd(long.id);
    expect(cancelled.status).toBe('cancelled');
    expect(await survivors(tree.map((row) => row.pid))).toEqual([]);
  });

  it('ends the workers of a torchrun that dies, and fails the run', async () => {
    const run = workbench.jobs.submit(configFor(tiny, { processes: 2, device: 'cpu', num_epochs: 200 }));
    await nextEvent(workbench, run.id, 'step');
    const leader = workbench.store.read(run.id).pid as number;
    const tree = processTree(leader);
    expect(tree.length).toBeGreaterThanOrEqual(3);
    process.kill(leader, 'SIGKILL'); // torchrun cannot forward anything now; its workers are orphans
    const ended = await workbench.jobs.waitForEnd(run.id);
    expect(ended).toMatchObject({ status: 'failed', last_error: expect.stringMatching(/signal SIGKILL/) });
    expect(await survivors(tree.map((row) => row.pid))).toEqual([]);
  });

  it('counts the GPUs with nvidia-smi when the first run that may use CUDA is due, and not for CPU runs', async () => {
    workbench.jobs.close();
    workbench = new Workbench(home.path, { engineEnv, pollMs: 100 });
    const onCpu = workbench.jobs.submit(configFor(tiny, { device: 'cpu', num_epochs: 1, max_latent_stage: 0 }));
    expect(onCpu.status).toBe('running'); // no count needed
    await workbench.jobs.waitForEnd(onCpu.id);
    const auto = workbench.jobs.submit(configFor(tiny, { num_epochs: 1, max_latent_stage: 0 }));
    expect(auto.status).toBe('queued'); // waits for the count
    const ended = await workbench.jobs.waitForEnd(auto.id);
    expect(ended.status).toBe('completed');
    // One GPU where there are any (a workstation), none here (CI has no nvidia-smi).
    expect(ended.gpus).toHaveLength(Math.min(1, (await readGpuInventory()).gpus.length));
  });

  it('gives each GPU run its own GPUs, queues runs while they are taken, and never blocks CPU runs', async () => {
    workbench.jobs.close();
    workbench = new Workbench(home.path, { engineEnv, pollMs: 100, maxConcurrent: 3, gpuCount: 2 });
    const long = { num_epochs: 200 };
    const first = workbench.jobs.submit(configFor(tiny, long));
    const second = workbench.jobs.submit(configFor(tiny, long));
    const third = workbench.jobs.submit(configFor(tiny, { num_epochs: 1, max_latent_stage: 0 }));
    const onCpu = workbench.jobs.submit(configFor(tiny, { device: 'cpu', num_epochs: 1, max_latent_stage: 0 }));
    expect([first.gpus, second.gpus, third.status]).toEqual([[0], [1], 'queued']);
    const tooMany = workbench.jobs.submit(configFor(tiny, { processes: 3 }));
    expect(tooMany).toMatchObject({ status: 'failed', last_error: 'processes: 3 needs 3 GPUs, and this machine has 2' });

    // First come, first served: the CPU run waits behind the queued GPU run, and starts with it.
    await workbench.jobs.cancel(second.id);
    await workbench.jobs.waitForEnd(second.id);
    expect(workbench.store.read(third.id)).toMatchObject({ status: 'running', gpus: [1] });
    expect((await workbench.jobs.waitForEnd(onCpu.id)).status).toBe('completed');
    expect(workbench.store.read(onCpu.id).gpus).toEqual([]);
  });

  it('cancels a running job: SIGTERM, the engine ends the run, the process is gone within 5 s', async () => {
    const run = workbench.jobs.submit(configFor(tiny, { num_epochs: 200 }));
    await nextEvent(workbench, run.id, 'step');
    const pid = workbench.store.read(run.id).pid as number;
    const asked = Date.now();
    workbench.jobs.cancel(run.id);
    const ended = await workbench.jobs.waitForEnd(run.id);
    expect(Date.now() - asked).toBeLessThan(5000);
    expect(ended.status).toBe('cancelled');
    expect(() => process.kill(pid, 0)).toThrow();
    const events = workbench.store.events(run.id);
    expect(events.at(-1)).toMatchObject({ type: 'finished', status: 'cancelled' });
  });

  it('queues jobs beyond the limit and cancels a queued one without starting it', async () => {
    const first = workbench.jobs.submit(configFor(tiny, { num_epochs: 200 }));
    const second = workbench.jobs.submit(configFor(tiny));
    expect(second.status).toBe('queued');
    const seen: RunStreamMessage[] = [];
    workbench.jobs.subscribeRun(second.id, (message) => seen.push(message));
    expect(workbench.jobs.cancel(second.id).status).toBe('cancelled');
    // A subscriber of a queued run hears about its end too.
    expect(seen.at(-1)).toMatchObject({ kind: 'run', run: { status: 'cancelled' } });
    expect(workbench.store.events(second.id)).toEqual([]);
    workbench.jobs.cancel(first.id);
    expect((await workbench.jobs.waitForEnd(first.id)).status).toBe('cancelled');
  });

  it('marks a run failed when its engine dies mid-epoch, keeping its events readable', async () => {
    const run = workbench.jobs.submit(configFor(tiny, { num_epochs: 200 }));
    await nextEvent(workbench, run.id, 'step');
    process.kill(workbench.store.read(run.id).pid as number, 'SIGKILL');
    const ended = await workbench.jobs.waitForEnd(run.id);
    expect(ended.status).toBe('failed');
    expect(ended.last_error).toMatch(/SIGKILL/);
    const events = workbench.store.events(run.id);
    expect(events.find((event) => event.type !== 'log')?.type).toBe('started');
    expect(events.some((event) => event.type === 'step')).toBe(true);
  });

  it('fails with the engine\'s own message when a dataset is not a list of records', async () => {
    writeFileSync(tiny.valPath, JSON.stringify([{ question: 'q', steps: 'not a list', answer: 'a' }]));
    const ended = await workbench.jobs.waitForEnd(workbench.jobs.submit(configFor(tiny)).id);
    expect(ended.status).toBe('failed');
    expect(ended.last_error).toMatch(/valid\.json/);
    expect(ended.last_error).toMatch(/record 0/);
    expect(ended.last_error).toMatch(/steps/);
  });

  it('after a restart, settles runs whose process is gone and re-queues queued ones', async () => {
    const goneId = workbench.jobs.submit(configFor(tiny, { num_epochs: 200 })).id;
    await nextEvent(workbench, goneId, 'step');
    const queuedId = workbench.jobs.submit(configFor(tiny, { num_epochs: 1, max_latent_stage: 0 })).id;
    const pid = workbench.store.read(goneId).pid as number;
    workbench.jobs.close(); // the workbench "crashes": nobody follows the runs any more
    process.kill(pid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(workbench.store.read(goneId).status).toBe('running');

    const again = new Workbench(home.path, { engineEnv, pollMs: 100, gpuCount: 0 });
    again.jobs.recover();
    const gone = again.store.read(goneId);
    expect(gone.status).toBe('interrupted');
    expect(gone.last_error).toMatch(/process is gone/);
    expect((await again.jobs.waitForEnd(queuedId)).status).toBe('completed');
    again.jobs.close();
  });
});
