"""The training run: data → model → epochs through the curriculum → evaluation → checkpoints.

One function, ``run``, reads top to bottom like the method: each epoch picks its curriculum
stage, rebuilds the samples for that stage, trains with gradient accumulation, evaluates on the
validation set, and saves. Everything the workbench shows arrives as events (events.py).

The run directory's layout and the rule that protects it are in rundir.py.

With ``only_eval`` it evaluates the checkpoint once, or with ``eval_thoughts`` once per listed
thought count k (exactly k thoughts, then ``<eot>``; one ``eval`` event and one
``predictions/eval-N-kK.jsonl`` per k); the run's best and final accuracy are then the largest k's.

Under torchrun every process runs this same loop on its share of the data (distributed.py);
only rank 0 writes events, the tokenizer, checkpoints and the predictions files (every process's rows
gathered to it).
"""

from __future__ import annotations

import functools
import math
import platform
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import tokenizers
import torch
import transformers

from . import __version__, distributed
from .batching import collate_samples
from .build import build_model, describe_model, max_positions
from .cancel import Cancellation
from .checkpoint import make_payload, restore_rng_state, rng_state, save_atomically
from .config import OFFLINE_MODEL_ID, RunConfig
from .curriculum import Curriculum, EncodedRecord, Sample, StagePlan, encode_record
from .data import Datasets, Record
from .distributed import Ranks
from .errors import EngineError
from .evaluate import EvalResult, chance_accuracy, evaluate, write_predictions
from .events import EventLog, progress, set_progress_enabled
from .model import CoconutModel
from .rundir import (
    BEST_CHECKPOINT_NAME,
    CHECKPOINT_DIR,
    TOKENIZER_FILE,
    epoch_checkpoint_name,
    write_text_atomically,
)
from .runtime import autocast, configure_threads, seed_everything
from .tokenizer import TextCodec, pretty_json

# `debug: true` trains and evaluates on these many records (quick checks of a config).
DEBUG_TRAIN_RECORDS = 256
DEBUG_VAL_RECORDS = 32
# Seconds between two progress lines on stderr.
PROGRESS_INTERVAL_S = 5.0
# How often evaluation reports how far it got (an `eval_progress` event, for progress bars).
EVAL_PROGRESS_INTERVAL_S = 1.0


@dataclass
class Outcome:
    status: str  # "completed" or "cancelled"
    best_accuracy: float | None
    best_epoch: int | None
    final_accuracy: float | None


def versions() -> dict[str, str]:
    return {
        "engine": __version__,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "tokenizers": tokenizers.__version__,
    }


def longest_sample(encoded: Sequence[EncodedRecord], curriculum: Curriculum, stages: Sequence[int]) -> int:
    """Tokens in the longest training sample any of ``stages`` (or a uniform draw) produces."""
    markers = 2 if curriculum.uses_markers else 0
    longest = 0
    for item in encoded:
        candidates = set(stages)
        if curriculum.uniform_prob > 0:
            candidates.update(range(item.n_steps + 1))
        for stage in candidates:
            removed, thoughts = curriculum.removed_and_thoughts(stage, item.n_steps)
            thoughts = thoughts if curriculum.uses_markers else 0
            kept = sum(len(step) for step in item.steps[removed:])
            longest = max(longest, len(item.question) + markers + thoughts + kept + len(item.answer))
    return longest


def epoch_samples(encoded: Sequence[EncodedRecord], curriculum: Curriculum, stage: int, seed: int, epoch: int, shuffle: bool = True):
    """This epoch's training samples in this epoch's order (deterministic for (seed, epoch), so a
    resumed run sees the same data as an uninterrupted one)."""
    rng = random.Random(seed * 1_000_003 + epoch)
    samples = [curriculum.draw_sample(item, stage, rng) for item in encoded]
    if shuffle:
        rng.shuffle(samples)
    return samples


