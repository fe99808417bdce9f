/** Runs the real `coconut` CLI (bin/coconut.mjs) in a child process, for tests that check what a user sees. */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { projectRoot } from '../engine/paths.js';

export interface CliOutcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

export const COCONUT_CLI = join(projectRoot(), 'bin', 'coconut.mjs');

/**
 * `command ARGS` in a child process, with `input` on its stdin, awaited. Tests use this rather than
 * `spawnSync`: a blocked worker cannot answer vitest's RPC, which then fails the run
 * ("Timeout calling onTaskUpdate") even when every test passed.
 */
export function runProcess(command: string, args: readonly string[], options: { input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    // Decoded once at the end: a chunk may end inside a multi-byte character.
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8') }));
    // A child that exits before reading all its input breaks the pipe; its exit code says why.
    child.stdin?.on('error', () => undefined);
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/** `coconut ARGS` with COCONUT_HOME set to `home` and `env` added to this process's environment. */
export function runCoconut(args: readonly string[], home: string, env: NodeJS.ProcessEnv = {}): Promise<CliOutcome> {
  return runProcess(process.execPath, [COCONUT_CLI, ...args], { env: { ...process.env, ...env, COCONUT_HOME: home } });
}
