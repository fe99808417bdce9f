/**
 * The inspector against the engine: a tiny Coconut run trained and exported by the real engine,
 * inspected on onnxruntime-node, compared with the engine's own PyTorch loop (`inspect-reference`):
 * the same generated tokens, and probabilities, norms and node values within 1e-4.
 */
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InspectRecord, Inspection } from '../../common/inspector.js';
import { runCoconut } from '../testing/cli.js';
import { tempDir } from '../testing/fixtures.js';
import { BundleError, loadBundle, type LoadedBundle } from './bundle.js';
import { graphOf, stepFormat, valueQuery } from './graphValues.js';
import { ExportJobs } from './exportJobs.js';
import { InspectorService } from './inspectorService.js';
import { OnnxDecoder } from './onnxDecoder.js';
import { openTrainedBundle, referenceInspections, type ReferenceInspection, type TrainedBundle } from './testing.js';
import { inspect, InspectRequestError } from './thoughtLoop.js';

const TOLERANCE = 1e-4;
const home = tempDir('coconut-inspector-');
let trained: TrainedBundle;
let bundle: LoadedBundle;
let decoder: OnnxDecoder;
let records: InspectRecord[];

beforeAll(async () => {
  ({ trained, bundle, decoder, records } = await openTrainedBundle(home.path));
}, 300_000);

afterAll(async () => {
  await decoder?.release();
  home.remove();
});

function expectClose(actual: number, expected: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(TOLERANCE);
}

/** Every figure of `ours` that the reference also computes, compared. */
function compareWithReference(ours: Inspection, reference: ReferenceInspection, k: number): void {
  expect(ours.generated_ids).toEqual(reference.generated_ids);
  expect(ours.prompt_tokens).toBe(reference.prompt_ids.length);
  expect(ours.thoughts).toHaveLength(k);
  ours.thoughts.forEach((thought, i) => {
    const vector = reference.thought_vectors[i] as number[];
    expectClose(thought.norm, Math.hypot(...vector), `thought ${i} norm`);
    for (const token of thought.top) expectClose(token.prob, reference.thought_probs[i]?.[token.id] as number, `thought ${i} p(${token.token})`);
    thought.lens.forEach((cell) => {
      const probs = reference.lens_probs[i]?.[cell.layer] as number[];
      expectClose(cell.prob, Math.max(...probs), `thought ${i} layer ${cell.layer} top probability`);
      expectClose(probs[cell.id] as number, cell.prob, `thought ${i} layer ${cell.layer} p(${cell.token})`);
    });
  });
  // Node values are sums of the reference's next-token probabilities after <eot> (edge tokens: no prefix).
  const graph = graphOf(ours.node_values ? recordOf(ours) : { question: '' });
  expect(graph).not.toBeNull();
  const format = stepFormat(graph!);
  expect(format).toBe('edge_tokens');
  for (let j = 0; j <= k; j++) {
    const query = valueQuery(graph!, format, j, { encode: (t) => bundle.tokenizer.encode(t), vocabSize: bundle.tokenizer.vocabSize, idToToken: (id) => bundle.tokenizer.idToToken(id), tokenToId: (t) => bundle.tokenizer.tokenToId(t) });
    query.continuations.forEach((continuations, node) => {
      const expected = continuations.reduce((sum, [id]) => sum + (reference.eot_probs[j]?.[id as number] as number), 0);
      expectClose(ours.node_values?.nodes[node]?.values[j] as number, Math.min(1, expected), `node ${node} value at k=${j}`);
    });
  }
}

const inspected = new Map<Inspection, InspectRecord>();
const recordOf = (inspection: Inspection): InspectRecord => inspected.get(inspection) as InspectRecord;

async function run(record: InspectRecord, thoughts: number, cache = true): Promise<Inspection> {
  const result = await inspect(bundle, decoder, { record, thoughts, top: 50, cache });
  inspected.set(result, record);
  return result;
}

