/** Process identity against real processes: this one, children we start, and ones that ended. */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { descendants, isSameProcess, processInfo, processStart, psInfo, signalProcess } from './processIdentity.js';

const started: ChildProcess[] = [];

function start(command: string, args: string[], options: { detached?: boolean } = {}): ChildProcess {
  const child = spawn(command, args, { stdio: 'ignore', ...options });
  started.push(child);
  return child;
}

const exited = (child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> =>
  new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve({ code: child.exitCode, signal: child.signalCode });
    else child.once('exit', (code, signal) => resolve({ code, signal }));
  });

afterEach(() => {
  for (const child of started.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

describe('process identity', () => {
  it('gives a live process a start token that stays the same, and another process a different one', async () => {
    const mine = processStart(process.pid);
    expect(mine).toBeTruthy();
    expect(processStart(process.pid)).toBe(mine);
    expect(isSameProcess(process.pid, mine)).toBe(true);
    expect(processInfo(process.pid)).toMatchObject({ pid: process.pid, ppid: process.ppid });

    const sleeper = start('sleep', ['30']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const token = processStart(sleeper.pid as number);
    expect(token).toBeTruthy();
    expect(token).not.toBe(mine);
    // The same PID with another process's start: not the process that was recorded.
    expect(isSameProcess(sleeper.pid as number, mine)).toBe(false);
    expect(isSameProcess(sleeper.pid as number, null)).toBe(false);
  });

  it('says an ended process is gone, and never signals a PID whose start does not match', async () => {
    const sleeper = start('sleep', ['30']);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const pid = sleeper.pid as number;
    const token = processStart(pid) as string;
    expect(signalProcess({ pid, start: `${token}-not-this-one` }, 'SIGKILL', false)).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(isSameProcess(pid, token)).toBe(true); // still alive: nothing was sent

    expect(signalProcess({ pid, start: token }, 'SIGTERM', false)).toBe(true);
    expect(await exited(sleeper)).toEqual({ code: null, signal: 'SIGTERM' });
    expect(isSameProcess(pid, token)).toBe(false);
    expect(processInfo(pid)?.start === token).toBe(false);
    expect(signalProcess({ pid, start: token }, 'SIGKILL', false)).toBe(false);
  });

  it('lists descendants in other sessions, and signals a whole process group through its leader', async () => {
    // A detached shell (its own group) with a child in its group and a grandchild in a session of its own.
    const leader = start('sh', ['-c', 'sleep 30 & setsid sleep 31 & wait'], { detached: true });
    const pid = leader.pid as number;
    let found: ReturnType<typeof descendants> = [];
    for (let i = 0; i < 50 && found.length < 2; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      found = descendants(pid);
    }
    expect(found).toHaveLength(2);
    expect(found.every((info) => info.start.length > 0)).toBe(true);
    const inGroup = found.filter((info) => info.pgid === pid);
    const ownSession = found.filter((info) => info.pgid !== pid);
    expect(inGroup).toHaveLength(1);
    expect(ownSession).toHaveLength(1);

    expect(signalProcess({ pid, start: processStart(pid) as string }, 'SIGKILL', true)).toBe(true);
    await exited(leader);
    await new Promise((resolve) => setTimeout(resolve, 100));
    // The group went with its leader; the process in its own session did not.
    expect(isSameProcess(inGroup[0]!.pid, inGroup[0]!.start)).toBe(false);
    expect(isSameProcess(ownSession[0]!.pid, ownSession[0]!.start)).toBe(true);
    expect(signalProcess(ownSession[0]!, 'SIGKILL', true)).toBe(true);
  });

  it('reads the same processes through `ps` (how macOS is read) as through /proc', () => {
    const [mine] = psInfo(process.pid);
    expect(mine).toMatchObject({ pid: process.pid, ppid: process.ppid, pgid: processInfo(process.pid)?.pgid });
    expect(mine?.start).toMatch(/^lstart:\w{3} \w{3} +\d+ \d\d:\d\d:\d\d \d{4}$/);
    expect(psInfo(process.pid)[0]?.start).toBe(mine?.start);
    expect(psInfo(null).some((row) => row.pid === process.pid)).toBe(true);
    expect(psInfo(2 ** 22 + 1)).toEqual([]); // above Linux's largest PID: no such process
  });
});
