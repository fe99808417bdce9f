"""The engine as the workbench runs it: a real `python -m coconut_engine train` process."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

import pytest
from conftest import (
    TINY_RUN,
    assert_valid_events,
    engine_command,
    engine_env,
    make_records,
    read_events,
    run_engine,
    write_config,
    write_json,
)


@pytest.fixture(scope="module")
def chain(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A CoT run, then a Coconut run (three stages) started from the CoT run's best.pt."""
    root = tmp_path_factory.mktemp("chain")
    write_json(root / "data" / "train.json", make_records(40, seed=1))
    write_json(root / "data" / "val.json", make_records(12, seed=2))
    paths = {"train_path": str(root / "data" / "train.json"), "val_path": str(root / "data" / "val.json")}
    cot_config = write_config(root / "cot.yaml", cot=True, num_epochs=1, **paths, **TINY_RUN)
    cot = run_engine(cot_config, root / "runs" / "cot")
    coconut_config = write_config(
        root / "coconut.yaml",
        coconut=True,
        num_epochs=3,
        epochs_per_stage=1,
        max_latent_stage=1,
        c_thought=1,
        load_model_path=str(root / "runs" / "cot" / "checkpoints" / "best.pt"),
        **paths,
        **TINY_RUN,
    )
    coconut = run_engine(coconut_config, root / "runs" / "coconut")
    return {"root": root, "cot": cot, "coconut": coconut, "paths": paths}


def check_sequence(events: list[dict], run_dir: Path) -> None:
    kinds = [e["type"] for e in events]
    assert kinds.count("started") == 1 and kinds[-1] == "finished"
    assert all(kind == "log" for kind in kinds[: kinds.index("started")])
    started = events[kinds.index("started")]
    assert started["chance_accuracy"] == 0.5  # the test records name two options
    plan = started["stages"]
    epochs = range(started["resume_epoch"], started["num_epochs"])

    stage_events = [e for e in events if e["type"] == "stage"]
    assert [(e["stage"], e["epoch"]) for e in stage_events] == [(p["stage"], p["first_epoch"]) for p in plan]

    steps = [e for e in events if e["type"] == "step"]
    per_epoch = started["steps_per_epoch"]
    assert [e["step"] for e in steps] == list(range(1, per_epoch * len(epochs) + 1))
    assert [e["epoch_step"] for e in steps] == list(range(1, per_epoch + 1)) * len(epochs)
    assert all(e["loss"] > 0 and e["samples_per_s"] > 0 and e["tokens_per_s"] > 0 for e in steps)

    evals = [e for e in events if e["type"] == "eval"]
    assert [e["epoch"] for e in evals] == list(epochs)
    for evaluation in evals:  # evaluation comes after that epoch's last step
        position = events.index(evaluation)
        assert [e["epoch"] for e in events[:position] if e["type"] == "step"][-1] == evaluation["epoch"]
        assert evaluation["total"] == started["val_samples"]

    checkpoints = [e for e in events if e["type"] == "checkpoint"]
    assert {e["epoch"] for e in checkpoints} == set(epochs)
    for checkpoint in checkpoints:
        assert (run_dir / checkpoint["path"]).is_file()
    finished = events[-1]
    assert finished["status"] == "completed"
    assert finished["best_accuracy"] == max(e["accuracy"] for e in evals)
    assert finished["final_accuracy"] == evals[-1]["accuracy"]


def test_cot_then_coconut_events_are_valid_and_in_order(chain: dict, event_validator) -> None:
    for name in ("cot", "coconut"):
        process = chain[name]
        assert process.returncode == 0, process.stderr
        assert process.stdout == ""
        run_dir = chain["root"] / "runs" / name
        events = read_events(run_dir)
        assert_valid_events(events, event_validator)
        check_sequence(events, run_dir)
        assert (run_dir / "checkpoints" / "best.pt").is_file()
        # Human-readable progress on stderr, never JSON lines.
        lines = process.stderr.strip().splitlines()
        assert lines and not any(line.lstrip().startswith("{") for line in lines)


def test_coconut_run_goes_through_every_stage_from_the_cot_checkpoint(chain: dict) -> None:
    events = read_events(chain["root"] / "runs" / "coconut")
    started = next(e for e in events if e["type"] == "started")
    assert started["method"] == "coconut"
    assert [(s["stage"], s["thoughts"]) for s in started["stages"]] == [(0, 0), (1, 1), (2, 1)]
    assert [s["label"] for s in started["stages"]] == ["stage 0 · 0 thoughts", "stage 1 · 1 thought", "stage 2 · 1 thought · no steps"]
    logs = " ".join(e["message"] for e in events if e["type"] == "log")
    assert "loaded" in logs and "without thought markers" in logs
    # The vocabulary comes from the checkpoint, not rebuilt.
    runs = chain["root"] / "runs"
    assert (runs / "coconut" / "tokenizer.json").read_text() == (runs / "cot" / "tokenizer.json").read_text()
    assert started["model"]["vocab_size"] == json.loads((runs / "cot" / "events.jsonl").read_text().splitlines()[1])["model"]["vocab_size"]


