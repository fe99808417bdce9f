"""The word-level tokenizer: vocabulary, special tokens, decoding and comparisons."""

from __future__ import annotations

import json

from tokenizers import Tokenizer

from coconut_engine.tokenizer import (
    BOT,
    EOS,
    EOT,
    LATENT,
    NEWLINE,
    PAD,
    UNK,
    TextCodec,
    build_word_level_codec,
    pretty_json,
    word_level_texts,
)

TEXTS = ["Every wumpus is a yumpus. Is Tom a yumpus or zumpus?", "Tom is a wumpus.", "### Tom is a yumpus."]


def test_specials_come_first_and_words_by_frequency() -> None:
    codec = build_word_level_codec(TEXTS)
    vocab = codec.tokenizer.get_vocab()
    assert [vocab[token] for token in (EOS, PAD, UNK, NEWLINE, BOT, EOT, LATENT)] == list(range(7))
    # Most frequent first ("a" 4 times; ".", "Tom", "is", "yumpus" 3 times), ties in code-point order.
    assert [vocab[w] for w in ("a", ".", "Tom", "is", "yumpus")] == [7, 8, 9, 10, 11]
    assert build_word_level_codec(TEXTS).to_json() == codec.to_json()  # deterministic


def test_encode_splits_punctuation_and_matches_added_tokens() -> None:
    codec = build_word_level_codec(TEXTS)
    ids = codec.encode(f"Tom is a wumpus.\n{BOT}{LATENT}{LATENT}{EOT}### Tom is a gizmo.")
    tokens = [codec.tokenizer.id_to_token(i) for i in ids]
    assert tokens == ["Tom", "is", "a", "wumpus", ".", NEWLINE, BOT, LATENT, LATENT, EOT, "###", "Tom", "is", "a", UNK, "."]


def test_decode_joins_words_and_keeps_line_breaks() -> None:
    codec = build_word_level_codec(TEXTS)
    ids = codec.encode("Tom is a wumpus.\nEvery wumpus is a yumpus.\n### Tom is a yumpus.") + [codec.eos_id]
    assert codec.decode(ids) == "Tom is a wumpus .\nEvery wumpus is a yumpus .\n### Tom is a yumpus ."


def test_comparable_forms_match_on_both_sides() -> None:
    codec = build_word_level_codec(TEXTS)
    assert codec.comparable("Tom is a yumpus .") == codec.comparable("Tom is a yumpus.") == "Tom is a yumpus ."
    assert codec.comparable(" Tom  is a\twumpus.\nEvery wumpus is a yumpus.\n") == "Tom is a wumpus .\nEvery wumpus is a yumpus ."
    assert codec.comparable("Tom is a yumpus.") != codec.comparable("Tom is a zumpus.")


def test_saved_json_round_trips_and_stays_simple() -> None:
    codec = build_word_level_codec(TEXTS)
    data = json.loads(codec.to_json())
    # One plain pre-tokenizer, no normalizer, so other loaders (the TypeScript one) agree on the ids.
    assert data["pre_tokenizer"] == {"type": "Whitespace"}
    assert data["normalizer"] is None
    assert data["model"]["type"] == "WordLevel" and data["model"]["unk_token"] == UNK
    restored = TextCodec.from_saved(codec.to_json(), codec.metadata())
    text = f"Is Tom a yumpus?\n{BOT}{LATENT}{EOT}"
    assert restored.encode(text) == codec.encode(text)
    assert Tokenizer.from_str(codec.to_json()).encode(text).ids == codec.encode(text)


def test_word_level_texts_are_what_the_offline_model_builds_from() -> None:
    from coconut_engine.data import Record

    records = [Record(index=0, question="Is Tom a yumpus?", steps=("Tom is a wumpus.", "Every wumpus is a yumpus."), answer="Tom is a yumpus.")]
    assert word_level_texts(records) == ["Is Tom a yumpus?", "Tom is a wumpus.", "Every wumpus is a yumpus.", "### Tom is a yumpus."]


def test_tokenizer_command_writes_the_runs_tokenizer_json(tmp_path, capsys) -> None:
    from coconut_engine.__main__ import main

    records = [{"question": "Is Tom a yumpus?", "steps": ["Tom is a wumpus."], "answer": "Tom is a yumpus."}]
    data = tmp_path / "train.json"
    data.write_text(json.dumps(records), encoding="utf-8")
    out = tmp_path / "sub" / "tokenizer.json"
    assert main(["tokenizer", "--data", str(data), "--out", str(out), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    expected = build_word_level_codec(["Is Tom a yumpus?", "Tom is a wumpus.", "### Tom is a yumpus."])
    assert summary == {"out": str(out), "vocab_size": expected.vocab_size, "records": 1}
    assert out.read_text(encoding="utf-8") == pretty_json(expected)

    assert main(["tokenizer", "--data", str(tmp_path / "missing.json"), "--out", str(out)]) == 1
    assert "dataset file not found" in capsys.readouterr().err
