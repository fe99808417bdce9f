/**
 * What happens to runs when the workbench around them fails, done for real: `coconut serve`
 * killed with SIGKILL mid-training, a run.json whose PID names another process now, a disk that
 * fills up under the job manager. These need the engine environment (`npm run setup`).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { RunStreamMessage } from '../../common/api.js';
import type { RunRecord, RunSummary } from '../../common/runs.js';
import { projectRoot } from '../engine/paths.js';
import { checkConfig } from '../runs/configText.js';
import { RunStore } from '../runs/runStore.js';
import { tempDir, tinyRun, type TinyRun } from '../testing/fixtures.js';
import { Workbench } from '../workbench/workbench.js';
import { processStart, signalProcess } from './processIdentity.js';
import { psTable, stillRunning } from './testProcesses.js';

const engineEnv = { OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function configFor(tiny: TinyRun, overrides: Record<string, unknown> = {}) {
  const check = checkConfig(tiny.configYaml(overrides), tiny.home);
  if (!check.config) throw new Error(JSON.stringify(check.issues));
  return check.config;
}

async function until(what: string, condition: () => boolean, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

const exited = (child: ChildProcess): Promise<void> =>
  new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

describe('runs outlive the workbench', () => {
  let home: ReturnType<typeof tempDir>;
  let tiny: TinyRun;
  /** Processes to end whatever a test's outcome: engines by identity, children we started. */
  const leftovers: { pid: number; start: string }[] = [];
  const children: ChildProcess[] = [];
  const workbenches: Workbench[] = [];

  beforeEach(() => {
    home = tempDir();
    tiny = tinyRun(home.path);
  });
  afterEach(async () => {
    for (const workbench of workbenches.splice(0)) workbench.jobs.close();
    for (const process of leftovers.splice(0)) signalProcess(process, 'SIGKILL', true);
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
    home.remove();
  });

  function workbenchOn(path: string, options: ConstructorParameters<typeof Workbench>[1] = {}): Workbench {
    const workbench = new Workbench(path, { engineEnv, pollMs: 100, gpuCount: 0, ...options });
    workbenches.push(workbench);
    return workbench;
  }

  it('keeps training when `coconut serve` is killed with SIGKILL; the next workbench shows it running and follows it to completed', async () => {
    if (!existsSync(join(projectRoot(), 'out', 'renderer', 'index.html'))) {
      throw new Error('`coconut serve` needs the built user interface: run `npm run setup` first');
    }
    const serve = spawn(process.execPath, [join(projectRoot(), 'bin', 'coconut.mjs'), 'serve', '--port', '0', '--json'], {
      env: { ...process.env, COCONUT_HOME: home.path, ...engineEnv },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(serve);
    const first = await new Promise<string>((resolve, reject) => {
      let buffered = '';
      serve.stdout?.on('data', (chunk: Buffer) => {
        buffered += chunk.toString();
        if (buffered.includes('\n')) resolve(buffered.slice(0, buffered.indexOf('\n')));
      });
      serve.once('exit', (code) => reject(new Error(`coconut serve exited with code ${code}`)));
    });
    const { url, token } = JSON.parse(first) as { url: string; token: string };
    const reply = await fetch(`${url.split('?')[0]}api/runs.create`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ config_yaml: tiny.configYaml({ num_epochs: 6 }) }),
    });
    const created = (await reply.json()) as { ok: boolean; result: RunSummary };
    expect(created.ok).toBe(true);
    const id = created.result.id;

    const store = new RunStore(home.path);
    await until('the first training step', () => store.events(id).some((event) => event.type === 'step'));
    const { pid, process_start: start } = store.read(id) as RunRecord & { pid: number; process_start: string };
    expect(start).toBe(processStart(pid));
    leftovers.push({ pid, start });
    // Its own process group (and session): nothing aimed at the serving process's group reaches it.
    expect(psTable().find((row) => row.pid === pid)?.pgid).toBe(pid);

    serve.kill('SIGKILL');
    await exited(serve);
    // Orphaned, the engine goes on: more events come with no workbench reading its files.
    const seen = store.events(id).length;
    await until('events written after the host died', () => store.events(id).length > seen + 2, 60_000);
    expect(stillRunning([pid])).toEqual([pid]);
    expect(store.read(id).status).toBe('running');

    // Paused while the next workbench attaches, so that the run cannot finish before it follows the
    // run (a tiny run can end within the moment this takes, and its end would then be replayed
    // rather than followed).
    process.kill(-pid, 'SIGSTOP');
    const again = workbenchOn(home.path);
    again.start();
    expect(again.store.read(id)).toMatchObject({ status: 'running', pid });
    const live: RunStreamMessage[] = [];
    again.jobs.subscribeRun(id, (message) => live.push(message));
    process.kill(-pid, 'SIGCONT');
    const ended = await again.jobs.waitForEnd(id);
    expect(ended).toMatchObject({ status: 'completed', last_error: null, epoch: 5 }); // epochs count from 0
    const replayed = live.findIndex((message) => message.kind === 'replayed');
    const afterReplay = live.slice(replayed + 1);
    expect(afterReplay.some((message) => message.kind === 'event' && message.event.type === 'finished')).toBe(true);
    // Its stderr is followed from the file: progress lines arrive as log messages.
    expect(afterReplay.some((message) => message.kind === 'log' && message.stream === 'stderr' && message.text.length > 0)).toBe(true);
    expect(stillRunning([pid])).toEqual([]);
  });

  it('settles a running run.json whose PID now names another process, and never signals that process', async () => {
    const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
    children.push(sleeper);
    await sleep(50);
    const pid = sleeper.pid as number;
    const workbench = workbenchOn(home.path, { cancelGraceMs: 100 });
    const runningWith = (patch: Partial<RunRecord>): string => {
      const record = workbench.store.create(configFor(tiny), {});
      workbench.store.write({ ...record, status: 'running', started_at: new Date().toISOString(), pid, ...patch });
      return record.id;
    };
    // The PID of a process that started at another time than the engine recorded (PID reuse).
    const reused = runningWith({ process_start: `${processStart(pid)}-earlier` });
    // Written by a workbench that kept no start time: a bare PID, which is never trusted.
    const bare = runningWith({});
    const cancelled = runningWith({ process_start: `${processStart(pid)}-earlier` });
    // Its engine finished while no workbench watched: its own `finished` event says how it ended.
    const finished = runningWith({ process_start: `${processStart(pid)}-earlier` });
    const finishedEvent = { v: 1, t: Date.now() / 1000, type: 'finished', status: 'completed', best_accuracy: 0.5, best_epoch: 1, final_accuracy: 0.5, seconds: 3 };
    writeFileSync(workbench.store.path(finished, 'events'), JSON.stringify(finishedEvent) + '\n');

    expect(workbench.jobs.cancel(cancelled).status).toBe('interrupted');
    workbench.start();
    expect(workbench.store.read(reused)).toMatchObject({ status: 'interrupted', last_error: expect.stringMatching(/process is gone/) });
    expect(workbench.store.read(bare).status).toBe('interrupted');
    expect(workbench.store.read(finished)).toMatchObject({ status: 'completed', best_accuracy: 0.5 });
    await sleep(500); // past the cancel grace period: a SIGKILL, had one been due, would have been sent
    expect(sleeper.exitCode).toBeNull();
    expect(sleeper.signalCode).toBeNull();
    expect(stillRunning([pid])).toEqual([pid]);
  });
});

