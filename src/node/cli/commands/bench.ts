/**
 * `coconut bench`: the engine's throughput benchmark on its fixed small config. Generates the
 * ProsQA records it runs on (official-size graphs, seeded, into a temporary folder), then runs
 * `python -m coconut_engine bench`, which prints vectorised and naive figures side by side.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Option, type Command } from 'commander';
import { generateDatasetFile } from '../../datasets/generate.js';
import { getGenerator, resolveGeneratorParams } from '../../datasets/generators.js';
import { engineEnv, engineStatus } from '../../engine/launcher.js';
import { reportInspectorBench, runInspectorBench } from '../../inspector/bench.js';
import { CliError, printJson } from '../output.js';
import { parseWhole } from '../parsers.js';

/** Enough for the training batches and two evaluation batches of the benchmark. */
const BENCH_RECORDS = 256;

interface BenchOptions {
  device: 'cpu' | 'cuda' | 'auto';
  steps: number;
  bf16?: boolean;
  compile?: boolean;
  threads?: number;
  json?: boolean;
  part: 'all' | 'engine' | 'inspector';
}

export function registerBenchCommand(program: Command): void {
  program
    .command('bench')
    .description('training and evaluation throughput on a fixed small config (2-layer GPT-2, ProsQA, batch 32), against a naive implementation')
    .addOption(new Option('--device <name>', 'where to run').choices(['cpu', 'cuda', 'auto']).default('cpu'))
    .option('--steps <n>', 'timed training steps per measure', parseWhole(1), 5)
    .option('--bf16', 'bfloat16 autocast (CUDA only)')
    .option('--compile', 'also time the stage-3 training step under torch.compile')
    .option('--threads <n>', 'torch CPU threads', parseWhole(1))
    .addOption(new Option('--part <which>', 'engine (training and evaluation), inspector (onnxruntime-node inspections) or all').choices(['all', 'engine', 'inspector']).default('all'))
    .option('--json', 'print the figures as JSON')
    .action(async (options: BenchOptions) => {
      const status = engineStatus();
      if (!status.python) throw new CliError(status.problem ?? 'the engine is not set up');
      if (options.part !== 'inspector') await engineBench(options, status.python);
      if (options.part !== 'engine') {
        const results = await runInspectorBench({ progress: options.json ? undefined : (line) => console.error(line) });
        if (options.json) printJson({ inspector: results });
        else console.log(`\n${reportInspectorBench(results)}`);
      }
    });
}

async function engineBench(options: BenchOptions, python: string): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'coconut-bench-'));
  try {
    const data = join(dir, 'prosqa.json');
    const generator = getGenerator('prosqa');
    await generateDatasetFile({ generator, params: resolveGeneratorParams(generator, {}), seed: 0, count: BENCH_RECORDS, outFile: data });
    const args = ['-m', 'coconut_engine', 'bench', '--data', data, '--device', options.device, '--steps', String(options.steps)];
    if (options.bf16) args.push('--bf16');
    if (options.compile) args.push('--compile');
    if (options.threads !== undefined) args.push('--threads', String(options.threads));
    if (options.json) args.push('--json');
    const code = await new Promise<number>((resolve, reject) => {
      const child = spawn(python, args, { env: engineEnv(), stdio: 'inherit' });
      child.on('error', reject);
      child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 130 : 1)));
    });
    if (code !== 0) throw new CliError('the benchmark did not finish (see above)', code);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
