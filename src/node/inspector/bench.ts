/**
 * The inspector's benchmark: one full inspection (6 thoughts, the answer, node values for every
 * node after k = 0..6) on the CPU with a warm session, with the key/value cache and without it,
 * for two random-weight models exported as training would leave them: the quickstart's size
 * (2 layers, 128 wide, on its reachability questions) and GPT-2-small's body (12 layers, 768
 * wide, 12 heads) on a ProsQA question of about 400 tokens. Random weights never stop early, so
 * every answer runs to the checkpoint's `max_new_tokens` (8): the figures are speeds only.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InspectRecord } from '../../common/inspector.js';
import { generateDatasetFile } from '../datasets/generate.js';
import { getGenerator, resolveGeneratorParams } from '../datasets/generators.js';
import { QUICKSTART_REQUEST } from '../datasets/quickstart.js';
import { readDataset } from '../datasets/records.js';
import { runEnginePython } from '../engine/launcher.js';
import { loadBundle } from './bundle.js';
import { ExportJobs } from './exportJobs.js';
import { OnnxDecoder } from './onnxDecoder.js';
import { inspect } from './thoughtLoop.js';

export const BENCH_THOUGHTS = 6;
const ANSWER_TOKENS = 8;
const TARGET_QUESTION_TOKENS = 400;

export interface InspectorBenchCase {
  name: string;
  layers: number;
  width: number;
  vocab: number;
  question_tokens: number;
  generated_tokens: number;
  nodes: number;
  provider: string;
  /** Median over the timed runs, after one warm-up inspection. */
  ms_cached: number;
  ms_uncached: number;
  /** ms_uncached / ms_cached, both measured in this run. */
  cache_speedup: number;
  /** Where the time of the median cached inspection went (the inspection's own `timing_ms`). */
  phases_cached: { thoughts: number; answer: number; node_values: number };
  /** The target for this case, for the printout. */
  target_ms: number;
}

interface CaseSpec {
  name: string;
  generator: 'reachability' | 'prosqa';
  params: Record<string, unknown>;
  model: { layers: number; width: number; heads: number; positions: number };
  targetMs: number;
  /** Picks the question: the record whose question is closest to this many tokens (quickstart: any). */
  questionTokens: number | null;
}

const CASES: CaseSpec[] = [
  {
    name: 'quickstart model',
    generator: 'reachability',
    params: QUICKSTART_REQUEST.params as Record<string, unknown>,
    model: { layers: 2, width: 128, heads: 4, positions: 256 },
    targetMs: 50,
    questionTokens: null,
  },
  {
    name: 'GPT-2-small body, 400-token question',
    generator: 'prosqa',
    params: { preset: 'hard' },
    model: { layers: 12, width: 768, heads: 12, positions: 1024 },
    targetMs: 1500,
    questionTokens: TARGET_QUESTION_TOKENS,
  },
];

