/**
 * Runs jobs: a FIFO queue of engine processes (one at a time by default: a training run wants
 * every core), cancellation, live subscriptions, and recovery of runs left `running` by a
 * workbench that stopped.
 *
 * The engine is the only writer of `events.jsonl`, `stdout.log` and `stderr.log`; the manager
 * follows those files and is the only writer of `run.json`, whose summary it derives from the
 * events and the process's exit. Engines run detached (engineProcess.ts), so a workbench that
 * closes or is killed leaves them training, and the next one adopts them by identity (PID and
 * start time, never a bare PID) and ends them as their own `finished`/`error` events say.
 *
 * Nothing here may throw into the event loop: an exception in a timer or process callback would
 * end the host process and every engine it follows. Each such path is guarded; a failure ends
 * that run alone (as `failed`, with the cause in one line) and the queue goes on.
 */
import type { RunStreamMessage } from '../../common/api.js';
import type { RunConfig } from '../../common/config.js';
import type { EngineEvent } from '../../common/events.js';
import { isFinal, type RunRecord, type RunStatus, type RunSummary } from '../../common/runs.js';
import { readGpuInventory } from '../gpus/inventory.js';
import { parseConfigYaml } from '../runs/configText.js';
import { EventLogReader } from '../runs/eventLog.js';
import { RunStore, toSummary, type LogStream } from '../runs/runStore.js';
import { EngineProcess, type EngineExit } from './engineProcess.js';
import { FileTail } from './fileTail.js';
import { applyEvent, runOutcome, settledRecord, summaryChanged } from './runEvents.js';

