"""The event stream: one JSON object per line in ``RUN_DIR/events.jsonl``.

The shapes are defined once on the TypeScript side (src/common/events.ts) and exported as
``schemas/events.schema.json``; the tests validate every event the engine writes against it.
The file is only ever appended to, one flushed line per event, so a reader tailing it never sees
half an event and earlier lines are never rewritten. Human-readable progress goes to stderr.
"""

from __future__ import annotations

import json
import math
import sys
import time
from pathlib import Path
from typing import IO, Any

EVENT_SCHEMA_VERSION = 1
EVENTS_FILE = "events.jsonl"


class EventLog:
    """Appends events to a run directory's ``events.jsonl``. With ``path=None`` it writes nothing
    (a non-zero rank under torchrun, where only rank 0 reports)."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: IO[str] | None = open(path, "a", encoding="utf-8") if path is not None else None

    def emit(self, event_type: str, **fields: Any) -> dict[str, Any]:
        event = {"v": EVENT_SCHEMA_VERSION, "t": time.time(), "type": event_type, **fields}
        if self._file is not None:
            # allow_nan=False: NaN is not JSON; callers turn non-finite numbers into errors first.
            self._file.write(json.dumps(event, allow_nan=False, ensure_ascii=False) + "\n")
            self._file.flush()
        return event

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def finite_or_none(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else value


_progress_enabled = True


def set_progress_enabled(enabled: bool) -> None:
    """Under torchrun only rank 0 talks; the others would repeat every line."""
    global _progress_enabled
    _progress_enabled = enabled


def progress(message: str) -> None:
    """One human-readable line on stderr (never JSON: stdout/stderr are for people)."""
    if _progress_enabled:
        print(message, file=sys.stderr, flush=True)
