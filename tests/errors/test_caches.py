"""The caches: data, never code; damaged entries are misses; keys follow content; no leftovers."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.errors.conftest import Project, RunCli


class _Planted:
    """Unpickling this runs a command: what someone who can write the cache folder would plant."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[Any, ...]:
        return (os.system, (f"touch {self.marker}",))


def build(run_cli: RunCli, project: Project) -> bytes:
    run = run_cli(project.spec, "--format", "html", "--quiet")
    assert run.code == 0, run.err
    assert "Traceback" not in run.err
    return (project.output / "basket.html").read_bytes()


def results(project: Project) -> Path:
    return project.root / ".reportgen-cache" / "results"


def test_a_planted_pickle_is_never_run(project: Project, run_cli: RunCli, tmp_path: Path) -> None:
    first = build(run_cli, project)
    entries = sorted(results(project).iterdir())
    assert entries
    marker = tmp_path / "pwned"
    payload = pickle.dumps(_Planted(marker))
    for entry in entries:
        entry.write_bytes(payload)
        entry.with_suffix(".pkl").write_bytes(payload)  # the names older versions read
    assert build(run_cli, project) == first
    assert not marker.exists()
    assert not list(results(project).glob("*.pkl"))


def test_damaged_entries_are_recomputed(project: Project, run_cli: RunCli) -> None:
    first = build(run_cli, project)
    for i, entry in enumerate(sorted(results(project).iterdir())):
        data = bytearray(entry.read_bytes())
        if i % 2:
            del data[len(data) // 2 :]  # truncated
        else:
            for at in (len(data) // 4, len(data) // 2, len(data) - 3):
                data[at] ^= 0x5A  # three flipped bytes
        entry.write_bytes(bytes(data))
    assert build(run_cli, project) == first


def test_a_same_size_edit_with_the_mtime_set_back_is_seen(
    project: Project, run_cli: RunCli
) -> None:
    departments = project.data / "departments.csv"
    first = build(run_cli, project)
    stamp = departments.stat()
    content = departments.read_bytes()
    assert b"produce" in content
    departments.write_bytes(content.replace(b"produce", b"verdure"))  # the same size
    os.utime(departments, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    second = build(run_cli, project)
    assert b"verdure" in second.lower()
    assert b"verdure" not in first.lower()


def test_a_killed_builds_staging_files_are_removed(project: Project, run_cli: RunCli) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a process that no longer runs, like a killed build
    project.output.mkdir()
    cache = project.root / ".reportgen-cache"
    cache.mkdir(exist_ok=True)  # the fixture put the font cache there
    left = [
        project.output / f".basket.html.{child.pid}-0123abcd.tmp",
        project.output / f".basket.pdf.{child.pid}-89abcdef.tmp",
        cache / f".fonts-0123456789abcdef.css.{child.pid}.tmp",
    ]
    for path in left:
        path.write_bytes(b"half a file")
    build(run_cli, project)
    assert not any(path.exists() for path in left)


def test_planted_font_css_never_reaches_the_report(tmp_path: Path) -> None:
    from reportgen.render.templates import font_face_css

    cache_dir = tmp_path / "cache"
    rules = str(font_face_css(cache_dir))
    written = next(cache_dir.glob("fonts-*.css"))
    assert written.read_text(encoding="utf-8") == rules
    evil = rules + "</style><script>alert(1)</script><style>"
    written.write_text(evil, encoding="utf-8")
    font_face_css.cache_clear()
    again = str(font_face_css(cache_dir))
    assert again == rules
    assert "<script>" not in again
    assert written.read_text(encoding="utf-8") == rules  # rebuilt and written back
