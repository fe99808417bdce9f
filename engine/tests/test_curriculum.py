"""Sample layouts per method and stage: exact token sequences and label masks."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from coconut_engine.config import config_from_dict
from coconut_engine.curriculum import (
    IGNORE_INDEX,
    Curriculum,
    EncodedRecord,
    encode_record,
)
from coconut_engine.data import Record
from coconut_engine.tokenizer import (
    BOT,
    EOS,
    EOT,
    LATENT,
    NEWLINE,
    TextCodec,
    build_word_level_codec,
)

QUESTION = "Every pet is a cat. Tom is a pet. Every cat is a fox. Is Tom a fox or dog?"
STEPS = ("Tom is a pet.", "Every pet is a cat.", "Every cat is a fox.")
ANSWER = "Tom is a fox."

Q = ["Every", "pet", "is", "a", "cat", ".", "Tom", "is", "a", "pet", ".", "Every", "cat", "is", "a", "fox", ".", "Is", "Tom", "a", "fox", "or", "dog", "?", NEWLINE]
S = [
    ["Tom", "is", "a", "pet", ".", NEWLINE],
    ["Every", "pet", "is", "a", "cat", ".", NEWLINE],
    ["Every", "cat", "is", "a", "fox", ".", NEWLINE],
]
A = ["###", "Tom", "is", "a", "fox", ".", EOS]


@pytest.fixture(scope="module")
def codec() -> TextCodec:
    return build_word_level_codec([QUESTION, *STEPS, "### " + ANSWER])


def record(codec: TextCodec, steps: tuple[str, ...] = STEPS) -> EncodedRecord:
    return encode_record(Record(0, QUESTION, steps, ANSWER), codec)


def curriculum(codec: TextCodec, **keys: object) -> Curriculum:
    config = config_from_dict({"train_path": "t.json", "val_path": "v.json", "c_thought": 1, "max_latent_stage": 2, **keys})
    return Curriculum.from_config(config, codec)


def tokens(codec: TextCodec, ids: list[int]) -> list[str | None]:
    return [codec.tokenizer.id_to_token(i) for i in ids]


def check(codec: TextCodec, cur: Curriculum, stage: int, expected_prefix: list[str], expected_target: list[str], item: EncodedRecord | None = None) -> None:
    sample = cur.training_sample(item or record(codec), stage)
    assert tokens(codec, sample.input_ids) == expected_prefix + expected_target
    # Loss only on the remaining steps, the answer and eos.
    assert sample.labels[: len(expected_prefix)] == [IGNORE_INDEX] * len(expected_prefix)
    assert tokens(codec, sample.labels[len(expected_prefix) :]) == expected_target
    assert sample.thoughts == expected_prefix.count(LATENT)


def test_coconut_stages_0_to_final(codec: TextCodec) -> None:
    cur = curriculum(codec, coconut=True, c_thought=2)
    check(codec, cur, 0, Q + [BOT, EOT], S[0] + S[1] + S[2] + A)
    check(codec, cur, 1, Q + [BOT] + [LATENT] * 2 + [EOT], S[1] + S[2] + A)
    check(codec, cur, 2, Q + [BOT] + [LATENT] * 4 + [EOT], S[2] + A)
    # Past max_latent_stage (2) every step is removed; without padding min(3 steps, 2)·c thoughts.
    check(codec, cur, 3, Q + [BOT] + [LATENT] * 4 + [EOT], A)


def test_final_stage_with_and_without_pad_latent_to_max(codec: TextCodec) -> None:
    short = record(codec, STEPS[:1])  # one step only
    padded = curriculum(codec, coconut=True, pad_latent_to_max=True)
    unpadded = curriculum(codec, coconut=True, pad_latent_to_max=False)
    check(codec, padded, 3, Q + [BOT] + [LATENT] * 2 + [EOT], A, short)
    check(codec, unpadded, 3, Q + [BOT] + [LATENT] * 1 + [EOT], A, short)


def test_sample_with_fewer_steps_than_the_stage(codec: TextCodec) -> None:
    # As in the reference: below the final stage a sample gets k·c thoughts even with fewer steps.
    short = record(codec, STEPS[:1])
    cur = curriculum(codec, coconut=True, max_latent_stage=3)
    check(codec, cur, 2, Q + [BOT] + [LATENT] * 2 + [EOT], A, short)
    # ... while evaluation caps the count at the sample's steps (pad_latent_to_max off).
    prompt, thoughts = cur.eval_prompt(short, 2)
    assert thoughts == 1 and tokens(codec, prompt) == Q + [BOT, LATENT, EOT]


def test_cot_is_stage_zero_forever_without_markers(codec: TextCodec) -> None:
    cur = curriculum(codec, cot=True)
    assert [cur.stage_of_epoch(epoch) for epoch in (0, 7, 40)] == [0, 0, 0]
    check(codec, cur, 0, Q, S[0] + S[1] + S[2] + A)
    assert tokens(codec, cur.eval_prompt(record(codec), 0)[0]) == Q


def test_no_cot_is_question_then_answer(codec: TextCodec) -> None:
    cur = curriculum(codec, no_cot=True)
    check(codec, cur, 0, Q, A)
    check(codec, cur, 3, Q, A)


def test_no_thoughts_removes_steps_without_thoughts_or_markers(codec: TextCodec) -> None:
    cur = curriculum(codec, no_thoughts=True, c_thought=2)
    check(codec, cur, 0, Q, S[0] + S[1] + S[2] + A)
    check(codec, cur, 1, Q, S[1] + S[2] + A)
    check(codec, cur, 2, Q, S[2] + A)
    check(codec, cur, 3, Q, A)
    assert tokens(codec, cur.eval_prompt(record(codec), 3)[0]) == Q


def test_pause_as_thought_keeps_the_coconut_layout(codec: TextCodec) -> None:
    cur = curriculum(codec)  # no method flag
    assert cur.method == "pause_as_thought" and not cur.feeds_back_thoughts and cur.uses_markers
    check(codec, cur, 1, Q + [BOT, LATENT, EOT], S[1] + S[2] + A)


def test_pause_tokens_sit_between_question_and_answer_at_every_epoch(codec: TextCodec) -> None:
    cur = curriculum(codec, pause_token=True, c_thought=2)  # max_latent_stage 2: 4 pause tokens
    assert cur.method == "pause_token" and not cur.feeds_back_thoughts and not cur.uses_markers
    assert [cur.stage_of_epoch(epoch) for epoch in (0, 9, 40)] == [0, 0, 0]
    check(codec, cur, 0, Q + [LATENT] * 4, A)
    prompt, thoughts = cur.eval_prompt(record(codec), 0)
    assert thoughts == 4 and tokens(codec, prompt) == Q + [LATENT] * 4
    assert cur.expected_reasoning_steps(0, 3) is None
    assert [(p.stage, p.thoughts, p.label) for p in cur.plan(0, 3, 3)] == [(0, 4, "4 pause tokens · no CoT")]


def test_without_curriculum_every_epoch_is_the_final_stage(codec: TextCodec) -> None:
    cur = curriculum(codec, coconut=True, curriculum=False, pad_latent_to_max=True)
    assert [cur.stage_of_epoch(epoch) for epoch in (0, 1, 12)] == [3, 3, 3]
    check(codec, cur, cur.stage_of_epoch(0), Q + [BOT] + [LATENT] * 2 + [EOT], A)
    assert [(p.stage, p.first_epoch, p.last_epoch) for p in cur.plan(0, 4, 3)] == [(3, 0, 3)]
    # cot has no stages to skip: the flag changes nothing there.
    assert curriculum(codec, cot=True, curriculum=False).stage_of_epoch(5) == 0


def test_stage_schedule_and_plan(codec: TextCodec) -> None:
    cur = curriculum(codec, coconut=True, epochs_per_stage=2, max_latent_stage=2)
    assert [cur.stage_of_epoch(e) for e in range(10)] == [0, 0, 1, 1, 2, 2, 3, 3, 3, 3]
    plan = cur.plan(resume=0, num_epochs=9, max_steps=3)
    assert [(p.stage, p.first_epoch, p.last_epoch, p.removed_steps, p.thoughts) for p in plan] == [
        (0, 0, 1, 0, 0),
        (1, 2, 3, 1, 1),
        (2, 4, 5, 2, 2),
        (3, 6, 8, 3, 2),
    ]
    assert [p.label for p in plan] == ["stage 0 · 0 thoughts", "stage 1 · 1 thought", "stage 2 · 2 thoughts", "stage 3 · 2 thoughts · no steps"]
    # resume skips epochs; only stages actually reached are planned.
    resumed = cur.plan(resume=3, num_epochs=5, max_steps=3)
    assert [(p.stage, p.first_epoch, p.last_epoch) for p in resumed] == [(1, 3, 3), (2, 4, 4)]


def test_uniform_prob_draws_stages_reproducibly(codec: TextCodec) -> None:
    cur = curriculum(codec, coconut=True, uniform_prob=0.3)
    draws = [cur.sample_stage(1, 3, random.Random(7)) for _ in range(3)]
    assert draws[0] == draws[1] == draws[2]  # same seed, same draw
    rng = random.Random(123)
    stages = [cur.sample_stage(1, 3, rng) for _ in range(4000)]
    counts = Counter(stages)
    # Curriculum stage 1 with p 0.7 + 0.3/4; every other stage 0..3 with p 0.3/4 each.
    assert set(counts) == {0, 1, 2, 3}
    assert abs(counts[1] / 4000 - 0.775) < 0.03
    assert all(abs(counts[s] / 4000 - 0.075) < 0.02 for s in (0, 2, 3))
    # Pinned draws for seed 5: a change here changes every seeded uniform_prob run.
    rng = random.Random(5)
    assert [cur.sample_stage(1, 3, rng) for _ in range(12)] == [1, 1, 1, 1, 1, 1, 3, 1, 0, 1, 3, 1]


def test_eval_prompt_uses_the_stage_count(codec: TextCodec) -> None:
    cur = curriculum(codec, coconut=True, c_thought=2, pad_latent_to_max=True, max_latent_stage=2)
    for stage, count in [(0, 0), (1, 2), (2, 4), (3, 4)]:
        prompt, thoughts = cur.eval_prompt(record(codec), stage)
        assert thoughts == count
        assert tokens(codec, prompt) == Q + [BOT] + [LATENT] * count + [EOT]


def test_forced_eval_prompt_has_exactly_k_thoughts_whatever_the_steps(codec: TextCodec) -> None:
    # c_thought 2 and max_latent_stage 2 would give the stage prompts 0, 2 or 4 thoughts; a forced
    # count is taken as is, beyond both the record's steps and the last stage.
    for method in ({"coconut": True}, {}):
        cur = curriculum(codec, c_thought=2, max_latent_stage=2, **method)
        for steps in (STEPS, STEPS[:1]):
            for k in (0, 1, 3, 7):
                prompt, thoughts = cur.forced_eval_prompt(record(codec, steps), k)
                assert thoughts == k
                assert tokens(codec, prompt) == Q + [BOT] + [LATENT] * k + [EOT]
    with pytest.raises(ValueError, match="cot has no thought markers"):
        curriculum(codec, cot=True).forced_eval_prompt(record(codec), 1)


def test_icot_removes_reasoning_tokens_from_the_front(codec: TextCodec) -> None:
    cur = curriculum(codec, icot=True, icot_tokens_per_epoch=4, icot_smoothing=None).with_reasoning_lengths([record(codec)])
    reasoning = S[0] + S[1] + S[2]
    check(codec, cur, 0, Q, reasoning + A)
    # Removal is by token: stage 2 cuts 8 tokens, into the middle of the second step.
    check(codec, cur, 2, Q, reasoning[8:] + A)
    # 20 reasoning tokens at 4 per epoch: gone from stage 5 on, and later epochs stay there.
    assert cur.icot_final_stage == 5
    check(codec, cur, 5, Q, A)
    assert [cur.stage_of_epoch(epoch) for epoch in (0, 4, 5, 9)] == [0, 4, 5, 5]
    assert cur.icot_label(5) == "stage 5 · all reasoning tokens removed"
    assert cur.eval_prompt(record(codec), 3) == (record(codec).question, 0)


def test_icot_removal_smoothing_draws_a_geometric_offset(codec: TextCodec) -> None:
    import math

    cur = curriculum(codec, icot=True, icot_tokens_per_epoch=4, icot_smoothing=math.log(2))
    rng = random.Random(11)
    offsets = Counter(cur.icot_removed_tokens(1, rng) - 4 for _ in range(20000))
    # P(o) ∝ exp(−λ·o) with λ = ln 2: P(0) = 1/2, P(1) = 1/4, P(2) = 1/8.
    assert offsets[0] / 20000 == pytest.approx(0.5, abs=0.015)
    assert offsets[1] / 20000 == pytest.approx(0.25, abs=0.015)
    assert offsets[2] / 20000 == pytest.approx(0.125, abs=0.01)
    # The sample drawn for training loses exactly the drawn number of tokens.
    sample = cur.draw_sample(record(codec), 1, random.Random(3))
    removed = cur.icot_removed_tokens(1, random.Random(3))
    assert tokens(codec, sample.input_ids) == Q + (S[0] + S[1] + S[2])[removed:] + A
