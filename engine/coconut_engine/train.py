"""The training run: data → model → epochs through the curriculum → evaluation → checkpoints.

``run`` reads top to bottom like the method, as nanoGPT's loop does: ``prepare_run`` builds the
data, model and optimizer once (and refuses a config that cannot fit before any training); then
each epoch picks its curriculum stage (announcing a new one and resetting the optimizer by the
config's policy), trains (``train_epoch`` → ``train_step``: gradient accumulation over
micro-batches), evaluates on the validation set (``evaluate_epoch``) and saves
(``save_checkpoint``). Everything the workbench shows arrives as events (events.py).

The run directory's layout and the rule that protects it are in rundir.py.

With ``only_eval`` it evaluates the checkpoint once, or with ``eval_thoughts`` once per listed
thought count k (exactly k thoughts, then ``<eot>``; one ``eval`` event and one
``predictions/eval-N-kK.jsonl`` per k); the run's best and final accuracy are then the largest k's.

Under torchrun every process runs this same loop on its share of the data (distributed.py);
only rank 0 writes events, the tokenizer, checkpoints and the predictions files (every process's rows
gathered to it).
"""

from __future__ import annotations

import contextlib
import functools
import math
import platform
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import tokenizers
import torch
import transformers

from . import __version__, distributed
from .batching import Batch, collate_samples
from .build import BuiltModel, build_model, describe_model, max_positions
from .checkpoint import make_payload, restore_rng_state, rng_state, save_atomically
from .config import OFFLINE_MODEL_ID, RunConfig
from .curriculum import Curriculum, EncodedRecord, Sample, StagePlan, encode_record
from .data import Datasets, Record
from .distributed import Ranks
from .errors import EngineError
from .evaluate import EvalResult, chance_accuracy, evaluate, write_predictions
from .events import EventLog, progress, set_progress_enabled
from .frontier import with_frontier_supervision
from .model import CoconutModel
from .rundir import (
    BEST_CHECKPOINT_NAME,
    CHECKPOINT_DIR,
    TOKENIZER_FILE,
    epoch_checkpoint_name,
    write_text_atomically,
)
from .runtime import autocast, configure_threads, seed_everything
from .schedule import lr_at, stage_spans
from .tokenizer import TextCodec, pretty_json

# `debug: true` trains and evaluates on these many records (quick checks of a config).
DEBUG_TRAIN_RECORDS = 256
DEBUG_VAL_RECORDS = 32
# Seconds between two progress lines on stderr.
PROGRESS_INTERVAL_S = 5.0
# Asked between steps and batches whether to stop: a `cancel.Cancellation` (SIGTERM/SIGINT), or any check.
ShouldStop = Callable[[], bool]
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
    """Tokens in the longest training sample any of ``stages`` (or a uniform draw) produces,
    measured on the samples themselves, built by the curriculum as training builds them (so pause
    tokens, markers and thoughts count exactly as they will be fed). iCoT's removal smoothing only
    removes more tokens, so its schedule's sample is the longest of its draws."""
    longest = 0
    for item in encoded:
        candidates = set(stages)
        if curriculum.uniform_prob > 0:
            candidates.update(range(item.n_steps + 1))
        longest = max([longest, *(len(curriculum.training_sample(item, stage).input_ids) for stage in candidates)])
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
    if only_eval or curriculum.spec.curriculum != "latent" or not curriculum.use_curriculum:
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
    if not checkpoint:
        return None
    trained = checkpoint.get("run_config")
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
    # Every method with markers lines its first <latent> up across the batch, as the reference's
    # collator does: feedback needs it; pause as thought gets the same layout (and the same loss).
    collate = functools.partial(collate_samples, latent_id=codec.latent_id, pad_id=codec.pad_id, align_thoughts=curriculum.uses_markers)
    if workers == 0:
        return map(collate, batches)
    # batch_size=None: each item is already a micro-batch's samples, handed to collate as is.
    # A list is a map-style dataset to the DataLoader (it has __getitem__ and __len__); the stubs ask for Dataset.
    return torch.utils.data.DataLoader(batches, batch_size=None, collate_fn=collate, num_workers=workers, pin_memory=device.type == "cuda")  # type: ignore[arg-type]


