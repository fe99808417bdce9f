"""Every validation question's output is kept: RUN/predictions/epoch-N.jsonl after each evaluation,
eval-N.jsonl from only_eval, and eval-N-kK.jsonl per thought count k that eval_thoughts forces."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import TINY_RUN, assert_valid_events, make_records, read_events, run_engine, write_config, write_json

from coconut_engine import train
from coconut_engine.checkpoint import load_checkpoint
from coconut_engine.config import config_from_dict
from coconut_engine.data import load_datasets
from coconut_engine.evaluate import reasoning_of, write_predictions
from coconut_engine.events import EventLog
from coconut_engine.tokenizer import TextCodec

FIELDS = {"idx", "thoughts", "text", "answer", "correct"}


def read_rows(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    return [json.loads(line) for line in text.splitlines()]


def test_each_evaluation_writes_every_prediction(tmp_path: Path, tiny_data, event_validator) -> None:
    train, val = tiny_data
    config = write_config(
        tmp_path / "coconut.yaml",
        coconut=True,
        num_epochs=2,
        epochs_per_stage=1,
        max_latent_stage=1,
        train_path=str(train),
        val_path=str(val),
        **TINY_RUN,
    )
    run_dir = tmp_path / "run"
    done = run_engine(config, run_dir, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    events = read_events(run_dir)
    assert_valid_events(events, event_validator)
    evals = [event for event in events if event["type"] == "eval"]
    assert [event["predictions"] for event in evals] == ["predictions/epoch-1.jsonl", "predictions/epoch-2.jsonl"]
    val_records = json.loads(val.read_text(encoding="utf-8"))
    # Each evaluation says how far it got, ending with every question answered, before its result.
    for epoch in (0, 1):
        reports = [event for event in events if event["type"] == "eval_progress" and event["epoch"] == epoch]
        assert reports and reports[-1]["done"] == reports[-1]["total"] == len(val_records)
        assert [event["done"] for event in reports] == sorted(event["done"] for event in reports)
        assert events.index(reports[-1]) < events.index(evals[epoch])
    for event, thoughts in zip(evals, [0, 1], strict=True):
        rows = read_rows(run_dir / event["predictions"])
        assert [row["idx"] for row in rows] == list(range(len(val_records)))  # one line per record, in order
        for row in rows:
            assert FIELDS <= set(row) <= FIELDS | {"reasoning_match"}
            assert row["thoughts"] == thoughts  # stage 0: no thoughts; stage 1: one per removed step
            assert isinstance(row["text"], str) and isinstance(row["correct"], bool)
            assert row["answer"] == row["text"].split("#")[-1].replace(",", "").strip()
            # Coconut still writes the remaining steps at these stages (records have 1..3 steps).
            assert isinstance(row.get("reasoning_match"), bool)
        assert sum(row["correct"] for row in rows) == event["correct"] == round(event["accuracy"] * event["total"])
        assert event["total"] == len(rows)
        if event["cot_match"] is not None:
            matched = sum(row["reasoning_match"] for row in rows)
            assert matched / sum("reasoning_match" in row for row in rows) == event["cot_match"]
        # The reference's figure compares with ALL of a record's steps, whatever the stage.
        codec = TextCodec.from_saved(*_tokenizer_of(run_dir))
        whole = [codec.comparable(reasoning_of(row["text"])) == codec.comparable("\n".join(record["steps"])) for row, record in zip(rows, val_records, strict=True)]
        assert event["reference_cot_match"] == sum(whole) / len(rows)
    # Written atomically: no temporary file left beside them.
    assert sorted(path.name for path in (run_dir / "predictions").iterdir()) == ["epoch-1.jsonl", "epoch-2.jsonl"]


def _tokenizer_of(run_dir: Path) -> tuple[str, dict]:
    """The run's tokenizer, as its last checkpoint saved it."""
    saved = load_checkpoint(sorted((run_dir / "checkpoints").glob("epoch-*.pt"))[-1])
    return saved["tokenizer_json"], saved["tokenizer_meta"]


