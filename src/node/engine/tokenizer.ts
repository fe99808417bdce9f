/**
 * The offline model's word-level tokenizer.json, written by the engine itself
 * (`python -m coconut_engine tokenizer`): Python stays the one place that builds vocabularies, so
 * a file made before training is the file training would make. Reading it is
 * `src/common/tokenizer/wordLevel.ts`.
 */
import { spawn } from 'node:child_process';
import { engineEnv, engineStatus } from './launcher.js';

export interface TokenizerFileSummary {
  out: string;
  vocab_size: number;
  records: number;
}

/** Writes the tokenizer.json an offline-model run would build from `dataset`; rejects with the engine's one-line error. */
export async function writeTokenizerFile(dataset: string, out: string): Promise<TokenizerFileSummary> {
  const status = engineStatus();
  if (!status.python) throw new Error(status.problem ?? 'the engine is not set up');
  const args = ['-m', 'coconut_engine', 'tokenizer', '--data', dataset, '--out', out, '--json'];
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(status.python as string, args, { env: engineEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (exitCode) => resolve({ code: exitCode ?? 1, stdout, stderr }));
  });
  if (code !== 0) {
    const line = stderr.trim().split('\n').pop() ?? '';
    throw new Error(line.replace(/^error: /, '') || `the engine's tokenizer command failed (exit code ${code})`);
  }
  return JSON.parse(stdout) as TokenizerFileSummary;
}
