"""The Coconut curriculum: which stage an epoch trains, and what a sample looks like there.

Training sample at stage k (the reference implementation's layout):

    question+"\\n" · <bot> · <latent>×(k·c) · <eot> · remaining steps (each +"\\n") · "### "+answer · <eos>

with labels -100 on the question, the markers and the thoughts. A method is its properties in
the method table (methods.py, defined in src/common/methods.ts): whether the markers appear
(``markers``), whether thoughts are fed back as hidden states (``feedback``, model.py), how the
stage follows the epoch (``curriculum``), thoughts per removed step (``thoughts_per_step``: c or
0), and whether stage 0 writes the steps (``writes_steps``). Per method:

* ``coconut``          markers, feedback, the curriculum above.
* ``pause_as_thought`` the same layout, but ``<latent>`` is an ordinary learned token.
* ``cot``              stage 0 for ever, and no markers (the reference drops them for cot).
* ``no_cot``           question → "### answer" only: every step removed, no thoughts, no markers.
* ``no_thoughts``      steps removed by the same curriculum, 0 thoughts per step, no markers
                       ("w/o thought").
* ``pause_token``      question · <latent>×(max_latent_stage·c) · "### answer": the final stage's
                       thoughts from the first epoch without markers, so learned pause tokens (the
                       ``<latent>`` token, never fed back), no steps, no curriculum (Goyal et al.,
                       2023, as the Coconut paper's baseline).
* ``icot``             ``ICoTCurriculum``: stepwise internalization (Deng et al., 2024): no
                       markers, no thoughts; at stage k (= epoch k) the first
                       k·``icot_tokens_per_epoch`` tokens of the reasoning (the steps' tokens,
                       joined) are removed, plus o more per sample with P(o) ∝ exp(−λ·o) ("removal
                       smoothing", λ = ``icot_smoothing``). Removal is by token, so a step can be
                       cut in the middle.

``curriculum: false`` ("w/o curriculum") trains the latent-curriculum methods at their final stage from
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

from .config import RunConfig
from .data import Record
from .methods import Method, MethodSpec, method_spec
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
    """Stages and sample layouts for the methods with a latent curriculum or none (``coconut``,
    ``pause_as_thought``, ``no_thoughts``; ``cot``, ``no_cot``, ``pause_token``), driven by the
    method's properties (methods.py). ``from_config`` gives iCoT its own ``ICoTCurriculum``."""

    method: Method
    c_thought: int
    epochs_per_stage: int
    max_latent_stage: int
    pad_latent_to_max: bool
    uniform_prob: float
    use_curriculum: bool = True
    # iCoT's schedule (config keys icot_tokens_per_epoch, icot_smoothing), used by ICoTCurriculum.
    icot_tokens_per_epoch: int = 8
    icot_smoothing: float | None = None
    # icot: the first stage at which every record has lost all its reasoning tokens (later
    # stages look the same); set by ``with_reasoning_lengths`` once the data is known.
    icot_final_stage: int | None = None
    # Token ids of the markers (only needed to build samples, not to plan stages).
    bot_id: int = -1
    eot_id: int = -1
    latent_id: int = -1

    @staticmethod
    def from_config(config: RunConfig, codec: TextCodec | None = None, method: Method | None = None) -> Curriculum:
        """The curriculum of ``config``'s method (or of ``method``: a checkpoint's own)."""
        method = method or config.method
        kind = ICoTCurriculum if method_spec(method).curriculum == "icot" else Curriculum
        return kind(
            method=method,
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
        """The curriculum once the training data is known (only iCoT's depends on it)."""
        return self

    # --- what the method implies (methods.py) -------------------------------------------------

    @property
    def spec(self) -> MethodSpec:
        return method_spec(self.method)

    @property
    def uses_markers(self) -> bool:
        """``<bot>``/``<eot>`` (and ``<latent>``) appear only where thoughts can."""
        return self.spec.markers

    @property
    def feeds_back_thoughts(self) -> bool:
        return self.spec.feedback

    @property
    def thoughts_per_step(self) -> int:
        return self.spec.thoughts_per_step(self.c_thought)

    @property
    def final_stage(self) -> int:
        """The stage where every step is removed (all later stages look the same)."""
        return self.max_latent_stage + 1

    @property
    def pause_tokens(self) -> int:
        """Thoughts without markers: learned pause tokens after the question, as many as Coconut's
        final thoughts (pause_token; every other method without markers has no thoughts)."""
        return self.max_latent_stage * self.thoughts_per_step if self.spec.pause_tokens else 0

    def stage_of_epoch(self, epoch: int) -> int:
        if self.spec.curriculum == "none":
            return 0
        if not self.use_curriculum:
            return self.final_stage
        return min(epoch // self.epochs_per_stage, self.final_stage)

    # --- training layout ----------------------------------------------------------------------

    def removed_and_thoughts(self, stage: int, n_steps: int) -> tuple[int, int]:
        """(steps removed, thoughts) for one training sample at ``stage``."""
        if not self.spec.writes_steps:
            # no_cot, pause_token: the final stage's layout at every stage, thoughts padded to the max.
            return n_steps, self.max_latent_stage * self.thoughts_per_step
        if stage > self.max_latent_stage:
            cap = self.max_latent_stage if self.pad_latent_to_max else min(n_steps, self.max_latent_stage)
            return n_steps, cap * self.thoughts_per_step
        return min(stage, n_steps), stage * self.thoughts_per_step

    def sample_stage(self, stage: int, n_steps: int, rng: random.Random) -> int:
        """The stage one sample trains at: with probability ``uniform_prob`` a uniform draw
        from 0..#steps instead of the curriculum's (for every method, as in the reference)."""
        if self.uniform_prob > 0 and rng.random() < self.uniform_prob:
            return rng.randint(0, n_steps)
        return stage

    def draw_sample(self, record: EncodedRecord, stage: int, rng: random.Random) -> Sample:
        """One training sample at the epoch's ``stage``, with the method's per-sample draws
        (``uniform_prob`` stages here, iCoT's removal smoothing in ICoTCurriculum)."""
        return self.training_sample(record, self.sample_stage(stage, record.n_steps, rng))

    def training_sample(self, record: EncodedRecord, stage: int) -> Sample:
        removed, thoughts = self.removed_and_thoughts(stage, record.n_steps)
        prefix = list(record.question)
        if self.uses_markers:
            prefix += [self.bot_id] + [self.latent_id] * thoughts + [self.eot_id]
        else:
            prefix += [self.latent_id] * thoughts  # pause tokens (none for methods with 0 thoughts per step)
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
        (question + pause tokens without markers)."""
        if not self.uses_markers:
            return list(record.question) + [self.latent_id] * self.pause_tokens, self.pause_tokens
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
        if not self.spec.writes_steps or stage > self.max_latent_stage:
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
            plans.append(self.stage_plan(stage, epoch, max_steps))
        return plans

    def stage_plan(self, stage: int, epoch: int, max_steps: int) -> StagePlan:
        removed, thoughts = self.removed_and_thoughts(stage, max_steps)
        return StagePlan(stage, epoch, epoch, removed, thoughts, self.stage_label(stage, thoughts))

    def stage_label(self, stage: int, thoughts: int) -> str:
        spec = self.spec
        if spec.curriculum == "none":
            if spec.writes_steps:
                return f"stage {stage} · CoT"
            return f"{thoughts} pause tokens · no CoT" if spec.pause_tokens else f"stage {stage} · no CoT"
        if not spec.thoughts_per_c:  # steps removed, no thoughts in their place
            if stage > self.max_latent_stage:
                return f"stage {stage} · all steps removed"
            return f"stage {stage} · {stage} {'step' if stage == 1 else 'steps'} removed"
        noun = "thought" if thoughts == 1 else "thoughts"
        if stage > self.max_latent_stage:
            return f"stage {stage} · {thoughts} {noun} · no steps"
        return f"stage {stage} · {thoughts} {noun}"

    # --- iCoT's schedule (ICoTCurriculum builds its samples and stages by it) --------------------

    def icot_removed_tokens(self, stage: int, rng: random.Random | None) -> int:
        """Reasoning tokens one iCoT sample loses at ``stage``: the schedule's, plus the smoothing
        offset o ~ P(o) ∝ exp(−λ·o) (a geometric draw) when ``rng`` is given."""
        removed = stage * self.icot_tokens_per_epoch
        if rng is not None and self.icot_smoothing is not None:
            # Inverse CDF of the geometric law with ratio q = exp(−λ); 1 − random() is in (0, 1].
            removed += math.floor(math.log(1.0 - rng.random()) / -self.icot_smoothing)
        return removed

    def icot_label(self, stage: int) -> str:
        if stage == 0:
            return "stage 0 · full CoT"
        if self.icot_final_stage is not None and stage >= self.icot_final_stage:
            return f"stage {stage} · all reasoning tokens removed"
        return f"stage {stage} · {self.icot_removed_tokens(stage, None)} CoT tokens removed"


@dataclass(frozen=True)
class ICoTCurriculum(Curriculum):
    """Stepwise internalization (Deng et al., 2024): stage k = epoch k, capped where the longest
    reasoning is gone; no markers, no thoughts; the sample loses its first
    k·``icot_tokens_per_epoch`` reasoning tokens (the steps' tokens joined, so a step can be cut in
    the middle), plus the smoothing draw when training."""

    def with_reasoning_lengths(self, records: list[EncodedRecord]) -> Curriculum:
        """iCoT's stages end where the longest reasoning is gone."""
        longest = max((sum(len(step) for step in record.steps) for record in records), default=0)
        return dataclasses.replace(self, icot_final_stage=math.ceil(longest / self.icot_tokens_per_epoch))

    def stage_of_epoch(self, epoch: int) -> int:
        return epoch if self.icot_final_stage is None else min(epoch, self.icot_final_stage)

    def removed_and_thoughts(self, stage: int, n_steps: int) -> tuple[int, int]:
        return 0, 0  # removal is by token (icot_removed_tokens), not by step

    def draw_sample(self, record: EncodedRecord, stage: int, rng: random.Random) -> Sample:
        return self.training_sample(record, stage, icot_removed=self.icot_removed_tokens(stage, rng))

    def training_sample(self, record: EncodedRecord, stage: int, icot_removed: int | None = None) -> Sample:
        """The sample at ``stage`` without ``icot_removed`` tokens of its reasoning (default: the
        schedule's count, without the smoothing draw)."""
        removed_tokens = self.icot_removed_tokens(stage, None) if icot_removed is None else icot_removed
        reasoning = [token for step in record.steps for token in step][removed_tokens:]
        target = reasoning + record.answer
        return Sample(input_ids=list(record.question) + target, labels=[IGNORE_INDEX] * len(record.question) + target, thoughts=0)

    def expected_reasoning_steps(self, stage: int, n_steps: int) -> int | None:
        # Removal by token cuts steps in the middle: only the full reasoning compares exactly.
        return 0 if stage == 0 else None

    def stage_plan(self, stage: int, epoch: int, max_steps: int) -> StagePlan:
        return StagePlan(stage, epoch, epoch, 0, 0, self.icot_label(stage))
