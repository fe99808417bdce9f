/**
 * The offline model's word-level tokenizer.json, written by the engine itself
 * (`python -m coconut_engine tokenizer`): Python stays the one place that builds vocabularies, so
 * a file made before training is the file training would make. Reading it is
 * `src/common/tokenizer/wordLevel.ts`.
 */
import { runEnginePython } from './launcher.js';

export interface TokenizerFileSummary {
  out: string;
  vocab_size: number;
  records: number;
}

/** Writes the tokenizer.json an offline-model run would build from `dataset`; rejects with the engine's one-line error. */
export async function writeTokenizerFile(dataset: string, out: string): Promise<TokenizerFileSummary> {
  const args = ['-m', 'coconut_engine', 'tokenizer', '--data', dataset, '--out', out, '--json'];
  const { code, stdout, stderr } = await runEnginePython(args);
  if (code !== 0) {
    const line = stderr.trim().split('\n').pop() ?? '';
    throw new Error(line.replace(/^error: /, '') || `the engine's tokenizer command failed (exit code ${code})`);
  }
  return JSON.parse(stdout) as TokenizerFileSummary;
}