def make_optimizer(model: torch.nn.Module, config: RunConfig) -> torch.optim.Optimizer:
    return torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)


@dataclass
class RunState:
    """Everything one run's epochs share, built once by ``prepare_run``. The module-level steps
    below (``train_epoch``, ``train_step``, ``evaluate_epoch``, ``save_checkpoint``) read it and
    update its counters; ``run`` strings them together."""

    config: RunConfig
    ranks: Ranks
    run_dir: Path
    events: EventLog
    device: torch.device
    built: BuiltModel
    codec: TextCodec
    curriculum: Curriculum
    train_encoded: list[EncodedRecord]
    val_records: list[Record]
    val_encoded: list[EncodedRecord]
    # This process's share of the validation set (all of it with one process).
    val_records_here: list[Record]
    val_encoded_here: list[EncodedRecord]
    plan: list[StagePlan]
    position_limit: int | None
    model: CoconutModel
    # What the training loop calls: the model itself, its DDP wrapper (which averages gradients),
    # or the model sharded in place (FSDP).
    trainable: torch.nn.Module
    sharded: bool
    optimizer: torch.optim.Optimizer
    steps_per_epoch: int
    # Each stage's (first, last) epoch over the whole run: where a step sits for the lr schedule.
    stage_spans: dict[int, tuple[int, int]]
    started_at: float
    global_step: int = 0
    best_accuracy: float | None = None
    best_epoch: int | None = None
    final_accuracy: float | None = None
    last_progress: float = 0.0  # time.time() of the last progress line about training steps

    @property
    def is_main(self) -> bool:
        return self.ranks.is_main

    def plan_entry(self, stage: int) -> StagePlan:
        return next(entry for entry in self.plan if entry.stage == stage)

    def outcome(self, status: str) -> Outcome:
        return Outcome(status, self.best_accuracy, self.best_epoch, self.final_accuracy)


def run(
    config: RunConfig, datasets: Datasets, run_dir: Path, events: EventLog, cancel: ShouldStop, ranks: Ranks | None = None
) -> Outcome:
    """Train (or only evaluate) one run. Under torchrun every process calls this with its
    ``ranks``; only rank 0 writes (``events`` of the others is never written to)."""
    state = prepare_run(config, datasets, run_dir, events, ranks or Ranks())
    if config.only_eval:
        return evaluate_only(state, cancel)

    stage: int | None = None
    for epoch in range(config.resume, config.num_epochs):
        if cancel():
            return state.outcome("cancelled")
        previous, stage = stage, state.curriculum.stage_of_epoch(epoch)
        new_stage = stage != previous
        if new_stage:
            announce_stage(state, stage, epoch)
            progress(f"epoch {epoch + 1}/{config.num_epochs}: {state.plan_entry(stage).label}")
        # The reference re-creates AdamW every epoch when reset_optimizer is true.
        policy = config.reset_policy
        if epoch > config.resume and (policy == "per_epoch" or (policy == "per_stage" and new_stage)):
            state.optimizer = make_optimizer(state.model, config)

        if not train_epoch(state, epoch, stage, cancel):
            return state.outcome("cancelled")
        result = evaluate_epoch(state, stage, epoch, cancel)
        if result is None:
            # Cancelled during evaluation: this epoch's training is complete, keep it.
            if not config.save_only_improve:
                save_checkpoint(state, epoch, stage, None, [epoch_checkpoint_name(epoch + 1)], is_best=False)
            return state.outcome("cancelled")
        state.final_accuracy = result.accuracy
        improved = state.best_accuracy is None or result.accuracy > state.best_accuracy
        if improved:
            state.best_accuracy, state.best_epoch = result.accuracy, epoch
        # As the reference: every epoch is kept, or only improving ones with save_only_improve.
        names = [epoch_checkpoint_name(epoch + 1)] if improved or not config.save_only_improve else []
        if improved:
            names.append(BEST_CHECKPOINT_NAME)
        save_checkpoint(state, epoch, stage, result.accuracy, names, is_best=improved)

    best_epoch = None if state.best_epoch is None else state.best_epoch + 1
    progress(f"done in {time.time() - state.started_at:.0f} s: best accuracy {state.best_accuracy:.1%} (epoch {best_epoch})")
    return state.outcome("completed")