def check_stages_have_steps(curriculum: Curriculum, plan: Sequence[StagePlan], max_steps: int, only_eval: bool) -> None:
    """A curriculum stage k replaces k steps; a planned stage beyond the longest record's steps
    would have no step left to replace in any record, which is a config that does not fit the data."""
    if only_eval or curriculum.method not in ("coconut", "no_thoughts", "pause_as_thought") or not curriculum.use_curriculum:
        return
    empty = [entry.stage for entry in plan if max_steps < entry.stage <= curriculum.max_latent_stage]
    if empty:
        raise EngineError(
            f"config key 'max_latent_stage' is {curriculum.max_latent_stage}, but the longest training record has {max_steps} "
            f"step{'s' if max_steps != 1 else ''}: stage {empty[0]} would have no steps left to replace; set max_latent_stage to at most {max_steps}",
            where="max_latent_stage",
        )


def check_forced_prompts_fit(encoded: Sequence[EncodedRecord], thoughts: int, position_limit: int | None) -> None:
    """With ``thoughts`` forced, the longest question's prompt must leave the model a position to answer in."""
    if position_limit is None or not encoded:
        return
    prompt = max(len(item.question) for item in encoded) + thoughts + 2  # <bot> and <eot>
    if prompt >= position_limit:
        raise EngineError(
            f"config key 'eval_thoughts': {thoughts} thoughts after the longest validation question make a {prompt}-token prompt, "
            f"but the model has {position_limit} positions; force fewer thoughts",
            where="eval_thoughts",
        )


def forced_thoughts_warning(checkpoint: dict | None) -> str | None:
    """A checkpoint trained with uniform_prob 0 saw only its curriculum stages' thought counts;
    forcing other counts asks it something it was never trained on (the paper's analysis models
    mixed in other stages with uniform_prob 0.3)."""
    trained = checkpoint.get("run_config") if checkpoint else None
    if not trained or trained.get("uniform_prob") != 0:
        return None
    return (
        f"the checkpoint was trained with uniform_prob 0 (up to stage {checkpoint.get('stage')}, c_thought {trained.get('c_thought')}): "
        "it saw only the thought counts of its curriculum stages, so other counts are outside what it was trained on; "
        "the paper's analysis models were trained with uniform_prob 0.3"
    )


def out_of_memory_error(config: RunConfig, device: torch.device) -> EngineError:
    """What to do when a training batch does not fit: halve it and accumulate twice as many
    micro-batches, so each optimizer step still sees the same number of samples."""
    batch, accumulation = config.batch_size_training, config.gradient_accumulation_steps
    if batch == 1:
        return EngineError(
            f"one sample does not fit in memory on {device}: use a smaller model, shorter samples, or bf16 on a GPU",
            where="batch_size_training",
        )
    smaller = batch // 2
    steps = accumulation * math.ceil(batch / smaller)
    return EngineError(
        f"batch_size_training {batch} does not fit in memory on {device}; try batch_size_training {smaller} with "
        f"gradient_accumulation_steps {steps} (about the same {batch * accumulation} samples per optimizer step)",
        where="batch_size_training",
    )


def batch_loader(batches: list[list[Sample]], codec: TextCodec, curriculum: Curriculum, workers: int, device: torch.device):
    """Collated micro-batches in order. With ``workers`` > 0 they are built in background
    processes (and page-locked for a GPU) while the model trains on the previous ones."""
    collate = functools.partial(collate_samples, latent_id=codec.latent_id, pad_id=codec.pad_id, align_thoughts=curriculum.feeds_back_thoughts)
    if workers == 0:
        return map(collate, batches)
    # batch_size=None: each item is already a micro-batch's samples, handed to collate as is.
    return torch.utils.data.DataLoader(batches, batch_size=None, collate_fn=collate, num_workers=workers, pin_memory=device.type == "cuda")


def make_optimizer(model: torch.nn.Module, config: RunConfig) -> torch.optim.Optimizer:
    return torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)


