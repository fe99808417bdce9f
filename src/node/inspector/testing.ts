/**
 * Real trained runs for the inspector's tests: a reachability dataset from the generator, a tiny
 * Coconut run trained by the engine, its checkpoint exported by the engine. Slow-ish (seconds):
 * tests build one per family and share it.
 */
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { runEnginePython } from '../engine/launcher.js';
import { generateDatasetFile } from '../datasets/generate.js';
import { getGenerator, resolveGeneratorParams } from '../datasets/generators.js';
import type { InspectRecord } from '../../common/inspector.js';
import { readDataset } from '../datasets/records.js';
import { loadBundle, type LoadedBundle } from './bundle.js';
import { ExportJobs } from './exportJobs.js';
import { OnnxDecoder } from './onnxDecoder.js';
import { startExport } from './runInspection.js';
import { resolveCheckpoint } from './runTargets.js';

export interface TrainedBundle {
  runDir: string;
  bundleDir: string;
  valPath: string;
  /** The checkpoint file the bundle was exported from. */
  checkpoint: string;
}

export interface TrainOptions {
  /** Records generated for training and validation (default 200 and 12). */
  counts?: { train: number; valid: number };
  /** Called with the generated data before training; what it returns is merged into the config (e.g. `model_id` of a model folder built on the training set). */
  prepare?: (data: { trainPath: string; valPath: string }) => Promise<Record<string, unknown>>;
  /** The checkpoint to export: `best` (default), `last`, … */
  checkpoint?: string;
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

/** Trains a tiny Coconut run (stages 0–2, one epoch each) in `dir/run` and exports its best checkpoint (or `options.checkpoint`). */
export async function trainAndExport(dir: string, configOverrides: Record<string, unknown> = {}, options: TrainOptions = {}): Promise<TrainedBundle> {
  const { trainPath, valPath } = await reachabilityData(dir, options.counts);
  const prepared = options.prepare ? await options.prepare({ trainPath, valPath }) : {};
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
      ...prepared,
      ...configOverrides,
    }),
  );
  const trained = await runEnginePython(['-m', 'coconut_engine', 'train', '--config', configPath, '--run-dir', runDir]);
  if (trained.code !== 0) throw new Error(`training failed: ${trained.stderr.slice(-2000)}`);
  const checkpoints = readdirSync(join(runDir, 'checkpoints'));
  if (!checkpoints.includes('best.pt')) throw new Error(`no best.pt in ${checkpoints.join(', ')}`);
  const ref = resolveCheckpoint(runDir, options.checkpoint ?? 'best');
  const { done } = startExport(new ExportJobs(), null, runDir, ref.label);
  const job = await done;
  if (job.status !== 'completed' || !job.out) throw new Error(`export failed: ${job.error}`);
  return { runDir, bundleDir: job.out, valPath, checkpoint: ref.file };
}

/** A tiny run trained and exported (`trainAndExport`), its bundle open on a one-thread decoder, and its validation records. */
export async function openTrainedBundle(
  dir: string,
  configOverrides: Record<string, unknown> = {},
): Promise<{ trained: TrainedBundle; bundle: LoadedBundle; decoder: OnnxDecoder; records: InspectRecord[] }> {
  const trained = await trainAndExport(dir, configOverrides);
  const bundle = loadBundle(trained.bundleDir);
  const decoder = await OnnxDecoder.open(bundle.dir, bundle.manifest, { threads: 1 });
  return { trained, bundle, decoder, records: await readDataset(trained.valPath) };
}

/** What `python -m coconut_engine inspect-reference` (reference.py) computes for one question. */
export interface ReferenceInspection {
  prompt_ids: number[];
  thought_vectors: number[][];
  thought_probs: number[][];
  lens_probs: number[][][];
  eot_probs: number[][];
  generated_ids: number[];
  generated_text: string;
}

/**
 * The engine's Python for the family tests: a tiny model folder of a transformers family with a
 * byte-level BPE tokenizer trained on the training set, and reference inspections in batches
 * (one process for many questions, where the `inspect-reference` command starts one per question). JSON in
 * on stdin, out through the file named `result` (stdout is left to the libraries).
 */
