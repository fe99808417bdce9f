/**
 * For tests: an engine that lives in memory and writes what a real one writes (`events.jsonl`
 * lines, stdout/stderr output) into the real run folder, so the job manager's scheduling,
 * recovery and bookkeeping run for real in milliseconds, without Python.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineEvent } from '../../common/events.js';
import type { EngineExit, EngineHandle, EngineLaunch, EngineLauncher } from './engineProcess.js';

/** Distributes `Omit` over the event union, so each event is written without its envelope. */
type EventBody = EngineEvent extends infer E ? (E extends EngineEvent ? Omit<E, 'v' | 't'> : never) : never;

export class FakeEngine implements EngineHandle {
  readonly terminations: number[] = [];
  detached = false;
  /** How it answers SIGTERM: like the engine (a `finished` cancelled event, then exit 0), or not at all. */
  obeysTerminate = true;
  /** Set to end an adopted engine as a process that is gone (noticed on the next `check`). */
  gone = false;
  private exit: EngineExit | null = null;
  private callback: ((exit: EngineExit) => void) | null = null;

  constructor(
    readonly pid: number,
    readonly start: string | null,
    /** The run folder and log files it writes. */
    readonly files: { events: string; stdout: string; stderr: string },
    /** What it was started with (null for an adopted one). */
    readonly launch: EngineLaunch | null,
  ) {}

  get ended(): boolean {
    return this.exit !== null;
  }

  /** Appends one event line, as the engine does. */
  emit(event: EventBody): this {
    appendFileSync(this.files.events, JSON.stringify({ v: 1, t: Date.now() / 1000, ...event }) + '\n');
    return this;
  }

  /** Appends output to one of its logs. */
  print(stream: 'stdout' | 'stderr', text: string | Buffer): this {
    appendFileSync(this.files[stream], text);
    return this;
  }

  /** The leader ends (as a child process's exit event would say). */
  exitWith(exit: EngineExit): void {
    if (this.exit) return;
    this.exit = exit;
    if (!this.detached) this.callback?.(exit);
  }

  onExit(callback: (exit: EngineExit) => void): void {
    this.callback = callback;
    const exit = this.exit;
    if (exit) setImmediate(() => callback(exit));
  }

  check(): void {
    if (this.gone && !this.exit) this.exitWith({ code: null, signal: null });
  }

  terminate(graceMs: number): void {
    this.terminations.push(graceMs);
    if (!this.obeysTerminate || this.exit) return;
    // The engine stops at a safe point: soon, not within the call.
    setImmediate(() => {
      if (this.exit) return;
      this.emit({ type: 'finished', status: 'cancelled', best_accuracy: null, best_epoch: null, final_accuracy: null, seconds: 1 });
      this.exitWith({ code: 0, signal: null });
    });
  }

  detach(): void {
    this.detached = true;
    this.callback = null;
  }
}

export class FakeLauncher implements EngineLauncher {
  readonly launched: FakeEngine[] = [];
  /** Engines that still run, by `pid start`: what `adopt` finds. */
  readonly running = new Map<string, FakeEngine>();
  /** The error the next `launch` throws, once. */
  failNextLaunch: string | null = null;
  private nextPid = 1000;

  launch(options: EngineLaunch): FakeEngine {
    if (this.failNextLaunch !== null) {
      const cause = this.failNextLaunch;
      this.failNextLaunch = null;
      throw new Error(cause);
    }
    const pid = this.nextPid++;
    const engine = new FakeEngine(pid, `start-${pid}`, { events: join(options.runDir, 'events.jsonl'), stdout: options.stdoutPath, stderr: options.stderrPath }, options);
    this.launched.push(engine);
    this.running.set(`${pid} ${engine.start}`, engine);
    return engine;
  }

  /** An engine an earlier workbench started, still running in `runDir`. */
  leftRunning(runDir: string): FakeEngine {
    const pid = this.nextPid++;
    const engine = new FakeEngine(pid, `start-${pid}`, { events: join(runDir, 'events.jsonl'), stdout: join(runDir, 'stdout.log'), stderr: join(runDir, 'stderr.log') }, null);
    this.running.set(`${pid} ${engine.start}`, engine);
    return engine;
  }

  adopt(pid: number, start: string | null | undefined): FakeEngine | null {
    if (!start) return null;
    const engine = this.running.get(`${pid} ${start}`);
    return engine && !engine.ended && !engine.gone ? engine : null;
  }
}