describe('the thought loop on onnxruntime-node', () => {
  it('matches the engine: generated tokens identical, probabilities, norms, lens and node values within 1e-4', async () => {
    const cases = [[0, 2], [1, 0], [2, 1], [3, 3]] as const;
    // One engine process for every question (each start costs seconds of imports).
    const references = await referenceInspections(
      join(trained.runDir, 'checkpoints', 'best.pt'),
      cases.map(([index, k]) => ({ question: (records[index] as InspectRecord).question, thoughts: k, cache: true })),
    );
    for (const [i, [index, k]] of cases.entries()) {
      const record = records[index] as InspectRecord;
      const ours = await run(record, k);
      compareWithReference(ours, references[i] as ReferenceInspection, k);
      expect(ours.provider).toBe('cpu');
      // Without frontier supervision the values score the next written step, and the ring is where it starts.
      expect([bundle.manifest.frontier_supervision, ours.node_values?.query]).toEqual([false, 'next_step']);
      const atDepth = (depth: number) => ours.node_values!.nodes.filter((node) => node.depth === depth).map((node) => node.index);
      expect(ours.node_values?.frontiers).toEqual(Array.from({ length: k + 1 }, (_, j) => atDepth(Math.max(1, j))));
      expect(ours.node_values?.nodes).toHaveLength(record.idx_to_symbol?.length ?? -1);
    }
  }, 120_000);

  it('gives the same inspection with and without the key/value cache', async () => {
    const record = records[4] as InspectRecord;
    const cached = await run(record, 2, true);
    const uncached = await run(record, 2, false);
    expect(uncached.generated_ids).toEqual(cached.generated_ids);
    cached.thoughts.forEach((thought, i) => {
      expectClose(uncached.thoughts[i]?.norm as number, thought.norm, `norm ${i}`);
      thought.top.forEach((token, j) => expectClose(uncached.thoughts[i]?.top[j]?.prob as number, token.prob, `p ${i}/${j}`));
    });
    cached.node_values?.nodes.forEach((node, n) => node.values.forEach((v, j) => expectClose(uncached.node_values?.nodes[n]?.values[j] as number, v, `value ${n}/${j}`)));
  }, 60_000);

  it('reports the answer, its correctness against the record, and the layers of the lens', async () => {
    const record = records[5] as InspectRecord;
    const result = await run(record, bundle.manifest.default_thoughts);
    expect(result.thoughts_requested).toBe(bundle.manifest.default_thoughts);
    expect(result.lens_layers).toBe(bundle.manifest.model.layers + 1);
    expect(result.expected_answer).toBe(record.answer);
    expect(result.correct).toBe(result.answer === record.answer);
    expect(result.generated.includes('#') || result.answer === result.generated.trim()).toBe(true);
    const typed = await run({ question: record.question }, 1);
    expect(typed.expected_answer).toBeNull();
    expect(typed.correct).toBeNull();
    expect(typed.node_values).toBeNull();
  });

  it('runs in a worker thread with the same result', async () => {
    const service = new InspectorService();
    try {
      const record = records[0] as InspectRecord;
      const [direct, viaWorker] = [await run(record, 2), await service.inspect(bundle.dir, { record, thoughts: 2, top: 50 })];
      expect(viaWorker.generated_ids).toEqual(direct.generated_ids);
      expect(viaWorker.thoughts.map((t) => t.top[0]?.prob)).toEqual(direct.thoughts.map((t) => t.top[0]?.prob));
      await expect(service.inspect(bundle.dir, { record, thoughts: 99 })).rejects.toThrow(/beyond the inspector's cap/);
    } finally {
      await service.close();
    }
  }, 60_000);
});

describe('bad input', () => {
  it('names k out of range, unknown words and a question longer than the context', async () => {
    const record = records[0] as InspectRecord;
    await expect(run(record, 40)).rejects.toThrow(InspectRequestError);
    const unknown = await run({ question: `${record.question} zebra_crossing` }, 1);
    expect(unknown.warnings.join(' ')).toMatch(/not in this run's vocabulary, read as unknown .*"zebra_crossing"/);
    const long = Array.from({ length: 300 }, () => record.question.split(' ')[0]).join(' ');
    await expect(run({ question: long }, 1)).rejects.toThrow(/positions and the model has 256/);
  });

  it('names the file at fault in a damaged, foreign or mismatched bundle', async () => {
    const copy = (name: string) => {
      const dir = join(home.path, name);
      cpSync(bundle.dir, dir, { recursive: true });
      return dir;
    };
    const corrupt = copy('corrupt');
    writeFileSync(join(corrupt, 'decoder.onnx'), 'not a model');
    await expect(OnnxDecoder.open(corrupt, loadBundle(corrupt).manifest)).rejects.toThrow();

    const mismatched = copy('mismatched');
    const manifest = JSON.parse(readFileSync(join(mismatched, 'manifest.json'), 'utf8'));
    manifest.special_tokens.eot = manifest.special_tokens.bot;
    writeFileSync(join(mismatched, 'manifest.json'), JSON.stringify(manifest));
    expect(() => loadBundle(mismatched)).toThrow(/tokenizer\.json: token "<\|end-latent\|>" has id \d+; the manifest says eot is/);

    const foreign = copy('foreign');
    writeFileSync(join(foreign, 'manifest.json'), JSON.stringify({ format: 'something-else' }));
    expect(() => loadBundle(foreign)).toThrow(BundleError);

    const truncated = copy('truncated');
    writeFileSync(join(truncated, 'embeddings.f32'), Buffer.alloc(8));
    expect(() => loadBundle(truncated)).toThrow(/embeddings\.f32: holds 8 bytes/);
    expect(() => loadBundle(join(home.path, 'nowhere'))).toThrow(/manifest\.json: not found/);
  });
});

/** The real command line, as a user runs it (in a child process the test awaits: a synchronous one would block the test worker for the length of an export). */
const coconut = (...args: string[]) => runCoconut(args, home.path);

describe('coconut export and coconut inspect', () => {
  it('inspect --json prints the documented object; a run folder uses its fresh bundle', async () => {
    const { code, stdout, stderr } = await coconut('inspect', trained.runDir, '--dataset', trained.valPath, '--index', '0', '--thoughts', '2', '--top', '3', '--json');
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as Inspection;
    expect(result.thoughts).toHaveLength(2);
    expect(result.thoughts[0]?.top).toHaveLength(3);
    expect(result.thoughts[0]?.top.map((t) => t.prob)).toEqual([...(result.thoughts[0]?.top.map((t) => t.prob) ?? [])].sort((a, b) => b - a));
    expect(Object.keys(result.thoughts[0] ?? {})).toEqual(expect.arrayContaining(['top', 'norm', 'entropy', 'lens']));
    expect(result.provider).toBe('cpu');
    expect(typeof result.reasoning).toBe('string');
    expect(typeof result.answer).toBe('string');
    const node = result.node_values?.nodes[0];
    expect(node && Object.keys(node)).toEqual(expect.arrayContaining(['node', 'height', 'on_answer_branch', 'values']));
    expect(node?.values).toHaveLength(3);
    expect(stderr).not.toMatch(/exporting/); // the bundle from beforeAll was still fresh
  }, 60_000);

  it('export --json writes a bundle where asked and prints its manifest', async () => {
    const out = join(home.path, 'exported-last');
    const { code, stdout, stderr } = await coconut('export', trained.runDir, '--checkpoint', 'last', '--out', out, '--json');
    expect(code, stderr).toBe(0);
    const printed = JSON.parse(stdout) as { out: string; manifest: { source: { checkpoint: string }; method: string } };
    expect(printed.out).toBe(out);
    expect(printed.manifest.source.checkpoint).toBe('last');
    expect(printed.manifest.method).toBe('coconut');
    expect(existsSync(join(out, 'decoder.onnx'))).toBe(true);
    const progress = await coconut('export', trained.runDir, '--checkpoint', 'epoch-1', '--out', join(home.path, 'exported-1'));
    expect(progress.code, progress.stderr).toBe(0);
    expect(progress.stderr.split('\n').filter((line) => /^ {2}\[\d\/\d\] /.test(line)).map((line) => line.trim())).toEqual([
      '[1/6] load',
      '[2/6] decoder',
      '[3/6] lens',
      '[4/6] embeddings',
      '[5/6] tokenizer',
      '[6/6] verify',
    ]);
    expect(progress.stdout).toMatch(/^wrote .*exported-1 \(gpt2, 2 layers, coconut, 0 thoughts at stage 0\)$/m);
    const human = await coconut('inspect', out, '--question', (records[0] as InspectRecord).question, '--thoughts', '1');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toMatch(/^thought 1: /m);
    expect(human.stdout).toMatch(/^answer: /m);
  }, 120_000);

  it('says what is wrong in one line, with a non-zero exit code', async () => {
    const beyond = await coconut('inspect', trained.bundleDir, '--question', 'x', '--thoughts', '40');
    expect(beyond.code).toBe(1);
    expect(beyond.stderr.trim()).toMatch(/^coconut: k = 40 is beyond the inspector's cap of 32 thoughts$/);
    const noQuestion = await coconut('inspect', trained.bundleDir);
    expect(noQuestion.stderr.trim()).toBe('coconut: give the question: --question TEXT, or --dataset FILE --index I');
    const noRun = await coconut('export', join(home.path, 'no-such-run'));
    expect(noRun.code).toBe(1);
    expect(noRun.stderr).toMatch(/is neither a run id .* nor a run folder/);
    const index = await coconut('inspect', trained.bundleDir, '--dataset', trained.valPath, '--index', '999');
    expect(index.stderr.trim()).toMatch(/^coconut: --index 999: .* has 12 records \(0–11\)$/);
  }, 60_000);
});

describe('export jobs', () => {
  it('joins a running export of the same folder, and reports a failed one with the file at fault', async () => {
    const jobs = new ExportJobs();
    const seen: string[] = [];
    jobs.subscribe((job) => seen.push(`${job.status}:${job.phase ?? '-'}`));
    const junk = join(home.path, 'junk.pt');
    writeFileSync(junk, 'not a checkpoint');
    const request = { runId: null, runDir: home.path, label: 'junk', checkpointFile: junk, outDir: join(home.path, 'junk-bundle') };
    const first = jobs.start(request);
    const second = jobs.start(request);
    expect(second.job.id).toBe(first.job.id);
    const done = await first.done;
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/junk\.pt/);
    expect(existsSync(request.outDir)).toBe(false);
    expect(seen[0]).toBe('running:-');
    expect(seen.at(-1)).toBe('failed:load');
    expect(jobs.list().map((job) => job.id)).toEqual([first.job.id]);
  }, 60_000);
});