const ENGINE_HELPER = String.raw`
import json, sys

request = json.load(sys.stdin)

# Llama 3's and Qwen2's pre-tokenizer patterns (as bpeTokenizerProbe.ts builds them).
LLAMA3 = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
QWEN2 = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""


def family_model(family, train_path, out, merges):
    """A tiny random-weight model folder: a byte-level BPE tokenizer trained on the training set's
    texts (Llama 3 layout with a BOS template, Qwen2 layout, or GPT-2's) and a model of that
    family (engine/tests/conftest.py tiny_family_model, longer positions)."""
    import torch
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    with open(train_path, encoding="utf-8") as file:
        records = json.load(file)
    corpus = [text for record in records for text in [record["question"], *record["steps"], record["answer"]]]
    tokenizer = Tokenizer(models.BPE(ignore_merges=family == "llama"))
    if family == "gpt2":
        tokenizer.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    else:
        tokenizer.pre_tokenizer = pre_tokenizers.Sequence([
            pre_tokenizers.Split(Regex(LLAMA3 if family == "llama" else QWEN2), behavior="isolated"),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ])
    if family == "qwen2":
        tokenizer.normalizer = normalizers.NFC()
    tokenizer.decoder = decoders.ByteLevel()
    specials = {"llama": ["<|begin_of_text|>", "<|end_of_text|>"], "qwen2": ["<|endoftext|>"], "gpt2": ["<|endoftext|>"]}[family]
    alphabet = pre_tokenizers.ByteLevel.alphabet()
    trainer = trainers.BpeTrainer(vocab_size=len(alphabet) + len(specials) + merges, special_tokens=specials, initial_alphabet=alphabet, show_progress=False)
    tokenizer.train_from_iterator(corpus, trainer)
    if family == "llama":
        bos = tokenizer.token_to_id("<|begin_of_text|>")
        tokenizer.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B:1", special_tokens=[("<|begin_of_text|>", bos)]),
        ])
        names = {"bos_token": "<|begin_of_text|>", "eos_token": "<|end_of_text|>"}
    else:
        tokenizer.post_processor = processors.ByteLevel(trim_offsets=False)
        names = {"eos_token": "<|endoftext|>"}
    hf_tokenizer = PreTrainedTokenizerFast(tokenizer_object=tokenizer, **names)
    hf_tokenizer.save_pretrained(out)

    torch.manual_seed(1)
    vocab_size = len(hf_tokenizer)
    if family == "gpt2":
        from transformers import GPT2Config, GPT2LMHeadModel
        model = GPT2LMHeadModel(GPT2Config(vocab_size=vocab_size, n_positions=512, n_embd=32, n_layer=2, n_head=2, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0))
    else:
        sizes = {"vocab_size": vocab_size, "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2, "max_position_embeddings": 512}
        if family == "llama":
            from transformers import LlamaConfig, LlamaForCausalLM
            model = LlamaForCausalLM(LlamaConfig(**sizes))
        else:
            from transformers import Qwen2Config, Qwen2ForCausalLM
            model = Qwen2ForCausalLM(Qwen2Config(tie_word_embeddings=True, **sizes))
    model.save_pretrained(out)
    sample = records[0]
    return {
        "vocab_size": vocab_size,
        "question_tokens": len(hf_tokenizer(sample["question"] + "\n")["input_ids"]),
        "edge": hf_tokenizer.convert_ids_to_tokens(hf_tokenizer(sample["steps"][0], add_special_tokens=False)["input_ids"]),
    }


def reference(checkpoint, queries):
    """reference.py's inspection of each query, plus the probability of token sequences after
    question, <bot>, k thoughts, <eot> (the markers where the method has them) and a prefix: the
    product of each token's probability in context, from the engine's own model.run."""
    import torch
    from coconut_engine.batching import collate
    from coconut_engine.export import load_source
    from coconut_engine.model import CoconutModel
    from coconut_engine.reference import prompt_ids, reference_inspection

    source = load_source(checkpoint)
    codec, lm = source.codec, source.causal_lm
    model = CoconutModel(lm, codec.latent_id, feedback=source.curriculum.feeds_back_thoughts).eval()
    head = lm.get_output_embeddings()
    results = []
    for query in queries:
        result = reference_inspection(checkpoint, query["question"], query["thoughts"], cache=query["cache"])
        ids, first, _ = prompt_ids(source, query["question"], query["thoughts"])
        passes = {}  # fed ids -> next-token probabilities at each column (one pass per distinct input)

        def run(fed, k):
            key = (k, tuple(fed))
            if key not in passes:
                batch = collate([fed], codec.latent_id, codec.pad_id, align_end=True)
                with torch.no_grad():
                    hidden = model.run(batch.input_ids, batch.attention_mask, batch.position_ids, first, k).hidden[0]
                    passes[key] = torch.softmax(head(hidden).float(), dim=-1)
            return passes[key]

        sequences = []
        for scored in query.get("sequences", []):
            k, prefix, tokens = scored["k"], scored["prefix"], scored["tokens"]
            context = [*ids[: first + k], *([codec.eot_id] if source.curriculum.uses_markers else []), *prefix]
            # Column len(context) - 1 + t predicts token t; the last token need not be fed.
            probs = run([*context, *tokens[:-1]], k)
            p = 1.0
            for t, token in enumerate(tokens):
                p *= float(probs[len(context) - 1 + t, token])
            sequences.append(p)
        result["sequence_probs"] = sequences
        results.append(result)
    return results


kind = request["kind"]
if kind == "family-model":
    answer = family_model(request["family"], request["train_path"], request["out"], request["merges"])
elif kind == "reference":
    answer = reference(request["checkpoint"], request["queries"])
else:
    raise SystemExit(f"unknown request {kind}")
with open(request["result"], "w", encoding="utf-8") as file:
    json.dump(answer, file)
`;

