/**
 * One exported decoder on onnxruntime-node: a step over new columns with the keys/values of the
 * earlier ones (the graph's I/O is `DECODER_IO` in src/common/inspector.ts), and the logit-lens
 * graph. The execution provider is the best one that loads: CUDA where the installed
 * onnxruntime-node has its provider binaries, else the CPU.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { DECODER_IO, type BundleManifest } from '../../common/inspector.js';

/** The keys and values of every earlier column: one [batch, kv_heads, length, head_dim] pair per layer. */
export interface PastKeyValues {
  keys: ort.Tensor[];
  values: ort.Tensor[];
  batch: number;
  length: number;
}

export interface StepInput {
  /** [batch, seq, hidden], row-major. */
  embeds: Float32Array;
  batch: number;
  seq: number;
  /** Positions of the new columns, [batch, seq]. */
  positions: number[][];
  /** 1 = attend, over past and new columns ([batch, past + seq]); default all ones. */
  mask?: number[][];
  past: PastKeyValues | null;
  /** Also return every layer's hidden state (for the logit lens). */
  withLayers?: boolean;
}

export interface StepOutput {
  /** [batch, seq, vocab] */
  logits: Float32Array;
  /** [batch, seq, hidden], after the final norm: what is fed back as a thought. */
  lastHidden: Float32Array;
  /** [layers + 1, batch, seq, hidden] when asked for. */
  layers: Float32Array | null;
  present: PastKeyValues;
}

/** The provider names onnxruntime-node may offer, best first. */
const PREFERRED_PROVIDERS = ['cuda', 'cpu'] as const;

/** Whether the installed onnxruntime-node carries CUDA provider binaries (its install script downloads them where it can). */
export function cudaProviderInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const packageDir = dirname(require.resolve('onnxruntime-node/package.json'));
    const binDir = join(packageDir, 'bin', `napi-v6`, process.platform, process.arch);
    return existsSync(join(binDir, 'libonnxruntime_providers_cuda.so'));
  } catch {
    return false;
  }
}