def run(config: RunConfig, datasets: Datasets, run_dir: Path, events: EventLog, cancel: Cancellation, ranks: Ranks | None = None) -> Outcome:
    """Train (or only evaluate) one run. Under torchrun every process calls this with its
    ``ranks``; only rank 0 writes (``events`` of the others is never written to)."""
    ranks = ranks or Ranks()
    is_main = ranks.is_main
    if not is_main:
        events = EventLog(None)
        set_progress_enabled(False)
    run_started = time.time()
    configure_threads(config.num_threads)
    seed_everything(config.seed)
    device = distributed.start(ranks, config.device)
    if config.use_bf16 and device.type != "cuda":
        events.emit("log", level="warning", message="bf16 is ignored on CPU: training runs in float32")

    # ---- data (already validated by the caller) ---------------------------------------------------
    train_records: list[Record] = datasets.train
    val_records = datasets.val
    if config.debug:
        train_records, val_records = train_records[:DEBUG_TRAIN_RECORDS], val_records[:DEBUG_VAL_RECORDS]
    if config.max_val_samples is not None:
        val_records = val_records[: config.max_val_samples]

    # ---- model, tokenizer, curriculum ------------------------------------------------------------
    built = build_model(config, train_records)
    codec = built.codec
    train_encoded = [encode_record(record, codec) for record in train_records]
    val_encoded = [encode_record(record, codec) for record in val_records]
    curriculum = Curriculum.from_config(config, codec).with_reasoning_lengths(train_encoded)
    # Each process scores its own share of the validation set; the counts are summed.
    val_share = distributed.deal(range(len(val_records)), ranks, pad=False)
    val_records_here = [val_records[i] for i in val_share]
    val_encoded_here = [val_encoded[i] for i in val_share]
    max_steps = max((item.n_steps for item in train_encoded or val_encoded), default=0)
    plan = curriculum.plan(config.resume, config.resume + 1 if config.only_eval else config.num_epochs, max_steps)
    check_stages_have_steps(curriculum, plan, max_steps, config.only_eval)
    position_limit = max_positions(built.causal_lm)
    if position_limit is not None and train_encoded:
        longest = longest_sample(train_encoded, curriculum, [entry.stage for entry in plan])
        if longest > position_limit:
            if built.source == "checkpoint":
                key = "load_model_path"
            else:
                key = "offline_model.n_positions" if built.model_id == OFFLINE_MODEL_ID else "model_id"
            raise EngineError(
                f"the longest training sample has {longest} tokens but the model has {position_limit} positions; "
                f"use a larger model ({key}) or shorter problems",
                where=key,
            )

    if is_main and not config.only_eval:
        write_text_atomically(pretty_json(codec), run_dir / TOKENIZER_FILE, shown=TOKENIZER_FILE)
    model = CoconutModel(built.causal_lm, codec.latent_id, feedback=curriculum.feeds_back_thoughts).to(device)
    if config.compile:
        model.compile_body()
    # What the training loop calls: the model itself, its DDP wrapper (which averages gradients), or
    # the model sharded in place (FSDP).
    trainable = distributed.wrap(model, built.causal_lm, ranks, device, config.distributed)
    sharded = distributed.is_sharded(model)
    if sharded:
        groups = sum(1 for module in model.modules() if distributed.is_sharded(module))
        blocks = f"{groups - 1} transformer block" + ("" if groups == 2 else "s")
        built.notes.append(f"FSDP: parameters sharded over {ranks.world} processes in {groups} groups ({blocks}, then embeddings and head)")
    optimizer = make_optimizer(model, config)
    checkpoint = built.checkpoint
    if (
        checkpoint is not None
        and checkpoint.get("optimizer")
        and config.resume > 0
        and checkpoint["epoch"] == config.resume
        and checkpoint["method"] == config.method
    ):
        if checkpoint.get("optimizer_format") == "by_name":
            distributed.load_full_optimizer_state(model, optimizer, checkpoint["optimizer"])
            restored = "optimizer"
        elif not sharded:
            optimizer.load_state_dict(checkpoint["optimizer"])
            restored = "optimizer"
        else:
            # torch's own format numbers parameters, which a sharded model cannot map back.
            restored = "no optimizer state (saved by an unsharded run), only the random-generator"
        if checkpoint.get("rng"):
            restore_rng_state(checkpoint["rng"])
        built.notes.append(f"{restored} state restored from the checkpoint (epoch {config.resume})")
    for note in built.notes:
        events.emit("log", level="info", message=note)
        progress(note)

    # Every process takes the same number of steps over its (padded) share of each epoch.
    micro_batches = math.ceil(math.ceil(len(train_encoded) / ranks.world) / config.batch_size_training)
    steps_per_epoch = math.ceil(micro_batches / config.gradient_accumulation_steps)
    events.emit(
        "started",
        method=config.method,
        num_epochs=config.num_epochs,
        resume_epoch=config.resume,
        steps_per_epoch=0 if config.only_eval else steps_per_epoch,
        train_samples=len(train_encoded),
        val_samples=len(val_encoded),
        chance_accuracy=chance_accuracy(val_records),
        stages=[entry.as_event() for entry in plan],
        device=str(device),
        world_size=ranks.world,
        model=describe_model(built.causal_lm, built.model_id, codec),
        versions=versions(),
    )
    progress(
        f"{config.method}: {len(train_encoded)} training / {len(val_encoded)} validation records, "
        f"{steps_per_epoch} steps per epoch, {len(plan)} stage(s), on {device}" + (f" × {ranks.world} processes" if ranks.active else "")
    )

    def evaluate_stage(stage: int, epoch: int, forced_thoughts: int | None = None) -> EvalResult | None:
        with distributed.Gathered(model):
            result = evaluate_share(stage, forced_thoughts, eval_progress_reporter(stage, epoch, forced_thoughts))
        if not ranks.active:
            return result
        # Shares differ in length, so the processes meet only here: cancelled anywhere means everywhere.
        local = result.counts() if result is not None else [0.0] * 6
        *summed, stopped = distributed.sum_across(ranks, [*local, float(result is None)], device)
        if stopped:
            return None
        assert result is not None
        correct, total, cot_correct, cot_total, new_tokens, forward_passes = (int(value) for value in summed)
        # Every question's row goes to rank 0, which writes the predictions file.
        shares: list[list[dict]] | None = [[] for _ in range(ranks.world)] if is_main else None
        torch.distributed.gather_object(result.predictions, shares, dst=0)
        predictions = [row for share in shares for row in share] if shares is not None else []
        return EvalResult(correct, total, cot_correct, cot_total, new_tokens, forward_passes, result.seconds, result.examples, predictions)

    def eval_progress_reporter(stage: int, epoch: int, forced_thoughts: int | None) -> Callable[[int, int], None]:
        """An `eval_progress` event at most every PROGRESS_INTERVAL_S and at the end. Under DDP rank 0
        reports its own share scaled to the whole set (the shares are within one question of equal)."""
        last = time.time()
        fixed: dict[str, object] = {} if forced_thoughts is None else {"forced_thoughts": forced_thoughts}

        def report(done: int, total: int) -> None:
            nonlocal last
            now = time.time()
            if done < total and now - last < EVAL_PROGRESS_INTERVAL_S:
                return
            last = now
            whole = len(val_records)
            events.emit("eval_progress", **fixed, stage=stage, epoch=epoch, done=min(whole, done * ranks.world), total=whole)

        return report

    def evaluate_share(stage: int, forced_thoughts: int | None, on_progress: Callable[[int, int], None]) -> EvalResult | None:
        return evaluate(
            model,
            codec,
            curriculum,
            val_records_here,
            val_encoded_here,
            thought_stage(stage),
            batch_size=config.eval_batch_size,
            max_new_tokens=config.max_new_tokens,
            position_limit=position_limit,
            device=device,
            bf16=config.use_bf16,
            should_stop=cancel,
            forced_thoughts=forced_thoughts,
            on_progress=on_progress,
        )

    def thought_stage(stage: int) -> int:
        """The stage whose thoughts evaluation gives each question (config key eval_stage)."""
        return stage if config.eval_stage == "current" else int(config.eval_stage)

    def report_eval(result: EvalResult, stage: int, epoch: int, forced_thoughts: int | None = None) -> None:
        fixed: dict[str, object] = {} if config.eval_stage == "current" else {"thought_stage": thought_stage(stage)}
        if forced_thoughts is not None:
            fixed["forced_thoughts"] = forced_thoughts
        # Written before the event that points to it; only rank 0 holds every row.
        if is_main:
            fixed["predictions"] = write_predictions(result.predictions, run_dir, epoch, config.only_eval, forced_thoughts)
        events.emit(
            "eval",
            **fixed,
            stage=stage,
            epoch=epoch,
            split="val",
            accuracy=result.accuracy,
            correct=result.correct,
            total=result.total,
            cot_match=result.cot_match,
            mean_new_tokens=result.mean_new_tokens,
            mean_forward_passes=result.mean_forward_passes,
            ms_per_question=result.ms_per_question,
            seconds=result.seconds,
        )
        cot = "" if result.cot_match is None else f", reasoning exact match {result.cot_match:.1%}"
        forced = "" if forced_thoughts is None else f" with {forced_thoughts} forced thought{'' if forced_thoughts == 1 else 's'}"
        progress(f"epoch {epoch + 1} eval{forced}: accuracy {result.correct}/{result.total} = {result.accuracy:.1%}{cot} ({result.seconds:.1f} s)")
        if result.examples:
            _, generated, answer = result.examples[0]
            progress(f"  e.g. generated {generated!r}, expected {answer!r}")

    def save(epoch: int, stage: int, accuracy: float | None, names: list[str], is_best: bool) -> None:
        # A sharded model is gathered with every process taking part; rank 0 alone writes.
        if sharded:
            prefix = "causal_lm."
            state_dict = {key.removeprefix(prefix): value for key, value in distributed.full_model_state(model).items()}
            optimizer_state, optimizer_format = distributed.full_optimizer_state(model, optimizer), "by_name"
        elif is_main:
            state_dict = built.causal_lm.state_dict()
            optimizer_state, optimizer_format = optimizer.state_dict(), "by_index"
        if not is_main:
            return
        payload = make_payload(
            state_dict=state_dict,
            model_id=built.model_id,
            model_config=built.causal_lm.config.to_dict(),
            tokenizer_json=codec.to_json(),
            tokenizer_meta=codec.metadata(),
            method=config.method,
            epoch=epoch + 1,
            stage=stage,
            optimizer_state=optimizer_state,
            optimizer_format=optimizer_format,
            accuracy=accuracy,
            run_config=config.to_dict(),
            engine_version=__version__,
            step=global_step,
            rng_state=rng_state(),
        )
        for name in names:
            relative = f"{CHECKPOINT_DIR}/{name}"
            save_atomically(payload, run_dir / relative, shown=relative)
            events.emit("checkpoint", stage=stage, epoch=epoch, path=relative, best=is_best)
            progress(f"saved {relative}")

    best_accuracy: float | None = None
    best_epoch: int | None = None
    final_accuracy: float | None = None

    def outcome(status: str) -> Outcome:
        return Outcome(status, best_accuracy, best_epoch, final_accuracy)

    # ---- evaluation only ---------------------------------------------------------------------
    if config.only_eval:
        stage = curriculum.stage_of_epoch(config.resume)
        entry = plan[0]
        events.emit("stage", stage=stage, epoch=config.resume, removed_steps=entry.removed_steps, thoughts=entry.thoughts, label=entry.label)
        if config.eval_thoughts is None:
            result = evaluate_stage(stage, config.resume)
            if result is None:
                return outcome("cancelled")
            report_eval(result, stage, config.resume)
        else:
            # The paper's §5 analysis: one evaluation per k with exactly k thoughts, then <eot>.
            counts = sorted(config.eval_thoughts)
            check_forced_prompts_fit(val_encoded, counts[-1], position_limit)
            warning = forced_thoughts_warning(built.checkpoint)
            if warning:
                events.emit("log", level="warning", message=warning)
                progress(f"warning: {warning}")
            for forced in counts:
                progress(f"evaluating {len(val_encoded)} questions with {forced} forced thought{'' if forced == 1 else 's'}")
                result = evaluate_stage(stage, config.resume, forced)
                if result is None:
                    return outcome("cancelled")
                report_eval(result, stage, config.resume, forced)
        # With eval_thoughts the run's accuracy is the largest k's (the last one evaluated).
        best_accuracy = final_accuracy = result.accuracy
        best_epoch = config.resume
        return outcome("completed")

    # ---- training ------------------------------------------------------------------------------
    plan_by_stage: dict[int, StagePlan] = {entry.stage: entry for entry in plan}
    global_step = config.resume * steps_per_epoch
    current_stage: int | None = None
    last_progress = 0.0
    for epoch in range(config.resume, config.num_epochs):
        if cancel():
            return outcome("cancelled")
        stage = curriculum.stage_of_epoch(epoch)
        new_stage = stage != current_stage
        if new_stage:
            entry = plan_by_stage[stage]
            events.emit("stage", stage=stage, epoch=epoch, removed_steps=entry.removed_steps, thoughts=entry.thoughts, label=entry.label)
            progress(f"epoch {epoch + 1}/{config.num_epochs}: {entry.label}")
        # The reference re-creates AdamW every epoch when reset_optimizer is true.
        policy = config.reset_policy
        if epoch > config.resume and (policy == "per_epoch" or (policy == "per_stage" and new_stage)):
            optimizer = make_optimizer(model, config)
        current_stage = stage

        samples = distributed.deal(epoch_samples(train_encoded, curriculum, stage, config.seed, epoch), ranks, pad=True)
        batches = [samples[i : i + config.batch_size_training] for i in range(0, len(samples), config.batch_size_training)]
        collated = iter(batch_loader(batches, codec, curriculum, config.workers, device))
        model.train()
        for epoch_step in range(1, steps_per_epoch + 1):
            group_size = len(batches[(epoch_step - 1) * config.gradient_accumulation_steps : epoch_step * config.gradient_accumulation_steps])
            step_started = time.perf_counter()
            loss_sum = torch.zeros((), device=device)
            n_samples = n_tokens = 0
            for _ in range(group_size):
                # Several processes stop together at the end of a step (below), never half-way.
                if cancel() and not ranks.active:
                    return outcome("cancelled")
                batch = next(collated).to(device)
                try:
                    with autocast(device, config.use_bf16):
                        loss = trainable(batch)
                    # Average over the micro-batches actually in this step (the last step may be short).
                    (loss / group_size).backward()
                except torch.OutOfMemoryError:
                    raise out_of_memory_error(config, device) from None
                loss_sum += loss.detach()
                n_samples += batch.size
                n_tokens += batch.real_tokens
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            global_step += 1
            step_loss = float(loss_sum) / group_size
            if ranks.active:
                total_loss, n_samples, n_tokens, stopped = distributed.sum_across(ranks, [step_loss, n_samples, n_tokens, float(cancel())], device)
                step_loss = total_loss / ranks.world
                if stopped:
                    return outcome("cancelled")
            if not math.isfinite(step_loss):
                raise EngineError(f"the training loss became {step_loss} at step {global_step} (epoch {epoch + 1}); try a lower lr", where="lr")
            seconds = max(time.perf_counter() - step_started, 1e-9)
            memory = {}
            if device.type == "cuda":
                # Read after the step's sync point above (float(loss_sum)), so it costs no extra wait.
                memory = {"gpu_memory_peak_mib": torch.cuda.max_memory_allocated(device) / 2**20}
                torch.cuda.reset_peak_memory_stats(device)
            events.emit(
                "step",
                **memory,
                stage=stage,
                epoch=epoch,
                step=global_step,
                epoch_step=epoch_step,
                steps_in_epoch=steps_per_epoch,
                loss=step_loss,
                lr=float(optimizer.param_groups[0]["lr"]),
                samples_per_s=n_samples / seconds,
                tokens_per_s=n_tokens / seconds,
            )
            now = time.time()
            if now - last_progress >= PROGRESS_INTERVAL_S or epoch_step == steps_per_epoch:
                last_progress = now
                progress(
                    f"epoch {epoch + 1}/{config.num_epochs} stage {stage} step {epoch_step}/{steps_per_epoch} "
                    f"loss {step_loss:.4f} ({n_samples / seconds:.0f} samples/s)"
                )

        result = evaluate_stage(stage, epoch)
        if result is None:
            # Cancelled during evaluation: this epoch's training is complete, keep it.
            if not config.save_only_improve:
                save(epoch, stage, None, [epoch_checkpoint_name(epoch + 1)], is_best=False)
            return outcome("cancelled")
        report_eval(result, stage, epoch)
        final_accuracy = result.accuracy
        improved = best_accuracy is None or result.accuracy > best_accuracy
        if improved:
            best_accuracy, best_epoch = result.accuracy, epoch
        # As the reference: every epoch is kept, or only improving ones with save_only_improve.
        names = []
        if improved or not config.save_only_improve:
            names.append(epoch_checkpoint_name(epoch + 1))
        if improved:
            names.append(BEST_CHECKPOINT_NAME)
        save(epoch, stage, result.accuracy, names, is_best=improved)

    progress(f"done in {time.time() - run_started:.0f} s: best accuracy {best_accuracy:.1%} (epoch {None if best_epoch is None else best_epoch + 1})")
    return outcome("completed")
