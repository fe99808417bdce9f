"""Several processes for real: torchrun with 2 CPU processes on the gloo backend."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

from conftest import TINY_RUN, assert_valid_events, engine_env, make_records, read_events, write_config, write_json

from coconut_engine.distributed import Ranks, deal


def test_deal_shares_training_evenly_and_scoring_without_repeats() -> None:
    items = list(range(7))
    shares = [deal(items, Ranks(rank, 2, rank), pad=False) for rank in range(2)]
    assert sorted(shares[0] + shares[1]) == items  # every record scored once
    padded = [deal(items, Ranks(rank, 3, rank), pad=True) for rank in range(3)]
    assert [len(share) for share in padded] == [3, 3, 3]  # equal step counts
    assert set(sum(padded, [])) == set(items)
    assert deal(items, Ranks(), pad=True) == items


def test_two_cpu_processes_train_one_run(tmp_path: Path, event_validator) -> None:
    train, val = tmp_path / "train.json", tmp_path / "val.json"
    write_json(train, make_records(40, seed=1))
    write_json(val, make_records(13, seed=2))
    keys = {**TINY_RUN, "batch_size_training": 4, "num_threads": 1}
    config = write_config(tmp_path / "cot.yaml", cot=True, num_epochs=2, train_path=str(train), val_path=str(val), **keys)
    run_dir = tmp_path / "run"
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "coconut_engine", "train"]
    done = subprocess.run(
        [*command, "--config", str(config), "--run-dir", str(run_dir)], cwd=tmp_path, env=engine_env(), capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr[-2000:]

    events = read_events(run_dir)
    assert_valid_events(events, event_validator)
    kinds = [event["type"] for event in events]
    assert kinds.count("started") == 1 and kinds.count("finished") == 1  # rank 0 alone reports
    started = next(event for event in events if event["type"] == "started")
    assert started["world_size"] == 2
    # 40 samples over 2 processes, 4 per batch: 5 steps per epoch in each process.
    assert started["steps_per_epoch"] == math.ceil(math.ceil(40 / 2) / 4) == 5
    steps = [event for event in events if event["type"] == "step"]
    assert [event["step"] for event in steps] == list(range(1, 11))
    assert all(event["samples_per_s"] > 0 and math.isfinite(event["loss"]) for event in steps)
    evals = [event for event in events if event["type"] == "eval"]
    assert [event["total"] for event in evals] == [13, 13]  # every question scored once, across both shares
    # Rank 0 gathers both shares' predictions: every record exactly once, in order.
    for event in evals:
        lines = (run_dir / event["predictions"]).read_text(encoding="utf-8").splitlines()
        rows = [json.loads(line) for line in lines]
        assert [row["idx"] for row in rows] == list(range(13))
        assert sum(row["correct"] for row in rows) == event["correct"]
    assert events[-1]["status"] == "completed"
    # Written once, by rank 0, with no temporary file left behind.
    assert sorted(path.name for path in (run_dir / "checkpoints").iterdir()) == ["best.pt", "epoch-1.pt", "epoch-2.pt"]
    # Rank 0's progress lines only: each epoch's evaluation is reported once.
    assert done.stderr.count("epoch 1 eval:") == 1


def test_two_processes_evaluate_forced_thought_counts(tmp_path: Path, event_validator) -> None:
    """eval_thoughts under torchrun: each count's rows are gathered from both shares to rank 0."""
    write_json(tmp_path / "train.json", make_records(24, seed=1))
    write_json(tmp_path / "val.json", make_records(13, seed=2))
    _train_one_process(tmp_path, "trained", coconut=True, num_epochs=1, max_latent_stage=1)
    checkpoint = str(tmp_path / "trained" / "checkpoints" / "best.pt")
    events = _train_two_processes(tmp_path, "eval", coconut=True, max_latent_stage=1, only_eval=True, load_model_path=checkpoint, eval_thoughts=[0, 2])
    assert_valid_events(events, event_validator)
    evals = [event for event in events if event["type"] == "eval"]
    assert [(event["forced_thoughts"], event["total"]) for event in evals] == [(0, 13), (2, 13)]  # rank 0 alone reports
    for event in evals:
        rows = [json.loads(line) for line in (tmp_path / "eval" / event["predictions"]).read_text(encoding="utf-8").splitlines()]
        assert [row["idx"] for row in rows] == list(range(13))
        assert all(row["thoughts"] == event["forced_thoughts"] for row in rows)
        assert sum(row["correct"] for row in rows) == event["correct"]
    assert events[-1]["type"] == "finished" and events[-1]["final_accuracy"] == evals[-1]["accuracy"]


