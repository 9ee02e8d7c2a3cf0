"""Messages that used to mislead: the exit status was right, the words were not."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pandas as pd
import pytest

from tests.errors.conftest import Project, Run, RunCli

Fails = Callable[..., Run]


def where(project: Project, piece: str, shift: int = 0) -> str:
    line, column = project.line_of(piece)
    return f"{project.spec}:{line}:{column + shift}: "


def test_private_column_in_clean(project: Project, fails_cleanly: Fails) -> None:
    """Used to say "unknown column 'Surnam'"."""
    project.edit_spec(
        "    private: [First Name, Surnam]\n",
        "    private: [First Name, Surnam]\n    clean: {drop_missing: [Surnam]}\n",
    )
    fails_cleanly(
        2,
        where(project, "drop_missing: [Surnam]", len("drop_missing: [")),
        "column 'Surnam' of table 'customers' is declared private (dropped at load), "
        "so cleaning cannot use it",
    )


def test_private_column_as_the_key(project: Project, fails_cleanly: Fails) -> None:
    """Used to say "key column 'Surnam' is not in the file's header"."""
    project.edit_spec("    key: user_id\n", "    key: Surnam\n")
    fails_cleanly(
        2,
        where(project, "key: Surnam", len("key: ")),
        "key column 'Surnam' is declared private (dropped at load), so it cannot be the key",
    )


def _rewrite_header(project: Project, change: Callable[[str], str]) -> None:
    path = project.data / "customers.csv"
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(change(header) + "\n" + rest, encoding="utf-8")


def test_header_names_with_spaces_around_them(
    project: Project, run_cli: RunCli, caplog: pytest.LogCaptureFixture
) -> None:
    """'user_id ,First Name ,…': used to give one spec error per name the spec uses, no word
    on whitespace. Now the names are read trimmed, with a note, and the report is the same."""
    run = run_cli(project.spec, "--format", "html", "--quiet", "--no-cache")
    assert run.code == 0, run.err
    reference = (project.output / "basket-data" / "loyalty.csv").read_bytes()
    _rewrite_header(project, lambda header: ",".join(f" {name}  " for name in header.split(",")))
    with caplog.at_level(logging.WARNING):
        run = run_cli(project.spec, "--format", "html", "--quiet", "--no-cache")
    assert run.code == 0, run.err
    assert (project.output / "basket-data" / "loyalty.csv").read_bytes() == reference
    notes = [r.getMessage() for r in caplog.records if "spaces around them" in r.getMessage()]
    assert notes[0].startswith("table 'customers': the header has names with spaces around them")
    assert "' user_id  '" in notes[0]
    # The private names (declared without the spaces) are still dropped: no surname anywhere.
    surnames = set(pd.read_csv(project.data / "customers.csv").iloc[:, 2].dropna())
    html = (project.output / "basket.html").read_text(encoding="utf-8")
    assert not [name for name in surnames if f">{name}<" in html]


def test_quoted_line_break_in_a_header_name(project: Project, fails_cleanly: Fails) -> None:
    """Used to cut the header at the line break, so every later column was "unknown"."""
    _rewrite_header(project, lambda header: header.replace("First Name", '"First\nName"'))
    fails_cleanly(
        3,
        "reportgen: table 'customers', file data/customers.csv: the header name 'First⏎Name' "
        "(column 2) holds a line break inside its quotes",
    )


# --------------------------------------------------------------------------------------------
# Errors that teach: the message was right, now it also says what to write (issue 15).


def test_single_equals_in_a_condition(project: Project, fails_cleanly: Fails) -> None:
    """Used to say only "cannot parse expression … at character 10"."""
    project.edit_spec("where: eval_set == 'prior'", "where: eval_set = 'prior'")
    fails_cleanly(
        2,
        where(project, "where: eval_set =", len("where: ")),
        "cannot parse expression 'eval_set = 'prior'' at character 10; "
        "to compare, write '==': 'eval_set == 'prior''",
    )


def test_a_date_function_the_spec_lacks(project: Project, fails_cleanly: Fails) -> None:
    """Used to say only "function calls are not allowed here"; now it lists the date functions."""
    project.edit_spec("where: eval_set == 'prior'", "where: to_date(date_joined) == 1")
    fails_cleanly(
        2,
        where(project, "where: to_date", len("where: ")),
        "function calls are not allowed here: 'to_date(date_joined)'; to_date() is not a date "
        "function: a row expression may call year(), quarter(), month(), week(), weekday(), "
        "day(), hour(), month_name(), weekday_name() and the period starts to_year() … "
        "to_hour(), each of one date column (declare it under data.TABLE.columns with type: date)",
    )


def test_a_metric_in_a_row_filter(project: Project, fails_cleanly: Fails) -> None:
    """Used to say "did you mean 'order_id'?"."""
    project.edit_spec("where: eval_set == 'prior'", "where: order_lines > 5")
    fails_cleanly(
        2,
        where(project, "where: order_lines", len("where: ")),
        "'order_lines' is a metric (one number per group of a section), not a column or field "
        "of the rows of 'orders': conditions and 'by' take columns and fields; for a number per "
        "row of 'orders', declare a field of type aggregate, e.g. "
        "{type: aggregate, on: orders, func: count, over: TABLE}",
    )


def test_a_column_of_an_undeclared_file(project: Project, fails_cleanly: Fails) -> None:
    """A column of aisles.csv, which sits in data/ undeclared: used to say "did you mean
    'aisle_id'?"; now it says to declare the file, with its key and relation."""
    (project.data / "aisles.csv").write_text("aisle_id,aisle\n1,fresh fruits\n", "utf-8")
    project.edit_spec("query: {by: [department]", "query: {by: [aisle]")
    run = fails_cleanly(
        2,
        where(project, "by: [aisle]", len("by: [")),
        "unknown column or field 'aisle' (looked in order_products, ",
        "); 'aisle' is a column of data/aisles.csv, which the spec does "
        "not declare: add it under data:, e.g. aisles: {path: data/aisles.csv, key: aisle_id}, "
        "and the relation 'products.aisle_id -> aisles'",
    )
    assert "did you mean" not in run.err
