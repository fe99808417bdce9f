"""Command line: ``python -m coconut_engine train --config CONFIG.yaml --run-dir RUN_DIR``, and the
tools around training (check-config, bench, tokenizer, export to an ONNX bundle, inspect-reference).

Exit codes: 0 when the run completed or was cancelled (SIGTERM/SIGINT), 1 on any error (an
``error`` event says why when the run directory is writable; one line on stderr does too while
anyone reads it), 2 for a malformed command line (argparse). The workbench reads the run's
terminal state from events.jsonl (`finished` or `error`), never from stderr or the exit code, so
that a run started by a workbench that has since gone still reports how it ended.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import sys
import time
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from . import __version__
from .cancel import Cancellation
from .config import load_config
from .data import load_datasets
from .errors import EngineError, os_error_in, storage_error, storage_reason, writing
from .events import EVENTS_FILE, EventLog, say
from .rundir import check_run_dir, write_text_atomically


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _report_error(events: EventLog | None, message: str, where: str | None, trace: str | None) -> None:
    """The `error` event first, then the one line on stderr: the event is what the workbench
    reads, and stderr may be gone (the workbench that held the pipe died), so nothing here may
    depend on it. When the event cannot be written either (a full disk), the line says so."""
    line = f"error: {_one_line(message)}"
    if events is not None:
        try:
            events.emit("error", message=message, where=where, traceback=trace)
        except Exception as failure:  # noqa: BLE001 - a StorageError naming events.jsonl, in practice
            reason = failure.message if isinstance(failure, EngineError) else f"{type(failure).__name__}: {failure}"
            if reason != message:
                line += f" (not recorded in {EVENTS_FILE}: {_one_line(reason)})"
    say(line)


def _finish(events: EventLog, status: str, run_started: float, outcome: object | None = None) -> float:
    """The `finished` event: the run's terminal state when it did not fail."""
    seconds = time.time() - run_started
    events.emit(
        "finished",
        status=status,
        best_accuracy=getattr(outcome, "best_accuracy", None),
        best_epoch=getattr(outcome, "best_epoch", None),
        final_accuracy=getattr(outcome, "final_accuracy", None),
        seconds=seconds,
    )
    return seconds


# The errors that only a write can give; when one escapes from outside the run's own files (a
# compiler cache, shared memory), it is still worth one line naming the file, not a trace.
_WRITE_ONLY_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


def _disk_full_cause(error: BaseException, run_dir: Path) -> EngineError | None:
    """A StorageError for an exception caused (directly, or as the cause or context of a library's
    own error, as torch raises) by a disk-full error on a write; None for anything else."""
    cause = os_error_in(error, _WRITE_ONLY_ERRNOS)
    if cause is None:
        return None
    shown = str(cause.filename) if cause.filename is not None else "a file"
    with contextlib.suppress(ValueError, TypeError, OSError):
        shown = Path(shown).resolve().relative_to(run_dir.resolve()).as_posix()
    return storage_error(cause, shown)


def command_train(args: argparse.Namespace) -> int:
    """Every way out writes the run's terminal state to events.jsonl, whenever the run directory
    can be written at all: `finished` (completed or cancelled, exit 0) or `error` (exit 1)."""
    # First thing: a SIGTERM from now on ends the run cleanly, even during the slow imports below.
    cancel = Cancellation()
    cancel.install()
    run_started = time.time()

    run_dir = Path(args.run_dir)
    # Under torchrun (several processes) only rank 0 writes the run directory; read from the
    # environment here so that torch is not imported yet.
    is_main = int(os.environ.get("RANK", "0")) == 0
    try:
        run_dir.mkdir(parents=True, exist_ok=True)
        events = EventLog(run_dir / EVENTS_FILE if is_main else None)
    except OSError as error:
        say(f"error: cannot write to run directory {run_dir}: {storage_reason(error)}")
        return 1

    try:
        outcome = _train(args, run_dir, events, cancel, is_main)
        seconds = _finish(events, outcome.status, run_started, outcome)
        if outcome.status == "cancelled":
            say(f"cancelled after {seconds:.0f} s ({cancel.signal_name or 'signal'})")
        return 0
    except EngineError as error:
        _report_error(events, error.message, error.where, None)
        return 1
    except KeyboardInterrupt:  # a second Ctrl-C while stopping
        try:
            _finish(events, "cancelled", run_started)
        except EngineError as error:
            _report_error(events, error.message, error.where, None)
            return 1
        return 0
    except Exception as error:  # noqa: BLE001 - an engine bug or an environment failure: keep the traceback
        disk_full = _disk_full_cause(error, run_dir)
        if disk_full is not None:
            _report_error(events, disk_full.message, disk_full.where, None)
        else:
            _report_error(events, f"{type(error).__name__}: {error}", None, traceback.format_exc())
        return 1
    finally:
        events.close()


