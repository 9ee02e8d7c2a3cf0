"""The chart converter's processes: starting one, and the spares a batch starts for the
renderers it forks.

A batch renders each report in a forked child, which cannot drive its parent's converter (its
threads stay behind in the parent). Starting a converter costs ~1.2 s of CPU (Python, then the
JavaScript engine's first conversion), so the batch starts one per child while it computes
(``start_spares``) and lends one to each child as it is forked (``lend_spare``): the child
drives it (``take_lent``), and it ends when the child closes its pipes.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator

_spares: list[subprocess.Popen[str]] = []  # started, warming up, driven by no one yet
_lent: subprocess.Popen[str] | None = None  # the spare the child being forked takes
_lent_out: list[subprocess.Popen[str]] = []  # spares children took: reaped at the end


def start_process() -> subprocess.Popen[str]:
    """A converter process (``python -m reportgen.charts.convert``), its engine warming up."""
    return subprocess.Popen(
        [sys.executable, "-m", "reportgen.charts.convert"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        encoding="utf-8",
        # Out of the terminal's process group: Ctrl-C is the parent's to report; the worker
        # ends when the parent closes the pipe or dies.
        start_new_session=True,
    )


def start_spares(count: int) -> None:
    """Have ``count`` converters started for the next children a batch forks (each starts
    its engine now, while this process computes, instead of in the child)."""
    if not sys.executable:  # an embedded interpreter: no Python to start
        return
    with contextlib.suppress(OSError):
        while len(_spares) < count:
            _spares.append(start_process())


@contextlib.contextmanager
def lend_spare() -> Iterator[None]:
    """Around forking a child: the child drives a spare (if one was started), and this
    process lets go of it (its pipes close here, so it ends with the child)."""
    global _lent
    _lent = _spares.pop(0) if _spares else None
    try:
        yield
    finally:
        lent, _lent = _lent, None
        if lent is not None:
            _close_pipes(lent)
            _lent_out.append(lent)


def take_lent() -> subprocess.Popen[str] | None:
    """In a forked child: the spare lent to it (once), else None."""
    global _lent
    lent, _lent = _lent, None
    return lent


def _close_pipes(process: subprocess.Popen[str]) -> None:
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _in_forked_child() -> None:
    """A child drives only the spare lent to it: its copies of the other spares' pipes close
    (each ends when the child it goes to does), and it lends none on."""
    for spare in _spares:
        _close_pipes(spare)
    _spares.clear()
    _lent_out.clear()


@atexit.register
def _end_spares() -> None:
    """End the spares no child took, and reap those children took (they end with them)."""
    for spare in _spares:
        spare.kill()
    for spare in [*_spares, *_lent_out]:
        with contextlib.suppress(subprocess.TimeoutExpired):
            spare.wait(timeout=10)


os.register_at_fork(after_in_child=_in_forked_child)