export interface JobManagerOptions {
  /** Engine processes running at once. */
  maxConcurrent?: number;
  /** Between SIGTERM and SIGKILL on cancel. */
  cancelGraceMs?: number;
  /** How often a running job's event and log files are read. */
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

/** A run this manager is watching: its engine and everything it has emitted so far. */
interface LiveRun {
  id: string;
  engine: EngineProcess;
  reader: EventLogReader;
  events: EngineEvent[];
  listeners: Set<RunListener>;
  logs: { stream: LogStream; tail: FileTail }[];
  poll: NodeJS.Timeout | null;
  cancelRequested: boolean;
  /** Set when the run's books could not be kept (run.json unwritable): the run ends failed with it. */
  failure: string | null;
  ended: Promise<void>;
  resolveEnded: () => void;
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Where nothing else can be told: the host's own log. */
function report(error: unknown): void {
  console.error(`coconut job manager: ${message(error)}`);
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
      return toSummary(this.finish(record.id, { status: 'failed', last_error: shortfall, ended_at: now() }) ?? record);
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
    if (queued >= 0) this.queue.splice(queued, 1);
    const run = this.live.get(id);
    if (run) {
      run.cancelRequested = true;
      run.engine.terminate(this.cancelGraceMs);
      return toSummary(record);
    }
    if (record.status === 'queued') return toSummary(this.finish(id, { status: 'cancelled', ended_at: now() }) ?? record);
    // Running, but followed by another workbench process (or by none): signal its engine only
    // while the recorded identity holds; a PID that names another process now is left alone.
    const engine = record.pid !== null ? EngineProcess.adopt(record.pid, record.process_start) : null;
    if (!engine) return toSummary(this.settleOrphan(record));
    engine.terminate(this.cancelGraceMs);
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
    const record = this.store.readOrDamaged(id);
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
   * After a restart: runs whose engine is still the process recorded (PID and start time) are
   * followed again; the others end as their events say (`finished`, `error`) or as
   * `interrupted`, and their PID, which may name another process by now, is never signalled.
   * Queued runs queue again. Never throws: one unreadable run does not stop the others.
   */
  recover(): void {
    let records: RunRecord[] = [];
    try {
      records = this.store.list();
    } catch (error) {
      report(error);
    }
    for (const record of records) {
      this.guarded(record.id, () => {
        if (record.status === 'queued' && !this.queue.includes(record.id)) {
          this.queue.push(record.id);
        } else if (record.status === 'running' && !this.live.has(record.id)) {
          const engine = record.pid !== null ? EngineProcess.adopt(record.pid, record.process_start) : null;
          if (engine) this.adopt(record, engine);
          else this.settleOrphan(record);
        }
      });
    }
    this.pump();
  }

  /** Stops following runs (their engines keep going, and a later `recover` adopts them). */
  close(): void {
    for (const run of this.live.values()) {
      if (run.poll) clearInterval(run.poll);
      run.engine.detach();
    }
    this.live.clear();
    this.queue.length = 0;
  }

  /** Cancels every queued and running job and waits until they have ended. */
  async cancelAll(): Promise<void> {
    for (const id of [...this.queue]) this.guarded(id, () => this.cancel(id));
    const running = [...this.live.keys()];
    for (const id of running) this.guarded(id, () => this.cancel(id));
    await Promise.all(running.map((id) => this.live.get(id)?.ended));
  }

  /** Starts queued runs while there is room. Never throws: a run that cannot start fails, and the next one is tried. */
  private pump(): void {
    this.store.retryUnsaved();
    while (this.queue.length > 0 && this.live.size < this.maxConcurrent) {
      const id = this.queue[0] as string;
      let next: 'next' | 'wait' = 'next';
      try {
        next = this.startHead(id);
      } catch (error) {
        if (this.queue[0] === id) this.queue.shift();
        this.failRun(id, message(error));
      }
      if (next === 'wait') return;
    }
  }

  /** Starts (or fails, or skips) the run at the head of the queue; 'wait' while it waits for GPUs. */
  private startHead(id: string): 'next' | 'wait' {
    if (this.store.read(id).status !== 'queued') {
      this.queue.shift();
      return 'next';
    }
    const need = this.gpuNeed(id);
    const { processes } = need;
    if (need.mayUseCuda && this.gpuCount === null) {
      this.countGpus(); // pumps again once counted
      return 'wait';
    }
    const shortfall = this.gpuShortfall(need);
    if (shortfall !== null) {
      this.queue.shift();
      this.finish(id, { status: 'failed', last_error: shortfall, ended_at: now() });
      return 'next';
    }
    let gpus: number[] = [];
    if (need.mayUseCuda && this.gpuCount !== null && this.gpuCount > 0) {
      const taken = new Set([...this.gpusInUse.values()].flat());
      const free = Array.from({ length: this.gpuCount }, (_, index) => index).filter((index) => !taken.has(index));
      // First come, first served: the head of the queue waits for its GPUs, and so does everyone behind it.
      if (free.length < processes) return 'wait';
      gpus = free.slice(0, processes);
    }
    this.queue.shift();
    this.launch(id, processes, gpus);
    return 'next';
  }

  /** Follows a run's engine: its events, its logs (from `logOffsets` on), its end. */
  private watch(id: string, engine: EngineProcess, logOffsets: Record<LogStream, number>): LiveRun {
    let resolveEnded = () => {};
    const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
    const run: LiveRun = {
      id,
      engine,
      reader: new EventLogReader(this.store.path(id, 'events')),
      events: [],
      listeners: this.waiting.get(id) ?? new Set(),
      logs: (['stdout', 'stderr'] as const).map((stream) => ({ stream, tail: new FileTail(this.store.path(id, stream), logOffsets[stream]) })),
      poll: null,
      cancelRequested: false,
      failure: null,
      ended,
      resolveEnded,
    };
    this.live.set(id, run);
    this.waiting.delete(id);
    run.poll = setInterval(() => this.guarded(id, () => this.tick(run)), this.pollMs);
    engine.onExit((exit) => {
      try {
        this.onExit(run, exit);
      } catch (error) {
        report(error); // onExit settles the run whatever happens; this is only the last line of defence
      }
    });
    return run;
  }

  private tick(run: LiveRun): void {
    this.store.retryUnsaved();
    this.drainEvents(run);
    this.drainLogs(run);
    run.engine.check(); // may end the run (an adopted engine that is gone)
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
    void readGpuInventory()
      .then((inventory) => inventory.gpus.length)
      .catch(() => 0) // no count: no GPUs to hand out, and CUDA runs see every device
      .then((count) => {
        this.gpuCount = count;
        this.pump();
      });
  }

  private launch(id: string, processes: number, gpus: number[]): void {
    const logOffsets = this.logSizes(id);
    let engine: EngineProcess;
    try {
      engine = EngineProcess.launch({
        configPath: this.store.path(id, 'config'),
        runDir: this.store.realDir(id),
        env: gpus.length > 0 ? { ...this.engineEnv, CUDA_VISIBLE_DEVICES: gpus.join(',') } : this.engineEnv,
        processes,
        stdoutPath: this.store.path(id, 'stdout'),
        stderrPath: this.store.path(id, 'stderr'),
      });
    } catch (error) {
      this.finish(id, { status: 'failed', last_error: `could not start the engine: ${message(error)}`, ended_at: now() });
      return;
    }
    if (gpus.length > 0) this.gpusInUse.set(id, gpus);
    this.watch(id, engine, logOffsets);
    this.finish(id, { status: 'running', pid: engine.pid, process_start: engine.start, started_at: now(), gpus });
  }

  /** How far the run's logs go now: live log messages start there. */
  private logSizes(id: string): Record<LogStream, number> {
    return { stdout: FileTail.sizeOf(this.store.path(id, 'stdout')), stderr: FileTail.sizeOf(this.store.path(id, 'stderr')) };
  }

  private adopt(record: RunRecord, engine: EngineProcess): void {
    // Output written while no workbench was watching is in the files (runs.log); follow what comes next.
    const run = this.watch(record.id, engine, this.logSizes(record.id));
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
    if (summaryChanged(before, after)) this.save(after);
  }

  private drainLogs(run: LiveRun): void {
    for (const { stream, tail } of run.logs) {
      const text = tail.read();
      if (text) this.send(run, { kind: 'log', stream, text });
    }
  }

  /** The leader ended: the run's status comes from its own events, else from how it ended. */
  private onExit(run: LiveRun, exit: EngineExit): void {
    if (this.live.get(run.id) !== run) return;
    this.live.delete(run.id);
    this.gpusInUse.delete(run.id);
    if (run.poll) clearInterval(run.poll);
    try {
      this.drainEvents(run);
      this.drainLogs(run);
    } catch (error) {
      run.failure ??= message(error);
    }
    let outcome: Pick<RunRecord, 'status' | 'last_error'>;
    try {
      outcome = this.outcome(run, exit);
    } catch (error) {
      outcome = { status: 'failed', last_error: message(error) };
    }
    const final = this.finish(run.id, { ...outcome, exit_code: exit.code, ended_at: now() });
    if (final) for (const listener of run.listeners) deliver(listener, { kind: 'run', run: toSummary(final) });
    run.resolveEnded();
    this.pump();
  }

  private outcome(run: LiveRun, exit: EngineExit): Pick<RunRecord, 'status' | 'last_error'> {
    return runOutcome({
      events: run.events,
      exit,
      failure: run.failure,
      cancelRequested: run.cancelRequested,
      lastError: this.store.read(run.id).last_error,
      stderrTail: this.store.logTail(run.id, 'stderr', 4096).text,
    });
  }

  /** A `running` run whose engine is gone (or whose PID names another process now), which no one followed to its end. */
  private settleOrphan(record: RunRecord): RunRecord {
    const settled = settledRecord(record, this.store.events(record.id), now());
    return this.save(settled);
  }

  /** `save` of the stored record with `patch` applied. */
  private finish(id: string, patch: Partial<RunRecord>): RunRecord | null {
    let record: RunRecord;
    try {
      record = { ...this.store.read(id), ...patch };
    } catch (error) {
      report(error); // its run.json cannot be read (damaged, or the folder is gone): nothing to update
      return null;
    }
    return this.save(record);
  }

  /**
   * Writes a run's record and tells the listeners. When run.json cannot be written (disk full,
   * unwritable folder) the run fails with that cause instead ("no space left on device writing
   * run.json"): the store keeps the record in memory until it can be written, and a running
   * engine is stopped, since its progress could no longer be recorded. Never throws.
   */
  private save(record: RunRecord): RunRecord {
    try {
      this.store.write(record);
      this.publish(record);
      return record;
    } catch (error) {
      const cause = message(error);
      const failed: RunRecord = {
        ...record,
        status: 'failed',
        last_error: isFinal(record.status) && record.status !== 'failed' ? `${cause} (the run itself ended ${record.status})` : cause,
        ended_at: record.ended_at ?? now(),
      };
      try {
        this.store.write(failed);
      } catch {
        // Kept by the store and written when there is room again.
      }
      const run = this.live.get(record.id);
      if (run) {
        run.failure ??= cause;
        run.engine.terminate(this.cancelGraceMs);
      }
      this.publish(failed);
      return failed;
    }
  }

  /** Ends a run as failed with `cause`: a live one by stopping its engine, any other at once. */
  private failRun(id: string, cause: string): void {
    const run = this.live.get(id);
    if (run) {
      run.failure ??= cause;
      run.engine.terminate(this.cancelGraceMs);
    } else {
      this.finish(id, { status: 'failed', last_error: cause, ended_at: now() });
    }
  }

  /** Runs `body`; what it throws fails run `id` instead of escaping into the event loop. */
  private guarded(id: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      try {
        this.failRun(id, message(error));
      } catch (inner) {
        report(inner);
      }
    }
  }

  private send(run: LiveRun, streamMessage: RunStreamMessage): void {
    for (const listener of run.listeners) deliver(listener, streamMessage);
  }

  private publish(record: RunRecord): void {
    const summary = toSummary(record);
    const run = this.live.get(record.id);
    if (run) this.send(run, { kind: 'run', run: summary });
    else for (const listener of this.waiting.get(record.id) ?? []) deliver(listener, { kind: 'run', run: summary });
    if (isFinal(record.status)) this.waiting.delete(record.id);
    for (const listener of this.runsListeners) deliver(listener, summary);
  }
}

/** Calls a subscriber; one that throws (a closed socket) must not stop the others or the manager. */
function deliver<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch (error) {
    report(error);
  }
}

const now = (): string => new Date().toISOString();

export type { RunStatus };
