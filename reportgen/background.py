"""A call run in a forked copy of this process, on another core, while this one goes on.

The PDF takes a third of a full-scale build and runs on one core; the workbook, the CSVs and
the HTML are written meanwhile. A fork copies nothing up front (the loaded tables stay shared
until written, and the child only reads the report view), needs no pickling of the arguments,
and starts in milliseconds with every module already imported. The result (or the exception)
comes back pickled through a pipe from the child this process made. Where ``fork`` is not the
safe way to start a process (not Linux) or there is a single core, the call runs here.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, TypeVar

from reportgen.errors import OutputError

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when its parent ends


_in_child = False  # this process is such a child: its parent already keeps the cores busy


def can_fork() -> bool:
    """A forked child would run on another core: Linux, two cores or more, not disabled, and
    not already in such a child (a batch renders each report in one: its PDF renders there)."""
    if _in_child or sys.platform != "linux" or (os.cpu_count() or 1) < 2:
        return False
    return os.environ.get("REPORTGEN_THREADS", "").strip() != "1"


def free_core_for_child() -> None:
    """In such a child: a core is free for it (its parent has nothing else left to start),
    so it may run its own work in the background too (a batch's last report: its PDF)."""
    global _in_child
    _in_child = False


def in_background(call: Callable[..., T], *args: Any, **kwargs: Any) -> Future[T]:
    """``call(*args, **kwargs)`` in a forked child; its result (or exception) as a future."""
    future: Future[T] = Future()
    if not can_fork():
        try:
            future.set_result(call(*args, **kwargs))
        except Exception as error:  # raised where the result is asked for, as in a child
            future.set_exception(error)
        return future
    read_end, write_end = os.pipe()
    parent = os.getpid()
    # Ctrl-C (or SIGTERM) reaching the child before it resets its handlers would raise
    # KeyboardInterrupt in a copy of this process's stack, which would then run the build's
    # own clean-up and message: held over the fork, until the child has its own handlers.
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        pid = os.fork()
        if pid == 0:  # the child: never returns
            try:
                signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C ends it with the build
                signal.signal(signal.SIGTERM, signal.SIG_DFL)
                signal.pthread_sigmask(signal.SIG_SETMASK, held)
                os.close(read_end)
                _end_with(parent)
                _run_child(write_end, call, args, kwargs)
            finally:
                os._exit(1)  # never back into the parent's stack
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)  # the parent (the child never gets here)
    os.close(write_end)
    threading.Thread(
        target=_collect, args=(future, pid, read_end), name="background-result", daemon=True
    ).start()
    return future


def _end_with(parent: int) -> None:
    """Have the kernel end this child when the parent ends (interrupted, killed or failed:
    its result is then wanted by no one)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # it ended before the request was made
        os._exit(1)


def _run_child(write_end: int, call: Callable[..., Any], args: Any, kwargs: Any) -> None:
    """Run the call, send back its pickled outcome and leave without the parent's exit work
    (no atexit handlers, no flushing of the parent's buffers)."""
    global _in_child
    _in_child = True
    code = 0
    try:
        try:
            outcome: tuple[bool, Any] = (True, call(*args, **kwargs))
        except BaseException as error:
            outcome = (False, error)
        try:
            payload = pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # an exception that cannot be pickled
            payload = pickle.dumps((False, OutputError(f"{type(error).__name__}: {error}")))
        with os.fdopen(write_end, "wb") as out:
            out.write(payload)
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _collect(future: Future[Any], pid: int, read_end: int) -> None:
    """Read the child's outcome, reap it, and settle ``future``."""
    with os.fdopen(read_end, "rb") as source:
        payload = source.read()
    _, status = os.waitpid(pid, 0)
    try:
        succeeded, value = pickle.loads(payload)  # noqa: S301 (from our own child)
    except Exception:
        why = (
            f"signal {os.WTERMSIG(status)}"
            if os.WIFSIGNALED(status)
            else f"exit status {os.waitstatus_to_exitcode(status)}"
        )
        future.set_exception(OutputError(f"the background renderer stopped ({why})"))
        return
    if succeeded:
        future.set_result(value)
    else:
        future.set_exception(value)
