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
"""

from __future__ import annotations

from pathlib import Path

from .errors import RunDirError

CHECKPOINT_DIR = "checkpoints"
TOKENIZER_FILE = "tokenizer.json"
BEST_CHECKPOINT_NAME = "best.pt"


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
