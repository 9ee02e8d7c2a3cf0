"""The layers hold: an upward import breaks `make lint` (import-linter's contract in
pyproject.toml), and no module imports another module's private name."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Debt, to shrink: private names the engine's Dask executor still takes from the pandas one.
KNOWN_PRIVATE_IMPORTS = {
    ("reportgen/engine/dask_engine.py", "reportgen.engine.pandas_engine", "_codes"),
    ("reportgen/engine/dask_engine.py", "reportgen.engine.pandas_engine", "_lookup"),
    ("reportgen/engine/dask_engine.py", "reportgen.engine.pandas_engine", "_numeric"),
}


def _private_imports(root: Path = ROOT) -> set[tuple[str, str, str]]:
    """(file, module, name) of every ``from reportgen… import _name`` below ``root``."""
    found = set()
    for folder in ("reportgen", "tests", "benchmarks"):
        for path in (root / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("reportgen"):
                    found.update(
                        (path.relative_to(root).as_posix(), node.module or "", alias.name)
                        for alias in node.names
                        if alias.name.startswith("_") and not alias.name.startswith("__")
                    )
    return found


def test_no_private_name_is_imported_across_modules() -> None:
    assert _private_imports() - KNOWN_PRIVATE_IMPORTS == set()


def test_the_private_import_check_sees_one(tmp_path: Path) -> None:
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_x.py").write_text(
        "from reportgen.pipeline import BuildOptions, _secret\nfrom os import _exit\n"
    )
    assert _private_imports(tmp_path) == {("tests/test_x.py", "reportgen.pipeline", "_secret")}


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from importlinter.cli import lint_imports_command as c;"
            " sys.exit(c(['--no-cache']))",
        ],
        cwd=root,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def test_an_upward_import_breaks_the_layers_contract(tmp_path: Path) -> None:
    pytest.importorskip("importlinter")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    shutil.copytree(
        ROOT / "reportgen", tmp_path / "reportgen", ignore=shutil.ignore_patterns("__pycache__")
    )
    model = tmp_path / "reportgen" / "model" / "expr.py"
    model.write_text(
        model.read_text(encoding="utf-8") + "\nfrom reportgen.render import context  # upward\n",
        encoding="utf-8",
    )
    run = _lint_imports(tmp_path)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "BROKEN" in run.stdout
    assert "reportgen.model.expr -> reportgen.render.context" in run.stdout
