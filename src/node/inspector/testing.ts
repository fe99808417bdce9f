/**
 * Real trained runs for the inspector's tests: a reachability dataset from the generator, a tiny
 * Coconut run trained by the engine, its checkpoint exported by the engine. Slow-ish (seconds):
 * tests build one per family and share it.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { writeFileSync } from 'node:fs';
import { runEnginePython } from '../engine/launcher.js';
import { generateDatasetFile } from '../datasets/generate.js';
import { getGenerator, resolveGeneratorParams } from '../datasets/generators.js';
import { ExportJobs } from './exportJobs.js';
import { startExport } from './runInspection.js';

export interface TrainedBundle {
  runDir: string;
  bundleDir: string;
  valPath: string;
}

export async function reachabilityData(dir: string, counts = { train: 200, valid: 12 }): Promise<{ trainPath: string; valPath: string }> {
  const generator = getGenerator('reachability');
  const params = resolveGeneratorParams(generator, {});
  const trainPath = join(dir, 'train.json');
  const valPath = join(dir, 'valid.json');
  await generateDatasetFile({ generator, params, seed: 1, count: counts.train, outFile: trainPath });
  await generateDatasetFile({ generator, params, seed: 2, count: counts.valid, outFile: valPath });
  return { trainPath, valPath };
}

/** Trains a tiny Coconut run (stages 0–2, one epoch each) in `dir/run` and exports its best checkpoint. */
export async function trainAndExport(dir: string, configOverrides: Record<string, unknown> = {}): Promise<TrainedBundle> {
  const { trainPath, valPath } = await reachabilityData(dir);
  const runDir = join(dir, 'run');
  const configPath = join(dir, 'config.yaml');
  writeFileSync(
    configPath,
    stringify({
      name: 'inspector-test',
      coconut: true,
      c_thought: 1,
      epochs_per_stage: 1,
      max_latent_stage: 2,
      pad_latent_to_max: true,
      num_epochs: 3,
      batch_size_training: 16,
      lr: 0.003,
      seed: 0,
      train_path: trainPath,
      val_path: valPath,
      max_new_tokens: 16,
      num_threads: 1,
      device: 'cpu',
      offline_model: { n_layer: 2, n_embd: 32, n_head: 2, n_positions: 256 },
      ...configOverrides,
    }),
  );
  const trained = await runEnginePython(['-m', 'coconut_engine', 'train', '--config', configPath, '--run-dir', runDir]);
  if (trained.code !== 0) throw new Error(`training failed: ${trained.stderr.slice(-2000)}`);
  const checkpoints = readdirSync(join(runDir, 'checkpoints'));
  if (!checkpoints.includes('best.pt')) throw new Error(`no best.pt in ${checkpoints.join(', ')}`);
  const { done } = startExport(new ExportJobs(), null, runDir, 'best');
  const job = await done;
  if (job.status !== 'completed' || !job.out) throw new Error(`export failed: ${job.error}`);
  return { runDir, bundleDir: job.out, valPath };
}

export interface ReferenceInspection {
  prompt_ids: number[];
  thought_vectors: number[][];
  thought_probs: number[][];
  lens_probs: number[][][];
  eot_probs: number[][];
  generated_ids: number[];
  generated_text: string;
}

/** The engine's own PyTorch answer for the same checkpoint and question. */
export async function referenceInspection(checkpoint: string, question: string, thoughts: number, cache = true): Promise<ReferenceInspection> {
  const args = ['-m', 'coconut_engine', 'inspect-reference', '--checkpoint', checkpoint, '--question', question, '--thoughts', String(thoughts)];
  if (!cache) args.push('--no-cache');
  const result = await runEnginePython(args);
  if (result.code !== 0) throw new Error(`inspect-reference failed: ${result.stderr.slice(-2000)}`);
  return JSON.parse(result.stdout) as ReferenceInspection;
}
