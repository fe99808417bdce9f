"""Cancellation by signal. Kept free of heavy imports: it is installed before torch loads, so a
SIGTERM that arrives during start-up is honoured too."""

from __future__ import annotations

import signal
from types import FrameType


class Cancellation:
    """Turns SIGTERM/SIGINT into a flag the training loop polls at safe points (between
    micro-batches, between evaluation batches and decoding steps). A second signal restores the
    default handlers, so a repeated Ctrl-C still ends a stuck process."""

    def __init__(self) -> None:
        self.requested = False
        self.signal_name: str | None = None

    def install(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self._handle)

    def _handle(self, signum: int, _frame: FrameType | None) -> None:
        if self.requested:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            signal.signal(signal.SIGINT, signal.default_int_handler)
        self.requested = True
        self.signal_name = signal.Signals(signum).name

    def __call__(self) -> bool:
        return self.requested