def test_sigterm_stops_quickly_with_finished_cancelled(tmp_path: Path, event_validator) -> None:
    train = write_json(tmp_path / "train.json", make_records(400, seed=5))
    val = write_json(tmp_path / "val.json", make_records(50, seed=6))
    config = write_config(tmp_path / "long.yaml", coconut=True, num_epochs=30, epochs_per_stage=2, max_latent_stage=3, train_path=str(train), val_path=str(val), **TINY_RUN)
    run_dir = tmp_path / "run"
    process = subprocess.Popen(engine_command(config, run_dir), cwd=tmp_path, env=engine_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 90
        while not any(e["type"] == "step" and e["step"] >= 3 for e in read_events(run_dir)):
            assert process.poll() is None, process.stderr.read() if process.stderr else ""
            assert time.monotonic() < deadline, "no training step within 90 s"
            time.sleep(0.1)
        sent = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
        elapsed = time.monotonic() - sent
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert elapsed < 5, f"took {elapsed:.1f} s to stop"
    events = read_events(run_dir)
    assert_valid_events(events, event_validator)
    assert events[-1]["type"] == "finished" and events[-1]["status"] == "cancelled"
    assert "cancelled" in (process.stderr.read() if process.stderr else "")


def test_config_error_before_training(tmp_path: Path, tiny_data, event_validator) -> None:
    config = write_config(tmp_path / "bad.yaml", train_path=str(tiny_data[0]), val_path=str(tiny_data[1]), c_thougth=2)
    started = time.monotonic()
    result = run_engine(config, tmp_path / "run")
    assert time.monotonic() - started < 10  # found before torch loads
    assert result.returncode == 1
    assert result.stderr.strip() == "error: unknown config key 'c_thougth'"
    events = read_events(tmp_path / "run")
    assert_valid_events(events, event_validator)
    assert [(e["type"], e["where"]) for e in events] == [("error", "c_thougth")]


def test_bad_dataset_record(tmp_path: Path, tiny_data, event_validator) -> None:
    records = make_records(5)
    records[1]["steps"] = [1, 2]
    val = write_json(tmp_path / "val.json", records)
    config = write_config(tmp_path / "c.yaml", train_path=str(tiny_data[0]), val_path=str(val))
    result = run_engine(config, tmp_path / "run")
    assert result.returncode == 1
    assert "val.json: record 1: 'steps' must be a list of strings" in result.stderr
    (event,) = read_events(tmp_path / "run")
    assert_valid_events([event], event_validator)
    assert event["type"] == "error" and event["where"] == "val.json: record 1: field 'steps'"


def test_missing_dataset_file(tmp_path: Path, tiny_data) -> None:
    config = write_config(tmp_path / "c.yaml", train_path=str(tmp_path / "missing.json"), val_path=str(tiny_data[1]))
    result = run_engine(config, tmp_path / "run")
    assert result.returncode == 1
    (event,) = read_events(tmp_path / "run")
    assert event["where"] == "train_path" and "missing.json" in event["message"]


def test_unwritable_run_dir(tmp_path: Path, tiny_data) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    config = write_config(tmp_path / "c.yaml", train_path=str(tiny_data[0]), val_path=str(tiny_data[1]))
    result = run_engine(config, blocker / "run")
    assert result.returncode == 1
    assert result.stderr.startswith("error: cannot write to run directory") and len(result.stderr.strip().splitlines()) == 1


def test_run_dir_with_checkpoints_is_not_overwritten(tmp_path: Path, tiny_data) -> None:
    run_dir = tmp_path / "run"
    (run_dir / "checkpoints").mkdir(parents=True)
    (run_dir / "checkpoints" / "epoch-1.pt").write_text("precious")
    config = write_config(tmp_path / "c.yaml", train_path=str(tiny_data[0]), val_path=str(tiny_data[1]))
    result = run_engine(config, run_dir)
    assert result.returncode == 1
    assert (run_dir / "checkpoints" / "epoch-1.pt").read_text() == "precious"
    (event,) = read_events(run_dir)
    assert event["where"] == "run_dir"


def test_check_config_prints_the_resolved_config(tmp_path: Path) -> None:
    config = write_config(tmp_path / "c.yaml", train_path="t.json", val_path="v.json", coconut=True, load_model_path="None")
    command = [*engine_command(config, tmp_path)[:3], "check-config", "--config", str(config), "--json"]
    result = subprocess.run(command, env=engine_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    resolved = json.loads(result.stdout)
    assert resolved["ok"] and resolved["method"] == "coconut"
    assert resolved["config"]["load_model_path"] is None and resolved["config"]["offline_model"]["n_embd"] == 128
    bad = write_config(tmp_path / "bad.yaml", train_path="t.json", val_path="v.json", c_thought=-1)
    result = subprocess.run([*command[:-3], "--config", str(bad), "--json"], env=engine_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert json.loads(result.stdout) == {"ok": False, "error": "config key 'c_thought': -1 is less than the minimum of 0", "where": "c_thought"}
