/**
 * Runs jobs: queued runs start in order (one at a time by default: a training run wants every
 * core), can be cancelled, are followed live, and are recovered when a workbench that stopped left
 * them `running`. The manager ties together small services, each injectable (tests pass an
 * in-memory engine and a GPU count):
 *
 * - `RunQueue` (runQueue.ts): the order runs start in;
 * - `GpuPool` (gpuPool.ts): which GPUs each run gets, and when a run must wait for them;
 * - `EngineLauncher` (engineProcess.ts): starting engines, and finding again those an earlier
 *   workbench started (by PID and start time, never a bare PID);
 * - `RunTail` (runTail.ts): a followed run's events and log output, with their positions;
 * - `RunBooks` (runBooks.ts): each run's record, held in memory while it is followed and written
 *   to run.json when its summary changes;
 * - `RunChannels` (runChannels.ts): the subscribers.
 *
 * The engine is the only writer of `events.jsonl`, `stdout.log` and `stderr.log`; the manager is
 * the only writer of `run.json`. Engines run detached, so a workbench that closes or is killed
 * leaves them training, and the next one adopts them and ends them as their own `finished`/`error`
 * events say.
 *
 * Nothing here may throw into the event loop: an exception in a timer or process callback would
 * end the host process and every engine it follows. Each such path is guarded; a failure ends
 * that run alone (as `failed`, with the cause in one line) and the queue goes on.
 */
import type { RunCursor } from '../../common/api.js';
import type { RunConfig } from '../../common/config.js';
import { isFinal, type RunRecord, type RunStatus, type RunSummary } from '../../common/runs.js';
import { parseConfigYaml } from '../runs/configText.js';
import { toSummary, type LogStream, type RunPlacement, type RunStore } from '../runs/runStore.js';
import { engineLauncher, type EngineExit, type EngineHandle, type EngineLauncher } from './engineProcess.js';
import { GpuPool, type GpuNeed } from './gpuPool.js';
import { now, RunBooks } from './runBooks.js';
import { errorMessage, report, RunChannels, type RunListener, type RunsListener } from './runChannels.js';
import { runOutcome, settledRecord } from './runEvents.js';
import { RunQueue, type HeadOutcome } from './runQueue.js';
import { RunTail, replayMessages, type RunFiles } from './runTail.js';

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
   * taken with `countGpus` the first time such a run is about to start.
   */
  gpuCount?: number;
  /** How GPUs are counted when `gpuCount` is not given (default: nvidia-smi, gpus/inventory.ts). */
  countGpus?: () => Promise<number>;
  /** Starts and adopts engines (default: real engine processes). */
  launcher?: EngineLauncher;
}

/** A run this manager follows: its engine and its output. */
interface LiveRun {
  id: string;
  engine: EngineHandle;
  tail: RunTail;
  poll: NodeJS.Timeout | null;
  cancelRequested: boolean;
  /** Set when the run's books could not be kept (run.json unwritable): the run ends failed with it. */
  failure: string | null;
  ended: Promise<void>;
  resolveEnded: () => void;
}

export class JobManager {
  private readonly live = new Map<string, LiveRun>();
  private readonly queue = new RunQueue();
  private readonly channels = new RunChannels();
  private readonly books: RunBooks;
  private readonly gpus: GpuPool;
  private readonly launcher: EngineLauncher;
  private readonly maxConcurrent: number;
  private readonly cancelGraceMs: number;
  private readonly pollMs: number;
  private readonly versions: Record<string, string>;
  private readonly engineEnv: NodeJS.ProcessEnv;

  constructor(
    readonly store: RunStore,
    options: JobManagerOptions = {},
  ) {
    this.maxConcurrent = options.maxConcurrent ?? 1;
    this.cancelGraceMs = options.cancelGraceMs ?? 4000;
    this.pollMs = options.pollMs ?? 250;
    this.versions = options.versions ?? {};
    this.engineEnv = options.engineEnv ?? {};
    this.launcher = options.launcher ?? engineLauncher;
    this.gpus = new GpuPool(options.gpuCount ?? null, options.countGpus);
    this.books = new RunBooks(store, this.channels, (id, cause) => this.stopUnrecordable(id, cause));
  }

