"""The run directory's layout, and the rule that protects what it already holds.

    RUN_DIR/events.jsonl            the event stream (appended to, never rewritten)
    RUN_DIR/tokenizer.json          the tokenizer the run trained with
    RUN_DIR/checkpoints/epoch-N.pt  after N epochs (every epoch, or improving ones only)
    RUN_DIR/checkpoints/best.pt     the best validation accuracy so far
    RUN_DIR/predictions/epoch-N.jsonl  every validation question's output after epoch N
    RUN_DIR/predictions/eval-N[-kK].jsonl  the same from only_eval (kK: K thoughts forced by eval_thoughts)
    RUN_DIR/exports/<label>/        ONNX bundles of checkpoints for the thought inspector (written by `export`)

Rule: a run directory is trained into once. If it already holds checkpoints or a
``tokenizer.json`` a training run refuses to start, so nothing there is ever overwritten; to
continue a run, start a new one with ``load_model_path`` pointing at its checkpoint and
``resume`` set to the epochs it completed. ``only_eval`` writes only events and new prediction
files (``predictions/eval-N.jsonl``, or ``eval-N-kK.jsonl`` per forced thought count k, never
replacing one), so it may use any run directory. Kept free of heavy imports: it runs before torch loads.

Every file here is written whole or not at all (a temporary file renamed into place; see
``write_text_atomically`` and ``checkpoint.save_atomically``), and a write the storage refuses
(disk full, quota, permissions, read-only, I/O error) becomes one StorageError naming the file
relative to the run directory: ``no space left on device writing checkpoints/epoch-3.pt``.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from .errors import RunDirError, storage_error, writing

CHECKPOINT_DIR = "checkpoints"
TOKENIZER_FILE = "tokenizer.json"
BEST_CHECKPOINT_NAME = "best.pt"

# mkstemp creates files readable by the owner only; run files are ordinary files.
FILE_MODE = 0o644


def epoch_checkpoint_name(epochs_done: int) -> str:
    """``epoch-N.pt`` after N epochs (the reference's ``checkpoint_N``)."""
    return f"epoch-{epochs_done}.pt"


def check_run_dir(run_dir: Path, only_eval: bool) -> None:
    """Refuse to train into a run directory that already holds a trained run's files."""
    if only_eval:
        return
    checkpoints = run_dir / CHECKPOINT_DIR
    existing = sorted(path.name for path in checkpoints.glob("*.pt")) if checkpoints.is_dir() else []
    if existing or (run_dir / TOKENIZER_FILE).exists():
        found = f"{CHECKPOINT_DIR}/{existing[0]}" if existing else TOKENIZER_FILE
        raise RunDirError(
            f"run directory {run_dir} already holds a trained run ({found}); use a new run directory "
            "(to continue, set load_model_path to its checkpoint and resume to the epochs it completed)",
            where="run_dir",
        )


def write_text_atomically(text: str, path: Path, shown: str | None = None) -> None:
    """Write a UTF-8 text file whole or not at all: a temporary file beside ``path``, renamed over
    it. A failed write removes the temporary file, leaves any older ``path`` as it was, and raises
    a StorageError naming ``shown`` (default: ``path``)."""
    shown = shown or str(path)
    data = text.encode("utf-8")
    with writing(shown):
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
            file.flush()
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, path)
    except BaseException as error:
        remove_quietly(temporary)
        if isinstance(error, OSError):
            raise storage_error(error, shown) from error
        raise


def remove_quietly(path: str | Path) -> None:
    """Remove a temporary file after a failed write. It may be gone already, or the storage may
    refuse even this; the error to report is the write's, not this one's."""
    with contextlib.suppress(OSError):
        os.unlink(path)
