"""Progress on long stages: a live line on a terminal, nothing extra off one or when quiet."""

from __future__ import annotations

import io
import time

from reportgen.progress import Progress, ticking


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def shown_within(stream: io.StringIO, text: str, limit: float = 3.0) -> bool:
    end = time.monotonic() + limit
    while time.monotonic() < end and text not in stream.getvalue():
        time.sleep(0.05)
    return text in stream.getvalue()


def test_a_stage_on_a_terminal_says_what_it_works_on() -> None:
    terminal = Terminal()
    progress = Progress(terminal, quiet=False)
    with progress.stage("load data"):
        progress.ticker.detail = "order_products (3 of 5)"
        assert shown_within(terminal, "load data: order_products (3 of 5) … ")
    assert terminal.getvalue().rstrip().splitlines()[-1].lstrip("\r\x1b[K").startswith("load data")


def test_off_a_terminal_only_the_stage_line() -> None:
    log = io.StringIO()
    progress = Progress(log, quiet=False)
    with progress.stage("load data"):
        progress.ticker.detail = "orders (1 of 5)"
        time.sleep(0.6)  # longer than a redraw: nothing may appear meanwhile
        assert log.getvalue() == ""
    assert log.getvalue().startswith("load data ")
    assert "orders (1 of 5)" not in log.getvalue()


def test_quiet_shows_nothing_even_on_a_terminal() -> None:
    terminal = Terminal()
    with ticking(terminal, "PDF", quiet=True) as ticker:
        ticker.detail = "pages"
        time.sleep(0.6)
    assert terminal.getvalue() == ""
