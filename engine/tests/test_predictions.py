"""Every validation question's output is kept: RUN/predictions/epoch-N.jsonl after each evaluation."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import TINY_RUN, assert_valid_events, read_events, run_engine, write_config

from coconut_engine.evaluate import write_predictions

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
    for event, thoughts in zip(evals, [0, 1]):
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
    # Written atomically: no temporary file left beside them.
    assert sorted(path.name for path in (run_dir / "predictions").iterdir()) == ["epoch-1.jsonl", "epoch-2.jsonl"]


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