def prepare_run(config: RunConfig, datasets: Datasets, run_dir: Path, events: EventLog, ranks: Ranks) -> RunState:
    """Data, tokenizer, curriculum, model, optimizer (restored on resume) and the up-front checks
    that refuse a config before any training; ends with the `started` event."""
    if not ranks.is_main:
        events = EventLog(None)
        set_progress_enabled(False)
    started_at = time.time()
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
    if config.frontier_supervision and train_records:
        curriculum = with_frontier_supervision(curriculum, train_records, codec, config.train_path, config.frontier_thought_labels)
    # Each process scores its own share of the validation set; the counts are summed.
    val_share = distributed.deal(range(len(val_records)), ranks, pad=False)
    max_steps = max((item.n_steps for item in train_encoded or val_encoded), default=0)
    plan = curriculum.plan(config.resume, config.resume + 1 if config.only_eval else config.num_epochs, max_steps)
    check_stages_have_steps(curriculum, plan, max_steps, config.only_eval)
    position_limit = max_positions(built.causal_lm)
    check_samples_fit(built, train_encoded, curriculum, plan, position_limit)

    if ranks.is_main and not config.only_eval:
        write_text_atomically(pretty_json(codec), run_dir / TOKENIZER_FILE, shown=TOKENIZER_FILE)
    model = CoconutModel(built.causal_lm, codec.latent_id, feedback=curriculum.feeds_back_thoughts).to(device)
    if config.compile:
        model.compile_body()
    trainable = distributed.wrap(model, built.causal_lm, ranks, device, config.distributed)
    sharded = distributed.is_sharded(model)
    if sharded:
        groups = sum(1 for module in model.modules() if distributed.is_sharded(module))
        blocks = f"{groups - 1} transformer block" + ("" if groups == 2 else "s")
        built.notes.append(f"FSDP: parameters sharded over {ranks.world} processes in {groups} groups ({blocks}, then embeddings and head)")
    optimizer = make_optimizer(model, config)
    restore_optimizer(config, built, model, optimizer, sharded)
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
    return RunState(
        config=config,
        ranks=ranks,
        run_dir=run_dir,
        events=events,
        device=device,
        built=built,
        codec=codec,
        curriculum=curriculum,
        train_encoded=train_encoded,
        val_records=val_records,
        val_encoded=val_encoded,
        val_records_here=[val_records[i] for i in val_share],
        val_encoded_here=[val_encoded[i] for i in val_share],
        plan=plan,
        position_limit=position_limit,
        model=model,
        trainable=trainable,
        sharded=sharded,
        optimizer=optimizer,
        steps_per_epoch=steps_per_epoch,
        stage_spans=stage_spans([curriculum.stage_of_epoch(epoch) for epoch in range(config.num_epochs)]),
        started_at=started_at,
        global_step=config.resume * steps_per_epoch,
    )