def test_reasoning_match_is_left_out_where_no_reasoning_is_expected(tmp_path: Path, tiny_data) -> None:
    train, val = tiny_data
    config = write_config(tmp_path / "no_cot.yaml", no_cot=True, num_epochs=1, train_path=str(train), val_path=str(val), **TINY_RUN)
    done = run_engine(config, tmp_path / "run")
    assert done.returncode == 0, done.stderr[-2000:]
    (event,) = [event for event in read_events(tmp_path / "run") if event["type"] == "eval"]
    assert event["cot_match"] is None
    rows = read_rows(tmp_path / "run" / event["predictions"])
    assert len(rows) == event["total"] == 12
    assert all(set(row) == FIELDS for row in rows)


def test_rows_are_ordered_by_record_and_only_eval_never_replaces_a_file(tmp_path: Path) -> None:
    rows = [
        {"idx": 2, "thoughts": 0, "text": "# b", "answer": "b", "correct": False},
        {"idx": 0, "thoughts": 0, "text": "# a", "answer": "a", "correct": True},
    ]
    assert write_predictions(rows, tmp_path, 4) == "predictions/epoch-5.jsonl"
    assert [row["idx"] for row in read_rows(tmp_path / "predictions" / "epoch-5.jsonl")] == [0, 2]
    assert write_predictions(rows, tmp_path, 4, only_eval=True) == "predictions/eval-5.jsonl"
    assert write_predictions(rows, tmp_path, 4, only_eval=True) == "predictions/eval-5-2.jsonl"
    assert sorted(path.name for path in (tmp_path / "predictions").iterdir()) == ["epoch-5.jsonl", "eval-5-2.jsonl", "eval-5.jsonl"]


def test_forced_thought_files_are_numbered_by_k_and_never_replaced(tmp_path: Path) -> None:
    rows = [{"idx": 0, "thoughts": 2, "text": "# a", "answer": "a", "correct": True}]
    assert write_predictions(rows, tmp_path, 0, only_eval=True, forced_thoughts=2) == "predictions/eval-1-k2.jsonl"
    assert write_predictions(rows, tmp_path, 0, only_eval=True, forced_thoughts=2) == "predictions/eval-1-k2-2.jsonl"
    assert write_predictions(rows, tmp_path, 0, only_eval=True, forced_thoughts=0) == "predictions/eval-1-k0.jsonl"
    assert write_predictions(rows, tmp_path, 0, only_eval=True) == "predictions/eval-1.jsonl"
    assert write_predictions(rows, tmp_path, 0, only_eval=True, forced_thoughts=2) == "predictions/eval-1-k2-3.jsonl"


