"""The Coconut curriculum: which stage an epoch trains, and what a sample looks like there.

Training sample at stage k (the reference implementation's layout):

    question+"\\n" · <bot> · <latent>×(k·c) · <eot> · remaining steps (each +"\\n") · "### "+answer · <eos>

with labels -100 on the question, the markers and the thoughts. Per method:

* ``coconut``          the curriculum above; thoughts are fed back as hidden states (model.py).
* ``pause_as_thought`` the same layout, but ``<latent>`` is an ordinary learned token.
* ``cot``              stage 0 for ever, and no markers (the reference drops them for cot).
* ``no_cot``           question → "### answer" only: every step removed, no thoughts, no markers.
* ``no_thoughts``      steps removed by the same curriculum, c = 0, no markers ("w/o thought").
* ``pause_token``      question · <latent>×(max_latent_stage·c) · "### answer": learned pause
                       tokens (the ``<latent>`` token, never fed back), no steps, no markers,
                       no curriculum (Goyal et al., 2023, as the Coconut paper's baseline).
* ``icot``             stepwise internalization (Deng et al., 2024): no markers, no thoughts; at
                       stage k (= epoch k) the first k·``icot_tokens_per_epoch`` tokens of the
                       reasoning (the steps' tokens, joined) are removed, plus o more per sample
                       with P(o) ∝ exp(−λ·o) ("removal smoothing", λ = ``icot_smoothing``).
                       Removal is by token, so a step can be cut in the middle.

``curriculum: false`` ("w/o curriculum") trains the methods with stages at their final stage from
the first epoch: every step removed, the final stage's thoughts.

Faithful to the reference in two details worth knowing:
* up to ``max_latent_stage`` a sample at stage k gets k·c thoughts even when it has fewer than k
  steps (all of its steps are removed); past ``max_latent_stage`` every step is removed and the
  thought count is ``max_latent_stage``·c with ``pad_latent_to_max``, else min(#steps,
  ``max_latent_stage``)·c;
* evaluation uses min(k, cap)·c thoughts where cap is ``max_latent_stage`` with
  ``pad_latent_to_max`` and min(#steps, ``max_latent_stage``) without.

``forced_eval_prompt`` is the exception (config key ``eval_thoughts``, with only_eval): exactly k
thoughts for every question, whatever its steps and whatever c_thought, then ``<eot>``.

Stage numbers above ``max_latent_stage``+1 all have the same layout, so the engine reports them
as stage ``max_latent_stage``+1 (one "final" stage on the timeline).
"""

from __future__ import annotations

import dataclasses
import math
import random
from dataclasses import dataclass

from .config import Method, RunConfig
from .data import Record
from .tokenizer import TextCodec

IGNORE_INDEX = -100


@dataclass(frozen=True)
class EncodedRecord:
    """A record's pieces as token ids, each tokenized on its own (as the reference does)."""

    index: int
    question: list[int]  # question + "\n" (with the tokenizer's BOS, if it has one)
    steps: list[list[int]]  # each step + "\n"
    answer: list[int]  # "### " + answer, then eos

    @property
    def n_steps(self) -> int:
        return len(self.steps)


def encode_record(record: Record, codec: TextCodec) -> EncodedRecord:
    return EncodedRecord(
        index=record.index,
        question=codec.encode(record.question + "\n", add_special_tokens=True),
        steps=[codec.encode(step + "\n") for step in record.steps],
        answer=codec.encode("### " + record.answer) + [codec.eos_id],
    )


@dataclass(frozen=True)
class Sample:
    input_ids: list[int]
    labels: list[int]
    thoughts: int  # number of <latent> positions


@dataclass(frozen=True)
class StagePlan:
    stage: int
    first_epoch: int
    last_epoch: int
    removed_steps: int
    thoughts: int
    label: str

    def as_event(self) -> dict[str, object]:
        return {
            "stage": self.stage,
            "first_epoch": self.first_epoch,
            "last_epoch": self.last_epoch,
            "removed_steps": self.removed_steps,
            "thoughts": self.thoughts,
            "label": self.label,
        }


