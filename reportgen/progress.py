"""Stage names and times → the progress display: an updating line on a terminal, plain lines
otherwise, nothing under ``--quiet`` (the times are kept for the benchmark either way)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO


class Progress:
    """Stage-by-stage progress of one build."""

    def __init__(self, stream: TextIO, quiet: bool) -> None:
        self.stream, self.quiet = stream, quiet
        self.tty = hasattr(stream, "isatty") and stream.isatty()
        self.started = time.perf_counter()
        self.timings: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        begin = time.perf_counter()
        if not self.quiet and self.tty:
            self.stream.write(f"\r\033[K{name} …")
            self.stream.flush()
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
