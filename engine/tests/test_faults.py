"""The engine under storage and stream faults, made for real: a small tmpfs that fills up, a
read-only folder, an events file with no room for one more line, and a stderr that is closed or
whose reader has gone. Each run is a real engine process; the run's terminal state must reach
events.jsonl, in one clear line, and nothing already written may be lost or torn.

Mounting a tmpfs needs root; without it those tests skip and say so."""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import (
    TINY_RUN,
    assert_valid_events,
    engine_command,
    engine_env,
    make_records,
    read_events,
    write_config,
    write_json,
)

# A faster evaluation: the tiny untrained model only repeats a word until the limit.
FAST_RUN = {**TINY_RUN, "max_new_tokens": 8}
# TINY_RUN's checkpoint is about 243 KiB (weights and AdamW state of ~18k parameters). The first
# epoch saves two (epoch-1.pt, best.pt), the second one more: 640 KiB holds the first two and
# the small files, not the third.
FULL_DISK_SIZE = "640k"


# --- helpers ---------------------------------------------------------------------------------------


def mount_tmpfs(path: Path, options: str) -> Path:
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root: the full-disk and read-only faults are only made for real")
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({(result.stderr or result.stdout).strip() or f'mount exited {result.returncode}'})")
    return path


def unmount(path: Path) -> None:
    if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


@pytest.fixture
def tmpfs() -> Iterator[Callable[[Path, str], Path]]:
    mounted: list[Path] = []

    def mount(path: Path, options: str) -> Path:
        mounted.append(mount_tmpfs(path, options))
        return path

    yield mount
    for path in reversed(mounted):
        unmount(path)


def fill(folder: Path) -> None:
    """Take every free byte of the file system holding ``folder``."""
    descriptor = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        while True:
            os.write(descriptor, bytes(65536))
    except OSError as error:
        assert error.errno == errno.ENOSPC, error  # noqa: PT017 - a helper filling the disk; only "full" may end it
    try:
        while True:  # the last partial block
            os.write(descriptor, bytes(512))
    except OSError:
        pass
    finally:
        os.close(descriptor)


def event_lines(run_dir: Path) -> list[dict]:
    """Every line of events.jsonl, each of which must be a whole JSON object."""
    text = (run_dir / "events.jsonl").read_text(encoding="utf-8")
    assert text == "" or text.endswith("\n"), f"events.jsonl ends in a partial line: {text[-80:]!r}"
    return [json.loads(line) for line in text.splitlines()]


def temporary_files(folder: Path) -> list[str]:
    return sorted(str(path.relative_to(folder)) for path in folder.rglob("*") if path.name.endswith((".tmp", ".old")))


def data_files(root: Path, val: bool = True) -> dict[str, str]:
    train = write_json(root / "data" / "train.json", make_records(40, seed=1))
    val_path = write_json(root / "data" / "val.json", make_records(12, seed=2)) if val else root / "data" / "missing-val.json"
    return {"train_path": str(train), "val_path": str(val_path)}


# --- a full disk during checkpoints ----------------------------------------------------------------


@pytest.fixture(scope="module")
def full_disk_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict]:
    """A two-epoch run whose run folder is a tmpfs with room for the first epoch's two
    checkpoints, not the second epoch's."""
    root = tmp_path_factory.mktemp("full-disk")
    run_dir = mount_tmpfs(root / "run", f"size={FULL_DISK_SIZE}")
    try:
        config = write_config(root / "c.yaml", cot=True, num_epochs=2, **data_files(root), **FAST_RUN)
        result = subprocess.run(engine_command(config, run_dir), cwd=root, env=engine_env(), capture_output=True, text=True, timeout=240)
        yield {"result": result, "run_dir": run_dir, "root": root}
    finally:
        unmount(run_dir)