export async function runInspectorBench(options: { repeats?: number; progress?: (line: string) => void } = {}): Promise<InspectorBenchCase[]> {
  const repeats = options.repeats ?? 5;
  const say = options.progress ?? (() => undefined);
  const dir = await mkdtemp(join(tmpdir(), 'coconut-inspector-bench-'));
  const results: InspectorBenchCase[] = [];
  try {
    for (const [i, spec] of CASES.entries()) {
      const caseDir = join(dir, `case-${i}`);
      say(`${spec.name}: generating data, a random checkpoint and its bundle`);
      const data = join(caseDir, 'data.json');
      const generator = getGenerator(spec.generator);
      await generateDatasetFile({ generator, params: resolveGeneratorParams(generator, spec.params), seed: 0, count: 300, outFile: data });
      const checkpoint = join(caseDir, 'checkpoint.pt');
      const { layers, width, heads, positions } = spec.model;
      const made = await runEnginePython([
        '-m', 'coconut_engine.benchmodels', '--data', data, '--out', checkpoint,
        '--layers', String(layers), '--width', String(width), '--heads', String(heads), '--positions', String(positions),
        '--stage', String(BENCH_THOUGHTS), '--max-new-tokens', String(ANSWER_TOKENS),
      ]);
      if (made.code !== 0) throw new Error(`could not build the benchmark checkpoint: ${made.stderr.trim().split('\n').pop()}`);
      const job = await new ExportJobs().start({ runId: null, runDir: caseDir, label: 'bench', checkpointFile: checkpoint, outDir: join(caseDir, 'bundle') }).done;
      if (job.status !== 'completed' || !job.out) throw new Error(`the benchmark export failed: ${job.error}`);

      const bundle = loadBundle(job.out);
      const records = (await readDataset(data)) as InspectRecord[];
      const tokens = (record: InspectRecord) => bundle.tokenizer.encode(`${record.question}\n`).length;
      const record = spec.questionTokens === null ? (records[0] as InspectRecord) : pickClosest(records, tokens, spec.questionTokens);
      const decoder = await OnnxDecoder.open(bundle.dir, bundle.manifest);
      try {
        const time = async (cache: boolean) => {
          const warm = await inspect(bundle, decoder, { record, thoughts: BENCH_THOUGHTS, cache });
          const runs: { ms: number; timing: Awaited<ReturnType<typeof inspect>>['timing_ms'] }[] = [];
          for (let r = 0; r < repeats; r++) {
            const started = performance.now();
            const result = await inspect(bundle, decoder, { record, thoughts: BENCH_THOUGHTS, cache });
            runs.push({ ms: performance.now() - started, timing: result.timing_ms });
          }
          const middle = [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)] as (typeof runs)[number];
          return { ms: middle.ms, timing: middle.timing, warm };
        };
        say(`${spec.name}: timing ${repeats} inspections with the cache, then ${repeats} without`);
        const cached = await time(true);
        const uncached = await time(false);
        results.push({
          name: spec.name,
          layers,
          width,
          vocab: bundle.manifest.model.vocab_size,
          question_tokens: tokens(record),
          generated_tokens: cached.warm.generated_ids.length,
          nodes: cached.warm.node_values?.nodes.length ?? 0,
          provider: decoder.provider,
          ms_cached: cached.ms,
          ms_uncached: uncached.ms,
          cache_speedup: uncached.ms / cached.ms,
          phases_cached: { thoughts: cached.timing.thoughts, answer: cached.timing.answer, node_values: cached.timing.node_values },
          target_ms: spec.targetMs,
        });
      } finally {
        await decoder.release();
      }
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  return results;
}

function pickClosest(records: InspectRecord[], tokens: (r: InspectRecord) => number, target: number): InspectRecord {
  let best = records[0] as InspectRecord;
  for (const record of records) if (Math.abs(tokens(record) - target) < Math.abs(tokens(best) - target)) best = record;
  return best;
}

export function reportInspectorBench(results: InspectorBenchCase[]): string {
  const lines = [`inspector: one inspection = ${BENCH_THOUGHTS} thoughts + the answer (${ANSWER_TOKENS} tokens) + node values for k = 0..${BENCH_THOUGHTS}, warm session, median`];
  for (const r of results) {
    lines.push(
      '',
      `${r.name}: ${r.layers} layers × ${r.width}, vocabulary ${r.vocab}, ${r.question_tokens}-token question, ${r.nodes} graph nodes, ${r.provider}`,
      `  with the cache ${r.ms_cached.toFixed(1)} ms · without ${r.ms_uncached.toFixed(1)} ms · ${r.cache_speedup.toFixed(1)}× · target ≤ ${r.target_ms} ms (cached)`,
      `  cached, by phase: prompt and thoughts ${r.phases_cached.thoughts.toFixed(1)} ms · answer ${r.phases_cached.answer.toFixed(1)} ms · node values ${r.phases_cached.node_values.toFixed(1)} ms`,
    );
  }
  return lines.join('\n');
}
