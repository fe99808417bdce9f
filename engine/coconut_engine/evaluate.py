"""Validation: generate an answer for every question and score it as the reference does.

Prompt: question + ``<bot>`` + the stage's thoughts + ``<eot>`` (no markers for cot, no_cot and
no_thoughts), then greedy decoding with a KV cache, batched, each sample stopping at its eos.
With ``forced_thoughts`` k (config key eval_thoughts) every question gets exactly k thoughts
instead, whatever its step count (the paper's §5 analysis).
Questions are grouped by thought count so a batch's prompts can be left-padded to end in the same
column while their thoughts also line up.

Scoring (the reference's): the answer is the generated text after the last ``#``, commas removed,
stripped, compared exactly with the record's answer (commas removed, stripped); word-level
vocabularies compare word sequences (tokenizer.py). The reasoning exact match compares the text
before the first ``#`` with the steps the model is still expected to write at this stage (with
k forced thoughts: the steps after the first k).

Every question's outcome is kept too (``EvalResult.predictions``, one dict per record, see
``prediction_row``); the training loop writes them to ``RUN_DIR/predictions/epoch-N.jsonl``
(``write_predictions``; ``eval-N.jsonl`` for only_eval, ``eval-N-kK.jsonl`` with k forced
thoughts), one JSON object per line, ordered by the record's index.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import torch

from .batching import collate
from .curriculum import Curriculum, EncodedRecord
from .data import Record
from .errors import writing
from .model import CoconutModel
from .rundir import write_text_atomically
from .runtime import autocast
from .tokenizer import TextCodec


@dataclass
class EvalResult:
    correct: int
    total: int
    cot_correct: int  # reasoning written exactly as the record's remaining steps
    cot_total: int  # records where written reasoning is expected at this stage
    new_tokens: int
    forward_passes: int  # summed over questions: thought passes (or the one prompt pass) + one per generated token
    seconds: float
    # The reference implementation's `cot_em`: the written reasoning equals ALL of the record's steps,
    # whatever the stage (so a Coconut stage that replaces steps by thoughts scores 0 there).
    reference_cot_correct: int = 0
    examples: list[tuple[str, str, str]] = field(default_factory=list)  # (question, generated, answer)
    # One row per question scored here (see prediction_row), in scoring order.
    predictions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    @property
    def cot_match(self) -> float | None:
        return self.cot_correct / self.cot_total if self.cot_total else None

    @property
    def reference_cot_match(self) -> float:
        return self.reference_cot_correct / self.total if self.total else 0.0

    @property
    def mean_new_tokens(self) -> float:
        return self.new_tokens / self.total if self.total else 0.0

    @property
    def mean_forward_passes(self) -> float:
        return self.forward_passes / self.total if self.total else 0.0

    @property
    def ms_per_question(self) -> float:
        return 1000 * self.seconds / self.total if self.total else 0.0

    # How many figures `counts` returns (a process that was cancelled sends that many zeros).
    COUNTS: ClassVar[int] = 7

    def counts(self) -> list[float]:
        """The additive part, for summing over processes."""
        return [self.correct, self.total, self.cot_correct, self.cot_total, self.new_tokens, self.forward_passes, self.reference_cot_correct]


def answer_of(text: str) -> str:
    """The reference's answer extraction: after the last '#', commas removed, stripped."""
    return text.split("#")[-1].replace(",", "").strip()


def reasoning_of(text: str) -> str:
    """The reasoning text: everything before the first '#', stripped."""
    return text.split("#")[0].strip()


PREDICTIONS_DIR = "predictions"


def predictions_file(run_dir: Path, epoch: int, only_eval: bool, forced_thoughts: int | None = None) -> str:
    """Where an evaluation's predictions go, relative to the run directory. Training writes
    ``epoch-N.jsonl``, numbered from 1 like the checkpoints (``epoch`` is the 0-based epoch of the
    events). ``only_eval`` may use any run directory, a trained one included, so it never replaces
    a file: ``eval-N.jsonl``, else ``eval-N-2.jsonl``, ``eval-N-3.jsonl``, ...; with
    ``forced_thoughts`` k the same with ``eval-N-kK`` (``eval-N-kK.jsonl``, ``eval-N-kK-2.jsonl``, ...)."""
    if not only_eval:
        return f"{PREDICTIONS_DIR}/epoch-{epoch + 1}.jsonl"
    stem = f"{PREDICTIONS_DIR}/eval-{epoch + 1}" + ("" if forced_thoughts is None else f"-k{forced_thoughts}")
    relative = f"{stem}.jsonl"
    copy = 1
    while (run_dir / relative).exists():
        copy += 1
        relative = f"{stem}-{copy}.jsonl"
    return relative


def prediction_row(index: int, thoughts: int, text: str, answer: str, correct: bool, reasoning_match: bool | None) -> dict[str, Any]:
    """One line of a predictions file: the record's index in the validation file, the thoughts its
    prompt had, the generated text (after the prompt), the answer as scored, whether it was right,
    and, where the stage still expects written reasoning, whether that matched exactly."""
    row: dict[str, Any] = {"idx": index, "thoughts": thoughts, "text": text, "answer": answer, "correct": correct}
    if reasoning_match is not None:
        row["reasoning_match"] = reasoning_match
    return row


