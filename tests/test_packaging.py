"""The wheel: every subpackage listed, and the theme (templates/) shipped inside the package."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(path.parent.relative_to(ROOT).parts)
        for path in (ROOT / "reportgen").rglob("__init__.py")
    }
    assert listed == found | {"reportgen.templates"}


@pytest.mark.slow
def test_a_wheel_ships_the_theme_and_finds_it(tmp_path: Path) -> None:
    pytest.importorskip("setuptools", minversion="77")
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    for folder in ("reportgen", "templates"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    wheels = tmp_path / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(source), "--no-deps", "--no-build-isolation"]
        + ["--wheel-dir", str(wheels), "--quiet"],
        check=True,
        capture_output=True,
    )
    wheel = next(wheels.glob("reportgen-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in ("report.html", "report.css", "_table.html", "_chart.html"):
        assert f"reportgen/templates/{name}" in names
    assert "reportgen/spec/schema.json" in names

    installed = tmp_path / "installed"
    zipfile.ZipFile(wheel).extractall(installed)
    found = subprocess.run(
        [
            sys.executable,
            "-c",
            "from reportgen.render.templates import templates_dir as t; print(t())",
        ],
        cwd=tmp_path,
        env={"PYTHONPATH": str(installed), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert Path(found.stdout.strip()) == installed / "reportgen" / "templates"
