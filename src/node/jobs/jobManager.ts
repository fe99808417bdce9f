/**
 * Runs jobs: a FIFO queue of engine processes (one at a time by default: a training run wants
 * every core), cancellation, live subscriptions, and recovery of runs left `running` by a
 * workbench that stopped.
 *
 * The engine is the only writer of `events.jsonl`; the manager follows the file and is the only
 * writer of `run.json`, whose summary it derives from the events and the process's exit.
 */
import type { ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import type { RunStreamMessage } from '../../common/api.js';
import type { RunConfig } from '../../common/config.js';
import type { EngineEvent } from '../../common/events.js';
import { isFinal, type RunRecord, type RunStatus, type RunSummary } from '../../common/runs.js';
import { spawnTrain } from '../engine/launcher.js';
import { readGpuInventory } from '../gpus/inventory.js';
import { parseConfigYaml } from '../runs/configText.js';
import { EventLogReader } from '../runs/eventLog.js';
import { RunStore, toSummary, type LogStream } from '../runs/runStore.js';

export interface JobManagerOptions {
  /** Engine processes running at once. */
  maxConcurrent?: number;
  /** Between SIGTERM and SIGKILL on cancel. */
  cancelGraceMs?: number;
  /** How often a running job's event file is read. */
  pollMs?: number;
  /** Versions recorded in each run.json. */
  versions?: Record<string, string>;
  /** Extra environment for engine processes (tests pin thread counts with it). */
  engineEnv?: NodeJS.ProcessEnv;
  /**
   * GPUs on this machine. A run that may use CUDA gets `processes` of them to itself through
   * CUDA_VISIBLE_DEVICES, and waits in the queue while they are taken. Without it the count is
   * read from nvidia-smi (gpus/inventory.ts) the first time such a run is about to start.
   */
  gpuCount?: number;
}

type RunListener = (message: RunStreamMessage) => void;
type RunsListener = (summary: RunSummary) => void;

/** A run this manager is watching: its process (if ours) and everything it has emitted so far. */
interface LiveRun {
  id: string;
  child: ChildProcess | null;
  /** For runs adopted after a restart: the engine pid we poll instead of a child handle. */
  adoptedPid: number | null;
  reader: EventLogReader;
  events: EngineEvent[];
  listeners: Set<RunListener>;
  logs: Partial<Record<LogStream, WriteStream>>;
  poll: NodeJS.Timeout | null;
  cancelRequested: boolean;
  killTimer: NodeJS.Timeout | null;
  ended: Promise<void>;
  resolveEnded: () => void;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class JobManager {
  private readonly live = new Map<string, LiveRun>();
  /** Subscribers of queued runs, handed to the run when it starts. */
  private readonly waiting = new Map<string, Set<RunListener>>();
  private readonly queue: string[] = [];
  private readonly runsListeners = new Set<RunsListener>();
  private readonly maxConcurrent: number;
  private readonly cancelGraceMs: number;
  private readonly pollMs: number;
  private readonly versions: Record<string, string>;
  private readonly engineEnv: NodeJS.ProcessEnv;
  /** Null until counted; counting starts when the first run that may use CUDA reaches the queue's head. */
  private gpuCount: number | null;
  private counting = false;
  /** GPU indices held by live runs. */
  private readonly gpusInUse = new Map<string, number[]>();

  constructor(
    readonly store: RunStore,
    options: JobManagerOptions = {},
  ) {
    this.maxConcurrent = options.maxConcurrent ?? 1;
    this.cancelGraceMs = options.cancelGraceMs ?? 4000;
    this.pollMs = options.pollMs ?? 250;
    this.versions = options.versions ?? {};
    this.engineEnv = options.engineEnv ?? {};
    this.gpuCount = options.gpuCount ?? null;
  }

  /** Creates a run for a config whose paths are already absolute and checked, and queues it. */
  submit(config: RunConfig, outsideDir?: string, evalOf: RunRecord['eval_of'] = null): RunSummary {
    const record = this.store.create(config, this.versions, outsideDir, evalOf);
    // Refused now when the GPU count is known; otherwise when it reaches the head of the queue.
    const shortfall = this.gpuShortfall(this.gpuNeed(record.id));
    if (shortfall !== null) {
      return toSummary(this.finish(record.id, { status: 'failed', last_error: shortfall, ended_at: new Date().toISOString() }));
    }
    this.queue.push(record.id);
    this.publish(record);
    this.pump();
    return toSummary(this.store.read(record.id));
  }

  cancel(id: string): RunSummary {
    const record = this.store.read(id);
    if (isFinal(record.status)) return toSummary(record);
    const queued = this.queue.indexOf(id);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      return toSummary(this.finish(id, { status: 'cancelled', ended_at: new Date().toISOString() }));
    }
    const run = this.live.get(id);
    const pid = run?.child?.pid ?? run?.adoptedPid ?? record.pid;
    if (run) run.cancelRequested = true;
    if (pid && processAlive(pid)) {
      process.kill(pid, 'SIGTERM');
      const killTimer = setTimeout(() => {
        if (processAlive(pid)) process.kill(pid, 'SIGKILL');
      }, this.cancelGraceMs);
      killTimer.unref();
      if (run) run.killTimer = killTimer;
    }
    return toSummary(record);
  }

  /** Resolves when the run reaches a final status. */
  async waitForEnd(id: string): Promise<RunSummary> {
    const run = this.live.get(id);
    if (run) await run.ended;
    else if (!isFinal(this.store.read(id).status)) {
      await new Promise<void>((resolve) => {
        const stop = this.subscribeRuns((summary) => {
          if (summary.id === id && isFinal(summary.status)) {
            stop();
            resolve();
          }
        });
      });
    }
    return toSummary(this.store.read(id));
  }

  /**
   * History first (every event so far), then `replayed`, then live events, status changes and
   * log output. Events are delivered from one in-memory list per live run, so nothing is lost or
   * doubled between the replay and the live part.
   */
  subscribeRun(id: string, onMessage: RunListener): () => void {
    const record = this.store.read(id);
    const run = this.live.get(id);
    const history = run ? run.events : this.store.events(id);
    for (const event of history) onMessage({ kind: 'event', event });
    onMessage({ kind: 'replayed' });
    onMessage({ kind: 'run', run: toSummary(record) });
    if (run) {
      run.listeners.add(onMessage);
      return () => run.listeners.delete(onMessage);
    }
    if (isFinal(record.status)) return () => {};
    const waiting = this.waiting.get(id) ?? new Set<RunListener>();
    this.waiting.set(id, waiting);
    waiting.add(onMessage);
    return () => waiting.delete(onMessage);
  }

  subscribeRuns(onSummary: RunsListener): () => void {
    this.runsListeners.add(onSummary);
    return () => this.runsListeners.delete(onSummary);
  }

  /**
   * After a restart: runs whose engine is still alive are followed again; runs whose process is
   * gone end as their events say (`finished`) or as `interrupted`; queued runs queue again.
   */
  recover(): void {
    for (const record of this.store.list()) {
      if (record.status === 'queued' && !this.queue.includes(record.id)) {
        this.queue.push(record.id);
      } else if (record.status === 'running' && !this.live.has(record.id)) {
        if (record.pid !== null && processAlive(record.pid)) this.adopt(record);
        else this.settleOrphan(record);
      }
    }
    this.pump();
  }

  /** Stops following runs (their engines keep going, and a later `recover` adopts them). */
  close(): void {
    for (const run of this.live.values()) {
      if (run.poll) clearInterval(run.poll);
      for (const stream of Object.values(run.logs)) stream?.end();
    }
    this.live.clear();
    this.queue.length = 0;
  }

  /** Cancels every queued and running job and waits until they have ended. */
  async cancelAll(): Promise<void> {
    for (const id of [...this.queue]) this.cancel(id);
    const running = [...this.live.keys()];
    for (const id of running) this.cancel(id);
    await Promise.all(running.map((id) => this.waitForEnd(id)));
  }

  private runningCount(): number {
    return [...this.live.values()].filter((run) => run.child !== null || run.adoptedPid !== null).length;
  }

  private pump(): void {
    while (this.queue.length > 0 && this.runningCount() < this.maxConcurrent) {
      const id = this.queue[0] as string;
      if (this.store.read(id).status !== 'queued') {
        this.queue.shift();
        continue;
      }
      const need = this.gpuNeed(id);
      const { processes } = need;
      if (need.mayUseCuda && this.gpuCount === null) {
        this.countGpus(); // pumps again once counted
        return;
      }
      const shortfall = this.gpuShortfall(need);
      if (shortfall !== null) {
        this.queue.shift();
        this.finish(id, { status: 'failed', last_error: shortfall, ended_at: new Date().toISOString() });
        continue;
      }
      let gpus: number[] = [];
      if (need.mayUseCuda && this.gpuCount !== null && this.gpuCount > 0) {
        const taken = new Set([...this.gpusInUse.values()].flat());
        const free = Array.from({ length: this.gpuCount }, (_, index) => index).filter((index) => !taken.has(index));
        // First come, first served: the head of the queue waits for its GPUs, and so does everyone behind it.
        if (free.length < processes) return;
        gpus = free.slice(0, processes);
      }
      this.queue.shift();
      this.launch(id, processes, gpus);
    }
  }

  private watch(id: string, child: ChildProcess | null, adoptedPid: number | null): LiveRun {
    let resolveEnded = () => {};
    const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
    const run: LiveRun = {
      id,
      child,
      adoptedPid,
      reader: new EventLogReader(this.store.path(id, 'events')),
      events: [],
      listeners: this.waiting.get(id) ?? new Set(),
      logs: {},
      poll: null,
      cancelRequested: false,
      killTimer: null,
      ended,
      resolveEnded,
    };
    this.live.set(id, run);
    this.waiting.delete(id);
    run.poll = setInterval(() => {
      this.drainEvents(run);
      if (run.adoptedPid !== null && !processAlive(run.adoptedPid)) this.onExit(run, null, null);
    }, this.pollMs);
    return run;
  }

  /** How many processes a run starts, and whether it may use CUDA (its device is not `cpu`). */
  private gpuNeed(id: string): { processes: number; mayUseCuda: boolean } {
    const parsed = parseConfigYaml(this.store.configText(id));
    if (!parsed.ok) return { processes: 1, mayUseCuda: false }; // the engine reports the problem
    return { processes: parsed.config.processes, mayUseCuda: parsed.config.device !== 'cpu' };
  }

  /** Why a run can never start here (more GPUs than the machine has), or null. */
  private gpuShortfall(need: { processes: number; mayUseCuda: boolean }): string | null {
    if (!need.mayUseCuda || this.gpuCount === null || this.gpuCount === 0 || need.processes <= this.gpuCount) return null;
    return `processes: ${need.processes} needs ${need.processes} GPUs, and this machine has ${this.gpuCount}`;
  }

  private countGpus(): void {
    if (this.counting) return;
    this.counting = true;
    void readGpuInventory().then((inventory) => {
      this.gpuCount = inventory.gpus.length;
      this.pump();
    });
  }

  private launch(id: string, processes: number, gpus: number[]): void {
    const dir = this.store.realDir(id);
    let child: ChildProcess;
    try {
      const env = gpus.length > 0 ? { ...this.engineEnv, CUDA_VISIBLE_DEVICES: gpus.join(',') } : this.engineEnv;
      child = spawnTrain(this.store.path(id, 'config'), dir, env, processes);
      if (gpus.length > 0) this.gpusInUse.set(id, gpus);
    } catch (error) {
      this.finish(id, { status: 'failed', last_error: (error as Error).message, ended_at: new Date().toISOString() });
      this.pump();
      return;
    }
    const run = this.watch(id, child, null);
    for (const stream of ['stdout', 'stderr'] as const) {
      const file = createWriteStream(this.store.path(id, stream), { flags: 'a' });
      run.logs[stream] = file;
      child[stream]?.on('data', (chunk: Buffer) => {
        file.write(chunk);
        this.send(run, { kind: 'log', stream, text: chunk.toString('utf8') });
      });
    }
    child.on('error', (error) => {
      this.store.update(id, { last_error: `could not start the engine: ${error.message}` });
    });
    child.on('close', (code, signal) => this.onExit(run, code, signal));
    const record = this.store.update(id, {
      status: 'running',
      pid: child.pid ?? null,
      started_at: new Date().toISOString(),
      gpus,
    });
    this.publish(record);
  }

  private adopt(record: RunRecord): void {
    const run = this.watch(record.id, null, record.pid);
    // Its GPUs stay taken until it ends.
    if (record.gpus && record.gpus.length > 0) this.gpusInUse.set(record.id, record.gpus);
    // Catch up on everything the engine wrote while no workbench was watching.
    this.drainEvents(run);
  }

  private drainEvents(run: LiveRun): void {
    const events = run.reader.readNew();
    if (events.length === 0) return;
    const before = this.store.read(run.id);
    let after: RunRecord = before;
    for (const event of events) {
      run.events.push(event);
      after = applyEvent(after, event);
      this.send(run, { kind: 'event', event });
    }
    if (summaryChanged(before, after)) {
      this.store.write(after);
      this.publish(after);
    }
  }

  private onExit(run: LiveRun, code: number | null, signal: NodeJS.Signals | null): void {
    if (!this.live.has(run.id)) return;
    this.gpusInUse.delete(run.id);
    if (run.poll) clearInterval(run.poll);
    if (run.killTimer) clearTimeout(run.killTimer);
    this.drainEvents(run);
    for (const stream of Object.values(run.logs)) stream?.end();
    const finished = lastOfType(run.events, 'finished');
    const error = lastOfType(run.events, 'error');
    const record = this.store.read(run.id);
    let status: RunStatus;
    let lastError = record.last_error;
    if (finished) status = finished.status;
    else if (run.cancelRequested) status = 'cancelled';
    else {
      status = 'failed';
      if (error) lastError = describeError(error);
      else {
        const how = signal ? `signal ${signal}` : `exit code ${code ?? 'unknown'}`;
        const output = lastLine(this.store.logTail(run.id, 'stderr', 4096).text);
        lastError = `the engine stopped without finishing (${how})${output ? `; its last output: ${output}` : ''}`;
      }
    }
    this.live.delete(run.id);
    const final = this.finish(run.id, {
      status,
      last_error: lastError,
      exit_code: code,
      ended_at: new Date().toISOString(),
    });
    for (const listener of run.listeners) listener({ kind: 'run', run: toSummary(final) });
    run.resolveEnded();
    this.pump();
  }

  /** A `running` run whose process is gone and which no one followed to its end. */
  private settleOrphan(record: RunRecord): void {
    const events = this.store.events(record.id);
    let settled = events.reduce(applyEvent, record);
    const finished = lastOfType(events, 'finished');
    const error = lastOfType(events, 'error');
    settled = {
      ...settled,
      status: finished ? finished.status : error ? 'failed' : 'interrupted',
      last_error: finished
        ? settled.last_error
        : error
          ? describeError(error)
          : 'the workbench stopped while this run was running, and its engine process is gone',
      ended_at: settled.ended_at ?? new Date().toISOString(),
    };
    this.store.write(settled);
    this.publish(settled);
  }

  private finish(id: string, patch: Partial<RunRecord>): RunRecord {
    const record = this.store.update(id, patch);
    this.publish(record);
    return record;
  }

  private send(run: LiveRun, message: RunStreamMessage): void {
    for (const listener of run.listeners) listener(message);
  }

  private publish(record: RunRecord): void {
    const summary = toSummary(record);
    const run = this.live.get(record.id);
    if (run) this.send(run, { kind: 'run', run: summary });
    else for (const listener of this.waiting.get(record.id) ?? []) listener({ kind: 'run', run: summary });
    if (isFinal(record.status)) this.waiting.delete(record.id);
    for (const listener of this.runsListeners) listener(summary);
  }
}

/** The summary fields an event changes. */
export function applyEvent(record: RunRecord, event: EngineEvent): RunRecord {
  switch (event.type) {
    case 'started':
      return {
        ...record,
        num_epochs: event.num_epochs,
        versions: { ...record.versions, ...event.versions },
      };
    case 'stage':
    case 'step':
      return { ...record, stage: event.stage, epoch: event.epoch };
    case 'eval':
      return {
        ...record,
        stage: event.stage,
        epoch: event.epoch,
        last_accuracy: event.accuracy,
        best_accuracy: Math.max(record.best_accuracy ?? 0, event.accuracy),
      };
    case 'finished':
      return { ...record, best_accuracy: event.best_accuracy ?? record.best_accuracy };
    case 'error':
      return { ...record, last_error: describeError(event) };
    default:
      return record;
  }
}

function summaryChanged(a: RunRecord, b: RunRecord): boolean {
  return (
    a.stage !== b.stage ||
    a.epoch !== b.epoch ||
    a.num_epochs !== b.num_epochs ||
    a.last_accuracy !== b.last_accuracy ||
    a.best_accuracy !== b.best_accuracy ||
    a.last_error !== b.last_error ||
    a.versions !== b.versions
  );
}

function lastOfType<T extends EngineEvent['type']>(events: EngineEvent[], type: T): Extract<EngineEvent, { type: T }> | undefined {
  for (let i = events.length - 1; i >= 0; i -= 1) {
    const event = events[i];
    if (event?.type === type) return event as Extract<EngineEvent, { type: T }>;
  }
  return undefined;
}

function describeError(event: Extract<EngineEvent, { type: 'error' }>): string {
  return event.where ? `${event.where}: ${event.message}` : event.message;
}

function lastLine(text: string): string | null {
  const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
  return lines.at(-1) ?? null;
}

export type { RunStatus };