  /** Creates a run for a config whose paths are already absolute and checked, and queues it. */
  submit(config: RunConfig, placement: RunPlacement = {}): RunSummary {
    const record = this.store.create(config, this.versions, placement);
    // Refused now when the GPU count is known; otherwise when it reaches the head of the queue.
    const shortfall = this.gpus.shortfall(this.gpuNeed(record.id));
    if (shortfall !== null) {
      return toSummary(this.books.update(record.id, { status: 'failed', last_error: shortfall, ended_at: now() }) ?? record);
    }
    this.queue.add(record.id);
    this.channels.publish(toSummary(record));
    this.pump();
    return toSummary(this.books.read(record.id));
  }

  cancel(id: string): RunSummary {
    const record = this.books.read(id);
    if (isFinal(record.status)) return toSummary(record);
    this.queue.remove(id);
    const run = this.live.get(id);
    if (run) {
      run.cancelRequested = true;
      run.engine.terminate(this.cancelGraceMs);
      return toSummary(record);
    }
    if (record.status === 'queued') return toSummary(this.end(id, { status: 'cancelled', ended_at: now() }) ?? record);
    // Running, but followed by another workbench process (or by none): signal its engine only
    // while the recorded identity holds; a PID that names another process now is left alone.
    const engine = record.pid !== null ? this.launcher.adopt(record.pid, record.process_start) : null;
    if (!engine) return toSummary(this.settleOrphan(record));
    engine.terminate(this.cancelGraceMs);
    return toSummary(record);
  }

  /** Resolves when the run reaches a final status. */
  async waitForEnd(id: string): Promise<RunSummary> {
    const run = this.live.get(id);
    if (run) await run.ended;
    else if (!isFinal(this.books.read(id).status)) {
      await new Promise<void>((resolve) => {
        const stop = this.subscribeRuns((summary) => {
          if (summary.id === id && isFinal(summary.status)) {
            stop();
            resolve();
          }
        });
      });
    }
    return toSummary(this.books.read(id));
  }

  /**
   * The event history first (the events after `after.events`, or every one), then `replayed` and
   * the run's summary, then the log history (each log from `after`'s byte, or its last lines), then
   * live events, status changes and log output. The history ends exactly where the live part
   * begins (the live tail's positions), so nothing is lost or doubled between them.
   */
  subscribeRun(id: string, onMessage: RunListener, after?: RunCursor): () => void {
    const record = this.books.readOrDamaged(id);
    const run = this.live.get(id);
    const files = this.files(id);
    const history = run ? replayMessages(files, after, run.tail.events, run.tail.logPositions()) : replayMessages(files, after, null, RunTail.logSizes(files));
    for (const message of history.events) onMessage(message);
    onMessage({ kind: 'replayed' });
    onMessage({ kind: 'run', run: toSummary(record) });
    for (const message of history.logs) onMessage(message);
    if (!run && isFinal(record.status)) return () => {};
    return this.channels.listen(id, onMessage);
  }

