/**
 * `coconut export RUN` (a checkpoint to an ONNX bundle, by the engine) and `coconut inspect
 * RUN|BUNDLE` (one inspection on onnxruntime-node, in this process: no Python once the bundle
 * exists).
 */
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { ApiError } from '../../../common/api.js';
import { MAX_INSPECT_THOUGHTS, MAX_TOP_TOKENS, type Inspection, type InspectRecord } from '../../../common/inspector.js';
import { readDataset } from '../../datasets/records.js';
import { BundleError, isBundleDir, loadBundle, readManifest } from '../../inspector/bundle.js';
import { ExportJobs } from '../../inspector/exportJobs.js';
import { OnnxDecoder } from '../../inspector/onnxDecoder.js';
import { locateBundle, startExport } from '../../inspector/runInspection.js';
import { resolveRun } from '../../inspector/runTargets.js';
import { inspect, InspectRequestError } from '../../inspector/thoughtLoop.js';
import { RunStore } from '../../runs/runStore.js';
import { defaultHome } from '../../workbench/workbench.js';
import { CliError, printJson } from '../output.js';
import { parseWhole } from '../parsers.js';

interface ExportOptions {
  checkpoint: string;
  out?: string;
  json?: boolean;
}

interface InspectCliOptions {
  checkpoint: string;
  question?: string;
  dataset?: string;
  index?: number;
  thoughts?: number;
  top: number;
  cache: boolean;
  json?: boolean;
}

export function registerInspectCommands(program: Command): void {
  program
    .command('export')
    .description("export a run's checkpoint to an ONNX bundle for the inspector (default: RUN/exports/<checkpoint>/)")
    .argument('<run>', 'a run id (`coconut runs list`) or a run folder')
    .option('--checkpoint <which>', 'best, last, epoch-N or a checkpoint file', 'best')
    .option('--out <dir>', 'where to write the bundle')
    .option('--json', 'print where the bundle went and its manifest as JSON')
    .action(async (run: string, options: ExportOptions) => {
      const { runId, dir } = resolveRun(new RunStore(defaultHome()), run);
      const out = await exportWithProgress(runId, dir, options.checkpoint, options.out ? resolve(options.out) : undefined, !options.json);
      const manifest = readManifest(out);
      if (options.json) printJson({ out, manifest });
      else console.log(`wrote ${out} (${manifest.model.family}, ${manifest.model.layers} layers, ${manifest.method}, ${manifest.default_thoughts} thought${manifest.default_thoughts === 1 ? '' : 's'} at stage ${manifest.source.stage})`);
    });

  program
    .command('inspect')
    .description('what each continuous thought holds: top tokens, logit lens, the answer, and node values for graph questions')
    .argument('<target>', 'a run id, a run folder (exported first when needed) or a bundle folder')
    .option('--question <text>', 'the question to ask')
    .option('--dataset <file>', 'a dataset file to take the question from (with --index)')
    .option('--index <i>', "the record's index in --dataset", parseWhole(0))
    .option('--thoughts <k>', `continuous thoughts before <eot> (0–${MAX_INSPECT_THOUGHTS}; default: the checkpoint's last stage)`, parseWhole(0))
    .option('--top <n>', `tokens shown per thought (1–${MAX_TOP_TOKENS})`, parseWhole(1), 5)
    .option('--checkpoint <which>', 'for a run: best, last, epoch-N or a checkpoint file', 'best')
    .option('--no-cache', 'recompute every pass from the start instead of reusing keys/values (slower; for comparison)')
    .option('--json', 'print the inspection as one JSON object')
    .action(async (target: string, options: InspectCliOptions) => {
      const record = await recordFrom(options);
      if (options.top > MAX_TOP_TOKENS) throw new CliError(`--top: at most ${MAX_TOP_TOKENS}`);
      const bundleDir = await bundleFor(target, options.checkpoint, !options.json);
      const result = await runInspection(bundleDir, record, options);
      if (options.json) printJson(result);
      else printInspection(result);
    });
}

async function recordFrom(options: InspectCliOptions): Promise<InspectRecord> {
  if (options.question !== undefined && options.dataset !== undefined) throw new CliError('give --question or --dataset with --index, not both');
  if (options.question !== undefined) {
    if (options.question.trim() === '') throw new CliError('--question: the question is empty');
    return { question: options.question, steps: [], answer: '' };
  }
  if (options.dataset === undefined) throw new CliError('give the question: --question TEXT, or --dataset FILE --index I');
  if (options.index === undefined) throw new CliError('--dataset needs --index (the record to inspect, from 0)');
  let records;
  try {
    records = await readDataset(options.dataset);
  } catch (error) {
    throw new CliError(`--dataset ${options.dataset}: ${(error as Error).message}`);
  }
  const record = records[options.index];
  if (!record) throw new CliError(`--index ${options.index}: ${options.dataset} has ${records.length} records (0–${records.length - 1})`);
  return record;
}

