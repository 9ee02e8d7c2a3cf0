"""Bounded inputs: YAML aliases and nesting, the spec file itself, template widths, and
SOURCE_DATE_EPOCH. Each is refused with a located message before it can hang or exhaust."""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen.errors import SpecError
from reportgen.render.cells import Formats
from reportgen.render.narrative import make_environment, render_text
from reportgen.spec.load import load_spec
from reportgen.spec.yaml_reader import (
    MAX_ALIAS_DEPTH,
    MAX_ALIAS_VALUES,
    MAX_DEPTH,
    MAX_SPEC_BYTES,
    parse_yaml,
)
from reportgen.stages.outputs import MAX_EPOCH, build_date
from tests.errors.conftest import (
    Project,
    Run,
    RunCli,
    assert_clean_failure,
    run_process,
)

Fails = Callable[..., Run]


def located(text: str) -> SpecError:
    with pytest.raises(SpecError) as caught:
        parse_yaml(text, "report.yaml")
    assert len(caught.value.issues) == 1, caught.value.render()
    return caught.value


# --------------------------------------------------------------------------------------------
# YAML


def test_alias_bomb(project: Project, run_cli: RunCli) -> None:
    """10 levels of 10 aliases (10^10 values): used to grow past 2.9 GiB without an error."""
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 11)]
    project.write_spec("\n".join(lines) + "\n")
    run = run_cli("validate", project.spec)
    # a1..a3 expand to 11,110 values; a4's first *a3 crosses 20,000.
    assert_clean_failure(
        run, 2, f"{project.spec}:5:10: the aliases expand to more than {MAX_ALIAS_VALUES:,}"
    )
    assert len(run.err.strip().splitlines()) == 1


def test_aliases_nested_too_deep() -> None:
    lines = ["a0: &a0 [x]"] + [f"a{i}: &a{i} [*a{i - 1}]" for i in range(1, 12)]
    error = located("\n".join(lines) + "\n")
    issue = error.issues[0]
    assert f"aliases nest more than {MAX_ALIAS_DEPTH} deep" in issue.message
    # a9 is the first whose expansion holds 9 nested aliases: its own '*a8' is reported.
    assert (issue.line, issue.column) == (10, len("a9: &a9 [") + 1)


def test_anchors_and_merges_within_bounds_still_work() -> None:
    text = (
        "base: &b {x: 1, y: [1, 2]}\n"
        "merged:\n  <<: *b\n  z: 3\n  x: 5\n"
        "listed: [*b, *b]\n"
        "sources: {<<: [*b, {w: 0}]}\n"
    )
    data = parse_yaml(text, "report.yaml").data
    assert data == {
        "base": {"x": 1, "y": [1, 2]},
        "merged": {"x": 5, "y": [1, 2], "z": 3},
        "listed": [{"x": 1, "y": [1, 2]}, {"x": 1, "y": [1, 2]}],
        "sources": {"x": 1, "y": [1, 2], "w": 0},
    }


@pytest.mark.parametrize(
    ("text", "at"),
    [("x: &l\n  a: 1\n  <<: *l\n", (3, 7)), ("x: &l {a: 1, <<: *l}\n", (1, 18))],
    ids=["block", "flow"],
)
def test_merge_key_that_refers_to_its_own_mapping(text: str, at: tuple[int, int]) -> None:
    """Used to fail with an AssertionError (exit 1)."""
    issue = located(text).issues[0]
    assert (issue.line, issue.column) == at
    assert issue.message == "'<<' merges the mapping that contains it (the alias refers to itself)"


def test_merge_key_self_reference_from_the_command_line(project: Project, run_cli: RunCli) -> None:
    project.edit_spec("settings:\n", "settings: &s\n  <<: *s\n")
    run = run_cli("validate", project.spec)
    assert_clean_failure(run, 2, f"{project.spec}:8:7: '<<' merges the mapping that contains it")


def test_nesting_too_deep() -> None:
    """3,000 nested lists used to end in a RecursionError traceback."""
    issue = located("x: " + "[" * 3000 + "]" * 3000 + "\n").issues[0]
    assert issue.message == f"the spec nests more than {MAX_DEPTH} levels deep"
    assert (issue.line, issue.column) == (1, 4 + MAX_DEPTH - 1)


# --------------------------------------------------------------------------------------------
# The spec file


def test_spec_that_is_a_device(run_cli: RunCli) -> None:
    """/dev/zero used to be read without end."""
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero here")
    run = run_cli("validate", "/dev/zero")
    assert_clean_failure(
        run, 2, "reportgen: the spec must be a YAML file, but /dev/zero is not a regular file"
    )