def test_a_checkpoint_that_does_not_fit_ends_the_run_with_one_line_naming_it(full_disk_run: dict, event_validator) -> None:
    result, run_dir = full_disk_run["result"], full_disk_run["run_dir"]
    saved = sorted(path.name for path in (run_dir / "checkpoints").glob("*.pt"))
    assert saved == ["best.pt", "epoch-1.pt"], f"the tmpfs ({FULL_DISK_SIZE}) no longer fits exactly the first epoch's checkpoints: {saved}"
    assert result.returncode == 1
    cause = "no space left on device writing checkpoints/epoch-2.pt"
    assert result.stderr.strip().splitlines()[-1] == f"error: {cause}"
    assert "Traceback" not in result.stderr and "enforce fail" not in result.stderr
    events = event_lines(run_dir)
    assert_valid_events(events, event_validator)
    error = events[-1]
    assert (error["type"], error["message"], error["where"], error["traceback"]) == ("error", cause, "checkpoints/epoch-2.pt", None)
    assert [e["type"] for e in events].count("error") == 1 and not any(e["type"] == "finished" for e in events)


def test_every_event_and_every_earlier_checkpoint_survive_a_full_disk(full_disk_run: dict) -> None:
    import torch

    from coconut_engine.checkpoint import load_checkpoint

    run_dir = full_disk_run["run_dir"]
    events = event_lines(run_dir)
    # Everything the first epoch reported is there, in order, up to the failed save.
    kinds = [e["type"] for e in events]
    assert kinds[-1] == "error" and "started" in kinds
    assert [e["epoch"] for e in events if e["type"] == "eval"] == [0, 1]
    assert [(e["path"], e["epoch"]) for e in events if e["type"] == "checkpoint"] == [("checkpoints/epoch-1.pt", 0), ("checkpoints/best.pt", 0)]
    assert temporary_files(run_dir) == []
    for name in ("epoch-1.pt", "best.pt"):
        checkpoint = load_checkpoint(run_dir / "checkpoints" / name)
        assert checkpoint["epoch"] == 1 and checkpoint["optimizer"]
        assert all(torch.isfinite(tensor).all() for tensor in checkpoint["state_dict"].values())
    assert (run_dir / "predictions" / "epoch-2.jsonl").is_file()  # written before the save that failed


def test_an_export_that_does_not_fit_names_the_bundle_file_and_leaves_the_older_bundle(full_disk_run: dict, tmp_path: Path, tmpfs) -> None:
    from coconut_engine.export import ExportError, export_bundle

    checkpoint = full_disk_run["run_dir"] / "checkpoints" / "best.pt"
    if not checkpoint.is_file():
        pytest.skip("the full-disk run left no checkpoint (see the test above)")
    run_dir = tmp_path / "run"
    exports = tmpfs(run_dir / "exports", "size=64k")  # room for a manifest, not for an ONNX graph
    older = exports / "best"
    older.mkdir()
    (older / "manifest.json").write_text('{"older": true}\n')
    with pytest.raises(ExportError) as raised:
        export_bundle(checkpoint, older, run_dir=str(run_dir))
    assert raised.value.message == "no space left on device writing exports/best/decoder.onnx"
    assert raised.value.where == "exports/best/decoder.onnx"
    assert sorted(path.name for path in exports.iterdir()) == ["best"]  # no staging folder left behind
    assert [path.name for path in older.iterdir()] == ["manifest.json"] and json.loads((older / "manifest.json").read_text()) == {"older": True}


def test_a_failed_save_over_a_good_file_keeps_it(tmp_path: Path, tmpfs) -> None:
    """best.pt is rewritten whenever accuracy improves; a rewrite that does not fit must leave the
    previous best.pt byte for byte, and no temporary file. The same for a text file."""
    import torch

    from coconut_engine.checkpoint import load_checkpoint, save_atomically
    from coconut_engine.errors import StorageError
    from coconut_engine.rundir import write_text_atomically

    run_dir = tmpfs(tmp_path / "run", "size=256k")
    best = run_dir / "checkpoints" / "best.pt"
    save_atomically({"format": "coconut-workbench-checkpoint", "format_version": 1, "weights": torch.ones(1000)}, best, shown="checkpoints/best.pt")
    (run_dir / "tokenizer.json").write_text('{"old": true}')
    before = best.read_bytes()
    fill(run_dir)
    with pytest.raises(StorageError) as raised:
        save_atomically({"weights": torch.zeros(100_000)}, best, shown="checkpoints/best.pt")
    assert (raised.value.message, raised.value.where) == ("no space left on device writing checkpoints/best.pt", "checkpoints/best.pt")
    with pytest.raises(StorageError, match=r"^no space left on device writing tokenizer\.json$"):
        write_text_atomically("x" * 100_000, run_dir / "tokenizer.json", shown="tokenizer.json")
    assert best.read_bytes() == before and torch.equal(load_checkpoint(best)["weights"], torch.ones(1000))
    assert (run_dir / "tokenizer.json").read_text() == '{"old": true}'
    assert temporary_files(run_dir) == []


