"""Confinement: names that become file names are checked, reportgen reads only the project's
data unless told otherwise, writes only inside its output and cache folders, and never over a
file it reads."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen.errors import OutputError
from reportgen.output import write_all
from reportgen.spec.load import load_spec
from reportgen.stages.outputs import slug_of
from tests.errors.conftest import DATA_FILES, Project, Run, RunCli, assert_clean_failure

Fails = Callable[..., Run]


def where(project: Project, piece: str) -> str:
    line, column = project.line_of(piece)
    return f"{project.spec}:{line}:{column}: "


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file() or p.is_symlink()}


@pytest.mark.parametrize("name", ["../../../x", "/tmp/reportgen-absolute-x", "dept.s"])
def test_table_name_that_is_a_path(
    project: Project, fails_cleanly: Fails, tmp_path: Path, name: str
) -> None:
    """A table name names its Parquet cache file: '../../../x' used to write it (and delete
    stale copies by that name) outside the project."""
    project.edit_spec(
        "\nrelations:", f"\n  '{name}':\n    path: data/departments.csv\n\nrelations:"
    )
    around = files_under(tmp_path)
    fails_cleanly(
        2,
        where(project, f"'{name}'"),
        f"table name '{name}' must be letters, digits and underscores",
        "^[A-Za-z_][A-Za-z0-9_]*$",
    )
    assert files_under(tmp_path) == around
    assert not Path("/tmp/reportgen-absolute-x").exists()


def test_long_slug_and_section_id(project: Project, run_cli: RunCli) -> None:
    project.edit_spec("slug: basket", "slug: " + "b" * 70)
    project.edit_spec("id: loyalty", "id: " + "l" * 65)
    run = run_cli("validate", project.spec)
    assert_clean_failure(
        run,
        2,
        where(project, "b" * 70) + "slug 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb...' is too long",
        where(project, "l" * 65) + "section id 'lllllllllllllllll",
        "at most 64 characters",
    )


@pytest.mark.parametrize("path", ["../../../../etc/passwd", "/etc/passwd", "~/x.csv"])
def test_data_outside_the_spec_folder_needs_a_setting(
    project: Project, fails_cleanly: Fails, path: str
) -> None:
    project.edit_spec(
        "\nrelations:", f"\n  secrets:\n    path: {path}\n    format: csv\n\nrelations:"
    )
    fails_cleanly(
        2,
        where(project, path),
        f"the path '{path}' is outside the spec's folder",
        "settings.allow_data_outside",
    )


def test_data_outside_the_spec_folder_with_the_setting(
    project: Project, run_cli: RunCli, tmp_path: Path
) -> None:
    outside = tmp_path / "shared-data"
    outside.mkdir()
    shutil.move(project.data / "departments.csv", outside / "departments.csv")
    project.edit_spec("path: data/departments.csv", "path: ../shared-data/departments.csv")
    run = run_cli("validate", project.spec)
    assert_clean_failure(run, 2, "'../shared-data/departments.csv' is outside the spec's folder")
    project.edit_spec("  max_table_rows: 12", "  max_table_rows: 12\n  allow_data_outside: true")
    run = run_cli("validate", project.spec)
    assert run.code == 0, run.err
    assert "OK (5 tables" in run.out


def test_export_would_overwrite_an_input(project: Project, run_cli: RunCli) -> None:
    """Data in '<slug>-data/' and --output-dir the spec's folder: the departments export used
    to replace the input departments.csv."""
    inputs = project.root / "basket-data"
    project.data.rename(inputs)
    project.write_spec(project.spec.read_text().replace("path: data/", "path: basket-data/"))
    before = {name: (inputs / name).read_bytes() for name in DATA_FILES}
    run = run_cli(project.spec, "--format", "html", "--format", "csv", "--output-dir", project.root)
    assert_clean_failure(
        run,
        4,
        "reportgen: the output",
        f"would overwrite {inputs.resolve() / 'departments.csv'}, an input of table 'departments'",
        "choose another --output-dir",
    )
    assert {name: (inputs / name).read_bytes() for name in DATA_FILES} == before
    assert not (project.root / "basket.html").exists()


def test_export_folder_that_is_a_symbolic_link(
    project: Project, run_cli: RunCli, tmp_path: Path
) -> None:
    """output/basket-data as a link to another folder: the exports used to land there."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    project.output.mkdir()
    previous = b"<!doctype html><title>previous report</title>\n"
    (project.output / "basket.html").write_bytes(previous)
    (project.output / "basket-data").symlink_to(elsewhere, target_is_directory=True)
    run = run_cli(project.spec, "--format", "html", "--format", "csv")
    assert_clean_failure(
        run,
        4,
        f"reportgen: {project.output / 'basket-data'} is a symbolic link; reportgen writes "
        f"only inside the output folder {project.output}",
    )
    assert list(elsewhere.iterdir()) == []
    assert (project.output / "basket.html").read_bytes() == previous
    assert sorted(p.name for p in project.output.iterdir()) == ["basket-data", "basket.html"]


def test_writer_never_follows_a_link_made_after_the_check(tmp_path: Path) -> None:
    """The writer opens each subfolder without following links (not only the early check)."""
    root, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    root.mkdir()
    elsewhere.mkdir()
    (root / "report-data").symlink_to(elsewhere, target_is_directory=True)
    files = {root / "report.html": b"new", root / "report-data" / "a.csv": b"a\n1\n"}
    with pytest.raises(OutputError, match="is a symbolic link"):
        write_all(files, root=root)
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in root.iterdir()) == ["report-data"]


def test_writer_refuses_a_path_outside_its_folder(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not inside the output folder"):
        write_all({tmp_path / "out" / ".." / "x.csv": b"x"}, root=tmp_path / "out")
    assert not (tmp_path / "x.csv").exists()


def test_writer_creates_subfolders_inside_its_folder(tmp_path: Path) -> None:
    root = tmp_path / "out"
    root.mkdir()
    write_all({root / "r.html": b"<p>", root / "r-data" / "a.csv": b"a\n"}, root=root)
    assert (root / "r.html").read_bytes() == b"<p>"
    assert (root / "r-data" / "a.csv").read_bytes() == b"a\n"
    assert sorted(p.name for p in root.rglob("*")) == ["a.csv", "r-data", "r.html"]


def test_slug_from_a_long_title_is_cut_to_a_file_name(project: Project) -> None:
    title = "Quarterly basket analysis " * 8
    project.edit_spec("  slug: basket\n", "")
    project.edit_spec("title: Basket check", f"title: {title.strip()}")
    slug = slug_of(load_spec(project.spec).spec)
    assert slug == ("quarterly-basket-analysis-" * 8)[:64]  # 64 characters, no trailing '-'
    assert len(slug) == 64
