"""The event stream: one JSON object per line in ``RUN_DIR/events.jsonl``.

The shapes are defined once on the TypeScript side (src/common/events.ts) and exported as
``schemas/events.schema.json``; the tests validate every event the engine writes against it.
The file is only ever appended to, one line per event, and earlier lines are never rewritten.
A line is written with one ``os.write`` of its bytes; if the write fails part-way (a full disk
takes what fits), the file is cut back to where it was, so no torn line is ever left behind and
the failure ends the run as a StorageError naming ``events.jsonl``.

Human-readable progress goes to stderr, which the engine never depends on: when the workbench that
read it is gone (a closed pipe, a closed descriptor) the lines are dropped and the run goes on.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import sys
import time
from pathlib import Path
from typing import Any

from .errors import storage_error

EVENT_SCHEMA_VERSION = 1
EVENTS_FILE = "events.jsonl"


class EventLog:
    """Appends events to a run directory's ``events.jsonl``. With ``path=None`` it writes nothing
    (a non-zero rank under torchrun, where only rank 0 reports). Opening it raises OSError."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._fd: int | None = None
        # Set when a failed append could not be cut back: the next line starts on a fresh line,
        # so the fragment stays one unparsable line instead of spoiling the next event too.
        self._fragment_left = False
        if path is not None:
            self._fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o644)

    def emit(self, event_type: str, **fields: Any) -> dict[str, Any]:
        """Append one event; raises StorageError (naming events.jsonl) when it cannot be written,
        with the file as it was before."""
        event = {"v": EVENT_SCHEMA_VERSION, "t": time.time(), "type": event_type, **fields}
        if self._fd is not None:
            # allow_nan=False: NaN is not JSON; callers turn non-finite numbers into errors first.
            line = json.dumps(event, allow_nan=False, ensure_ascii=False) + "\n"
            self._append(("\n" + line if self._fragment_left else line).encode("utf-8"))
        return event

    def _append(self, data: bytes) -> None:
        assert self._fd is not None
        size: int | None = None
        try:
            size = os.fstat(self._fd).st_size
            written = os.write(self._fd, data)
            # A short write means the file system took only part of the line (it is full); the
            # rest either fits now or raises, and is cut back below.
            while written < len(data):
                more = os.write(self._fd, data[written:])
                if more <= 0:
                    raise OSError(28, os.strerror(28))
                written += more
        except OSError as error:
            self._cut_back(size)
            raise storage_error(error, EVENTS_FILE) from error
        self._fragment_left = False

    def _cut_back(self, size: int | None) -> None:
        assert self._fd is not None
        try:
            if size is not None and os.fstat(self._fd).st_size != size:
                os.ftruncate(self._fd, size)
        except OSError:
            self._fragment_left = True

    def close(self) -> None:
        if self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)
            self._fd = None


def finite_or_none(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


_progress_enabled = True


def set_progress_enabled(enabled: bool) -> None:
    """Under torchrun only rank 0 talks; the others would repeat every line."""
    global _progress_enabled
    _progress_enabled = enabled


def say(message: str) -> bool:
    """One line on stderr for people, if anyone still reads it. A closed or broken stderr (the
    workbench that held the pipe has gone: EPIPE, EBADF, a closed file object, or none at all)
    is not the run's problem, so the line is dropped; returns whether it was written. Python
    ignores SIGPIPE, so a closed pipe arrives here as an exception rather than killing the engine."""
    stream = sys.stderr
    if stream is None:
        return False
    try:
        stream.write(message + "\n")
        stream.flush()
        return True
    except (OSError, ValueError):
        return False


def progress(message: str) -> None:
    """One human-readable line on stderr (never JSON: stdout/stderr are for people)."""
    if _progress_enabled:
        say(message)