@dataclass(frozen=True)
class Curriculum:
    method: Method
    c_thought: int
    epochs_per_stage: int
    max_latent_stage: int
    pad_latent_to_max: bool
    uniform_prob: float
    use_curriculum: bool = True
    icot_tokens_per_epoch: int = 8
    icot_smoothing: float | None = None
    # icot: the first stage at which every record has lost all its reasoning tokens (later
    # stages look the same); set by ``with_reasoning_lengths`` once the data is known.
    icot_final_stage: int | None = None
    # Token ids of the markers (only needed to build samples, not to plan stages).
    bot_id: int = -1
    eot_id: int = -1
    latent_id: int = -1

    @classmethod
    def from_config(cls, config: RunConfig, codec: TextCodec | None = None) -> Curriculum:
        return cls(
            method=config.method,
            c_thought=config.c_thought,
            epochs_per_stage=config.epochs_per_stage,
            max_latent_stage=config.max_latent_stage,
            pad_latent_to_max=config.pad_latent_to_max,
            uniform_prob=config.uniform_prob,
            use_curriculum=config.curriculum,
            icot_tokens_per_epoch=config.icot_tokens_per_epoch,
            icot_smoothing=config.icot_smoothing,
            bot_id=codec.bot_id if codec else -1,
            eot_id=codec.eot_id if codec else -1,
            latent_id=codec.latent_id if codec else -1,
        )

    def with_reasoning_lengths(self, records: list[EncodedRecord]) -> Curriculum:
        """iCoT's stages end where the longest reasoning is gone; other methods ignore the data."""
        if self.method != "icot":
            return self
        longest = max((sum(len(step) for step in record.steps) for record in records), default=0)
        return dataclasses.replace(self, icot_final_stage=math.ceil(longest / self.icot_tokens_per_epoch))

    # --- what the method implies ------------------------------------------------------------

    @property
    def uses_markers(self) -> bool:
        """``<bot>``/``<eot>`` (and ``<latent>``) appear only where thoughts can."""
        return self.method in ("coconut", "pause_as_thought")

    @property
    def feeds_back_thoughts(self) -> bool:
        return self.method == "coconut"

    @property
    def thoughts_per_step(self) -> int:
        return 0 if self.method == "no_thoughts" else self.c_thought

    @property
    def final_stage(self) -> int:
        """The stage where every step is removed (all later stages look the same)."""
        return self.max_latent_stage + 1

    @property
    def pause_tokens(self) -> int:
        """Pause tokens after the question (pause_token only): as many as Coconut's final thoughts."""
        return self.max_latent_stage * self.c_thought if self.method == "pause_token" else 0

    def stage_of_epoch(self, epoch: int) -> int:
        if self.method in ("cot", "no_cot", "pause_token"):
            return 0
        if self.method == "icot":
            return epoch if self.icot_final_stage is None else min(epoch, self.icot_final_stage)
        if not self.use_curriculum:
            return self.final_stage
        return min(epoch // self.epochs_per_stage, self.final_stage)

    # --- training layout ----------------------------------------------------------------------

    def removed_and_thoughts(self, stage: int, n_steps: int) -> tuple[int, int]:
        """(steps removed, thoughts) for one training sample at ``stage``."""
        if self.method == "no_cot":
            return n_steps, 0
        if self.method == "pause_token":
            return n_steps, self.pause_tokens
        if self.method == "icot":
            return 0, 0  # removal is by token (icot_removed_tokens); whole steps stay the upper bound
        if stage > self.max_latent_stage:
            cap = self.max_latent_stage if self.pad_latent_to_max else min(n_steps, self.max_latent_stage)
            return n_steps, cap * self.thoughts_per_step
        return min(stage, n_steps), stage * self.thoughts_per_step

    def sample_stage(self, stage: int, n_steps: int, rng: random.Random) -> int:
        """The stage one sample trains at: with probability ``uniform_prob`` a uniform draw
        from 0..#steps instead of the curriculum's."""
        if self.uniform_prob > 0 and rng.random() < self.uniform_prob:
            return rng.randint(0, n_steps)
        return stage

    def icot_removed_tokens(self, stage: int, rng: random.Random | None) -> int:
        """Reasoning tokens one iCoT sample loses at ``stage``: the schedule's, plus the smoothing
        offset o ~ P(o) ∝ exp(−λ·o) (a geometric draw) when ``rng`` is given."""
        removed = stage * self.icot_tokens_per_epoch
        if rng is not None and self.icot_smoothing is not None:
            # Inverse CDF of the geometric law with ratio q = exp(−λ); 1 − random() is in (0, 1].
            removed += math.floor(math.log(1.0 - rng.random()) / -self.icot_smoothing)
        return removed

    def draw_sample(self, record: EncodedRecord, stage: int, rng: random.Random) -> Sample:
        """One training sample at the epoch's ``stage``, with the method's per-sample draws
        (``uniform_prob`` stages, iCoT removal smoothing)."""
        if self.method == "icot":
            return self.training_sample(record, stage, icot_removed=self.icot_removed_tokens(stage, rng))
        return self.training_sample(record, self.sample_stage(stage, record.n_steps, rng))

    def training_sample(self, record: EncodedRecord, stage: int, icot_removed: int | None = None) -> Sample:
        if self.method == "icot":
            removed_tokens = self.icot_removed_tokens(stage, None) if icot_removed is None else icot_removed
            reasoning = [token for step in record.steps for token in step][removed_tokens:]
            target = reasoning + record.answer
            return Sample(input_ids=list(record.question) + target, labels=[IGNORE_INDEX] * len(record.question) + target, thoughts=0)
        removed, thoughts = self.removed_and_thoughts(stage, record.n_steps)
        prefix = list(record.question)
        if self.uses_markers:
            prefix += [self.bot_id] + [self.latent_id] * thoughts + [self.eot_id]
        elif self.method == "pause_token":
            prefix += [self.latent_id] * thoughts
        else:
            thoughts = 0
        target = [token for step in record.steps[removed:] for token in step] + record.answer
        return Sample(
            input_ids=prefix + target,
            labels=[IGNORE_INDEX] * len(prefix) + target,
            thoughts=thoughts,
        )

    # --- evaluation layout --------------------------------------------------------------------

    def eval_thoughts(self, stage: int, n_steps: int) -> int:
        cap = self.max_latent_stage if self.pad_latent_to_max else min(self.max_latent_stage, n_steps)
        return min(stage, cap) * self.thoughts_per_step

    def eval_prompt(self, record: EncodedRecord, stage: int) -> tuple[list[int], int]:
        """(prompt ids, thoughts): question + <bot> + thoughts + <eot> for greedy decoding
        (question + pause tokens for pause_token)."""
        if self.method == "pause_token":
            return list(record.question) + [self.latent_id] * self.pause_tokens, self.pause_tokens
        if not self.uses_markers:
            return list(record.question), 0
        thoughts = self.eval_thoughts(stage, record.n_steps)
        return list(record.question) + [self.bot_id] + [self.latent_id] * thoughts + [self.eot_id], thoughts

    def forced_eval_prompt(self, record: EncodedRecord, thoughts: int) -> tuple[list[int], int]:
        """(prompt ids, thoughts) with exactly ``thoughts`` continuous thoughts whatever the
        record's step count, then ``<eot>`` (config key eval_thoughts; the paper's §5 analysis).
        The count is of ``<latent>`` tokens, not of stages: c_thought does not multiply it."""
        if not self.uses_markers:
            raise ValueError(f"method {self.method} has no thought markers: a thought count cannot be forced")
        return list(record.question) + [self.bot_id] + [self.latent_id] * thoughts + [self.eot_id], thoughts

    def expected_reasoning_steps(self, stage: int, n_steps: int) -> int | None:
        """How many leading steps the model is no longer expected to write at ``stage`` (the
        rest should appear verbatim), or None when no reasoning text is expected at all."""
        if self.method == "icot":
            # Removal by token cuts steps in the middle: only the full reasoning compares exactly.
            return 0 if stage == 0 else None
        if self.method in ("no_cot", "pause_token") or stage > self.max_latent_stage:
            return None
        return min(stage, n_steps)

    # --- the plan announced in the `started` event ----------------------------------------------

    def plan(self, resume: int, num_epochs: int, max_steps: int) -> list[StagePlan]:
        """One entry per stage reached in epochs ``resume``..``num_epochs``-1."""
        plans: list[StagePlan] = []
        for epoch in range(resume, num_epochs):
            stage = self.stage_of_epoch(epoch)
            if plans and plans[-1].stage == stage:
                plans[-1] = dataclasses.replace(plans[-1], last_epoch=epoch)
                continue
            removed, thoughts = self.removed_and_thoughts(stage, max_steps)
            if self.method == "icot":
                plans.append(StagePlan(stage, epoch, epoch, 0, 0, self.icot_label(stage)))
                continue
            if not self.uses_markers and self.method != "pause_token":
                thoughts = 0
            plans.append(StagePlan(stage, epoch, epoch, removed, thoughts, self.stage_label(stage, thoughts)))
        return plans

    def icot_label(self, stage: int) -> str:
        if stage == 0:
            return "stage 0 · full CoT"
        if self.icot_final_stage is not None and stage >= self.icot_final_stage:
            return f"stage {stage} · all reasoning tokens removed"
        return f"stage {stage} · {self.icot_removed_tokens(stage, None)} CoT tokens removed"

    def stage_label(self, stage: int, thoughts: int) -> str:
        if self.method == "cot":
            return "stage 0 · CoT"
        if self.method == "no_cot":
            return "stage 0 · no CoT"
        if self.method == "pause_token":
            return f"{thoughts} pause tokens · no CoT"
        if self.method == "no_thoughts":
            if stage > self.max_latent_stage:
                return f"stage {stage} · all steps removed"
            return f"stage {stage} · {stage} {'step' if stage == 1 else 'steps'} removed"
        noun = "thought" if thoughts == 1 else "thoughts"
        if stage > self.max_latent_stage:
            return f"stage {stage} · {thoughts} {noun} · no steps"
        return f"stage {stage} · {thoughts} {noun}"
