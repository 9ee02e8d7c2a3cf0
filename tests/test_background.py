"""A call in a forked child: its result, its exception, its crash, and the same without fork."""

from __future__ import annotations

import os
import signal

import pytest

from reportgen.background import can_fork, in_background
from reportgen.errors import OutputError

needs_fork = pytest.mark.skipif(not can_fork(), reason="fork runs here only on Linux, 2+ cores")


def _pid_and_sum(*numbers: int) -> tuple[int, int]:
    return os.getpid(), sum(numbers)


def _fails(message: str) -> None:
    raise ValueError(message)


def _dies() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


@needs_fork
def test_the_call_runs_in_another_process_and_returns_its_result() -> None:
    pid, total = in_background(_pid_and_sum, 1, 2, 3).result(timeout=30)
    assert total == 6
    assert pid != os.getpid()


@needs_fork
def test_the_childs_exception_is_raised_where_the_result_is_asked_for() -> None:
    future = in_background(_fails, "no room on the page")
    with pytest.raises(ValueError, match="no room on the page"):
        future.result(timeout=30)


@needs_fork
def test_a_child_that_dies_is_an_output_error_naming_the_signal() -> None:
    with pytest.raises(OutputError, match=f"signal {int(signal.SIGKILL)}"):
        in_background(_dies).result(timeout=30)


def test_without_fork_the_call_runs_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REPORTGEN_THREADS", "1")
    assert not can_fork()
    pid, total = in_background(_pid_and_sum, 4, 5).result()
    assert (pid, total) == (os.getpid(), 9)
    with pytest.raises(ValueError, match="here too"):
        in_background(_fails, "here too").result()


@needs_fork
def test_ctrl_c_in_the_childs_first_moments_ends_the_child_not_a_copy_of_the_build(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Ctrl-C reaches the whole process group, a child just forked included. Before the child
    had its own handler, it raised KeyboardInterrupt in its copy of the parent's stack, which
    then ran the build's clean-up and message as if it were the build. The signal is now held
    over the fork: the child ends by it, and the parent hears of a stopped renderer."""
    import reportgen.background as background

    def interrupted_at_once(parent: int) -> None:
        os.kill(os.getpid(), signal.SIGINT)  # the child's own pid: Ctrl-C arriving right now

    monkeypatch.setattr(background, "_end_with", interrupted_at_once)
    future = in_background(_pid_and_sum, 1, 2)
    with pytest.raises(OutputError, match=r"the background renderer stopped \(signal 2\)"):
        future.result(timeout=30)