# --- a read-only predictions folder ----------------------------------------------------------------


def test_a_read_only_predictions_folder_ends_the_run_naming_the_file(tmp_path: Path, tmpfs, event_validator) -> None:
    run_dir = tmp_path / "run"
    predictions = run_dir / "predictions"
    if os.geteuid() == 0:  # root ignores permissions; a read-only mount refuses even root
        tmpfs(predictions, "size=64k,ro")
        reason = "read-only file system"
    else:
        predictions.mkdir(parents=True)
        predictions.chmod(0o555)
        reason = "permission denied"
    config = write_config(tmp_path / "c.yaml", cot=True, num_epochs=1, **data_files(tmp_path), **FAST_RUN)
    result = subprocess.run(engine_command(config, run_dir), cwd=tmp_path, env=engine_env(), capture_output=True, text=True, timeout=240)
    cause = f"{reason} writing predictions/epoch-1.jsonl"
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == f"error: {cause}" and "Traceback" not in result.stderr
    events = event_lines(run_dir)
    assert_valid_events(events, event_validator)
    assert (events[-1]["type"], events[-1]["message"], events[-1]["where"]) == ("error", cause, "predictions/epoch-1.jsonl")
    assert not any(e["type"] == "eval" for e in events)  # the eval event points at a file that was never written
    assert (run_dir / "tokenizer.json").is_file() and temporary_files(run_dir) == []


# --- no room for one more event --------------------------------------------------------------------


