"""The lr schedule: its shape, and a real run whose optimizer steps follow it stage by stage."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from conftest import make_records, write_json
from test_train import run_in_process

from coconut_engine.schedule import FLOOR, lr_at, stage_spans


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("data")
    return write_json(root / "train.json", make_records(24, seed=1)), write_json(root / "val.json", make_records(8, seed=2))


def test_constant_is_the_reference_rate_at_every_step() -> None:
    assert {lr_at(1e-3, "constant", 0, step, 50) for step in range(60)} == {1e-3}


def test_cosine_falls_from_lr_to_the_floor_over_the_stage() -> None:
    rates = [lr_at(2e-3, "cosine", 0, step, 11) for step in range(11)]
    assert rates[0] == pytest.approx(2e-3)
    assert rates[5] == pytest.approx(2e-3 * (FLOOR + (1 - FLOOR) / 2))  # half-way: half-way down
    assert rates[-1] == pytest.approx(2e-3 * FLOOR)
    assert all(a > b for a, b in zip(rates, rates[1:], strict=False))
    # A one-step stage, and steps past the stage's end, stay within [floor, lr].
    assert lr_at(2e-3, "cosine", 0, 0, 1) == 2e-3
    assert lr_at(2e-3, "cosine", 0, 20, 11) == pytest.approx(2e-3 * FLOOR)


def test_warmup_rises_linearly_then_hands_over_to_the_schedule() -> None:
    assert [lr_at(1.0, "constant", 4, step, 100) for step in range(6)] == [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    cosine = lr_at(1.0, "cosine", 4, 1, 100)
    assert cosine == pytest.approx(0.5 * (FLOOR + (1 - FLOOR) * 0.5 * (1 + math.cos(math.pi / 99))))


def test_an_unknown_schedule_is_refused() -> None:
    with pytest.raises(ValueError, match="lr_schedule must be one of constant, cosine"):
        lr_at(1.0, "linear", 0, 0, 10)


def test_stage_spans_cover_each_stage_including_the_final_one() -> None:
    assert stage_spans([0, 0, 1, 1, 2, 3, 3, 3]) == {0: (0, 1), 1: (2, 3), 2: (4, 4), 3: (5, 7)}


def test_a_run_steps_at_the_scheduled_rate_in_every_stage_and_after_a_resume(tmp_path: Path, data) -> None:
    keys = dict(coconut=True, num_epochs=3, epochs_per_stage=1, max_latent_stage=1, seed=3, reset_optimizer="per_stage", lr_schedule="cosine", warmup_steps=2)
    outcome, events = run_in_process(tmp_path / "full", data, **keys)
    assert outcome.status == "completed"
    steps = [e for e in events if e["type"] == "step"]
    per_epoch = steps[0]["steps_in_epoch"]
    # One epoch per stage (0, 1 and the final stage 2): the schedule starts again with each.
    for event in steps:
        assert event["lr"] == pytest.approx(lr_at(1e-3, "cosine", 2, event["epoch_step"] - 1, per_epoch)), event
    assert [e["lr"] for e in steps if e["epoch_step"] == 1] == pytest.approx([1e-3 / 2] * 3)

    # The final stage spanning two epochs: the cosine runs over both, and a resume picks it up mid-way.
    long_keys = {**keys, "num_epochs": 4, "max_latent_stage": 0}
    _, full = run_in_process(tmp_path / "long", data, **long_keys)
    final = [e for e in full if e["type"] == "step" and e["stage"] == 1]
    assert [e["lr"] for e in final] == pytest.approx([lr_at(1e-3, "cosine", 2, i, 3 * per_epoch) for i in range(3 * per_epoch)])
    checkpoint = str(tmp_path / "long" / "checkpoints" / "epoch-2.pt")
    _, resumed = run_in_process(tmp_path / "resumed", data, **long_keys, resume=2, load_model_path=checkpoint)
    resumed_steps = [e for e in resumed if e["type"] == "step"]
    assert [e["lr"] for e in resumed_steps] == pytest.approx([e["lr"] for e in final[per_epoch:]])
    assert [e["loss"] for e in resumed_steps] == pytest.approx([e["loss"] for e in final[per_epoch:]], abs=1e-5)