def write_predictions(
    rows: Sequence[dict[str, Any]], run_dir: Path, epoch: int, only_eval: bool = False, forced_thoughts: int | None = None
) -> str:
    """Writes every row, ordered by record index, atomically (a reader sees the whole file or
    none); returns its path relative to the run directory. A failed write raises a StorageError
    naming that path."""
    relative = predictions_file(run_dir, epoch, only_eval, forced_thoughts)
    path = run_dir / relative
    with writing(relative):
        path.parent.mkdir(parents=True, exist_ok=True)
    ordered = sorted(rows, key=lambda row: row["idx"])
    write_text_atomically("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in ordered), path, shown=relative)
    return relative


def chance_accuracy(records: Sequence[Record]) -> float | None:
    """What guessing scores when every question offers two answers: graph records name their two
    options (``target``, ``neg_target``); otherwise answers taking only two values (True/False)
    count as two options. None when neither holds (free-form answers such as GSM8k's)."""
    if not records:
        return None
    if all("target" in record.extra and "neg_target" in record.extra for record in records):
        return 0.5
    if len({record.answer.strip() for record in records}) == 2:
        return 0.5
    return None


def evaluate(
    model: CoconutModel,
    codec: TextCodec,
    curriculum: Curriculum,
    records: Sequence[Record],
    encoded: Sequence[EncodedRecord],
    stage: int,
    *,
    batch_size: int,
    max_new_tokens: int,
    position_limit: int | None,
    device: torch.device,
    bf16: bool,
    should_stop: Callable[[], bool],
    keep_examples: int = 3,
    forced_thoughts: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> EvalResult | None:
    """Score the records at ``stage``, or with exactly ``forced_thoughts`` thoughts each when it
    is set; None if ``should_stop`` asked to stop part-way. ``on_progress(done, total)`` is called
    after every batch."""
    started = time.perf_counter()
    if forced_thoughts is None:
        prompts = [curriculum.eval_prompt(item, stage) for item in encoded]
    else:
        prompts = [curriculum.forced_eval_prompt(item, forced_thoughts) for item in encoded]
    by_thoughts: dict[int, list[int]] = defaultdict(list)
    for index, (_, thoughts) in enumerate(prompts):
        by_thoughts[thoughts].append(index)

    correct = cot_correct = cot_total = new_tokens = forward_passes = reference_cot_correct = 0
    examples: list[tuple[str, str, str]] = []
    predictions: list[dict[str, Any]] = []
    was_training = model.training
    model.eval()
    try:
        for thoughts in sorted(by_thoughts):
            indices = by_thoughts[thoughts]
            for offset in range(0, len(indices), batch_size):
                if should_stop():
                    return None
                chunk = indices[offset : offset + batch_size]
                batch = collate([prompts[i][0] for i in chunk], codec.latent_id, codec.pad_id, align_end=True).to(device)
                budget = max_new_tokens
                if position_limit is not None:
                    budget = max(1, min(budget, position_limit - int(batch.position_ids[:, -1].max()) - 1))
                with autocast(device, bf16):
                    generated = model.generate(batch, budget, codec.eos_id, should_stop=should_stop)
                if generated is None:
                    return None
                # The prompt takes thoughts+1 passes with feedback (one without); each token after
                # the first costs one more, and so does the eos that ends the answer.
                prompt_passes = thoughts + 1 if model.feedback and thoughts > 0 else 1
                for i, tokens in zip(chunk, generated, strict=True):
                    record = records[i]
                    text = codec.decode(tokens)
                    new_tokens += len(tokens)
                    forward_passes += prompt_passes + len(tokens)
                    answer = answer_of(text)
                    right = codec.comparable(answer) == codec.comparable(record.answer.replace(",", "").strip())
                    correct += int(right)
                    if forced_thoughts is None:
                        removed = curriculum.expected_reasoning_steps(stage, len(record.steps))
                    else:
                        removed = min(forced_thoughts, len(record.steps))  # k thoughts stand for the first k steps
                    reasoning_match: bool | None = None
                    if removed is not None:
                        cot_total += 1
                        expected = "\n".join(record.steps[removed:])
                        reasoning_match = codec.comparable(reasoning_of(text)) == codec.comparable(expected.strip())
                        cot_correct += int(reasoning_match)
                    reasoning = codec.comparable(reasoning_of(text))
                    reference_cot_correct += int(reasoning == codec.comparable("\n".join(record.steps).strip()))
                    predictions.append(prediction_row(record.index, thoughts, text, answer, right, reasoning_match))
                    if len(examples) < keep_examples:
                        examples.append((record.question, text, record.answer))
                if on_progress is not None:
                    on_progress(len(predictions), len(records))
    finally:
        model.train(was_training)

    return EvalResult(
        correct=correct,
        total=len(records),
        cot_correct=cot_correct,
        cot_total=cot_total,
        new_tokens=new_tokens,
        forward_passes=forward_passes,
        seconds=time.perf_counter() - started,
        reference_cot_correct=reference_cot_correct,
        examples=examples,
        predictions=predictions,
    )
