"""Errors the engine reports to the user, each pointing at the place to fix."""

from __future__ import annotations

import contextlib
import errno
from collections.abc import Iterator


class EngineError(Exception):
    """A problem the user can fix. ``where`` names the place: a config key, a file, or
    ``file: record 12: field 'steps'``. It becomes the ``error`` event's ``where`` field."""

    def __init__(self, message: str, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where


class ConfigError(EngineError):
    """The configuration is invalid (unknown key, wrong type, contradictory settings...)."""


class DataError(EngineError):
    """A dataset file is missing or malformed."""


class RunDirError(EngineError):
    """The run directory cannot be used (unwritable, or it already holds a trained run)."""


class StorageError(EngineError):
    """A file the run writes could not be written: the disk is full, a quota is reached, the
    folder is read-only or not writable, or the storage failed. ``where`` is the file, relative
    to the run directory (``checkpoints/epoch-3.pt``)."""


# The causes a user can act on, worded as `df`/`ls` users know them; others use the system's text.
_STORAGE_REASONS = {
    errno.ENOSPC: "no space left on device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EFBIG: "file too large for the file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "read-only file system",
    errno.EIO: "input/output error (failing storage?)",
}


def storage_reason(error: OSError) -> str:
    """``no space left on device`` for ENOSPC, and so on: the cause in a few words, lower case."""
    reason = _STORAGE_REASONS.get(error.errno) if error.errno is not None else None
    if reason is None:
        text = error.strerror or str(error) or type(error).__name__
        reason = text[:1].lower() + text[1:]
    return reason


def storage_error(error: OSError, shown: str) -> StorageError:
    """The one-line cause: ``no space left on device writing checkpoints/epoch-3.pt``."""
    return StorageError(f"{storage_reason(error)} writing {shown}", where=shown)


def os_error_in(error: BaseException, errnos: set[int] | None = None) -> OSError | None:
    """The OSError (with one of ``errnos``, or any errno) that ``error`` is, or was raised from or
    while handling: libraries such as torch report a failed write as an error of their own."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno is not None and (errnos is None or current.errno in errnos):
            return current
        current = current.__cause__ or current.__context__
    return None


@contextlib.contextmanager
def writing(shown: str) -> Iterator[None]:
    """Turns an OSError raised while writing ``shown`` (a path relative to the run directory)
    into a StorageError that names it."""
    try:
        yield
    except OSError as error:
        raise storage_error(error, shown) from error
