"""Checkpoints: everything needed to rebuild the model offline and carry on.

A checkpoint is one ``torch.save`` file holding the model's weights, its transformers config (so
the architecture is rebuilt without the hub), the tokenizer JSON and the special-token names,
the method, epoch and stage, the optimizer state, and the validation accuracy. Files are written
atomically (a temporary file in the same directory, then ``os.replace``), so a reader never sees
a half-written checkpoint, even if the process dies mid-write, and a write that fails (a full
disk) leaves the previous file and no temporary file behind.
"""

from __future__ import annotations

import os
import random
import tempfile
from pathlib import Path
from typing import IO, Any, cast

import torch

from .errors import ConfigError, storage_error, writing
from .rundir import FILE_MODE, remove_quietly

CHECKPOINT_FORMAT = "coconut-workbench-checkpoint"
CHECKPOINT_VERSION = 1


def save_atomically(payload: dict[str, Any], path: Path, shown: str | None = None) -> None:
    """``torch.save`` to a temporary file beside ``path``, flushed to disk, then renamed over it.
    A failed write (disk full, quota, permissions, I/O) removes the temporary file, leaves any
    older ``path`` as it was, and raises a StorageError naming ``shown`` (default: ``path``)."""
    shown = shown or str(path)
    with writing(shown):
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            recorder = _WriteRecorder(file)
            try:
                torch.save(payload, cast(IO[bytes], recorder))  # torch only writes and flushes
            except RuntimeError:
                # torch reports a failed write as its own internal error ("unexpected pos ...");
                # the system's reason is the OSError the write itself raised.
                if recorder.error is not None:
                    raise recorder.error from None
                raise
            file.flush()
            os.fsync(file.fileno())
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException as error:
        remove_quietly(temporary)
        if isinstance(error, OSError):
            raise storage_error(error, shown) from error
        raise


class _WriteRecorder:
    """A file for ``torch.save`` that keeps the OSError a write raised (torch replaces it with a
    RuntimeError of its own)."""

    def __init__(self, file: IO[bytes]) -> None:
        self._file = file
        self.error: OSError | None = None

    def write(self, data: bytes) -> int:
        try:
            return self._file.write(data)
        except OSError as error:
            self.error = self.error or error
            raise

    def flush(self) -> None:
        try:
            self._file.flush()
        except OSError as error:
            self.error = self.error or error
            raise


def make_payload(
    *,
    state_dict: dict[str, torch.Tensor],
    model_id: str,
    model_config: dict[str, Any],
    tokenizer_json: str,
    tokenizer_meta: dict[str, Any],
    method: str,
    epoch: int,
    stage: int,
    optimizer_state: dict[str, Any] | None,
    accuracy: float | None,
    run_config: dict[str, Any],
    engine_version: str,
    step: int = 0,
    rng_state: dict[str, Any] | None = None,
    optimizer_format: str = "by_index",
) -> dict[str, Any]:
    return {
        "format": CHECKPOINT_FORMAT,
        "format_version": CHECKPOINT_VERSION,
        "engine_version": engine_version,
        "model_id": model_id,
        "model_config": model_config,
        "state_dict": state_dict,
        "tokenizer_json": tokenizer_json,
        "tokenizer_meta": tokenizer_meta,
        "method": method,
        "epoch": epoch,  # epochs completed
        "stage": stage,
        "step": step,  # optimizer steps completed over the whole run
        "optimizer": optimizer_state,
        # "by_index": torch's own optimizer.state_dict(); "by_name": keyed by parameter name (FSDP).
        "optimizer_format": optimizer_format,
        # Learning rate is constant (as in the reference), so there is no scheduler state to keep.
        "rng": rng_state,
        "accuracy": accuracy,
        "run_config": run_config,
    }


def rng_state() -> dict[str, Any]:
    """Every random generator training draws from (Python's for sample order, torch's for dropout)."""
    return {
        "python": random.getstate(),
        "torch": torch.get_rng_state(),
        "cuda": torch.cuda.get_rng_state_all() if torch.cuda.is_available() else [],
    }


def restore_rng_state(state: dict[str, Any]) -> None:
    random.setstate(_as_tuples(state["python"]))
    torch.set_rng_state(state["torch"])
    if state.get("cuda") and torch.cuda.is_available() and len(state["cuda"]) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(state["cuda"])


def _as_tuples(value: Any) -> Any:
    """``random.setstate`` wants tuples; a round trip through a checkpoint may give lists."""
    return tuple(_as_tuples(item) for item in value) if isinstance(value, (list, tuple)) else value


def load_checkpoint(path: str | Path) -> dict[str, Any]:
    """Read a checkpoint written by this engine; ConfigError (on ``load_model_path``) otherwise."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(f"config key 'load_model_path': checkpoint not found: {path.resolve()}", where="load_model_path")
    if path.is_dir():
        raise ConfigError(
            f"config key 'load_model_path': {path.resolve()} is a directory; give a checkpoint file such as checkpoints/best.pt",
            where="load_model_path",
        )
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - torch raises several types for a file that is not a checkpoint
        raise ConfigError(f"config key 'load_model_path': cannot read {path.resolve()} as a checkpoint: {error}", where="load_model_path") from None
    if not isinstance(payload, dict) or payload.get("format") != CHECKPOINT_FORMAT:
        raise ConfigError(
            f"config key 'load_model_path': {path.resolve()} is not a Coconut Workbench checkpoint "
            "(bare state dicts of the reference implementation are not supported yet)",
            where="load_model_path",
        )
    if payload.get("format_version", 0) > CHECKPOINT_VERSION:
        raise ConfigError(
            f"config key 'load_model_path': {path.resolve()} was written by a newer engine (format {payload['format_version']})",
            where="load_model_path",
        )
    return payload
