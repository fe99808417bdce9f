/** Starting the Python engine as a child process. */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { enginePython } from './paths.js';

export interface EngineStatus {
  python: string | null;
  ready: boolean;
  problem: string | null;
}

export function engineStatus(): EngineStatus {
  const python = enginePython();
  if (!existsSync(python)) {
    return { python: null, ready: false, problem: `the engine environment is missing (${python}): run \`npm run setup\`` };
  }
  return { python, ready: true, problem: null };
}

/** The engine's environment. `coconut_engine` is installed in the engine venv (editable, by setup), so no PYTHONPATH. */
export function engineEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // Offline by design: a model id must resolve to a local copy, never a hub download.
  return { ...process.env, PYTHONUNBUFFERED: '1', HF_HUB_OFFLINE: '1', ...extra };
}

/**
 * `python -m coconut_engine train --config FILE --run-dir DIR`, detached from the caller: in a
 * session (and process group) of its own, its output going to the files whose descriptors are
 * given (the run's stdout.log / stderr.log), never to pipes. So the engine outlives the workbench
 * that started it: no closed pipe, no terminal hang-up and no Ctrl-C meant for the workbench
 * reaches it, and a later workbench follows it again. With several `processes`, the same command
 * under torchrun (`torch.distributed.run --standalone`), which starts one engine per process and
 * forwards SIGTERM to each of them.
 */
export function spawnTrain(
  configPath: string,
  runDir: string,
  output: { stdout: number; stderr: number },
  env: NodeJS.ProcessEnv = {},
  processes = 1,
): ChildProcess {
  const status = engineStatus();
  if (!status.python) throw new Error(status.problem ?? 'engine unavailable');
  const launcher = processes > 1 ? ['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', String(processes)] : [];
  return spawn(status.python, [...launcher, '-m', 'coconut_engine', 'train', '--config', configPath, '--run-dir', runDir], {
    cwd: runDir,
    env: engineEnv(env),
    stdio: ['ignore', output.stdout, output.stderr],
    detached: true,
  });
}

export interface EngineOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the engine's Python with `args` (optionally feeding `stdin`) and collects its output. */
export function runEnginePython(args: readonly string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<EngineOutput> {
  const status = engineStatus();
  if (!status.python) return Promise.reject(new Error(status.problem ?? 'the engine is not set up'));
  return new Promise((resolve, reject) => {
    const child = spawn(status.python as string, args, { env: engineEnv(options.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(options.stdin ?? '');
  });
}
