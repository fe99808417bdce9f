"""Training batches: methods with markers line their first <latent> up across the batch, as the
reference's collator does, and for pause as thought (nothing fed back) the loss is the same
either way."""

from __future__ import annotations

import pytest
import torch
from conftest import make_records
from transformers import GPT2Config, GPT2LMHeadModel

from coconut_engine.batching import Batch, collate_samples
from coconut_engine.config import config_from_dict
from coconut_engine.curriculum import Curriculum, EncodedRecord, encode_record
from coconut_engine.data import Record
from coconut_engine.model import CoconutModel
from coconut_engine.tokenizer import TextCodec, build_word_level_codec
from coconut_engine.train import batch_loader

STAGES = [0, 1, 2, 3, 1, 2, 0, 3]  # 0, 2, 4 and 4 thoughts (c = 2), questions of different lengths


@pytest.fixture(scope="module")
def data() -> tuple[TextCodec, list[EncodedRecord]]:
    raw = make_records(len(STAGES), seed=5)
    records = [Record(i, r["question"], tuple(r["steps"]), r["answer"]) for i, r in enumerate(raw)]
    codec = build_word_level_codec([r.question for r in records] + [s for r in records for s in r.steps] + ["### " + r.answer for r in records])
    return codec, [encode_record(r, codec) for r in records]


def curriculum(codec: TextCodec, **method: bool) -> Curriculum:
    config = config_from_dict({"train_path": "t", "val_path": "v", "c_thought": 2, "max_latent_stage": 2, **method})
    return Curriculum.from_config(config, codec)


def training_batch(codec: TextCodec, cur: Curriculum, encoded: list[EncodedRecord]) -> Batch:
    """The batch training builds (train.batch_loader) for one sample per stage in STAGES."""
    samples = [cur.training_sample(item, stage) for item, stage in zip(encoded, STAGES, strict=True)]
    return next(iter(batch_loader([samples], codec, cur, workers=0, device=torch.device("cpu"))))


def first_latent_columns(batch: Batch, latent_id: int) -> set[int]:
    columns = set()
    for row in batch.input_ids.tolist():
        if latent_id in row:
            columns.add(row.index(latent_id))
    return columns


def test_pause_as_thought_batches_line_up_their_first_latent(data) -> None:
    codec, encoded = data
    pause_as_thought = curriculum(codec)
    assert pause_as_thought.method == "pause_as_thought"
    batch = training_batch(codec, pause_as_thought, encoded)
    # Six of the eight samples have thoughts, after questions of different lengths: one column.
    assert sum(codec.latent_id in row for row in batch.input_ids.tolist()) == 6
    assert first_latent_columns(batch, codec.latent_id) == {batch.first_latent}
    assert len({len(item.question) for item in encoded}) > 1  # so the alignment did pad some rows


def test_pause_tokens_keep_their_place(data) -> None:
    codec, encoded = data
    batch = training_batch(codec, curriculum(codec, pause_token=True), encoded)
    # No markers: every sample starts in column 0, its pause tokens right after its own question.
    assert bool(batch.attention_mask[:, 0].all())
    assert len(first_latent_columns(batch, codec.latent_id)) == len({len(item.question) for item in encoded})


def test_pause_as_thought_loss_is_the_same_aligned_or_not(data) -> None:
    codec, encoded = data
    cur = curriculum(codec)
    samples = [cur.training_sample(item, stage) for item, stage in zip(encoded, STAGES, strict=True)]
    torch.manual_seed(0)
    lm = GPT2LMHeadModel(GPT2Config(vocab_size=codec.vocab_size, n_positions=160, n_embd=32, n_layer=2, n_head=2, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0))
    model = CoconutModel(lm, codec.latent_id, feedback=cur.feeds_back_thoughts)
    aligned = collate_samples(samples, codec.latent_id, codec.pad_id, align_thoughts=True)
    unaligned = collate_samples(samples, codec.latent_id, codec.pad_id, align_thoughts=False)
    assert aligned.input_ids.shape[1] > unaligned.input_ids.shape[1]  # the alignment padded on the left

    aligned_loss, unaligned_loss = model.loss(aligned), model.loss(unaligned)
    assert abs(aligned_loss.item() - unaligned_loss.item()) < 1e-6
    params = list(lm.parameters())
    for aligned_grad, unaligned_grad in zip(torch.autograd.grad(aligned_loss, params), torch.autograd.grad(unaligned_loss, params), strict=True):
        torch.testing.assert_close(aligned_grad, unaligned_grad, atol=1e-6, rtol=1e-5)