/** A small tmpfs the test mounts (root only), or why it cannot. */
function mountTmpfs(sizeMb: number): { path: string; unmount(): void } | string {
  if (process.platform !== 'linux') return 'needs Linux (tmpfs)';
  if (process.getuid?.() !== 0) return 'needs root to mount a small tmpfs';
  const dir = tempDir('coconut-full-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMb}m`, 'tmpfs', dir.path], { stdio: 'pipe' });
  } catch (error) {
    dir.remove();
    return `cannot mount a tmpfs here: ${(error as Error).message.split('\n')[0]}`;
  }
  return {
    path: dir.path,
    unmount: () => {
      execFileSync('umount', ['-l', dir.path]);
      dir.remove();
    },
  };
}

/** Writes into `path` until the file system is full. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(1 << 20, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
}

describe('a full disk under the job manager', () => {
  it('fails the runs it cannot record, with the cause, and the queue goes on (skipped, saying why, where no tmpfs can be mounted)', async (context) => {
    const disk = mountTmpfs(256);
    if (typeof disk === 'string') return context.skip(disk);
    const tiny = tinyRun(disk.path);
    const workbench = new Workbench(disk.path, { engineEnv, pollMs: 100, gpuCount: 0, cancelGraceMs: 2000 });
    const filler = join(disk.path, 'filler');
    try {
      const long = workbench.jobs.submit(configFor(tiny, { num_epochs: 200 }));
      const queued = workbench.jobs.submit(configFor(tiny, { num_epochs: 1, max_latent_stage: 0 }));
      expect(queued.status).toBe('queued');
      await until('the first training step', () => workbench.store.events(long.id).some((event) => event.type === 'step'));

      fillDisk(filler);
      workbench.jobs.cancel(long.id);
      const first = await workbench.jobs.waitForEnd(long.id);
      expect(first.status).toBe('failed');
      expect(first.last_error).toMatch(/^no space left on device writing run\.json/);
      // The queue went on: the next run was started, and failed the same way, with its own cause.
      const second = await workbench.jobs.waitForEnd(queued.id);
      expect(second.status).toBe('failed');
      expect(second.last_error).toMatch(/^no space left on device (writing run\.json|opening std(out|err)\.log)/);
      // Shown by the store too (the API reads it), though run.json still holds the older state.
      expect(workbench.store.read(long.id).status).toBe('failed');
      expect(JSON.parse(readFileSync(workbench.store.path(long.id, 'record'), 'utf8')).status).not.toBe('failed');

      // Room again: the next run completes, and the failures reach run.json with their causes.
      rmSync(filler);
      const after = workbench.jobs.submit(configFor(tiny, { num_epochs: 1, max_latent_stage: 0 }));
      expect((await workbench.jobs.waitForEnd(after.id)).status).toBe('completed');
      for (const id of [long.id, queued.id]) {
        const onDisk = JSON.parse(readFileSync(workbench.store.path(id, 'record'), 'utf8')) as RunRecord;
        expect(onDisk.status).toBe('failed');
        expect(onDisk.last_error).toMatch(/^no space left on device/);
      }
    } finally {
      await workbench.jobs.cancelAll();
      workbench.jobs.close();
      rmSync(filler, { force: true });
      disk.unmount();
    }
  });
});