async function createSession(path: string, threads: number | undefined): Promise<{ session: ort.InferenceSession; provider: string }> {
  const candidates = PREFERRED_PROVIDERS.filter((name) => name !== 'cuda' || cudaProviderInstalled());
  let lastError: unknown = null;
  for (const provider of candidates) {
    try {
      // One provider at a time, so that the one reported is the one that runs.
      const session = await ort.InferenceSession.create(path, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        ...(threads ? { intraOpNumThreads: threads } : {}),
      });
      return { session, provider };
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

export class OnnxDecoder {
  private constructor(
    readonly manifest: BundleManifest,
    private readonly decoder: ort.InferenceSession,
    private readonly lensSession: ort.InferenceSession,
    readonly provider: string,
  ) {}

  static async open(bundleDir: string, manifest: BundleManifest, options: { threads?: number } = {}): Promise<OnnxDecoder> {
    const decoder = await createSession(join(bundleDir, manifest.files.decoder), options.threads);
    const lens = await createSession(join(bundleDir, manifest.files.lens), options.threads);
    checkDecoderNames(decoder.session, manifest);
    return new OnnxDecoder(manifest, decoder.session, lens.session, decoder.provider);
  }

  get layers(): number {
    return this.manifest.model.layers;
  }

  /** Keys/values of no columns, for a first pass. */
  emptyPast(batch: number): PastKeyValues {
    const { layers, kv_heads: heads, head_dim: dim } = this.manifest.model;
    const empty = () => new ort.Tensor('float32', new Float32Array(0), [batch, heads, 0, dim]);
    return { keys: Array.from({ length: layers }, empty), values: Array.from({ length: layers }, empty), batch, length: 0 };
  }

  async step(input: StepInput): Promise<StepOutput> {
    const { batch, seq } = input;
    const past = input.past ?? this.emptyPast(batch);
    if (past.batch !== batch) throw new Error(`internal: past of batch ${past.batch} for a step of batch ${batch}`);
    const width = past.length + seq;
    const mask = new BigInt64Array(batch * width);
    const positions = new BigInt64Array(batch * seq);
    for (let b = 0; b < batch; b++) {
      for (let c = 0; c < width; c++) mask[b * width + c] = BigInt(input.mask?.[b]?.[c] ?? 1);
      for (let c = 0; c < seq; c++) positions[b * seq + c] = BigInt(input.positions[b]?.[c] ?? 0);
    }
    const { inputs, outputs } = DECODER_IO;
    const feeds: Record<string, ort.Tensor> = {
      [inputs.embeds]: new ort.Tensor('float32', input.embeds, [batch, seq, this.manifest.model.hidden_size]),
      [inputs.mask]: new ort.Tensor('int64', mask, [batch, width]),
      [inputs.positions]: new ort.Tensor('int64', positions, [batch, seq]),
    };
    const fetches: string[] = [outputs.logits, outputs.lastHidden];
    if (input.withLayers) fetches.push(outputs.hiddenStates);
    for (let i = 0; i < this.layers; i++) {
      feeds[`${inputs.pastKey}${i}`] = past.keys[i] as ort.Tensor;
      feeds[`${inputs.pastValue}${i}`] = past.values[i] as ort.Tensor;
      fetches.push(`${outputs.presentKey}${i}`, `${outputs.presentValue}${i}`);
    }
    const result = await this.decoder.run(feeds, fetches);
    const tensor = (name: string) => result[name] as ort.Tensor;
    return {
      logits: tensor(outputs.logits).data as Float32Array,
      lastHidden: tensor(outputs.lastHidden).data as Float32Array,
      layers: input.withLayers ? (tensor(outputs.hiddenStates).data as Float32Array) : null,
      present: {
        keys: Array.from({ length: this.layers }, (_, i) => tensor(`${outputs.presentKey}${i}`)),
        values: Array.from({ length: this.layers }, (_, i) => tensor(`${outputs.presentValue}${i}`)),
        batch,
        length: width,
      },
    };
  }

  /** The LM head after the final norm, for `rows` hidden states ([rows, hidden] → [rows, vocab]). */
  async lens(hidden: Float32Array, rows: number): Promise<Float32Array> {
    const result = await this.lensSession.run({ hidden: new ort.Tensor('float32', hidden, [rows, this.manifest.model.hidden_size]) });
    return (result.logits as ort.Tensor).data as Float32Array;
  }

  /** The same past repeated `times` along the batch (every candidate continues one context). */
  static tile(past: PastKeyValues, times: number): PastKeyValues {
    if (past.batch !== 1) throw new Error('internal: only a batch-1 past can be tiled');
    const repeat = (tensor: ort.Tensor) => {
      const data = tensor.data as Float32Array;
      const out = new Float32Array(data.length * times);
      for (let t = 0; t < times; t++) out.set(data, t * data.length);
      return new ort.Tensor('float32', out, [times, ...tensor.dims.slice(1)]);
    };
    return { keys: past.keys.map(repeat), values: past.values.map(repeat), batch: times, length: past.length };
  }

  async release(): Promise<void> {
    await this.decoder.release();
    await this.lensSession.release();
  }
}

/** A decoder graph without the names this manifest promises is a foreign or damaged file. */
function checkDecoderNames(session: ort.InferenceSession, manifest: BundleManifest): void {
  const { inputs, outputs } = DECODER_IO;
  const wantedInputs: string[] = [inputs.embeds, inputs.mask, inputs.positions];
  const wantedOutputs: string[] = [outputs.logits, outputs.lastHidden, outputs.hiddenStates];
  for (let i = 0; i < manifest.model.layers; i++) {
    wantedInputs.push(`${inputs.pastKey}${i}`, `${inputs.pastValue}${i}`);
    wantedOutputs.push(`${outputs.presentKey}${i}`, `${outputs.presentValue}${i}`);
  }
  const missingIn = wantedInputs.filter((name) => !session.inputNames.includes(name));
  const missingOut = wantedOutputs.filter((name) => !session.outputNames.includes(name));
  if (missingIn.length || missingOut.length) {
    throw new Error(
      `${manifest.files.decoder} does not match the manifest (${manifest.model.layers} layers): missing ${[...missingIn, ...missingOut].slice(0, 4).join(', ')}`,
    );
  }
}