@pytest.fixture(scope="module")
def coconut_checkpoint(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """(train, val, checkpoint) of a one-epoch Coconut run trained with uniform_prob 0."""
    root = tmp_path_factory.mktemp("forced")
    train_path = write_json(root / "data" / "train.json", make_records(40, seed=1))
    val_path = write_json(root / "data" / "val.json", make_records(12, seed=2))
    config = write_config(root / "train.yaml", coconut=True, num_epochs=1, max_latent_stage=1, train_path=str(train_path), val_path=str(val_path), **TINY_RUN)
    done = run_engine(config, root / "trained")
    assert done.returncode == 0, done.stderr[-2000:]
    return train_path, val_path, root / "trained" / "checkpoints" / "best.pt"


def test_eval_thoughts_evaluates_once_per_forced_count(tmp_path: Path, coconut_checkpoint, event_validator) -> None:
    train_path, val_path, checkpoint = coconut_checkpoint
    config = write_config(
        tmp_path / "eval.yaml",
        coconut=True,
        max_latent_stage=1,
        only_eval=True,
        load_model_path=str(checkpoint),
        eval_thoughts=[2, 0, 1],  # evaluated in increasing order
        train_path=str(train_path),
        val_path=str(val_path),
        **TINY_RUN,
    )
    run_dir = tmp_path / "eval"
    done = run_engine(config, run_dir)
    assert done.returncode == 0, done.stderr[-2000:]
    events = read_events(run_dir)
    assert_valid_events(events, event_validator)
    evals = [event for event in events if event["type"] == "eval"]
    assert [event["forced_thoughts"] for event in evals] == [0, 1, 2]
    finals = [event for event in events if event["type"] == "eval_progress" and event["done"] == event["total"]]
    assert [event["forced_thoughts"] for event in finals] == [0, 1, 2]
    assert [event["predictions"] for event in evals] == [f"predictions/eval-1-k{k}.jsonl" for k in (0, 1, 2)]
    assert sorted(path.name for path in (run_dir / "predictions").iterdir()) == ["eval-1-k0.jsonl", "eval-1-k1.jsonl", "eval-1-k2.jsonl"]
    for k in (0, 1, 2):
        assert f"with {k} forced thought" in done.stderr

    # The checkpoint never saw other thought counts than its stage's: one warning says so.
    warnings = [event["message"] for event in events if event["type"] == "log" and event["level"] == "warning"]
    assert len(warnings) == 1 and "uniform_prob 0" in warnings[0]

    records = json.loads(val_path.read_text(encoding="utf-8"))
    saved = load_checkpoint(checkpoint)
    codec = TextCodec.from_saved(saved["tokenizer_json"], saved["tokenizer_meta"])
    for event in evals:
        k = event["forced_thoughts"]
        rows = read_rows(run_dir / event["predictions"])
        assert [row["idx"] for row in rows] == list(range(len(records)))
        assert all(row["thoughts"] == k for row in rows)  # every question, whatever its 1..3 steps
        # Coconut feeds each thought back: k thought passes and the <eot> pass before the first token.
        assert event["mean_forward_passes"] == pytest.approx((k + 1 if k else 1) + event["mean_new_tokens"])
        assert sum(row["correct"] for row in rows) == event["correct"]
        # The reasoning still expected after k thoughts: the steps after the first k.
        for row, record in zip(rows, records, strict=True):
            expected = "\n".join(record["steps"][min(k, len(record["steps"])) :])
            assert row["reasoning_match"] == (codec.comparable(reasoning_of(row["text"])) == codec.comparable(expected))
    (finished,) = [event for event in events if event["type"] == "finished"]
    assert finished["status"] == "completed"
    assert finished["best_accuracy"] == finished["final_accuracy"] == evals[-1]["accuracy"]  # the largest k's


def test_eval_thoughts_stops_between_counts_when_cancelled(tmp_path: Path, coconut_checkpoint) -> None:
    train_path, val_path, checkpoint = coconut_checkpoint
    config = config_from_dict(
        {
            **TINY_RUN,
            "coconut": True,
            "max_latent_stage": 1,
            "only_eval": True,
            "load_model_path": str(checkpoint),
            "eval_thoughts": [0, 1, 2],
            "train_path": str(train_path),
            "val_path": str(val_path),
        }
    )
    run_dir = tmp_path / "eval"
    run_dir.mkdir()
    events = EventLog(run_dir / "events.jsonl")
    first_file = run_dir / "predictions" / "eval-1-k0.jsonl"
    # Cancelled as soon as the first count's file is written: the second count stops at its first batch.
    outcome = train.run(config, load_datasets(config.train_path, config.val_path, True), run_dir, events, first_file.exists)
    events.close()
    assert outcome.status == "cancelled"
    assert [event.get("forced_thoughts") for event in read_events(run_dir) if event["type"] == "eval"] == [0]
    assert sorted(path.name for path in (run_dir / "predictions").iterdir()) == ["eval-1-k0.jsonl"]


def test_warning_only_for_checkpoints_trained_on_their_stages_alone() -> None:
    trained = {"stage": 2, "run_config": {"uniform_prob": 0.0, "c_thought": 1}}
    assert "up to stage 2" in (train.forced_thoughts_warning(trained) or "")
    assert train.forced_thoughts_warning({"stage": 2, "run_config": {"uniform_prob": 0.3, "c_thought": 1}}) is None
    assert train.forced_thoughts_warning(None) is None
