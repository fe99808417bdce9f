/**
 * One run's engine processes as the job manager sees them: the leader (the engine, or torchrun
 * for several processes) that this workbench started or, after a restart, adopted by identity,
 * and everything the leader started.
 *
 * Ending them. Cancel sends SIGTERM to the leader alone: the engine stops at a safe point and
 * writes its `finished` event, and torchrun forwards the signal to its workers. A signal to the
 * whole group would be wrong twice over: torchrun starts each worker in a session of its own, so
 * the workers are not in the group, and the DataLoader workers that are (config `workers`) die
 * of a SIGTERM their parent did not send, which the engine reports as an error. After the grace
 * period SIGKILL goes to the leader's group and to every descendant's group; and when the leader
 * ends, whatever it left behind is killed, found from the descendants listed while it ran (a
 * worker whose torchrun died is re-parented and no longer looks like its child).
 */
import type { ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { spawnTrain } from '../engine/launcher.js';
import { describeFsError } from '../runs/fsFailure.js';
import { descendants, isSameProcess, processStart, signalProcess, type ProcessInfo } from './processIdentity.js';

export interface EngineExit {
  /** Known only for an engine this workbench started: an adopted one is not its child. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Why the process could not be started, when it could not. */
  startError?: string;
}

export interface EngineLaunch {
  configPath: string;
  runDir: string;
  env: NodeJS.ProcessEnv;
  processes: number;
  /** Appended to; created when missing. */
  stdoutPath: string;
  stderrPath: string;
}

/**
 * What the job manager needs of a run's engine. `EngineProcess` is the real one; the job
 * manager's fast tests use an in-memory engine that writes the files an engine writes.
 */
export interface EngineHandle {
  readonly pid: number;
  /** The leader's start token (see processIdentity), recorded with the PID. */
  readonly start: string | null;
  /** Called once, when the leader has ended. */
  onExit(callback: (exit: EngineExit) => void): void;
  /** Called on every poll: notices an adopted leader's end, keeps track of its processes. */
  check(): void;
  /** Asks the engine to stop (it writes its `finished` event), forcing it after `graceMs`. */
  terminate(graceMs: number): void;
  /** Stops following it; the processes keep running. */
  detach(): void;
}

/** Starts engines, and finds again the ones an earlier workbench started. */
export interface EngineLauncher {
  /** Throws with one line when the engine cannot be started. */
  launch(options: EngineLaunch): EngineHandle;
  /** The engine recorded as (`pid`, `start`) when that process still runs, else null. */
  adopt(pid: number, start: string | null | undefined): EngineHandle | null;
}

/** Real engine processes (the job manager's default). */
export const engineLauncher: EngineLauncher = {
  launch: (options) => EngineProcess.launch(options),
  adopt: (pid, start) => EngineProcess.adopt(pid, start),
};

/** How often the descendants are listed again (listing reads every process's /proc entry). */
const TREE_REFRESH_MS = 2000;

export class EngineProcess implements EngineHandle {
  /** The leader's descendants seen so far (still alive at the last listing), by PID. */
  private readonly tree = new Map<number, ProcessInfo>();
  private treeListedAt = 0;
  private exit: EngineExit | null = null;
  private onExitCallback: ((exit: EngineExit) => void) | null = null;
  private killTimer: NodeJS.Timeout | null = null;
  private terminating = false;
  private detached = false;

  private constructor(
    readonly pid: number,
    /** The leader's start token (see processIdentity); null when it ended before it could be read. */
    readonly start: string | null,
    private readonly child: ChildProcess | null,
  ) {
    if (child) {
      child.once('exit', (code, signal) => this.ended({ code, signal }));
      // Without a listener an 'error' event would be thrown, taking the workbench down.
      child.on('error', (error) => this.ended({ code: null, signal: null, startError: error.message }));
    }
  }

  /** Starts the engine detached, its output appended to the two log files. Throws with one line when it cannot. */
  static launch(options: EngineLaunch): EngineProcess {
    const fds: number[] = [];
    try {
      for (const path of [options.stdoutPath, options.stderrPath]) {
        try {
          fds.push(openSync(path, 'a'));
        } catch (error) {
          throw new Error(describeFsError(error, `opening ${path.split(/[\\/]/).at(-1)}`));
        }
      }
      const child = spawnTrain(options.configPath, options.runDir, { stdout: fds[0] as number, stderr: fds[1] as number }, options.env, options.processes);
      if (child.pid === undefined) {
        child.on('error', () => undefined); // reported as the thrown error below
        throw new Error('the engine process could not be started');
      }
      return new EngineProcess(child.pid, processStart(child.pid), child);
    } finally {
      // The child has its own copies of the descriptors.
      for (const fd of fds) closeSync(fd);
    }
  }

  /** The engine recorded as (`pid`, `start`) when that process still runs, else null (never a bare PID). */
  static adopt(pid: number, start: string | null | undefined): EngineProcess | null {
    if (!start || !isSameProcess(pid, start)) return null;
    return new EngineProcess(pid, start, null);
  }

  get adopted(): boolean {
    return this.child === null;
  }

  /** Called once, when the leader has ended (at once if it already has). */
  onExit(callback: (exit: EngineExit) => void): void {
    this.onExitCallback = callback;
    if (this.exit) {
      const exit = this.exit;
      setImmediate(() => callback(exit));
    }
  }

  /**
   * Called regularly by the owner: notices the end of an adopted leader (no exit event comes for
   * a process that is not our child) and keeps the list of descendants current.
   */
  check(): void {
    if (this.exit || this.detached) return;
    if (this.adopted && !isSameProcess(this.pid, this.start)) {
      this.ended({ code: null, signal: null });
      return;
    }
    this.listDescendants(false);
  }

  /** SIGTERM to the leader; SIGKILL to all of the run's processes after `graceMs` if they have not ended. */
  terminate(graceMs: number): void {
    if (this.exit || this.terminating) return;
    this.terminating = true;
    this.listDescendants(true);
    if (this.start) signalProcess({ pid: this.pid, start: this.start }, 'SIGTERM', false);
    this.killTimer = setTimeout(() => this.killAll(), graceMs);
    this.killTimer.unref();
  }

  /** Stops following (the workbench closes); the processes keep running, and a kill already due still happens. */
  detach(): void {
    this.detached = true;
    this.onExitCallback = null;
    this.child?.unref();
  }

  private killAll(): void {
    this.listDescendants(true);
    if (this.start) signalProcess({ pid: this.pid, start: this.start }, 'SIGKILL', true);
    this.killLeftovers();
  }

  /** SIGKILL to each listed descendant that is still the same process (and to its group when it leads one). */
  private killLeftovers(): void {
    for (const info of this.tree.values()) signalProcess(info, 'SIGKILL', true);
    this.tree.clear();
  }

  private listDescendants(now: boolean): void {
    if (!now && Date.now() - this.treeListedAt < TREE_REFRESH_MS) return;
    this.treeListedAt = Date.now();
    for (const [pid, info] of this.tree) if (!isSameProcess(pid, info.start)) this.tree.delete(pid);
    // Only while the leader is itself: a reused PID's children are someone else's.
    if (!this.start || !isSameProcess(this.pid, this.start)) return;
    for (const info of descendants(this.pid)) this.tree.set(info.pid, info);
  }

  private ended(exit: EngineExit): void {
    if (this.exit) return;
    this.exit = exit;
    if (this.killTimer) clearTimeout(this.killTimer);
    if (!this.detached) this.killLeftovers();
    this.onExitCallback?.(exit);
  }
}