def check_samples_fit(
    built: BuiltModel, encoded: Sequence[EncodedRecord], curriculum: Curriculum, plan: Sequence[StagePlan], position_limit: int | None
) -> None:
    """Refuse, before training, a plan whose longest training sample exceeds the model's positions
    (naming the config key that sets them); otherwise the embedding lookup fails mid-run."""
    if position_limit is None or not encoded:
        return
    longest = longest_sample(encoded, curriculum, [entry.stage for entry in plan])
    if longest <= position_limit:
        return
    if built.source == "checkpoint":
        key = "load_model_path"
    else:
        key = "offline_model.n_positions" if built.model_id == OFFLINE_MODEL_ID else "model_id"
    raise EngineError(
        f"the longest training sample has {longest} tokens but the model has {position_limit} positions; use a larger model ({key}) or shorter problems",
        where=key,
    )


def restore_optimizer(config: RunConfig, built: BuiltModel, model: CoconutModel, optimizer: torch.optim.Optimizer, sharded: bool) -> None:
    """On resume from the same method's checkpoint of epoch ``resume``: its optimizer and
    random-generator state (a note in ``built.notes`` says which)."""
    checkpoint = built.checkpoint
    if not (
        checkpoint is not None
        and checkpoint.get("optimizer")
        and config.resume > 0
        and checkpoint["epoch"] == config.resume
        and checkpoint["method"] == config.method
    ):
        return
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
    # The saved state carries the old run's lr and weight decay; a resumed config that changes them
    # means the new values (torch would otherwise keep the old ones until the optimizer is reset).
    saved = [(group["lr"], group["weight_decay"]) for group in optimizer.param_groups]
    for group in optimizer.param_groups:
        group["lr"], group["weight_decay"] = config.lr, config.weight_decay
    if any(pair != (config.lr, config.weight_decay) for pair in saved):
        lr, decay = saved[0]
        built.notes.append(f"the checkpoint's optimizer had lr {lr} and weight_decay {decay}; this run's config sets {config.lr} and {config.weight_decay}")


def announce_stage(state: RunState, stage: int, epoch: int) -> None:
    entry = state.plan_entry(stage)
    state.events.emit("stage", stage=stage, epoch=epoch, removed_steps=entry.removed_steps, thoughts=entry.thoughts, label=entry.label)


def evaluate_only(state: RunState, cancel: ShouldStop) -> Outcome:
    """``only_eval``: the checkpoint scored once at its stage, or once per ``eval_thoughts`` count."""
    config = state.config
    stage = state.curriculum.stage_of_epoch(config.resume)
    announce_stage(state, stage, config.resume)
    if config.eval_thoughts is None:
        scored = evaluate_epoch(state, stage, config.resume, cancel)
        if scored is None:
            return state.outcome("cancelled")
        result = scored
    else:
        # The paper's §5 analysis: one evaluation per k with exactly k thoughts, then <eot>.
        counts = sorted(config.eval_thoughts)
        check_forced_prompts_fit(state.val_encoded, counts[-1], state.position_limit)
        warning = forced_thoughts_warning(state.built.checkpoint)
        if warning:
            state.events.emit("log", level="warning", message=warning)
            progress(f"warning: {warning}")
        for forced in counts:
            progress(f"evaluating {len(state.val_encoded)} questions with {forced} forced thought{'' if forced == 1 else 's'}")
            scored = evaluate_epoch(state, stage, config.resume, cancel, forced)
            if scored is None:
                return state.outcome("cancelled")
            result = scored
    # With eval_thoughts the run's accuracy is the largest k's (the last one evaluated).
    state.best_accuracy = state.final_accuracy = result.accuracy
    state.best_epoch = config.resume
    return state.outcome("completed")


# ---- training ------------------------------------------------------------------------------------


def train_epoch(state: RunState, epoch: int, stage: int, cancel: ShouldStop) -> bool:
    """One epoch's optimizer steps at ``stage`` over this process's share of the samples; False
    when cancelled."""
    config = state.config
    samples = distributed.deal(epoch_samples(state.train_encoded, state.curriculum, stage, config.seed, epoch), state.ranks, pad=True)
    size, accumulation = config.batch_size_training, config.gradient_accumulation_steps
    batches = [samples[i : i + size] for i in range(0, len(samples), size)]
    collated = iter(batch_loader(batches, state.codec, state.curriculum, config.workers, state.device))
    state.model.train()
    for epoch_step in range(1, state.steps_per_epoch + 1):
        group_size = len(batches[(epoch_step - 1) * accumulation : epoch_step * accumulation])
        if not train_step(state, epoch, stage, epoch_step, collated, group_size, cancel):
            return False
    return True