def test_an_event_that_does_not_fit_leaves_no_torn_line(tmp_path: Path, tmpfs) -> None:
    """The events file's last block has 6 free bytes and the disk none: the `error` event's first
    6 bytes would be written and the rest refused. The file must end as it was."""
    run_dir = tmpfs(tmp_path / "run", "size=256k")
    earlier = json.dumps({"v": 1, "t": 1.0, "type": "log", "level": "info", "message": ""}) + "\n"
    padding = 4090 - len(earlier.encode())
    earlier = json.dumps({"v": 1, "t": 1.0, "type": "log", "level": "info", "message": "x" * padding}) + "\n"
    assert len(earlier.encode()) == 4090
    (run_dir / "events.jsonl").write_text(earlier, encoding="utf-8")
    fill(run_dir)
    config = write_config(tmp_path / "c.yaml", c_thougth=2, **data_files(tmp_path))
    result = subprocess.run(engine_command(config, run_dir), cwd=tmp_path, env=engine_env(), capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert (run_dir / "events.jsonl").read_text(encoding="utf-8") == earlier
    # One line says both what went wrong and that it could not be recorded.
    assert result.stderr.strip() == (
        "error: unknown config key 'c_thougth' (not recorded in events.jsonl: no space left on device writing events.jsonl)"
    )


# --- stderr closed, or its reader gone -------------------------------------------------------------


def test_the_error_is_recorded_when_stderr_is_a_pipe_nobody_reads(tmp_path: Path, event_validator) -> None:
    """The workbench that held the pipe has died: every write to stderr fails with EPIPE."""
    config = write_config(tmp_path / "c.yaml", **data_files(tmp_path, val=False))
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        result = subprocess.run(engine_command(config, tmp_path / "run"), cwd=tmp_path, env=engine_env(), stdin=subprocess.DEVNULL, stdout=write_end, stderr=write_end, timeout=60)
    finally:
        os.close(write_end)
    assert result.returncode == 1  # an exit, not death by SIGPIPE
    events = event_lines(tmp_path / "run")
    assert_valid_events(events, event_validator)
    assert [(e["type"], e["where"]) for e in events] == [("error", "val_path")] and "missing-val.json" in events[0]["message"]


def test_the_error_is_recorded_when_started_with_stdout_and_stderr_closed(tmp_path: Path, event_validator) -> None:
    config = write_config(tmp_path / "c.yaml", **data_files(tmp_path, val=False))
    command = ["sh", "-c", 'exec "$@" 1>&- 2>&-', "sh", *engine_command(config, tmp_path / "run")]
    result = subprocess.run(command, cwd=tmp_path, env=engine_env(), stdin=subprocess.DEVNULL, timeout=60)
    assert result.returncode == 1
    events = event_lines(tmp_path / "run")
    assert_valid_events(events, event_validator)
    assert [(e["type"], e["where"]) for e in events] == [("error", "val_path")]


def test_cancel_is_recorded_when_started_with_stderr_closed(tmp_path: Path, event_validator) -> None:
    """A training run started without descriptor 2: the first file it opens (events.jsonl) must
    not take its number, or PyTorch's C++ log lines, written straight to descriptor 2, would land
    in the events; and a cancel still ends with `finished`."""
    train = write_json(tmp_path / "data" / "train.json", make_records(200, seed=5))
    val = write_json(tmp_path / "data" / "val.json", make_records(12, seed=6))
    config = write_config(tmp_path / "c.yaml", cot=True, num_epochs=20, train_path=str(train), val_path=str(val), **FAST_RUN)
    run_dir = tmp_path / "run"
    command = ["sh", "-c", 'exec "$@" 2>&-', "sh", *engine_command(config, run_dir)]
    # At INFO, PyTorch's C++ logging writes a line or more (CUDA driver probing) to descriptor 2.
    env = {**engine_env(), "TORCH_CPP_LOG_LEVEL": "INFO"}
    process = subprocess.Popen(command, cwd=tmp_path, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL)
    try:
        wait_for_step(process, run_dir, 2)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
    events = event_lines(run_dir)
    assert_valid_events(events, event_validator)
    assert events[-1]["type"] == "finished" and events[-1]["status"] == "cancelled"


def test_training_goes_on_when_the_reader_of_its_stderr_goes_away(tmp_path: Path, event_validator) -> None:
    """The workbench dies mid-run: progress lines then fail with EPIPE, and the run must finish
    anyway, with `finished` and every checkpoint."""
    config = write_config(tmp_path / "c.yaml", cot=True, num_epochs=1, **data_files(tmp_path), **FAST_RUN)
    run_dir = tmp_path / "run"
    read_end, write_end = os.pipe()
    try:
        process = subprocess.Popen(engine_command(config, run_dir), cwd=tmp_path, env=engine_env(), stdin=subprocess.DEVNULL, stdout=write_end, stderr=write_end)
    finally:
        os.close(write_end)
    try:
        wait_for_step(process, run_dir, 1)
        os.close(read_end)  # the reader is gone; the next progress line meets a broken pipe
        assert process.wait(timeout=240) == 0
    finally:
        if process.poll() is None:
            process.kill()
    events = event_lines(run_dir)
    assert_valid_events(events, event_validator)
    assert events[-1]["type"] == "finished" and events[-1]["status"] == "completed"
    assert [e["epoch"] for e in events if e["type"] == "eval"] == [0]
    saved = [e["path"] for e in events if e["type"] == "checkpoint"]
    assert saved == ["checkpoints/epoch-1.pt", "checkpoints/best.pt"] and all((run_dir / path).is_file() for path in saved)


def wait_for_step(process: subprocess.Popen, run_dir: Path, step: int) -> None:
    deadline = time.monotonic() + 120
    while not any(e["type"] == "step" and e["step"] >= step for e in read_events(run_dir)):
        assert process.poll() is None, f"the engine ended (exit {process.returncode}) before step {step}: {read_events(run_dir)[-1:]}"
        assert time.monotonic() < deadline, f"no training step {step} within 120 s"
        time.sleep(0.1)
