"""Thought feedback: the vectorised, KV-cached, batched forward against a plain step-by-step one."""

from __future__ import annotations

import pytest
import torch
from conftest import make_records, tiny_family_model
from transformers import GPT2Config, GPT2LMHeadModel

from coconut_engine.batching import collate, collate_samples
from coconut_engine.config import config_from_dict
from coconut_engine.curriculum import Curriculum, encode_record
from coconut_engine.data import Record
from coconut_engine.model import CoconutModel
from coconut_engine.naive import naive_embeddings, naive_greedy, naive_loss
from coconut_engine.tokenizer import TextCodec, build_word_level_codec


@pytest.fixture(scope="module")
def setup() -> tuple[TextCodec, Curriculum, list, GPT2LMHeadModel]:
    torch.manual_seed(0)
    raw = make_records(12, seed=3)
    records = [Record(i, r["question"], tuple(r["steps"]), r["answer"]) for i, r in enumerate(raw)]
    codec = build_word_level_codec([r.question for r in records] + [s for r in records for s in r.steps] + ["### " + r.answer for r in records])
    config = config_from_dict({"train_path": "t", "val_path": "v", "coconut": True, "c_thought": 2, "max_latent_stage": 2})
    curriculum = Curriculum.from_config(config, codec)
    encoded = [encode_record(r, codec) for r in records]
    lm = GPT2LMHeadModel(GPT2Config(vocab_size=codec.vocab_size, n_positions=160, n_embd=32, n_layer=2, n_head=2, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0))
    return codec, curriculum, encoded, lm


def mixed_samples(curriculum: Curriculum, encoded: list) -> list:
    """Stages 0..3 in one batch: 0, 2 and 4 thoughts, and questions of different lengths."""
    return [curriculum.training_sample(item, stage) for item, stage in zip(encoded, [0, 1, 2, 3, 1, 2, 0, 3], strict=False)]  # more records than stages: the first eight


def test_loss_and_gradients_match_the_naive_computation(setup) -> None:
    codec, curriculum, encoded, lm = setup
    samples = mixed_samples(curriculum, encoded)
    model = CoconutModel(lm, codec.latent_id, feedback=True)
    batch = collate_samples(samples, codec.latent_id, codec.pad_id, align_thoughts=True)
    assert batch.max_thoughts == 4

    loss = model.loss(batch)
    reference = naive_loss(lm, samples, codec.latent_id)
    assert abs(loss.item() - reference.item()) < 1e-5

    params = list(lm.parameters())
    grads = torch.autograd.grad(loss, params)
    reference_grads = torch.autograd.grad(reference, params)
    for grad, expected in zip(grads, reference_grads, strict=True):
        torch.testing.assert_close(grad, expected, atol=1e-5, rtol=1e-4)


def test_each_thought_is_the_previous_positions_last_hidden_state(setup) -> None:
    codec, curriculum, encoded, lm = setup
    samples = mixed_samples(curriculum, encoded)
    model = CoconutModel(lm, codec.latent_id, feedback=True)
    batch = collate_samples(samples, codec.latent_id, codec.pad_id, align_thoughts=True)

    # Record what the transformer body actually receives in every pass.
    received: list[torch.Tensor] = []
    handle = lm.transformer.register_forward_pre_hook(lambda _m, _a, kwargs: received.append(kwargs["inputs_embeds"].detach()), with_kwargs=True)
    try:
        with torch.no_grad():
            result = model.run(batch.input_ids, batch.attention_mask, batch.position_ids, batch.first_latent, batch.max_thoughts)
    finally:
        handle.remove()

    # n thoughts take n+1 passes; the cache makes every middle pass one position long.
    assert len(received) == batch.max_thoughts + 1
    assert [chunk.shape[1] for chunk in received[1:-1]] == [1] * (batch.max_thoughts - 1)
    inputs = torch.cat(received, dim=1)
    assert inputs.shape[:2] == batch.input_ids.shape

    token_embeds = lm.transformer.wte(batch.input_ids).detach()
    is_latent = batch.input_ids == codec.latent_id
    checked = 0
    for row in range(batch.size):
        for column in range(batch.input_ids.shape[1]):
            if is_latent[row, column]:
                torch.testing.assert_close(inputs[row, column], result.hidden[row, column - 1], atol=0, rtol=0)
                checked += 1
            else:
                torch.testing.assert_close(inputs[row, column], token_embeds[row, column], atol=0, rtol=0)
    assert checked == sum(sample.thoughts for sample in samples)

    # And the same thoughts as the unvectorised computation of each sample alone.
    for row, sample in enumerate(samples):
        if not sample.thoughts:
            continue
        naive = naive_embeddings(lm, sample.input_ids, codec.latent_id).detach()
        first = sample.input_ids.index(codec.latent_id)
        for i in range(sample.thoughts):
            torch.testing.assert_close(inputs[row, batch.first_latent + i], naive[first + i], atol=1e-5, rtol=1e-4)