/** A bundle folder as given, or the run's bundle for the checkpoint, exported first when missing or stale. */
export async function bundleFor(target: string, checkpoint: string, progress: boolean): Promise<string> {
  if (isBundleDir(target)) return resolve(target);
  const { runId, dir } = resolveRun(new RunStore(defaultHome()), target);
  const located = locateBundle(dir, checkpoint, { allowFiles: true });
  if (located.problem === null) return located.dir;
  if (progress) console.error(`exporting checkpoint ${located.label} of ${runId ?? dir} first`);
  return exportWithProgress(runId, dir, checkpoint, undefined, progress);
}

export async function exportWithProgress(runId: string | null, runDir: string, checkpoint: string, outDir: string | undefined, progress: boolean): Promise<string> {
  const jobs = new ExportJobs();
  const unsubscribe = jobs.subscribe((job) => {
    if (progress && job.status === 'running' && job.phase) console.error(`  [${job.index}/${job.total}] ${job.phase}`);
  });
  const { done } = startExport(jobs, runId, runDir, checkpoint, { outDir, allowFiles: true });
  const job = await done;
  unsubscribe();
  if (job.status !== 'completed' || job.out === null) throw new CliError(`export failed: ${job.error ?? 'unknown error'}`);
  return job.out;
}

async function runInspection(bundleDir: string, record: InspectRecord, options: InspectCliOptions): Promise<Inspection> {
  let decoder: OnnxDecoder | null = null;
  try {
    const bundle = loadBundle(bundleDir);
    decoder = await OnnxDecoder.open(bundle.dir, bundle.manifest);
    return await inspect(bundle, decoder, { record, thoughts: options.thoughts, top: options.top, cache: options.cache });
  } catch (error) {
    if (error instanceof BundleError || error instanceof InspectRequestError || error instanceof ApiError) throw new CliError(error.message);
    throw error;
  } finally {
    await decoder?.release();
  }
}

const pct = (p: number): string => `${(p * 100).toFixed(p >= 0.1 ? 1 : 2)}%`;

function printInspection(result: Inspection): void {
  console.log(`question (${result.prompt_tokens} prompt tokens): ${result.question}`);
  console.log(`${result.bundle.method} · checkpoint ${result.bundle.checkpoint} · ${result.thoughts_requested} thoughts · ${result.provider} · ${result.timing_ms.total.toFixed(1)} ms`);
  for (const thought of result.thoughts) {
    const tokens = thought.top.map((t) => `${JSON.stringify(t.token)} ${pct(t.prob)}`).join('  ');
    console.log(`thought ${thought.index + 1}: ${tokens}`);
    console.log(`  norm ${thought.norm.toFixed(2)} (token embeddings ${result.embedding_norm.toFixed(2)}) · entropy ${thought.entropy.toFixed(3)} nats`);
    console.log(`  lens: ${thought.lens.map((cell) => `${cell.layer === 0 ? 'emb' : `L${cell.layer}`} ${JSON.stringify(cell.token)} ${pct(cell.prob)}`).join(' · ')}`);
  }
  console.log(`reasoning: ${result.reasoning || '(none)'}`);
  const verdict = result.correct === null ? '' : result.correct ? '  ✓ correct' : `  ✗ expected ${result.expected_answer}`;
  console.log(`answer: ${result.answer || '(none)'}${verdict}`);
  if (result.node_values) {
    const ks = result.node_values.nodes[0]?.values.length ?? 0;
    const scored = result.node_values.query === 'named_node' ? 'the node named after <eot>, alone or as the answer after ###' : 'the next written step';
    console.log(`node values (${result.node_values.format}; ${scored}; value after k = 0..${ks - 1} thoughts):`);
    const rows = [...result.node_values.nodes].sort((a, b) => (a.depth ?? 99) - (b.depth ?? 99) || a.index - b.index);
    for (const node of rows) {
      const values = node.values.map((v) => v.toFixed(3).padStart(6)).join(' ');
      console.log(`  ${node.node.padEnd(12)} depth ${node.depth ?? '–'} height ${node.height.shortest}/${node.height.longest}${node.on_answer_branch ? ' *' : '  '} ${values}`);
    }
    console.log('  (* on the branch to the answer; height = shortest/longest distance to a leaf)');
    const frontiers = result.node_values.frontiers.map((nodes, k) => `k=${k}: ${nodes.map((node) => result.node_values!.nodes[node]?.node ?? node).join(' ') || '–'}`);
    if (frontiers.length > 0) console.log(`  frontier: ${frontiers.join(' · ')}`);
  }
}