def train_step(
    state: RunState, epoch: int, stage: int, epoch_step: int, collated: Iterator[Batch], group_size: int, cancel: ShouldStop
) -> bool:
    """One optimizer step over the next ``group_size`` micro-batches, then its `step` event; False
    when cancelled.

    Each micro-batch's loss is divided by ``gradient_accumulation_steps``, as the reference does,
    also in an epoch's last group when it holds fewer micro-batches: that step's gradient is then
    the smaller sum of what it saw, not renormalised to a full step's. The loss reported in the
    event is the mean over the micro-batches actually in the step."""
    config, ranks, device = state.config, state.ranks, state.device
    step_started = time.perf_counter()
    loss_sum = torch.zeros((), device=device)
    n_samples = n_tokens = 0
    for micro_step in range(group_size):
        # Several processes stop together at the end of a step (below), never half-way.
        if cancel() and not ranks.active:
            return False
        batch = next(collated).to(device)
        try:
            with gradient_sync(state.trainable, micro_step == group_size - 1):
                with autocast(device, config.use_bf16):
                    loss = state.trainable(batch)
                (loss / config.gradient_accumulation_steps).backward()
        except torch.OutOfMemoryError:
            raise out_of_memory_error(config, device) from None
        loss_sum += loss.detach()
        n_samples += batch.size
        n_tokens += batch.real_tokens
    set_lr(state, epoch, stage, epoch_step)
    state.optimizer.step()
    state.optimizer.zero_grad(set_to_none=True)
    state.global_step += 1
    step_loss = float(loss_sum) / group_size
    if ranks.active:
        total_loss, all_samples, all_tokens, stopped = distributed.sum_across(ranks, [step_loss, n_samples, n_tokens, float(cancel())], device)
        step_loss, n_samples, n_tokens = total_loss / ranks.world, int(all_samples), int(all_tokens)
        if stopped:
            return False
    if not math.isfinite(step_loss):
        raise EngineError(
            f"the training loss became {step_loss} at step {state.global_step} (epoch {epoch + 1}); try a lower lr", where="lr"
        )
    seconds = max(time.perf_counter() - step_started, 1e-9)
    memory = {}
    if device.type == "cuda":
        # Read after the step's sync point above (float(loss_sum)), so it costs no extra wait.
        memory = {"gpu_memory_peak_mib": torch.cuda.max_memory_allocated(device) / 2**20}
        torch.cuda.reset_peak_memory_stats(device)
    state.events.emit(
        "step",
        **memory,
        stage=stage,
        epoch=epoch,
        step=state.global_step,
        epoch_step=epoch_step,
        steps_in_epoch=state.steps_per_epoch,
        loss=step_loss,
        lr=float(state.optimizer.param_groups[0]["lr"]),
        samples_per_s=n_samples / seconds,
        tokens_per_s=n_tokens / seconds,
    )
    now = time.time()
    if now - state.last_progress >= PROGRESS_INTERVAL_S or epoch_step == state.steps_per_epoch:
        state.last_progress = now
        progress(
            f"epoch {epoch + 1}/{config.num_epochs} stage {stage} step {epoch_step}/{state.steps_per_epoch} "
            f"loss {step_loss:.4f} ({n_samples / seconds:.0f} samples/s)"
        )
    return True