def _train(args: argparse.Namespace, run_dir: Path, events: EventLog, cancel: Cancellation, is_main: bool):  # -> train.Outcome
    """Check the config and data, then train; raises whatever stops the run (command_train
    turns it into the `error` event)."""
    # Config and data problems are found here, in well under a second, before torch loads.
    config = load_config(args.config)
    datasets = load_datasets(config.train_path, config.val_path, config.only_eval)
    if is_main:
        check_run_dir(run_dir, config.only_eval)

    # Offline by design: a model id must resolve to a local copy, never a hub download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from . import distributed, train  # imports torch and transformers: a few seconds

    if cancel():
        return train.Outcome("cancelled", None, None, None)
    ranks = distributed.ranks_from_env()
    try:
        return train.run(config, datasets, run_dir, events, cancel, ranks)
    finally:
        distributed.stop(ranks)


def command_check_config(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
    except EngineError as error:
        if args.json:
            print(json.dumps({"ok": False, "error": error.message, "where": error.where}))
        else:
            say(f"error: {_one_line(error.message)}")
        return 1
    resolved = config.to_dict()
    if args.json:
        print(json.dumps({"ok": True, "config": resolved, "method": config.method}, indent=2))
    else:
        import yaml

        print(f"# method: {config.method}")
        print(yaml.safe_dump(resolved, sort_keys=False), end="")
    return 0


def command_bench(args: argparse.Namespace) -> int:
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    from . import bench
    from .runtime import configure_threads

    configure_threads(args.threads)
    quiet = args.json
    try:
        result = bench.run_bench(
            args.data, args.device, args.steps, args.bf16, (lambda _line: None) if quiet else say, compile=args.compile
        )
    except EngineError as error:
        say(f"error: {_one_line(error.message)}")
        return 1
    print(bench.to_json(result) if args.json else bench.report(result), flush=True)
    return 0


def command_tokenizer(args: argparse.Namespace) -> int:
    """The word-level tokenizer.json an offline-model run would build from this training set, so
    it can be made (and loaded by the workbench) before training."""
    from .data import load_records
    from .tokenizer import build_word_level_codec, pretty_json, word_level_texts

    try:
        records = load_records(args.data, "data")
    except EngineError as error:
        say(f"error: {_one_line(error.message)}")
        return 1
    codec = build_word_level_codec(word_level_texts(records))
    out = Path(args.out)
    try:
        with writing(str(out)):
            out.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomically(pretty_json(codec), out)
    except EngineError as error:
        say(f"error: {error.message}")
        return 1
    summary = {"out": str(out), "vocab_size": codec.vocab_size, "records": len(records)}
    print(json.dumps(summary) if args.json else f"wrote {out}: {codec.vocab_size} tokens from {len(records)} records", flush=True)
    return 0


@contextlib.contextmanager
def _stdout_reserved() -> Iterator[TextIO]:
    """Send whatever libraries print to stderr while the body runs, so that stdout carries only
    what the command itself writes (JSON a caller parses); yields the real stdout."""
    out = sys.stdout
    sys.stdout = sys.stderr
    try:
        yield out
    finally:
        sys.stdout = out


def command_export(args: argparse.Namespace) -> int:
    """A checkpoint to the thought inspector's ONNX bundle (export.py). With --json, stdout carries
    only JSON lines: one per phase, then the manifest."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    with _stdout_reserved() as out:

        def progress(phase: str, index: int, total: int) -> None:
            if args.json:
                # Progress is for whoever reads stdout; a reader that has gone does not stop the export.
                with contextlib.suppress(OSError, ValueError):
                    print(json.dumps({"type": "progress", "phase": phase, "index": index, "total": total}), file=out, flush=True)
            else:
                say(f"[{index}/{total}] {phase}")

        try:
            from .export import export_bundle

            manifest = export_bundle(args.checkpoint, args.out, label=args.label, run_id=args.run_id, run_dir=args.run_dir, progress=progress)
        except EngineError as error:
            say(f"error: {_one_line(error.message)}")
            return 1
        except Exception as error:  # noqa: BLE001 - the exporter failing on a model: keep the trace, end with the one line
            with contextlib.suppress(OSError, ValueError):
                traceback.print_exc(file=sys.stderr)
            say(f"error: exporting {args.checkpoint} failed: {_one_line(f'{type(error).__name__}: {error}')}")
            return 1
    if args.json:
        print(json.dumps({"type": "done", "out": str(Path(args.out)), "manifest": manifest}), flush=True)
    else:
        model = manifest["model"]
        print(
            f"wrote {args.out}: {model['family']} {model['layers']} layers, {model['hidden_size']} wide, {model['vocab_size']} tokens; "
            f"{manifest['method']}, {manifest['default_thoughts']} thoughts at stage {manifest['source']['stage']}",
            flush=True,
        )
    return 0


def command_inspect_reference(args: argparse.Namespace) -> int:
    """The inspector's figures for one question in PyTorch (reference.py), one JSON object on
    stdout, for the ONNX parity tests."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    with _stdout_reserved() as out:
        try:
            from .reference import reference_inspection

            result = reference_inspection(args.checkpoint, args.question, args.thoughts, cache=not args.no_cache, max_new_tokens=args.max_new_tokens)
        except EngineError as error:
            say(f"error: {_one_line(error.message)}")
            return 1
    print(json.dumps(result), file=out, flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m coconut_engine", description="Coconut Workbench training engine")
    parser.add_argument("--version", action="version", version=f"coconut_engine {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    train_parser = commands.add_parser("train", help="train (or with only_eval, evaluate) one run")
    train_parser.add_argument("--config", required=True, help="YAML run configuration")
    train_parser.add_argument("--run-dir", required=True, help="directory for events.jsonl, tokenizer.json and checkpoints/")
    train_parser.set_defaults(handler=command_train)

    check_parser = commands.add_parser("check-config", help="validate a config and print it with every default filled in")
    check_parser.add_argument("--config", required=True, help="YAML run configuration")
    check_parser.add_argument("--json", action="store_true", help="print JSON")
    check_parser.set_defaults(handler=command_check_config)

    bench_parser = commands.add_parser("bench", help="training and evaluation throughput on a fixed small config, against the naive forward")
    bench_parser.add_argument("--data", required=True, help="ProsQA-format JSON records (at least 32)")
    bench_parser.add_argument("--device", choices=["auto", "cpu", "cuda"], default="cpu")
    bench_parser.add_argument("--steps", type=int, default=5, help="timed training steps per measure (after one warm-up step)")
    bench_parser.add_argument("--bf16", action="store_true", help="bfloat16 autocast (CUDA only)")
    bench_parser.add_argument("--compile", action="store_true", help="also time the stage-3 step with the body under torch.compile")
    bench_parser.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: torch's choice)")
    bench_parser.add_argument("--json", action="store_true", help="print JSON only")
    bench_parser.set_defaults(handler=command_bench)

    tokenizer_parser = commands.add_parser("tokenizer", help="write the word-level tokenizer.json an offline-model run builds from a training set")
    tokenizer_parser.add_argument("--data", required=True, help="training set: ProsQA-format JSON records")
    tokenizer_parser.add_argument("--out", required=True, help="the tokenizer.json to write")
    tokenizer_parser.add_argument("--json", action="store_true", help="print a JSON summary")
    tokenizer_parser.set_defaults(handler=command_tokenizer)

    export_parser = commands.add_parser("export", help="export a checkpoint to an ONNX bundle for the thought inspector")
    export_parser.add_argument("--checkpoint", required=True, help="a checkpoint file (RUN/checkpoints/best.pt)")
    export_parser.add_argument("--out", required=True, help="the bundle folder to write (replaced as a whole when it exists)")
    export_parser.add_argument("--label", default="best", help="how the checkpoint is named in the manifest: best, last or a file name")
    export_parser.add_argument("--run-id", default=None, help="the run's id, recorded in the manifest")
    export_parser.add_argument("--run-dir", default=None, help="the run's folder, recorded in the manifest")
    export_parser.add_argument("--json", action="store_true", help="JSON lines on stdout: progress, then the manifest")
    export_parser.set_defaults(handler=command_export)

    reference_parser = commands.add_parser("inspect-reference", help="the thought inspector's figures for one question, in PyTorch (JSON)")
    reference_parser.add_argument("--checkpoint", required=True, help="a checkpoint file")
    reference_parser.add_argument("--question", required=True, help="the question text (without the trailing newline)")
    reference_parser.add_argument("--thoughts", type=int, required=True, help="continuous thoughts k")
    reference_parser.add_argument("--no-cache", action="store_true", help="re-run the whole prefix for every thought instead of a key/value cache")
    reference_parser.add_argument("--max-new-tokens", type=int, default=None, help="greedy answer length (default: the run's max_new_tokens)")
    reference_parser.set_defaults(handler=command_inspect_reference)

    args = parser.parse_args(argv)
    return int(args.handler(args))


def _fill_closed_standard_descriptors() -> None:
    """Point a closed stdin/stdout/stderr descriptor at /dev/null. Started without one (a parent
    that closed it), the next file the engine opened would take its number, and whatever writes
    to "stderr" below Python (PyTorch's C++ warnings write to descriptor 2) would land in that
    file: events.jsonl or a checkpoint."""
    for descriptor in (0, 1, 2):
        try:
            os.fstat(descriptor)
        except OSError:
            try:
                opened = os.open(os.devnull, os.O_RDWR)
            except OSError:
                return
            if opened != descriptor:
                os.dup2(opened, descriptor)
                os.close(opened)


if __name__ == "__main__":
    _fill_closed_standard_descriptors()
    exit_code = main()
    # Everything is written and closed by now; skipping the interpreter's teardown of torch and
    # transformers saves 1-2 s, so a cancelled run frees its CPU/GPU right after `finished`.
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, OSError, ValueError):  # None, or a closed pipe
            stream.flush()
    os._exit(exit_code)