def _train_one_process(tmp_path: Path, name: str, **keys: object) -> list[dict]:
    config = write_config(
        tmp_path / f"{name}.yaml", train_path=str(tmp_path / "train.json"), val_path=str(tmp_path / "val.json"), **{**TINY_RUN, "num_threads": 1, **keys}
    )
    command = [sys.executable, "-m", "coconut_engine", "train", "--config", str(config), "--run-dir", str(tmp_path / name)]
    done = subprocess.run(command, cwd=tmp_path, env=engine_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return read_events(tmp_path / name)


def _train_two_processes(tmp_path: Path, name: str, **keys: object) -> list[dict]:
    train, val = tmp_path / "train.json", tmp_path / "val.json"
    if not train.exists():
        write_json(train, make_records(32, seed=1))
        write_json(val, make_records(9, seed=2))
    config = write_config(tmp_path / f"{name}.yaml", train_path=str(train), val_path=str(val), **{**TINY_RUN, "num_threads": 1, **keys})
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "-m", "coconut_engine", "train"]
    done = subprocess.run(
        [*command, "--config", str(config), "--run-dir", str(tmp_path / name)], cwd=tmp_path, env=engine_env(), capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return read_events(tmp_path / name)


def test_fsdp_shards_the_model_and_trains_like_ddp(tmp_path: Path, event_validator) -> None:
    import torch

    # 4 micro-batches per process and epoch in groups of 3 and 1: DDP skips the all-reduce on the
    # first two of a group (no_sync), FSDP reduces every micro-batch; the gradients are the same.
    keys = dict(coconut=True, num_epochs=2, epochs_per_stage=1, max_latent_stage=1, batch_size_training=4, gradient_accumulation_steps=3, processes=2)
    ddp = _train_two_processes(tmp_path, "ddp", **keys)
    fsdp = _train_two_processes(tmp_path, "fsdp", **keys, distributed="fsdp")
    assert_valid_events(fsdp, event_validator)
    assert fsdp[-1]["status"] == "completed"
    notes = [e["message"] for e in fsdp if e["type"] == "log"]
    assert "FSDP: parameters sharded over 2 processes in 2 groups (1 transformer block, then embeddings and head)" in notes
    # Same data, same initial weights, gradients averaged either way: the same losses.
    losses = lambda events: [e["loss"] for e in events if e["type"] == "step"]  # noqa: E731
    assert len(losses(fsdp)) == 4
    for ours, theirs in zip(losses(fsdp), losses(ddp), strict=True):
        assert math.isclose(ours, theirs, rel_tol=1e-4, abs_tol=1e-5)
    assert [e["correct"] for e in fsdp if e["type"] == "eval"] == [e["correct"] for e in ddp if e["type"] == "eval"]
    # The checkpoint is gathered whole: the same names and shapes as one process would write.
    gathered = torch.load(tmp_path / "fsdp" / "checkpoints" / "epoch-2.pt", weights_only=True)
    plain = torch.load(tmp_path / "ddp" / "checkpoints" / "epoch-2.pt", weights_only=True)
    assert {k: v.shape for k, v in gathered["state_dict"].items()} == {k: v.shape for k, v in plain["state_dict"].items()}
    assert gathered["optimizer_format"] == "by_name" and gathered["optimizer"]["state"]
    # One process continues from it, optimizer state included.
    resumed = _train_one_process(tmp_path, "resumed", **{**keys, "processes": 1}, resume=1, load_model_path=str(tmp_path / "fsdp" / "checkpoints" / "epoch-1.pt"))
    assert "optimizer state restored from the checkpoint (epoch 1)" in [e["message"] for e in resumed if e["type"] == "log"]
    assert resumed[-1]["status"] == "completed"


def test_ddp_averages_gradients_once_per_accumulation_group(tmp_path: Path) -> None:
    """Only a group's last micro-step all-reduces: counted with a real DDP communication hook."""
    import torch
    import torch.distributed as dist

    from coconut_engine.train import gradient_sync

    dist.init_process_group("gloo", init_method=f"file://{tmp_path / 'store'}", rank=0, world_size=1)
    try:
        model = torch.nn.parallel.DistributedDataParallel(torch.nn.Linear(4, 1))
        reductions: list[int] = []

        # Unannotated: DDP checks a hook's annotations, which this module's string annotations would fail.
        def count(state, bucket):
            reductions.append(bucket.index())
            future: torch.futures.Future[torch.Tensor] = torch.futures.Future()
            future.set_result(bucket.buffer())
            return future

        model.register_comm_hook(None, count)
        for micro_step in range(3):
            with gradient_sync(model, last_micro_step=micro_step == 2):
                model(torch.ones(2, 4)).sum().backward()
        assert reductions == [0]
        # The accumulated gradient is every micro-step's: 3 × (2 rows of ones) per weight.
        assert model.module.weight.grad.tolist() == [[6.0, 6.0, 6.0, 6.0]]
    finally:
        dist.destroy_process_group()
