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

/** `coconut ARGS` with COCONUT_HOME set to `home` and `env` added to this process's environment. */
export function runCoconut(args: readonly string[], home: string, env: NodeJS.ProcessEnv = {}): Promise<CliOutcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [COCONUT_CLI, ...args], {
      env: { ...process.env, ...env, COCONUT_HOME: home },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
