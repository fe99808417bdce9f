/** Small real inputs for tests: a temporary workbench home, a tiny dataset and a tiny config. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';

export function tempDir(prefix = 'coconut-test-'): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

const NAMES = ['wumpus', 'yumpus', 'zumpus', 'dumpus', 'rompus', 'numpus', 'tumpus', 'vumpus', 'impus', 'jompus'];

/**
 * Chain questions in the ProsQA shape: "Every A is a B." facts, a two- or three-step path from
 * the entity to the answer, and a distractor concept the entity does not reach.
 */
export function tinyRecords(count: number, seed = 1): { question: string; steps: string[]; answer: string }[] {
  let state = seed;
  const next = (n: number): number => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % n;
  };
  const records = [];
  for (let i = 0; i < count; i += 1) {
    const pool = [...NAMES];
    const pick = (): string => pool.splice(next(pool.length), 1)[0] as string;
    const length = 2 + next(2);
    const chain = Array.from({ length: length + 1 }, pick);
    const distractor = pick();
    const facts = [`Alex is a ${chain[0]}.`];
    for (let k = 0; k < length; k += 1) facts.push(`Every ${chain[k]} is a ${chain[k + 1]}.`);
    const answer = chain[length] as string;
    const options = next(2) === 0 ? [answer, distractor] : [distractor, answer];
    records.push({
      question: `${facts.join(' ')} Is Alex a ${options[0]} or ${options[1]}?`,
      steps: chain.slice(0, length).map((_, k) => `Alex is a ${chain[k + 1]}.`),
      answer: `Alex is a ${answer}.`,
    });
  }
  return records;
}

export interface TinyRun {
  home: string;
  trainPath: string;
  valPath: string;
  configYaml(overrides?: Record<string, unknown>): string;
}

/** A home folder with a tiny dataset and a config that trains in seconds on a CPU. */
export function tinyRun(home: string): TinyRun {
  const trainPath = join(home, 'train.json');
  const valPath = join(home, 'valid.json');
  writeFileSync(trainPath, JSON.stringify(tinyRecords(48, 1)));
  writeFileSync(valPath, JSON.stringify(tinyRecords(12, 2)));
  return {
    home,
    trainPath,
    valPath,
    configYaml: (overrides = {}) =>
      stringify({
        name: 'tiny',
        coconut: true,
        c_thought: 1,
        epochs_per_stage: 1,
        max_latent_stage: 2,
        num_epochs: 3,
        batch_size_training: 8,
        lr: 0.001,
        train_path: trainPath,
        val_path: valPath,
        max_new_tokens: 24,
        num_threads: 1,
        offline_model: { n_layer: 1, n_embd: 32, n_head: 2, n_positions: 128 },
        ...overrides,
      }),
  };
}
