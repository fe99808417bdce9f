"""``python -m coconut_engine bench --data FILE``: training and evaluation throughput on a fixed
small config, measured side by side with the plain implementation in naive.py.

The fixed config: a 2-layer, 128-wide GPT-2 built from a config with a word-level vocabulary,
ProsQA-format records, batch 32, ``c_thought`` 1. What is measured, in one process on the same
weights:

- training (forward, backward, AdamW step) at stage 0 and at stage 3, vectorised (model.py);
- the same training step with the naive forward, at stage 3, and the loss of both on one batch
  (they must agree to 1e-5);
- evaluation at 6 thoughts: batched KV-cached greedy decoding against batch-1, cache-free
  decoding, with the generated tokens compared;
- peak memory (resident set on CPU, allocated on CUDA);
- with ``compile``, the stage-3 training step again with the body under ``torch.compile``
  (compilation happens in untimed warm-up steps).

Every ratio it prints compares two figures measured in this process. The reference
implementation is not run here; the README quotes a side-by-side measurement of it, with its method.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import torch

from .batching import collate, collate_samples
from .build import build_model
from .config import config_from_dict
from .curriculum import Curriculum, encode_record
from .data import load_records
from .errors import ConfigError
from .model import CoconutModel
from .naive import naive_greedy, naive_loss
from .runtime import autocast, resolve_device

BATCH_SIZE = 32
# Evaluation batches: decoding one token at a time is latency-bound, so wider batches pay off.
EVAL_BATCH_SIZE = 128
TRAIN_STAGES = (0, 3)
EVAL_THOUGHTS = 6
LOSS_TOLERANCE = 1e-5


@dataclass
class Timing:
    name: str
    samples_per_s: float
    tokens_per_s: float | None = None
    seconds: float = 0.0
    samples: int = 0


@dataclass
class BenchResult:
    device: str
    threads: int
    records: int
    parameters: int
    timings: list[Timing] = field(default_factory=list)
    loss_difference: dict[str, float] = field(default_factory=dict)
    eval_outputs_match: bool | None = None
    peak_memory_mb: float = 0.0

    def rate(self, name: str) -> float:
        return next(t.samples_per_s for t in self.timings if t.name == name)


def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def _timed(device: torch.device, work: Callable[[], int], repeats: int) -> tuple[float, int]:
    """Seconds for ``repeats`` calls of ``work`` after one warm-up call, and the tokens they counted."""
    work()
    _sync(device)
    start = time.perf_counter()
    tokens = sum(work() for _ in range(repeats))
    _sync(device)
    return time.perf_counter() - start, tokens


def run_bench(data_path: str, device_name: str, steps: int, bf16: bool, progress: Callable[[str], object], compile: bool = False) -> BenchResult:
    device = resolve_device(device_name)
    records = load_records(data_path, "data")
    config = config_from_dict(
        {
            "train_path": data_path,
            "val_path": data_path,
            "coconut": True,
            "c_thought": 1,
            "max_latent_stage": EVAL_THOUGHTS,
            "pad_latent_to_max": True,
            # The fixed small model; official ProsQA questions with 6 thoughts need ~400 positions.
            "offline_model": {"n_layer": 2, "n_embd": 128, "n_head": 4, "n_positions": 1024},
        }
    )
    torch.manual_seed(0)
    built = build_model(config, records)  # the engine's own offline GPT-2 and word-level vocabulary
    codec, lm = built.codec, built.causal_lm.to(device)  # type: ignore[arg-type]  # transformers types .to as if unbound
    curriculum = Curriculum.from_config(config, codec)
    encoded = [encode_record(r, codec) for r in records]
    if len(encoded) < BATCH_SIZE:
        raise ConfigError(f"{data_path}: the benchmark needs at least {BATCH_SIZE} records, found {len(encoded)}", where="data")
    model = CoconutModel(lm, codec.latent_id, feedback=True).to(device)
    compiled = None
    if compile:
        # A second wrapper over the same weights, so the eager figures above stay eager.
        compiled = CoconutModel(lm, codec.latent_id, feedback=True)
        compiled.compile_body()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    result = BenchResult(str(device), torch.get_num_threads(), len(records), sum(p.numel() for p in lm.parameters()))

    def batches(stage: int) -> list[list]:
        samples = [curriculum.training_sample(item, stage) for item in encoded]
        return [samples[i : i + BATCH_SIZE] for i in range(0, len(samples) - BATCH_SIZE + 1, BATCH_SIZE)]

    def train_step(samples: list, variant: str) -> int:
        optimizer.zero_grad(set_to_none=True)
        with autocast(device, bf16):
            if variant == "naive":
                loss = naive_loss(lm, samples, codec.latent_id)
            else:
                which = compiled if variant == "compiled" and compiled is not None else model
                loss = which.loss(collate_samples(samples, codec.latent_id, codec.pad_id, align_thoughts=True).to(device))
        loss.backward()
        optimizer.step()
        return sum(len(sample.input_ids) for sample in samples)

    initial_state = {k: v.detach().clone() for k, v in lm.state_dict().items()}
    for stage in TRAIN_STAGES:
        stage_batches = batches(stage)
        # Equality first, on the untrained weights and the first batch, in full precision.
        with torch.no_grad():
            vectorised = model.loss(collate_samples(stage_batches[0], codec.latent_id, codec.pad_id, align_thoughts=True).to(device))
            plain = naive_loss(lm, stage_batches[0], codec.latent_id)
        result.loss_difference[f"stage_{stage}"] = abs(float(vectorised) - float(plain))

        variants = ["vectorised"]
        if stage == TRAIN_STAGES[-1]:
            variants += ["naive"] + (["compiled"] if compiled is not None else [])
        for variant in variants:
            name = f"train_stage_{stage}" + ("" if variant == "vectorised" else f"_{variant}")
            # The naive pass is slow: two steps say enough.
            repeats = max(1, min(steps, 2)) if variant == "naive" else steps
            if variant == "compiled":
                progress(f"{name}: compiling (untimed warm-up steps) …")
                for warmup in stage_batches[:3]:
                    train_step(warmup, variant)
            progress(f"{name}: {repeats} step(s) of batch {BATCH_SIZE} …")
            cursor = iter(stage_batches * (repeats + 1))
            seconds, tokens = _timed(device, lambda: train_step(next(cursor), variant), repeats)  # noqa: B023 - called within this iteration
            samples = repeats * BATCH_SIZE
            result.timings.append(Timing(name, samples / seconds, tokens / seconds, seconds, samples))
            lm.load_state_dict(initial_state)  # every variant starts from the same weights
            optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)

    model.eval()
    prompts = [curriculum.eval_prompt(item, EVAL_THOUGHTS)[0] for item in encoded]
    batched_questions = min(len(prompts), 2 * EVAL_BATCH_SIZE)
    naive_questions = min(len(prompts), 4)
    max_new_tokens = 64

    def eval_batched() -> int:
        outputs.clear()
        for i in range(0, batched_questions, EVAL_BATCH_SIZE):
            group = prompts[i : min(i + EVAL_BATCH_SIZE, batched_questions)]
            with autocast(device, bf16):
                generated = model.generate(collate(group, codec.latent_id, codec.pad_id, align_end=True).to(device), max_new_tokens, codec.eos_id)
            outputs.extend(generated or [])
        return 0

    outputs: list[list[int]] = []
    progress(f"eval: {batched_questions} questions at {EVAL_THOUGHTS} thoughts, batched with a KV cache …")
    seconds, _ = _timed(device, eval_batched, 1)
    result.timings.append(Timing("eval", batched_questions / seconds, None, seconds, batched_questions))

    progress(f"eval_naive: {naive_questions} questions one at a time without a cache …")
    naive_outputs: list[list[int]] = []

    def eval_naive() -> int:
        naive_outputs.clear()
        for ids in prompts[:naive_questions]:
            with autocast(device, bf16):
                naive_outputs.append(naive_greedy(lm, ids, codec.latent_id, codec.eos_id, max_new_tokens))
        return 0

    seconds, _ = _timed(device, eval_naive, 1)
    result.timings.append(Timing("eval_naive", naive_questions / seconds, None, seconds, naive_questions))
    # Same weights, same prompts: greedy decoding must agree (bf16 may round differently).
    result.eval_outputs_match = outputs[:naive_questions] == naive_outputs

    if device.type == "cuda":
        result.peak_memory_mb = torch.cuda.max_memory_allocated() / 2**20
    else:
        scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: bytes on macOS, KiB on Linux
        result.peak_memory_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale / 2**20
    return result


def report(result: BenchResult) -> str:
    lines = [
        (
            f"bench on {result.device} ({result.threads} threads): 2-layer 128-wide GPT-2 ({result.parameters / 1e3:.0f}k parameters), "
            f"{result.records} ProsQA-format records, training batch {BATCH_SIZE}, evaluation batch {EVAL_BATCH_SIZE}, c_thought 1"
        ),
        "",
        f"{'measure':<22}{'samples/s':>12}{'tokens/s':>12}   vs naive (same run)",
    ]
    naive_of = {"train_stage_3": "train_stage_3_naive", "train_stage_3_compiled": "train_stage_3_naive", "eval": "eval_naive"}
    for timing in result.timings:
        against_naive = f"{timing.samples_per_s / result.rate(naive_of[timing.name]):8.1f}×" if timing.name in naive_of else " " * 9
        tokens = f"{timing.tokens_per_s:12.0f}" if timing.tokens_per_s is not None else " " * 12
        lines.append(f"{timing.name:<22}{timing.samples_per_s:12.2f}{tokens}  {against_naive}")
    lines += [
        "",
        "loss, vectorised vs naive on the same weights and batch: "
        + ", ".join(f"{stage} |Δ| = {difference:.1e}" for stage, difference in result.loss_difference.items())
        + (" (within 1e-5)" if all(d <= LOSS_TOLERANCE for d in result.loss_difference.values()) else " (OUTSIDE 1e-5)"),
        f"greedy outputs, batched+cached vs naive: {'identical' if result.eval_outputs_match else 'DIFFERENT'}",
        f"peak memory: {result.peak_memory_mb:.0f} MiB",
        *(
            [f"torch.compile at stage 3: {result.rate('train_stage_3_compiled') / result.rate('train_stage_3'):.2f}× the eager step"]
            if any(t.name == "train_stage_3_compiled" for t in result.timings)
            else []
        ),
    ]
    return "\n".join(lines)


def to_json(result: BenchResult) -> str:
    return json.dumps(asdict(result), indent=2)

