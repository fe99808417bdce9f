"""Building models: offline GPT-2, local transformers copies, checkpoints; marker initialisation."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import TINY_MODEL, make_records, tiny_family_model
from tokenizers import Tokenizer
from transformers import PreTrainedTokenizerFast

from coconut_engine.build import build_model, embedding_matrix
from coconut_engine.checkpoint import load_checkpoint, make_payload, save_atomically
from coconut_engine.config import config_from_dict
from coconut_engine.data import Record
from coconut_engine.errors import ConfigError
from coconut_engine.tokenizer import build_word_level_codec


def records(count: int = 10) -> list[Record]:
    return [Record(i, r["question"], tuple(r["steps"]), r["answer"]) for i, r in enumerate(make_records(count, seed=4))]


def config(**keys: object):
    return config_from_dict({"train_path": "t.json", "val_path": "v.json", "offline_model": TINY_MODEL, **keys})


def save_offline_checkpoint(path: Path, method: str = "cot") -> dict:
    built = build_model(config(), records())
    with torch.no_grad():  # make the marker rows differ from '.', as training would
        embedding_matrix(built.causal_lm)[built.codec.latent_id] += 1.0
    payload = make_payload(
        state_dict=built.causal_lm.state_dict(),
        model_id=built.model_id,
        model_config=built.causal_lm.config.to_dict(),
        tokenizer_json=built.codec.to_json(),
        tokenizer_meta=built.codec.metadata(),
        method=method,
        epoch=2,
        stage=0,
        optimizer_state=None,
        accuracy=0.5,
        run_config={},
        engine_version="test",
    )
    save_atomically(payload, path)
    return {"built": built, "payload": payload}


def test_offline_model_markers_start_as_a_copy_of_the_period() -> None:
    built = build_model(config(), records())
    weights = embedding_matrix(built.causal_lm)
    period = built.codec.tokenizer.token_to_id(".")
    for token_id in (built.codec.bot_id, built.codec.eot_id, built.codec.latent_id):
        assert torch.equal(weights[token_id], weights[period])
    assert built.causal_lm.config.n_layer == 1 and built.causal_lm.config.n_embd == 32
    assert built.causal_lm.config.vocab_size == built.codec.vocab_size


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    saved = save_offline_checkpoint(tmp_path / "checkpoints" / "best.pt")
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["best.pt"]  # no temp file left
    loaded = build_model(config(cot=True, load_model_path=str(tmp_path / "checkpoints" / "best.pt")), None)
    assert loaded.source == "checkpoint"
    for name, tensor in saved["built"].causal_lm.state_dict().items():
        assert torch.equal(loaded.causal_lm.state_dict()[name], tensor), name
    assert loaded.codec.to_json() == saved["built"].codec.to_json()


def test_coconut_from_a_cot_checkpoint_reinitialises_the_markers(tmp_path: Path) -> None:
    path = tmp_path / "cot.pt"
    save_offline_checkpoint(path, method="cot")
    loaded = build_model(config(coconut=True, load_model_path=str(path)), None)
    weights = embedding_matrix(loaded.causal_lm)
    assert torch.equal(weights[loaded.codec.latent_id], weights[loaded.codec.tokenizer.token_to_id(".")])
    assert any("without thought markers" in note for note in loaded.notes)
    # A coconut checkpoint keeps its trained markers.
    path2 = tmp_path / "coconut.pt"
    save_offline_checkpoint(path2, method="coconut")
    kept = build_model(config(coconut=True, load_model_path=str(path2)), None)
    weights = embedding_matrix(kept.causal_lm)
    assert not torch.equal(weights[kept.codec.latent_id], weights[kept.codec.tokenizer.token_to_id(".")])


def test_missing_or_foreign_checkpoint(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        build_model(config(load_model_path=str(tmp_path / "nope.pt")), None)
    assert caught.value.where == "load_model_path" and "checkpoint not found" in caught.value.message
    foreign = tmp_path / "state.pt"
    torch.save({"weight": torch.zeros(2)}, foreign)
    with pytest.raises(ConfigError, match="not a Coconut Workbench checkpoint"):
        load_checkpoint(foreign)
    junk = tmp_path / "junk.pt"
    junk.write_text("hello")
    with pytest.raises(ConfigError, match="cannot read"):
        load_checkpoint(junk)


@pytest.mark.parametrize("family", ["gpt2", "llama", "qwen2"])
def test_local_transformers_model(tmp_path: Path, family: str) -> None:
    texts = ["Every cat is a fox << .", "Tom is a cat ."]
    word_level = build_word_level_codec(texts).tokenizer
    hf_tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(word_level.to_str()), eos_token="<|endoftext|>", unk_token="<|unk|>")
    model_dir = tmp_path / f"tiny-{family}"
    hf_tokenizer.save_pretrained(model_dir)
    tiny_family_model(family, len(hf_tokenizer)).save_pretrained(model_dir)

    # Both spellings of "this folder": model_id itself, and the reference's local + local_path.
    by_id = build_model(config(model_id=str(model_dir), coconut=True), None)
    built = build_model(config(model_id="gpt2", local=True, local_path=str(model_dir), coconut=True), None)
    assert type(built.causal_lm) is type(by_id.causal_lm)
    assert built.causal_lm.config.model_type == family
    assert built.source == "local" and not built.codec.word_level
    ids = built.codec.encode("Tom is a cat .\n<|start-latent|><|latent|><|end-latent|>")
    assert ids[-3:] == [built.codec.bot_id, built.codec.latent_id, built.codec.eot_id]
    weights = embedding_matrix(built.causal_lm)
    assert weights.shape[0] >= built.codec.vocab_size
    seed = built.codec.tokenizer.token_to_id("<<")  # the reference's rule when '<<' exists
    assert torch.equal(weights[built.codec.latent_id], weights[seed])


def test_missing_local_model_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        build_model(config(model_id=str(tmp_path / "no-such-model")), None)
    assert caught.value.where == "model_id"
    assert "no local copy" in caught.value.message and "\n" not in caught.value.message
