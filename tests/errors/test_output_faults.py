"""Output faults: missing or read-only folders, a full disk, interruptions, two builds at once."""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from reportgen.render import pdf
from tests.errors.conftest import (
    Project,
    Run,
    RunCli,
    assert_clean_failure,
    assert_nothing_lost,
    run_process,
)

Fails = Callable[..., Run]
pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)


def test_missing_output_folder(project: Project, run_cli: RunCli) -> None:
    run = run_cli(project.spec, "--format", "html", "--output-dir", "/nonexistent/deep/path")
    assert_clean_failure(
        run, 4, "reportgen: output folder /nonexistent/deep/path does not exist; create it"
    )
    assert not Path("/nonexistent").exists()


def test_default_output_folder_is_created_beside_the_spec(
    project: Project, run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rule: without --output-dir the outputs go to output/ beside the spec, wherever we run."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    run = run_cli(project.spec, "--format", "html", "--quiet")
    assert run.code == 0, run.err
    assert (project.output / "basket.html").is_file()
    assert list(elsewhere.iterdir()) == []


def test_explicit_output_folder_is_honoured(
    project: Project, run_cli: RunCli, tmp_path: Path
) -> None:
    target = tmp_path / "delivered"
    run = run_cli(project.spec, "--format", "html", "--quiet", "--output-dir", target)
    assert run.code == 0, run.err
    assert (target / "basket.html").is_file()
    assert not project.output.exists()


def test_output_path_is_a_file(project: Project, run_cli: RunCli) -> None:
    run = run_cli(project.spec, "--format", "html", "--output-dir", project.spec)
    assert_clean_failure(run, 4, f"output path {project.spec} is not a folder")


def test_output_folder_not_writable(
    project: Project, fails_cleanly: Fails, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Root writes anywhere, so the permission check is made to answer as for another user."""
    real = os.access
    monkeypatch.setattr(
        os, "access", lambda path, mode: False if Path(path) == project.output else real(path, mode)
    )
    fails_cleanly(4, f"reportgen: output folder {project.output} is not writable")


def test_disk_full(project: Project, fails_cleanly: Fails, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    fails_cleanly(4, "the disk is full; the previous report is unchanged")


def test_disk_full_on_the_last_file(
    project: Project, fails_cleanly: Fails, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first files are staged when the disk fills: they are removed, none replaces the old."""
    calls = []
    real = os.fsync

    def fills_up(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(errno.ENOSPC, "No space left on device")
        real(fd)

    monkeypatch.setattr(os, "fsync", fills_up)
    fails_cleanly(4, "the disk is full")


def test_interrupted_during_the_pdf(
    project: Project, fails_cleanly: Fails, monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(*args: object, **kwargs: object) -> bytes:
        raise KeyboardInterrupt

    monkeypatch.setattr(pdf, "render_pdf", interrupted)
    fails_cleanly(130, "reportgen: interrupted", args=("--format", "pdf"))


def test_interrupted_while_writing(
    project: Project, fails_cleanly: Fails, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = os.fsync

    def interrupted(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise KeyboardInterrupt
        real(fd)

    monkeypatch.setattr(os, "fsync", interrupted)
    fails_cleanly(130, "reportgen: interrupted")


def test_spec_error_in_a_real_process(project: Project) -> None:
    project.edit_spec("by: [department]", "by: [deparment]")
    run = run_process(project.spec, "--format", "html")
    assert_clean_failure(run, 2, f"{project.spec}:", "did you mean 'department'?")


def test_data_error_in_a_real_process(project: Project) -> None:
    (project.data / "orders.csv").write_bytes(b"")
    previous = project.place_previous()
    run = run_process(project.spec, "--format", "html")
    assert_clean_failure(run, 3, "reportgen: table 'orders', file data/orders.csv")
    assert_nothing_lost(project, previous)


def test_sigterm_during_a_build(project: Project) -> None:
    """A real SIGTERM while the PDF is made: exit 130, the previous report intact, no temp file."""
    previous = project.place_previous()
    process = subprocess.Popen(
        [sys.executable, "-m", "reportgen", str(project.spec)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("HTML"):  # the PDF stage has begun
            break
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err
    if process.returncode == 0:  # finished before the signal landed: a complete new report
        assert PdfReader(project.output / "basket.pdf").pages
    else:
        assert process.returncode == 130, err
        assert "interrupted" in err
        assert_nothing_lost(project, previous)


def test_ctrl_c_reaches_the_chart_worker_too(project: Project) -> None:
    """Ctrl-C goes to the whole process group, chart converter included: one clean message."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reportgen", str(project.spec), "--format", "html", "--no-cache"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal would make it
    )
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("compute sections"):  # charts are being built and converted
            break
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert "Traceback" not in err
    assert process.returncode in (0, 130), err
    if process.returncode == 130:
        assert len(err.strip().splitlines()) == 1
        assert err.startswith("reportgen: interrupted")


class _Checker(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.closed_html = False

    def handle_endtag(self, tag: str) -> None:
        self.closed_html |= tag == "html"


def test_two_builds_into_the_same_folder(project: Project) -> None:
    """Both succeed; the files left are complete (one build's), never interleaved halves."""
    sections = ("--section", "departments", "--section", "loyalty")  # a PDF of four pages
    command = [sys.executable, "-m", "reportgen", str(project.spec), *sections, "--quiet"]
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [p.communicate(timeout=120) for p in processes]
    for process, (_, err) in zip(processes, results, strict=True):
        assert process.returncode == 0, err
        assert "Traceback" not in err
    checker = _Checker()
    checker.feed((project.output / "basket.html").read_text(encoding="utf-8"))
    assert checker.closed_html
    assert len(PdfReader(project.output / "basket.pdf").pages) > 1
    assert [p.name for p in project.output.rglob("*.tmp")] == []