def test_without_feedback_latent_is_an_ordinary_token(setup) -> None:
    codec, curriculum, encoded, lm = setup
    samples = mixed_samples(curriculum, encoded)
    model = CoconutModel(lm, codec.latent_id, feedback=False)
    batch = collate_samples(samples, codec.latent_id, codec.pad_id, align_thoughts=False)
    loss = model.loss(batch)
    assert batch.labels is not None
    labels = batch.labels.clone()
    expected = lm(input_ids=batch.input_ids, attention_mask=batch.attention_mask, position_ids=batch.position_ids, labels=labels).loss
    assert abs(loss.item() - expected.item()) < 1e-5


def test_batched_cached_generation_matches_naive_greedy(setup) -> None:
    codec, curriculum, encoded, lm = setup
    # Make eos likely after a few tokens so that samples stop at different times.
    with torch.no_grad():
        lm.transformer.wte.weight[codec.eos_id] *= 3.0
    model = CoconutModel(lm, codec.latent_id, feedback=True).eval()
    for stage in (0, 2):
        prompts = [curriculum.eval_prompt(item, stage) for item in encoded[:6]]
        counts = {thoughts for _, thoughts in prompts}
        for count in counts:
            group = [ids for ids, thoughts in prompts if thoughts == count]
            batch = collate(group, codec.latent_id, codec.pad_id, align_end=True)
            generated = model.generate(batch, 12, codec.eos_id)
            with torch.no_grad():
                expected = [naive_greedy(lm, ids, codec.latent_id, codec.eos_id, 12) for ids in group]
            assert generated == expected


@pytest.mark.parametrize("family", ["gpt2", "llama", "qwen2"])
def test_every_model_family_matches_the_naive_forward(setup, family: str) -> None:
    """Rotary positions (Llama, Qwen) must see the same positions with left padding and a cache
    as in one unpadded pass: the vectorised loss and the naive one agree for each family."""
    codec, curriculum, encoded, _ = setup
    lm = tiny_family_model(family, codec.vocab_size)
    samples = mixed_samples(curriculum, encoded)
    model = CoconutModel(lm, codec.latent_id, feedback=True)
    batch = collate_samples(samples, codec.latent_id, codec.pad_id, align_thoughts=True)
    loss = model.loss(batch)
    reference = naive_loss(lm, samples, codec.latent_id)
    assert abs(loss.item() - reference.item()) < 1e-5
    with torch.no_grad():
        # One batch must share its thought count (see batching.collate's align_end).
        prompts = [ids for ids, thoughts in (curriculum.eval_prompt(item, 2) for item in encoded) if thoughts == 4][:4]
        assert len(prompts) >= 2
        generated = model.eval().generate(collate(prompts, codec.latent_id, codec.pad_id, align_end=True), 6, codec.eos_id)
        assert generated == [naive_greedy(lm, ids, codec.latent_id, codec.eos_id, 6) for ids in prompts]
