"""Stage names and times → the progress display: an updating line on a terminal, plain lines
otherwise, nothing under ``--quiet`` (the times are kept for the benchmark either way).

While a stage runs on a terminal, a live line says what runs, on what, and for how long:
``ticking`` does nothing when the stream is not a TTY (logs, pipes, tests) or when quiet, so
the plain stage lines stay the only output there.
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


class Progress:
    """Stage-by-stage progress of one build."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream, self.quiet = stream, quiet
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}
        self.ticker: Ticker | _Silent = (
            _Silent()
        )  # the running stage's live line (.detail: on what)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        begin = time.perf_counter()
        if not self.quiet and self.tty:
            self.stream.write(f"\r\033[K{name} …")
            self.stream.flush()
        with ticking(self.stream, name, quiet=self.quiet) as self.ticker:
            yield
        elapsed = time.perf_counter() - begin
        self.timings[name] = elapsed
        if not self.quiet:
            line = f"{name:<28} {elapsed:6.2f} s"
            self.stream.write(f"\r\033[K{line}\n" if self.tty else f"{line}\n")
            self.stream.flush()

    def done(self, message: str) -> None:
        if not self.quiet:
            total = time.perf_counter() - self.started
            self.stream.write(f"{message} ({total:.1f} s)\n")
