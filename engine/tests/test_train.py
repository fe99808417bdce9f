"""Training in-process: every method runs end to end, checkpoints, only_eval, resume."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from conftest import (
    TINY_MODEL,
    assert_valid_events,
    make_records,
    read_events,
    write_json,
)

from coconut_engine import train
from coconut_engine.cancel import Cancellation
from coconut_engine.checkpoint import load_checkpoint
from coconut_engine.config import config_from_dict
from coconut_engine.data import load_datasets
from coconut_engine.events import EventLog


def run_in_process(run_dir: Path, data: tuple[Path, Path], **keys: object) -> tuple[train.Outcome, list[dict]]:
    config = config_from_dict(
        {
            "train_path": str(data[0]),
            "val_path": str(data[1]),
            "offline_model": TINY_MODEL,
            "batch_size_training": 8,
            "eval_batch_size": 8,
            "max_new_tokens": 24,
            "lr": 1e-3,
            "device": "cpu",
            **keys,
        }
    )
    run_dir.mkdir(parents=True, exist_ok=True)
    events = EventLog(run_dir / "events.jsonl")
    outcome = train.run(config, load_datasets(config.train_path, config.val_path, config.only_eval), run_dir, events, Cancellation())
    events.close()
    return outcome, read_events(run_dir)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("data")
    return write_json(root / "train.json", make_records(24, seed=1)), write_json(root / "val.json", make_records(8, seed=2))


@pytest.mark.parametrize(
    ("flags", "method", "writes_steps"),
    [
        ({"coconut": True}, "coconut", True),
        ({"cot": True}, "cot", True),
        ({"no_cot": True}, "no_cot", False),
        ({"no_thoughts": True}, "no_thoughts", True),
        ({}, "pause_as_thought", True),
        ({"pause_token": True}, "pause_token", False),
        ({"coconut": True, "curriculum": False}, "coconut", False),  # w/o curriculum: final stage from epoch 0
    ],
)
def test_every_method_trains(tmp_path: Path, data, event_validator, flags: dict, method: str, writes_steps: bool) -> None:
    outcome, events = run_in_process(tmp_path / "run", data, num_epochs=2, epochs_per_stage=1, max_latent_stage=1, **flags)
    assert outcome.status == "completed"
    assert_valid_events(events, event_validator)
    started = next(e for e in events if e["type"] == "started")
    assert started["method"] == method
    assert [e["epoch"] for e in events if e["type"] == "eval"] == [0, 1]
    evals = [e for e in events if e["type"] == "eval"]
    assert all((e["cot_match"] is not None) == writes_steps for e in evals)
    # Forward passes per question: the prompt's (thought count + 1 with feedback, else 1), then one per token.
    feedback_thoughts = [1 if method == "coconut" and (e["stage"] > 0) else 0 for e in evals]
    for event, thoughts in zip(evals, feedback_thoughts, strict=True):
        assert event["mean_forward_passes"] == pytest.approx(thoughts + 1 + event["mean_new_tokens"])
        assert event["ms_per_question"] == pytest.approx(1000 * event["seconds"] / event["total"])
    saved = load_checkpoint(tmp_path / "run" / "checkpoints" / "epoch-2.pt")
    assert saved["method"] == method and saved["epoch"] == 2 and saved["optimizer"] is not None


def test_save_only_improve_and_reset_per_stage(tmp_path: Path, data) -> None:
    outcome, events = run_in_process(
        tmp_path / "run", data, coconut=True, num_epochs=3, epochs_per_stage=1, max_latent_stage=1, save_only_improve=True, reset_optimizer="per_stage"
    )
    saved = sorted(p.name for p in (tmp_path / "run" / "checkpoints").iterdir())
    improving = [e["epoch"] for e in events if e["type"] == "checkpoint" and e["path"].startswith("checkpoints/epoch-")]
    assert saved == sorted(["best.pt"] + [f"epoch-{epoch + 1}.pt" for epoch in improving])
    assert all(e["best"] for e in events if e["type"] == "checkpoint")
    assert outcome.best_epoch == improving[-1]


def test_only_eval_scores_a_checkpoint_without_writing(tmp_path: Path, data, event_validator) -> None:
    run_in_process(tmp_path / "train", data, cot=True, num_epochs=1)
    best = tmp_path / "train" / "checkpoints" / "best.pt"
    outcome, events = run_in_process(tmp_path / "eval", data, cot=True, only_eval=True, load_model_path=str(best))
    assert_valid_events(events, event_validator)
    assert [e["type"] for e in events if e["type"] not in ("log", "eval_progress")] == ["started", "stage", "eval"]
    (scored,) = [e for e in events if e["type"] == "eval"]
    progress = [e for e in events if e["type"] == "eval_progress"]
    assert progress and progress[-1]["done"] == progress[-1]["total"] == scored["total"]
    assert outcome.final_accuracy == load_checkpoint(best)["accuracy"]
    assert not (tmp_path / "eval" / "checkpoints").exists()


def test_resume_continues_with_the_same_losses(tmp_path: Path, data) -> None:
    keys = dict(coconut=True, num_epochs=2, epochs_per_stage=1, max_latent_stage=1, seed=3)
    _, full = run_in_process(tmp_path / "full", data, **keys)
    _, first = run_in_process(tmp_path / "first", data, **{**keys, "num_epochs": 1})
    _, second = run_in_process(tmp_path / "second", data, **keys, resume=1, load_model_path=str(tmp_path / "first" / "checkpoints" / "epoch-1.pt"))
    full_losses = [e["loss"] for e in full if e["type"] == "step" and e["epoch"] == 1]
    resumed_losses = [e["loss"] for e in second if e["type"] == "step"]
    assert [e["step"] for e in second if e["type"] == "step"][0] == len(full_losses) + 1
    assert resumed_losses == pytest.approx(full_losses, abs=1e-5)


def test_resume_with_a_new_learning_rate_trains_at_it_from_the_first_step(tmp_path: Path, data) -> None:
    keys = dict(coconut=True, num_epochs=2, epochs_per_stage=1, max_latent_stage=1, seed=3, reset_optimizer=False)
    run_in_process(tmp_path / "first", data, **{**keys, "num_epochs": 1})
    checkpoint = str(tmp_path / "first" / "checkpoints" / "epoch-1.pt")
    _, resumed = run_in_process(tmp_path / "second", data, **keys, resume=1, load_model_path=checkpoint, lr=3e-4)
    assert {e["lr"] for e in resumed if e["type"] == "step"} == {3e-4}
    assert any("had lr 0.001" in e["message"] for e in resumed if e["type"] == "log")


def test_too_long_samples_are_refused_before_training(tmp_path: Path, data) -> None:
    from coconut_engine.errors import EngineError

    with pytest.raises(EngineError) as caught:
        run_in_process(tmp_path / "run", data, cot=True, offline_model={**TINY_MODEL, "n_positions": 16})
    assert caught.value.where == "offline_model.n_positions"
    assert not (tmp_path / "run" / "tokenizer.json").exists()


def test_cuda_requested_without_a_gpu(tmp_path: Path, data) -> None:
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    from coconut_engine.errors import ConfigError

    with pytest.raises(ConfigError) as caught:
        run_in_process(tmp_path / "run", data, cot=True, device="cuda")
    assert caught.value.where == "device"


def test_chance_accuracy_is_known_only_for_two_choice_questions() -> None:
    from coconut_engine.data import Record
    from coconut_engine.evaluate import chance_accuracy

    graph = [Record(i, "q", ("s",), f"a{i}", {"target": 2, "neg_target": 3}) for i in range(3)]
    true_false = [Record(i, "q", ("s",), answer, {}) for i, answer in enumerate(["True", "False", "True"])]
    free_form = [Record(i, "q", ("s",), str(i), {}) for i in range(3)]
    assert chance_accuracy(graph) == 0.5
    assert chance_accuracy(true_false) == 0.5
    assert chance_accuracy(free_form) is None
    assert chance_accuracy([]) is None


def test_out_of_memory_advice_keeps_the_samples_per_step() -> None:
    config = config_from_dict({"train_path": "t", "val_path": "v", "batch_size_training": 32, "gradient_accumulation_steps": 2})
    error = train.out_of_memory_error(config, torch.device("cuda"))
    assert error.where == "batch_size_training"
    assert "batch_size_training 16 with gradient_accumulation_steps 4" in error.message and "64 samples" in error.message
    single = train.out_of_memory_error(config_from_dict({"train_path": "t", "val_path": "v", "batch_size_training": 1}), torch.device("cpu"))
    assert "one sample does not fit" in single.message


def test_icot_removes_more_reasoning_tokens_each_epoch(tmp_path: Path, data, event_validator) -> None:
    outcome, events = run_in_process(tmp_path / "run", data, icot=True, num_epochs=3, icot_tokens_per_epoch=4, icot_smoothing=None)
    assert outcome.status == "completed"
    assert_valid_events(events, event_validator)
    started = next(e for e in events if e["type"] == "started")
    assert started["method"] == "icot"
    assert [s["label"] for s in started["stages"]] == ["stage 0 · full CoT", "stage 1 · 4 CoT tokens removed", "stage 2 · 8 CoT tokens removed"]
    assert [e["stage"] for e in events if e["type"] == "stage"] == [0, 1, 2]
    evals = [e for e in events if e["type"] == "eval"]
    # Only the full reasoning can be compared exactly; later stages cut steps in the middle.
    assert [e["cot_match"] is not None for e in evals] == [True, False, False]
    # No thoughts: one prompt pass, then one per generated token.
    assert all(e["mean_forward_passes"] == pytest.approx(1 + e["mean_new_tokens"]) for e in evals)


def test_batches_built_by_workers_train_identically(tmp_path: Path, data) -> None:
    keys = dict(coconut=True, num_epochs=2, epochs_per_stage=1, max_latent_stage=1, seed=5)
    _, inline = run_in_process(tmp_path / "inline", data, **keys)
    _, workers = run_in_process(tmp_path / "workers", data, **keys, workers=2)
    losses = lambda events: [e["loss"] for e in events if e["type"] == "step"]  # noqa: E731
    assert losses(workers) == losses(inline)


def test_compiled_model_trains_to_the_same_losses(tmp_path: Path, data) -> None:
    keys = dict(coconut=True, num_epochs=2, epochs_per_stage=1, max_latent_stage=1, seed=5, max_val_samples=4)
    _, eager = run_in_process(tmp_path / "eager", data, **keys)
    _, compiled = run_in_process(tmp_path / "compiled", data, **keys, compile=True)
    losses = lambda events: [e["loss"] for e in events if e["type"] == "step"]  # noqa: E731
    assert losses(compiled) == pytest.approx(losses(eager), abs=1e-4)
    # The checkpoint keeps the plain parameter names (the compiled body is not part of the module tree).
    saved = load_checkpoint(tmp_path / "compiled" / "checkpoints" / "epoch-2.pt")
    assert not any("_orig_mod" in key for key in saved["state_dict"])


def test_eval_stage_fixes_the_thoughts_at_evaluation(tmp_path: Path, data, event_validator) -> None:
    _, events = run_in_process(
        tmp_path / "run", data, coconut=True, num_epochs=2, epochs_per_stage=1, max_latent_stage=2, pad_latent_to_max=True, eval_stage=2
    )
    assert_valid_events(events, event_validator)
    evals = [e for e in events if e["type"] == "eval"]
    assert [(e["stage"], e["thought_stage"]) for e in evals] == [(0, 2), (1, 2)]
    # Two thoughts for every question: three prompt passes, then one per generated token.
    assert all(e["mean_forward_passes"] == pytest.approx(3 + e["mean_new_tokens"]) for e in evals)


def test_stages_with_no_steps_left_are_refused_before_training(tmp_path: Path, data) -> None:
    from coconut_engine.errors import EngineError

    # The test records have at most 3 steps; stage 4 would replace steps that no record has.
    with pytest.raises(EngineError) as caught:
        run_in_process(tmp_path / "run", data, coconut=True, num_epochs=5, epochs_per_stage=1, max_latent_stage=4)
    assert caught.value.where == "max_latent_stage"
    assert "longest training record has 3 steps: stage 4 would have no steps left" in caught.value.message
    assert not (tmp_path / "run" / "tokenizer.json").exists()


def test_too_long_pause_token_samples_are_refused_before_training(tmp_path: Path, data) -> None:
    """Pause tokens count towards a sample's length: a pause-token config whose samples exceed the
    model's positions is refused up front, not stopped mid-run by the embedding lookup."""
    from coconut_engine.build import build_model
    from coconut_engine.curriculum import encode_record
    from coconut_engine.errors import EngineError

    config = config_from_dict({"train_path": str(data[0]), "val_path": str(data[1]), "offline_model": TINY_MODEL, "device": "cpu"})
    records = load_datasets(config.train_path, config.val_path, False).train
    codec = build_model(config, records).codec
    question_and_answer = max(len(item.question) + len(item.answer) for item in (encode_record(record, codec) for record in records))
    # Without its 16 pause tokens every sample fits; with them the longest does not.
    positions = question_and_answer + 8
    with pytest.raises(EngineError) as caught:
        run_in_process(
            tmp_path / "run", data, pause_token=True, max_latent_stage=2, c_thought=8, offline_model={**TINY_MODEL, "n_positions": positions}
        )
    assert caught.value.where == "offline_model.n_positions"
    assert f"the longest training sample has {question_and_answer + 16} tokens but the model has {positions} positions" in caught.value.message
    assert not (tmp_path / "run" / "tokenizer.json").exists()
