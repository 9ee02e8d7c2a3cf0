"""``reportgen preview``: the page is served on 127.0.0.1, an edit shows within a second, a broken
spec shows its located error above the last good report, and Ctrl-C stops it cleanly."""

from __future__ import annotations

import io
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reportgen.authoring.init import init
from reportgen.authoring.preview import Preview
from reportgen.render import templates
from tests.authoring.test_init import make_shop

WAIT = 1.0  # the limit for a text edit to show


def fetch(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        return str(response.read().decode("utf-8"))


def wait_for(condition: Callable[[], bool], limit: float) -> bool:
    """Poll ``condition`` until it holds or ``limit`` seconds have passed."""
    end = time.monotonic() + limit
    while time.monotonic() < end:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@pytest.fixture(scope="module")
def spec(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("preview", numbered=False) / "tea-shop"
    make_shop(folder / "data")
    path = folder / "report.yaml"
    init(folder / "data", path, stdout=io.StringIO())
    return path


@pytest.fixture(scope="module")
def theme(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the theme folder the preview's builds read (so a test may edit it)."""
    folder = tmp_path_factory.mktemp("theme") / "templates"
    shutil.copytree(templates.templates_dir(), folder)
    return folder


@pytest.fixture(scope="module")
def preview(spec: Path, theme: Path) -> Iterator[Preview]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(templates, "templates_dir", lambda: theme)
        templates.environment.cache_clear()
        templates.stylesheet.cache_clear()
        server = Preview(spec, port=0)
        server.start()
        yield server
        server.stop()
    templates.environment.cache_clear()
    templates.stylesheet.cache_clear()


def test_serves_on_localhost_with_the_reload_script(preview: Preview) -> None:
    assert preview.url.startswith("http://127.0.0.1:")
    page = fetch(preview.url)
    assert "Tea shop report" in page
    assert "/__version" in page
    assert fetch(preview.url + "__version").strip().isdigit()
    assert 'href="/report.pdf"' in page


def test_an_edit_shows_within_a_second_and_a_broken_edit_keeps_the_last_report(
    preview: Preview, spec: Path
) -> None:
    text = spec.read_text(encoding="utf-8")
    version = fetch(preview.url + "__version")
    spec.write_text(text.replace("title: Tea shop report", "title: Tea shop review"), "utf-8")
    assert wait_for(lambda: "Tea shop review" in fetch(preview.url), WAIT)
    assert fetch(preview.url + "__version") != version

    broken = text.replace("title: Tea shop report", "title: Tea shop review\n  colour: red")
    spec.write_text(broken, "utf-8")
    line = broken.splitlines().index("  colour: red") + 1
    assert wait_for(lambda: "reportgen-preview-error" in fetch(preview.url), 10)
    page = fetch(preview.url)
    assert f"report.yaml:{line}:3: unknown key &#x27;colour&#x27; in report" in page
    assert "Tea shop review" in page  # the last good report stays below the error

    spec.write_text(text, "utf-8")
    assert wait_for(lambda: "reportgen-preview-error" not in fetch(preview.url), 10)


def test_a_theme_edit_rebuilds(preview: Preview, theme: Path) -> None:
    stylesheet = theme / templates.STYLESHEET
    stylesheet.write_text(
        stylesheet.read_text("utf-8") + "\n.preview-check { color: red; }\n", "utf-8"
    )
    assert wait_for(lambda: ".preview-check" in fetch(preview.url), 10)


def test_a_data_edit_rebuilds(preview: Preview, spec: Path) -> None:
    products = spec.parent / "data" / "products.csv"
    products.write_text(products.read_text("utf-8") + "16,Kettles,30.0\n", "utf-8")
    assert wait_for(lambda: "Kettles" in fetch(preview.url), 20)


def _as_from_a_terminal() -> None:
    """In the child before it runs: Ctrl-C as a terminal delivers it. A test process may
    ignore or block SIGINT (the test runner's workers), and a child inherits both."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})


def test_ctrl_c_stops_cleanly(spec: Path) -> None:
    here = (signal.getsignal(signal.SIGINT), signal.pthread_sigmask(signal.SIG_BLOCK, set()))
    process = subprocess.Popen(
        [sys.executable, "-m", "reportgen", "preview", str(spec), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_as_from_a_terminal,  # noqa: PLW1509 - no threads touch signals here
    )
    try:
        assert process.stdout is not None
        line = ""
        while "serving" not in line:
            line = process.stdout.readline()
            assert line, process.stderr.read() if process.stderr else ""
        url = line.split("serving ", 1)[1].split()[0]
        assert "Tea shop report" in fetch(url)
        process.send_signal(signal.SIGINT)
        try:
            out, err = process.communicate(timeout=90)  # a guard against a hang, not speed
        except subprocess.TimeoutExpired:
            pytest.fail(f"no stop after Ctrl-C; this process's SIGINT handler and mask: {here}")
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, err
    assert "preview: stopped" in out
    assert "Traceback" not in err