def set_lr(state: RunState, epoch: int, stage: int, epoch_step: int) -> None:
    """The schedule's rate for this step (schedule.py): where the step sits in its stage."""
    config = state.config
    first, last = state.stage_spans[stage]
    rate = lr_at(
        config.lr,
        config.lr_schedule,
        config.warmup_steps,
        (epoch - first) * state.steps_per_epoch + epoch_step - 1,
        (last - first + 1) * state.steps_per_epoch,
    )
    for group in state.optimizer.param_groups:
        group["lr"] = rate


def gradient_sync(trainable: torch.nn.Module, last_micro_step: bool) -> contextlib.AbstractContextManager:
    """Under DDP only a group's last backward pass averages gradients across processes; the
    others accumulate locally (``no_sync``), so a step costs one all-reduce, not one per
    micro-batch. FSDP (sharded in place, not wrapped) and a single process synchronise as before:
    FSDP2 has no ``no_sync``, and skipping its reduce-scatter would keep unsharded gradients."""
    if last_micro_step or not isinstance(trainable, torch.nn.parallel.DistributedDataParallel):
        return contextlib.nullcontext()
    return trainable.no_sync()


# ---- evaluation ----------------------------------------------------------------------------------


def evaluate_epoch(state: RunState, stage: int, epoch: int, cancel: ShouldStop, forced_thoughts: int | None = None) -> EvalResult | None:
    """Score the validation set (every process its share, the counts summed), write the predictions
    file and emit the `eval` event; None when cancelled (in any process)."""
    ranks = state.ranks
    with distributed.Gathered(state.model):
        result = evaluate_share(state, stage, cancel, forced_thoughts, eval_progress_reporter(state, stage, epoch, forced_thoughts))
    if ranks.active:
        result = gather_results(state, result)
    if result is not None:
        report_eval(state, result, stage, epoch, forced_thoughts)
    return result


def gather_results(state: RunState, result: EvalResult | None) -> EvalResult | None:
    """Every process's counts summed and predictions gathered to rank 0."""
    ranks = state.ranks
    # Shares differ in length, so the processes meet only here: cancelled anywhere means everywhere.
    local = result.counts() if result is not None else [0.0] * EvalResult.COUNTS
    *summed, stopped = distributed.sum_across(ranks, [*local, float(result is None)], state.device)
    if stopped:
        return None
    assert result is not None
    correct, total, cot_correct, cot_total, new_tokens, forward_passes, reference_cot_correct = (int(value) for value in summed)
    # Every question's row goes to rank 0, which writes the predictions file.
    shares: list[list[dict]] | None = [[] for _ in range(ranks.world)] if ranks.is_main else None
    torch.distributed.gather_object(result.predictions, shares, dst=0)
    predictions = [row for share in shares for row in share] if shares is not None else []
    return EvalResult(correct, total, cot_correct, cot_total, new_tokens, forward_passes, result.seconds, reference_cot_correct, result.examples, predictions)


def evaluate_share(
    state: RunState, stage: int, cancel: ShouldStop, forced_thoughts: int | None, on_progress: Callable[[int, int], None]
) -> EvalResult | None:
    config = state.config
    return evaluate(
        state.model,
        state.codec,
        state.curriculum,
        state.val_records_here,
        state.val_encoded_here,
        thought_stage(config, stage),
        batch_size=config.eval_batch_size,
        max_new_tokens=config.max_new_tokens,
        position_limit=state.position_limit,
        device=state.device,
        bf16=config.use_bf16,
        should_stop=cancel,
        forced_thoughts=forced_thoughts,
        on_progress=on_progress,
    )


def thought_stage(config: RunConfig, stage: int) -> int:
    """The stage whose thoughts evaluation gives each question (config key eval_stage)."""
    return stage if config.eval_stage == "current" else int(config.eval_stage)


