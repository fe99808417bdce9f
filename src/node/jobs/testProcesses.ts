/**
 * For tests: the process table as `ps` tells it, independent of processIdentity.ts (the code
 * under test), to check which processes of a run are left.
 */
import { execFileSync } from 'node:child_process';

export interface PsRow {
  pid: number;
  ppid: number;
  pgid: number;
  zombie: boolean;
}

export function psTable(): PsRow[] {
  return execFileSync('ps', ['-A', '-o', 'pid=,ppid=,pgid=,stat='], { encoding: 'utf8' })
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => fields.length === 4)
    .map(([pid, ppid, pgid, stat]) => ({ pid: Number(pid), ppid: Number(ppid), pgid: Number(pgid), zombie: (stat ?? '').startsWith('Z') }));
}

/** `pid` and every live descendant of it. */
export function processTree(pid: number): PsRow[] {
  const table = psTable().filter((row) => !row.zombie);
  const tree = table.filter((row) => row.pid === pid);
  for (let i = 0; i < tree.length; i += 1) tree.push(...table.filter((row) => row.ppid === tree[i]?.pid));
  return tree;
}

/** The live (not zombie) processes among `pids`. */
export function stillRunning(pids: number[]): number[] {
  const live = new Set(psTable().filter((row) => !row.zombie).map((row) => row.pid));
  return pids.filter((pid) => live.has(pid));
}

/** The processes among `pids` still running after up to `withinMs` (a SIGKILLed process takes a moment to go). */
export async function survivors(pids: number[], withinMs = 2000): Promise<number[]> {
  const deadline = Date.now() + withinMs;
  let left = stillRunning(pids);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = stillRunning(pids);
  }
  return left;
}
