"""Errors the engine reports to the user, each pointing at the place to fix."""

from __future__ import annotations


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
