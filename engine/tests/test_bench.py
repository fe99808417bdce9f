"""The benchmark runs end to end on a small dataset and checks what it promises to check."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import make_records

from coconut_engine import bench
from coconut_engine.__main__ import main


def test_bench_measures_every_variant_and_checks_equality(tmp_path: Path, capsys) -> None:
    data = tmp_path / "records.json"
    data.write_text(json.dumps(make_records(40, seed=5, max_steps=3)))
    assert main(["bench", "--data", str(data), "--steps", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    names = [timing["name"] for timing in result["timings"]]
    assert names == ["train_stage_0", "train_stage_3", "train_stage_3_naive", "eval", "eval_naive"]
    assert all(timing["samples_per_s"] > 0 for timing in result["timings"])
    assert set(result["loss_difference"]) == {"stage_0", "stage_3"}
    assert all(difference <= bench.LOSS_TOLERANCE for difference in result["loss_difference"].values())
    assert result["eval_outputs_match"] is True
    assert result["peak_memory_mb"] > 0


def test_bench_refuses_too_few_records(tmp_path: Path, capsys) -> None:
    data = tmp_path / "records.json"
    data.write_text(json.dumps(make_records(5)))
    assert main(["bench", "--data", str(data), "--steps", "1"]) == 1
    assert "needs at least 32 records, found 5" in capsys.readouterr().err