def test_spec_that_is_a_pipe(tmp_path: Path) -> None:
    """A FIFO with no writer used to block for good (a real process, so a hang is a timeout)."""
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes here")
    fifo = tmp_path / "report.yaml"
    os.mkfifo(fifo)
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    run = run_process("validate", fifo, timeout=60)
    assert_clean_failure(run, 2, f"{fifo} is not a regular file (a device, pipe or socket)")


def test_spec_too_large(project: Project, run_cli: RunCli) -> None:
    project.write_spec("# " + "x" * MAX_SPEC_BYTES + "\n")
    run = run_cli("validate", project.spec)
    assert_clean_failure(run, 2, f"reportgen: the spec {project.spec} is larger than 2 MiB")


def test_data_file_given_as_the_spec(project: Project, run_cli: RunCli) -> None:
    """It used to echo the whole file, customers' names included, on one line of stderr."""
    customers = project.data / "customers.csv"
    run = run_cli("validate", customers)
    assert_clean_failure(
        run,
        2,
        f"{customers}:1:1: this looks like a CSV file, not a report spec",
        "rows of 10 comma-separated fields",
    )
    assert len(run.err) < 400
    rows = customers.read_text(encoding="utf-8").splitlines()
    names = {field for row in rows[1:] for field in row.split(",")[1:3] if len(field) > 2}
    assert not [name for name in names if name in run.err]


def test_long_single_value_is_shown_briefly(project: Project, run_cli: RunCli) -> None:
    project.write_spec("just some words " * 500 + "\n")
    run = run_cli("validate", project.spec)
    assert_clean_failure(
        run, 2, "found a single value ('just some words just some words just ...')"
    )
    assert len(run.err) < 300


# --------------------------------------------------------------------------------------------
# Template widths (validate renders every title and text)


@pytest.mark.parametrize(
    ("title", "width"),
    [
        ("{{ '{:>8000000000}'.format(1) }}", "a format width or precision of 8,000,000,000"),
        ("{{ '{:>1500000000}'.format(1) }}", "a format width or precision of 1,500,000,000"),
        ("{{ '{:.30000f}'.format(1.5) }}", "a format width or precision of 30,000"),
        ("{{ '{:>{w}}'.format(1, w=30000) }}", "a format width or precision of 30,000"),
        ("{{ '{a:>30000}'.format_map({'a': 1}) }}", "a format width or precision of 30,000"),
        ("{{ '%30000d' | format(1) }}", "a '%' width or precision of 30,000"),
        ("{{ '%30000d' % 1 }}", "a '%' width or precision of 30,000"),
        ("{{ '%*d' % (30000, 1) }}", "a '%' width or precision of 30,000"),
    ],
    ids=[
        "format",
        "format-1.5e9",
        "precision",
        "nested",
        "format_map",
        "filter",
        "percent",
        "star",
    ],
)
def test_format_width_in_a_chart_title(
    project: Project, run_cli: RunCli, title: str, width: str
) -> None:
    """'{:>8000000000}'.format(1) used to allocate without bound; at 1.5e9 the time limit
    blamed "a loop"."""
    project.edit_spec('title: "Customers by loyalty"', f'title: "{title}"')
    run = run_cli("validate", project.spec)
    line, column = project.line_of(f'"{title}"')
    assert_clean_failure(
        run,
        2,
        f"{project.spec}:{line}:{column}: not allowed in the text: {width} is above 20,000",
    )
    assert "loop" not in run.err


def test_format_widths_within_the_limit_still_work() -> None:
    env = make_environment(Formats(columns={}), autoescape=False)
    template = "{:>6}|{:.2f}|{:>{w}}|%5.1f%%"
    text = render_text(env, f"{{{{ '{template}'.format(1, 2.5, 'x', w=3) % 9.25 }}}}", {})
    assert text == template.format(1, 2.5, "x", w=3) % 9.25


# --------------------------------------------------------------------------------------------
# SOURCE_DATE_EPOCH


@pytest.mark.parametrize(
    "value", ["99999999999999999999", str(MAX_EPOCH + 1), "abc", "-1", "1.5", "１２"]
)
def test_source_date_epoch_out_of_range(
    project: Project, fails_cleanly: Fails, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    """99999999999999999999 used to raise OverflowError and 253402300800 ValueError (exit 1)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    fails_cleanly(
        2,
        f"reportgen: SOURCE_DATE_EPOCH={value!r} is not a valid time",
        f"from 0 to {MAX_EPOCH} (9999-12-31)",
    )


@pytest.mark.parametrize(
    ("value", "date"),
    [("0", "1970-01-01"), (str(MAX_EPOCH), "9999-12-31"), (" 86400 ", "1970-01-02")],
)
def test_source_date_epoch_in_range(
    project: Project, monkeypatch: pytest.MonkeyPatch, value: str, date: str
) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", value)
    loaded = load_spec(project.spec)
    assert build_date(loaded.spec, loaded.base_dir) == date