  subscribeRuns(onSummary: RunsListener): () => void {
    return this.channels.listenAll(onSummary);
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
      if (record.status !== 'running' || this.live.has(record.id)) continue;
      this.guarded(record.id, () => {
        const engine = record.pid !== null ? this.launcher.adopt(record.pid, record.process_start) : null;
        if (engine) this.adopt(record, engine);
        else this.settleOrphan(record);
      });
    }
    // In the order they were submitted (the store lists newest first).
    const queued = records.filter((record) => record.status === 'queued').sort((a, b) => a.created_at.localeCompare(b.created_at));
    for (const record of queued) this.queue.add(record.id);
    this.pump();
  }

  /** Stops following runs (their engines keep going, and a later `recover` adopts them). */
  close(): void {
    for (const run of this.live.values()) {
      if (run.poll) clearInterval(run.poll);
      run.engine.detach();
      this.books.release(run.id);
    }
    this.live.clear();
    this.queue.clear();
  }

  /** Cancels every queued and running job and waits until they have ended. */
  async cancelAll(): Promise<void> {
    for (const id of [...this.queue.queued]) this.guarded(id, () => this.cancel(id));
    const running = [...this.live.keys()];
    for (const id of running) this.guarded(id, () => this.cancel(id));
    await Promise.all(running.map((id) => this.live.get(id)?.ended));
  }

  /** Starts queued runs while there is room. Never throws: a run that cannot start fails, and the next one is tried. */
  private pump(): void {
    this.books.retryUnsaved();
    this.queue.pump(
      () => this.live.size < this.maxConcurrent,
      (id) => this.startHead(id),
      (id, error) => this.failRun(id, errorMessage(error)),
    );
  }

  /** Starts (or fails, or skips) the run at the head of the queue; 'wait' while it waits for GPUs. */
  private startHead(id: string): HeadOutcome {
    if (this.books.read(id).status !== 'queued') return 'next';
    const need = this.gpuNeed(id);
    if (this.gpus.needsCount(need)) {
      this.gpus.startCounting(() => this.pump());
      return 'wait';
    }
    const shortfall = this.gpus.shortfall(need);
    if (shortfall !== null) {
      this.end(id, { status: 'failed', last_error: shortfall, ended_at: now() });
      return 'next';
    }
    // First come, first served: the head of the queue waits for its GPUs, and so does everyone behind it.
    const gpus = this.gpus.take(id, need);
    if (gpus === null) return 'wait';
    this.launch(id, need.processes, gpus);
    return 'next';
  }

  /** How many processes a run starts, and whether it may use CUDA (its device is not `cpu`). */
  private gpuNeed(id: string): GpuNeed {
    const parsed = parseConfigYaml(this.store.configText(id));
    if (!parsed.ok) return { processes: 1, mayUseCuda: false }; // the engine reports the problem
    return { processes: parsed.config.processes, mayUseCuda: parsed.config.device !== 'cpu' };
  }

  private files(id: string): RunFiles {
    return { events: this.store.path(id, 'events'), stdout: this.store.path(id, 'stdout'), stderr: this.store.path(id, 'stderr') };
  }

  private launch(id: string, processes: number, gpus: number[]): void {
    const files = this.files(id);
    // Output of an earlier attempt (a resumed run's folder) is history; live messages start after it.
    const logOffsets = RunTail.logSizes(files);
    let engine: EngineHandle;
    try {
      engine = this.launcher.launch({
        configPath: this.store.path(id, 'config'),
        runDir: this.store.realDir(id),
        env: gpus.length > 0 ? { ...this.engineEnv, CUDA_VISIBLE_DEVICES: gpus.join(',') } : this.engineEnv,
        processes,
        stdoutPath: files.stdout,
        stderrPath: files.stderr,
      });
    } catch (error) {
      this.gpus.release(id);
      this.end(id, { status: 'failed', last_error: `could not start the engine: ${errorMessage(error)}`, ended_at: now() });
      return;
    }
    const record = { ...this.books.read(id), status: 'running' as const, pid: engine.pid, process_start: engine.start, started_at: now(), gpus };
    this.watch(record, engine, logOffsets);
    this.books.save(record);
  }

  private adopt(record: RunRecord, engine: EngineHandle): void {
    // Output written while no workbench was watching is in the files (runs.log, or a subscriber's replay); follow what comes next.
    const run = this.watch(record, engine, RunTail.logSizes(this.files(record.id)));
    // Its GPUs stay taken until it ends.
    this.gpus.hold(record.id, record.gpus);
    // Catch up on everything the engine wrote while no workbench was watching.
    this.drainEvents(run);
  }

  /** Follows a run's engine: its events, its logs (from `logOffsets` on), its end. */
  private watch(record: RunRecord, engine: EngineHandle, logOffsets: Record<LogStream, number>): LiveRun {
    const id = record.id;
    let resolveEnded = () => {};
    const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
    const run: LiveRun = {
      id,
      engine,
      tail: new RunTail(this.files(id), logOffsets),
      poll: null,
      cancelRequested: false,
      failure: null,
      ended,
      resolveEnded,
    };
    this.live.set(id, run);
    this.books.hold(record);
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
    this.books.retryUnsaved();
    this.drainEvents(run);
    this.drainLogs(run);
    run.engine.check(); // may end the run (an adopted engine that is gone)
  }

  private drainEvents(run: LiveRun): void {
    const fresh = run.tail.readEvents();
    if (fresh.length === 0) return;
    for (const { line, event } of fresh) this.channels.send(run.id, { kind: 'event', event, line });
    this.books.applyEvents(run.id, fresh.map((entry) => entry.event));
  }

  private drainLogs(run: LiveRun): void {
    for (const { stream, text, offset, end } of run.tail.readLogs()) this.channels.send(run.id, { kind: 'log', stream, text, offset, end });
  }

  /** The leader ended: the run's status comes from its own events, else from how it ended. */
  private onExit(run: LiveRun, exit: EngineExit): void {
    if (this.live.get(run.id) !== run) return;
    if (run.poll) clearInterval(run.poll);
    try {
      this.drainEvents(run);
      this.drainLogs(run);
    } catch (error) {
      run.failure ??= errorMessage(error);
    }
    let outcome: Pick<RunRecord, 'status' | 'last_error'>;
    try {
      outcome = this.outcome(run, exit);
    } catch (error) {
      outcome = { status: 'failed', last_error: errorMessage(error) };
    }
    this.live.delete(run.id);
    this.gpus.release(run.id);
    this.end(run.id, { ...outcome, exit_code: exit.code, ended_at: now() });
    this.books.release(run.id);
    run.resolveEnded();
    this.pump();
  }

  private outcome(run: LiveRun, exit: EngineExit): Pick<RunRecord, 'status' | 'last_error'> {
    return runOutcome({
      events: run.tail.events.map((entry) => entry.event),
      exit,
      failure: run.failure,
      cancelRequested: run.cancelRequested,
      lastError: this.books.read(run.id).last_error,
      stderrTail: this.store.logTail(run.id, 'stderr', 4096).text,
    });
  }

  /** A `running` run whose engine is gone (or whose PID names another process now), which no one followed to its end. */
  private settleOrphan(record: RunRecord): RunRecord {
    const settled = this.books.save(settledRecord(record, this.store.events(record.id), now()));
    this.channels.close(record.id);
    return settled;
  }

  /** Saves a run that is not (or no longer) followed with `patch`; a final one's subscribers are let go. */
  private end(id: string, patch: Partial<RunRecord>): RunRecord | null {
    const record = this.books.update(id, patch);
    if (!this.live.has(id) && (record === null || isFinal(record.status))) this.channels.close(id);
    return record;
  }

  /** run.json could not be written: a followed run is stopped, and ends failed with the cause. */
  private stopUnrecordable(id: string, cause: string): void {
    const run = this.live.get(id);
    if (!run) return;
    run.failure ??= cause;
    run.engine.terminate(this.cancelGraceMs);
  }

  /** Ends a run as failed with `cause`: a live one by stopping its engine, any other at once. */
  private failRun(id: string, cause: string): void {
    const run = this.live.get(id);
    if (run) {
      run.failure ??= cause;
      run.engine.terminate(this.cancelGraceMs);
    } else {
      this.end(id, { status: 'failed', last_error: cause, ended_at: now() });
    }
  }

  /** Runs `body`; what it throws fails run `id` instead of escaping into the event loop. */
  private guarded(id: string, body: () => void): void {
    try {
      body();
    } catch (error) {
      try {
        this.failRun(id, errorMessage(error));
      } catch (inner) {
        report(inner);
      }
    }
  }
}

export type { RunStatus };
