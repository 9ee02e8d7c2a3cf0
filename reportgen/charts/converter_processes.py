"""The chart converter's processes: starting one, and those a batch keeps for the renderers it
forks.

A batch renders each report in a forked child, which cannot drive its parent's converter (its
threads stay behind in the parent). Starting a converter costs ~1.2 s of CPU (Python, then the
JavaScript engine's first conversion), and a converter converts faster once its engine has
warmed up. So the batch keeps one converter per child that renders at a time: started while
it computes (``keep_converters``), lent to a child as it is forked (``lend_converter``), driven
there (``take_lent``), and given back when the child ends (``give_back``) to serve the next.
Each child tags its requests, so an answer meant for another child is never taken as its own.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import subprocess
import sys
import threading
from collections.abc import Iterator

_free: list[subprocess.Popen[str]] = []  # started, driven by no child now
_busy: list[subprocess.Popen[str]] = []  # driven by a child still running
_lent: subprocess.Popen[str] | None = None  # the one the child being forked takes
_lock = threading.Lock()  # ``give_back`` runs in the thread that collects a child's result


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


def keep_converters(count: int) -> None:
    """Have ``count`` converters for the children a batch forks, counting those its running
    children drive: the missing ones start now (each warms up while this process computes)."""
    if not sys.executable:  # an embedded interpreter: no Python to start
        return
    with _lock:
        _free[:] = [process for process in _free if process.poll() is None]
        missing = count - len(_free) - len(_busy)
    with contextlib.suppress(OSError):
        for _ in range(missing):
            started = start_process()
            with _lock:
                _free.append(started)


@contextlib.contextmanager
def lend_converter() -> Iterator[subprocess.Popen[str] | None]:
    """Around forking a child: the child drives a free converter (None: none is free, it
    starts its own); here it is busy until ``give_back``."""
    global _lent
    with _lock:
        _lent = _free.pop(0) if _free else None
        if _lent is not None:
            _busy.append(_lent)
    try:
        yield _lent
    finally:
        _lent = None


def give_back(process: subprocess.Popen[str], reusable: bool) -> None:
    """The child that drove ``process`` ended. When it rendered (``reusable``: every answer it
    asked for was read) and the converter still runs, it serves the next child; else it ends."""
    with _lock:
        with contextlib.suppress(ValueError):
            _busy.remove(process)
        if reusable and process.poll() is None:
            _free.append(process)
            return
    _close_pipes(process)  # it ends at the end of its input
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=10)


def take_lent() -> subprocess.Popen[str] | None:
    """In a forked child: the converter lent to it (once), else None."""
    global _lent
    lent, _lent = _lent, None
    return lent


def _close_pipes(process: subprocess.Popen[str]) -> None:
    for pipe in (process.stdin, process.stdout):
        if pipe is not None:
            with contextlib.suppress(OSError):
                pipe.close()


def _in_forked_child() -> None:
    """A child drives only the converter lent to it: its copies of the others' pipes close,
    and it lends none on."""
    global _lock
    _lock = threading.Lock()  # another thread may have held it at the fork
    for process in [*_free, *_busy]:
        if process is not _lent:
            _close_pipes(process)
    _free.clear()
    _busy.clear()


@atexit.register
def _end_converters() -> None:
    """End the batch's converters: each ends at the end of its input (killed if it does not)."""
    processes = [*_free, *_busy]
    for process in processes:
        _close_pipes(process)
    for process in processes:
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


os.register_at_fork(after_in_child=_in_forked_child)
