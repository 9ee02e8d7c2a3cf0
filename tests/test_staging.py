"""Staging files: named after their process; those of dead processes are removed, no others."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from reportgen import output
from reportgen.data import cache as data_cache
from reportgen.engine.results_cache import ResultsCache
from reportgen.errors import OutputError
from reportgen.render import templates
from reportgen.staging import remove_dead_staging, staging_path


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def leftovers(folder: Path, pid: int) -> list[Path]:
    """What a killed build with process ``pid`` leaves, and files that are not ours."""
    names = [
        f".report.pdf.{pid}-0123abcd.tmp",
        f".section-abc.entry.{pid}-89abcdef.tmp",
        f".fonts-0123456789abcdef.css.{pid}.tmp",  # the font cache's older name
    ]
    for name in names:
        (folder / name).write_bytes(b"half a file")
    return [folder / name for name in names]


def test_staging_path_names_the_process(tmp_path: Path) -> None:
    path = staging_path(tmp_path / "report.pdf")
    assert path.parent == tmp_path
    assert path.name.startswith(f".report.pdf.{os.getpid()}-")
    assert path.name.endswith(".tmp")
    assert staging_path(tmp_path / "report.pdf") != path


def test_only_dead_processes_staging_files_are_removed(tmp_path: Path) -> None:
    dead = leftovers(tmp_path, dead_pid())
    alive = leftovers(tmp_path, os.getppid())  # a running process: maybe writing right now
    ours = leftovers(tmp_path, os.getpid())
    not_ours = [tmp_path / ".notes.12.tmp", tmp_path / "report.123-0123abcd.tmp", tmp_path / "x"]
    for path in not_ours:
        path.write_bytes(b"keep")
    assert remove_dead_staging(tmp_path) == len(dead)
    assert not any(path.exists() for path in dead)
    assert all(path.exists() for path in [*alive, *ours, *not_ours])


def test_each_writer_clears_dead_leftovers_first(tmp_path: Path) -> None:
    pid = dead_pid()
    for folder in ("out", "results", "parquet", "fonts"):
        (tmp_path / folder).mkdir()
        leftovers(tmp_path / folder, pid)
    output.write_all({tmp_path / "out" / "report.html": b"<html>"})
    ResultsCache(tmp_path / "results").put("section", "k", {"a": 1})
    data_cache.write_cache(
        tmp_path / "parquet" / "t-0123456789abcdef.parquet", pd.DataFrame({"a": [1]}), {}
    )
    templates._write_quietly(tmp_path / "fonts" / "fonts-0123456789abcdef.css", "x")
    for folder in ("out", "results", "parquet", "fonts"):
        assert not [p.name for p in (tmp_path / folder).iterdir() if p.name.endswith(".tmp")]


def _disk_full(*args: object, **kwargs: object) -> None:
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_leaves_no_staging_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(os, "replace", _disk_full)
    templates._write_quietly(tmp_path / "fonts-0123456789abcdef.css", "x" * 1000)
    ResultsCache(tmp_path).put("section", "k", {"a": 1})
    with pytest.raises(OutputError, match="the disk is full"):
        output.write_all({tmp_path / "report.html": b"<html>"})
    with pytest.raises(OutputError, match="the disk is full"):
        output.write_atomic(tmp_path / "report.pdf", b"%PDF")
    assert list(tmp_path.iterdir()) == []