async function engineHelper<T>(dir: string, request: Record<string, unknown>): Promise<T> {
  const result = join(dir, `helper-${process.pid}-${Math.random().toString(36).slice(2)}.json`);
  const { code, stderr } = await runEnginePython(['-c', ENGINE_HELPER], {
    stdin: JSON.stringify({ ...request, result }),
    env: { HF_HUB_OFFLINE: '1', TRANSFORMERS_VERBOSITY: 'error', TOKENIZERS_PARALLELISM: 'false', PYTHONIOENCODING: 'utf-8' },
  });
  if (code !== 0) throw new Error(`the engine helper (${String(request.kind)}) failed with exit code ${code}: ${stderr.slice(-2000)}`);
  try {
    return JSON.parse(readFileSync(result, 'utf8')) as T;
  } finally {
    rmSync(result, { force: true });
  }
}

export type TinyFamily = 'llama' | 'qwen2' | 'gpt2';

export interface TinyFamilyModel {
  /** The folder (`save_pretrained` of tokenizer and model): a run's `model_id`. */
  dir: string;
  vocab_size: number;
  /** Tokens of the first training question with its newline (special tokens included). */
  question_tokens: number;
  /** The tokens the first training step is written with. */
  edge: string[];
}

/**
 * A random-weight model folder of `family` (2 layers, 32 wide; llama and qwen2 with 4 query heads
 * over 2 key/value heads, qwen2 with tied embeddings) whose tokenizer is a byte-level BPE trained
 * by Python `tokenizers` on the texts of `trainPath`, with `merges` merges: Llama 3's layout (its
 * pre-tokenizer pattern, a template adding BOS), Qwen2's (NFC, single digits) or GPT-2's.
 */
export async function tinyFamilyModel(dir: string, family: TinyFamily, trainPath: string, merges = 40): Promise<TinyFamilyModel> {
  const out = join(dir, `tiny-${family}`);
  const info = await engineHelper<Omit<TinyFamilyModel, 'dir'>>(dir, { kind: 'family-model', family, train_path: trainPath, out, merges });
  return { dir: out, ...info };
}

/** Token sequences scored after question, k thoughts, the closing marker and `prefix`. */
export interface ScoredSequence {
  k: number;
  prefix: number[];
  tokens: number[];
}

export interface ReferenceQuery {
  question: string;
  thoughts: number;
  cache: boolean;
  sequences?: ScoredSequence[];
}

export interface BatchReference extends ReferenceInspection {
  /** Per `sequences` entry: the product of its tokens' probabilities, each in context (PyTorch). */
  sequence_probs: number[];
}

/** reference.py's inspection for many queries in one engine process, plus the probabilities of token sequences after `<eot>`. */
export async function referenceInspections(checkpoint: string, queries: ReferenceQuery[]): Promise<BatchReference[]> {
  return engineHelper<BatchReference[]>(dirname(checkpoint), { kind: 'reference', checkpoint, queries });
}
