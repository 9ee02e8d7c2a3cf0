"""A running stage in, one live terminal line out: what runs, on what, and for how long.

Only on a terminal: ``ticking`` does nothing when the stream is not a TTY (logs, pipes, tests)
or when quiet, so the plain stage lines stay the only output there.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

REDRAW_SECONDS = 0.5


class Ticker:
    """Redraws ``label: detail … 12 s`` every half second until stopped."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream, self.label = stream, label
        self.detail = ""
        self.started = time.perf_counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _line(self) -> str:
        elapsed = time.perf_counter() - self.started
        detail = f": {self.detail}" if self.detail else ""
        return f"\r\033[K{self.label}{detail} … {elapsed:.0f} s"

    def _run(self) -> None:
        while not self._stop.wait(REDRAW_SECONDS):
            self.stream.write(self._line())
            self.stream.flush()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


class _Silent:
    """Stands in for a ticker off a terminal: details are accepted and not shown."""

    detail = ""


def is_terminal(stream: TextIO) -> bool:
    return bool(getattr(stream, "isatty", None) and stream.isatty())


@contextmanager
def ticking(stream: TextIO, label: str, *, quiet: bool = False) -> Iterator[Ticker | _Silent]:
    """A live line for a stage on a terminal; set ``.detail`` to say what it works on."""
    if quiet or not is_terminal(stream):
        yield _Silent()
        return
    ticker = Ticker(stream, label)
    ticker.start()
    try:
        yield ticker
    finally:
        ticker.stop()