def eval_progress_reporter(state: RunState, stage: int, epoch: int, forced_thoughts: int | None) -> Callable[[int, int], None]:
    """An `eval_progress` event at most every EVAL_PROGRESS_INTERVAL_S and at the end. Under DDP
    rank 0 reports its own share scaled to the whole set (the shares are within one question of equal)."""
    last = time.time()
    fixed: dict[str, object] = {} if forced_thoughts is None else {"forced_thoughts": forced_thoughts}
    whole = len(state.val_records)

    def report(done: int, total: int) -> None:
        nonlocal last
        now = time.time()
        if done < total and now - last < EVAL_PROGRESS_INTERVAL_S:
            return
        last = now
        state.events.emit("eval_progress", **fixed, stage=stage, epoch=epoch, done=min(whole, done * state.ranks.world), total=whole)

    return report


def report_eval(state: RunState, result: EvalResult, stage: int, epoch: int, forced_thoughts: int | None = None) -> None:
    config = state.config
    fixed: dict[str, object] = {} if config.eval_stage == "current" else {"thought_stage": thought_stage(config, stage)}
    if forced_thoughts is not None:
        fixed["forced_thoughts"] = forced_thoughts
    # Written before the event that points to it; only rank 0 holds every row.
    if state.is_main:
        fixed["predictions"] = write_predictions(result.predictions, state.run_dir, epoch, config.only_eval, forced_thoughts)
    state.events.emit(
        "eval",
        **fixed,
        stage=stage,
        epoch=epoch,
        split="val",
        accuracy=result.accuracy,
        correct=result.correct,
        total=result.total,
        cot_match=result.cot_match,
        reference_cot_match=result.reference_cot_match,
        mean_new_tokens=result.mean_new_tokens,
        mean_forward_passes=result.mean_forward_passes,
        ms_per_question=result.ms_per_question,
        seconds=result.seconds,
    )
    cot = "" if result.cot_match is None else f", reasoning exact match {result.cot_match:.1%}"
    forced = "" if forced_thoughts is None else f" with {forced_thoughts} forced thought{'' if forced_thoughts == 1 else 's'}"
    progress(
        f"epoch {epoch + 1} eval{forced}: accuracy {result.correct}/{result.total} = {result.accuracy:.1%}{cot} ({result.seconds:.1f} s)"
    )
    if result.examples:
        _, generated, answer = result.examples[0]
        progress(f"  e.g. generated {generated!r}, expected {answer!r}")


# ---- checkpoints ---------------------------------------------------------------------------------


def save_checkpoint(state: RunState, epoch: int, stage: int, accuracy: float | None, names: list[str], is_best: bool) -> None:
    """The model, optimizer and random-generator state after ``epoch``, written under each of
    ``names`` with a `checkpoint` event each. A sharded model is gathered with every process
    taking part; rank 0 alone writes."""
    model, optimizer = state.model, state.optimizer
    if state.sharded:
        prefix = "causal_lm."
        state_dict = {key.removeprefix(prefix): value for key, value in distributed.full_model_state(model).items()}
        optimizer_state, optimizer_format = distributed.full_optimizer_state(model, optimizer), "by_name"
    elif state.is_main:
        state_dict = state.built.causal_lm.state_dict()
        optimizer_state, optimizer_format = optimizer.state_dict(), "by_index"
    if not state.is_main:
        return
    config, built = state.config, state.built
    payload = make_payload(
        state_dict=state_dict,
        model_id=built.model_id,
        model_config=built.causal_lm.config.to_dict(),
        tokenizer_json=state.codec.to_json(),
        tokenizer_meta=state.codec.metadata(),
        method=config.method,
        epoch=epoch + 1,
        stage=stage,
        optimizer_state=optimizer_state,
        optimizer_format=optimizer_format,
        accuracy=accuracy,
        run_config=config.to_dict(),
        engine_version=__version__,
        step=state.global_step,
        rng_state=rng_state(),
    )
    for name in names:
        relative = f"{CHECKPOINT_DIR}/{name}"
        save_atomically(payload, state.run_dir / relative, shown=relative)
        state.events.emit("checkpoint", stage=stage, epoch=epoch, path=relative, best=is_best)
        progress(f"saved {relative}")
