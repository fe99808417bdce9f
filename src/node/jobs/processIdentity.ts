/**
 * Which process a PID is. A PID alone names a process only while it lives: once it exits, the
 * kernel may hand the same number to anything. A restarted workbench that trusted a bare PID
 * would adopt, and on cancel kill, an unrelated process. So a run records its engine's PID with
 * the process's start time, and every later look-up or signal checks both.
 *
 * Linux: field 22 of /proc/PID/stat (start time in clock ticks since boot) with the boot's id, so
 * a PID reused after a reboot does not match either. macOS and other Unixes: `ps -o lstart=`
 * (to the second, which is enough: a PID is not reused within the same second in practice).
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcessInfo {
  pid: number;
  ppid: number;
  pgid: number;
  /** Opaque: equal for the same process, different for a later process with the same PID. */
  start: string;
}

const linux = process.platform === 'linux';

let bootId: string | null = null;
/** This boot's id (`/proc/sys/kernel/random/boot_id`), or its boot time where that file is missing. */
function linuxBoot(): string {
  if (bootId === null) {
    try {
      bootId = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      bootId = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1] ?? 'unknown-boot';
    }
  }
  return bootId;
}

/** /proc/PID/stat, or null when there is no such process (or it is a zombie: it has ended). */
function linuxInfo(pid: number): ProcessInfo | null {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // `pid (comm) state ppid pgrp …`; comm may hold spaces and parentheses, so split after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  if (state === 'Z' || state === 'X') return null;
  const startTicks = fields[19]; // field 22 of the whole line
  if (startTicks === undefined) return null;
  return { pid, ppid: Number(fields[1]), pgid: Number(fields[2]), start: `${linuxBoot()}:${startTicks}` };
}

/** `ps` rows (pid, ppid, pgid, start) of live processes, for one PID or for every process: how macOS is read (exported for its test on Linux). */
export function psInfo(pid: number | null): ProcessInfo[] {
  let output: string;
  try {
    output = execFileSync('ps', [...(pid === null ? ['-A'] : ['-p', String(pid)]), '-o', 'pid=,ppid=,pgid=,stat=,lstart='], {
      encoding: 'utf8',
      env: { ...process.env, LC_ALL: 'C' }, // lstart in one fixed format
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch {
    return []; // `ps -p` exits 1 when there is no such process
  }
  const rows: ProcessInfo[] = [];
  for (const line of output.split('\n')) {
    const match = /^\s*(\d+)\s+(\d+)\s+(\d+)\s+(\S+)\s+(.+?)\s*$/.exec(line);
    if (!match || match[4]?.startsWith('Z')) continue;
    rows.push({ pid: Number(match[1]), ppid: Number(match[2]), pgid: Number(match[3]), start: `lstart:${match[5]}` });
  }
  return rows;
}

/** The live process with this PID (never a zombie), or null. */
export function processInfo(pid: number): ProcessInfo | null {
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return linux ? linuxInfo(pid) : (psInfo(pid)[0] ?? null);
}

/** The start token of a live process, for recording beside its PID. */
export function processStart(pid: number): string | null {
  return processInfo(pid)?.start ?? null;
}

/** Whether `pid` is still the process that was recorded with `start` (alive, not a zombie, same start). */
export function isSameProcess(pid: number, start: string | null | undefined): boolean {
  if (!start) return false;
  return processInfo(pid)?.start === start;
}

function allProcesses(): ProcessInfo[] {
  if (!linux) return psInfo(null);
  const rows: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = linuxInfo(Number(name));
    if (info) rows.push(info);
  }
  return rows;
}

/**
 * Every live descendant of `pid` (children, their children, …), whatever session or process
 * group they moved to: torchrun starts each worker in a session of its own.
 */
export function descendants(pid: number): ProcessInfo[] {
  const byParent = new Map<number, ProcessInfo[]>();
  for (const info of allProcesses()) {
    const siblings = byParent.get(info.ppid) ?? [];
    siblings.push(info);
    byParent.set(info.ppid, siblings);
  }
  const found: ProcessInfo[] = [];
  const stack = [pid];
  while (stack.length > 0) {
    for (const child of byParent.get(stack.pop() as number) ?? []) {
      if (found.some((known) => known.pid === child.pid)) continue; // a cycle cannot happen, but never loop
      found.push(child);
      stack.push(child.pid);
    }
  }
  return found;
}

/**
 * Sends `signal` to a process that is still the one recorded, and to its whole group when it
 * leads one. Returns false (and sends nothing) when the PID now names another process or none.
 */
export function signalProcess(info: Pick<ProcessInfo, 'pid' | 'start'>, signal: NodeJS.Signals, group: boolean): boolean {
  const now = processInfo(info.pid);
  if (!now || now.start !== info.start) return false;
  try {
    process.kill(group && now.pgid === info.pid ? -info.pid : info.pid, signal);
    return true;
  } catch {
    return false; // it ended between the check and the signal
  }
}
