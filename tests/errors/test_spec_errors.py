"""Bad specs: each is one located message (file:line:col), exit 2, no traceback, nothing lost."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.errors.conftest import Project, Run, RunCli, assert_clean_failure

Fails = Callable[..., Run]


def where(project: Project, piece: str, shift: int = 0) -> str:
    """``report.yaml:LINE:COL`` of ``piece`` (its column moved right by ``shift``)."""
    line, column = project.line_of(piece)
    return f"{project.spec}:{line}:{column + shift}: "


def test_tab_indentation(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("  max_table_rows: 12", "\tmax_table_rows: 12")
    fails_cleanly(2, where(project, "\tmax"), "tab character used for indentation; use spaces")


def test_bad_indentation(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("  max_table_rows: 12", "   max_table_rows: 12\n  page_size: A4")
    fails_cleanly(2, where(project, "page_size"), "bad indentation")


def test_duplicate_key(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("  max_table_rows: 12", "  max_table_rows: 12\n  max_table_rows: 13")
    fails_cleanly(
        2, where(project, "max_table_rows: 13"), "duplicate key 'max_table_rows' (first at line 8)"
    )


def test_unknown_key(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("  slug: basket", "  slug: basket\n  colour: red")
    fails_cleanly(2, where(project, "colour"), "unknown key 'colour' in report")


def test_unknown_key_in_a_query(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("top: 8}", "top: 8, bogus: 1}")
    fails_cleanly(2, where(project, "bogus"), "unknown key 'bogus' in query")


def test_wrong_type(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("max_table_rows: 12", "max_table_rows: twelve")
    fails_cleanly(2, where(project, "twelve"), "expected a whole number, found 'twelve'")


def test_unknown_table_in_a_relation(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("orders.user_id -> customers", "orders.user_id -> clients")
    fails_cleanly(2, where(project, "orders.user_id -> clients"), "unknown table 'clients'")


def test_unknown_column_with_did_you_mean(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("by: [department]", "by: [deparment]")
    fails_cleanly(
        2,
        where(project, "deparment"),
        "unknown column or field 'deparment'",
        "did you mean 'department'?",
    )


def test_unknown_metric(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("metrics: [order_lines, share_lines]", "metrics: [order_line, share_lines]")
    fails_cleanly(
        2, where(project, "order_line,"), "unknown metric 'order_line'; did you mean 'order_lines'?"
    )


def test_unknown_chart_type(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("type: hbar, x: department", "type: hbars, x: department")
    fails_cleanly(
        2, where(project, "hbars"), "unknown chart type 'hbars'; did you mean 'hbar'?", "donut"
    )


def test_chart_column_not_in_the_query(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("x: loyalty", "x: loyalti")
    fails_cleanly(
        2, where(project, "loyalti"), "'loyalti' is not a column of the result", "'loyalty'?"
    )


def test_unknown_section_on_the_command_line(project: Project, fails_cleanly: Fails) -> None:
    fails_cleanly(
        2,
        "--section departmnts: no section with that id; did you mean 'departments'?",
        args=("--format", "html", "--section", "departmnts"),
    )


def test_duplicate_section_ids(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("  - id: methods", "  - id: summary")
    line = project.line_of("  - id: summary")[0]
    fails_cleanly(2, f"duplicate section id 'summary' (first at line {line})")


def test_cyclic_field_definitions(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec(
        "fields:\n",
        "fields:\n  a_field:\n    type: expr\n    on: orders\n    expr: b_field + 1\n"
        "  b_field:\n    type: expr\n    on: orders\n    expr: a_field * 2\n",
    )
    fails_cleanly(2, "field 'a_field' depends on itself: a_field → b_field → a_field")


def test_relation_to_a_table_without_key(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("    key: department_id\n", "")
    fails_cleanly(
        2,
        where(project, "products.department_id -> departments"),
        "relation to 'departments' needs a key: add 'key:' to data.departments",
    )


def test_relations_in_a_cycle(project: Project, fails_cleanly: Fails) -> None:
    """Two relations that lead back: the model used to recurse until RecursionError."""
    project.edit_spec(
        "  - orders.user_id -> customers",
        "  - orders.user_id -> customers\n  - customers.user_id -> orders",
    )
    fails_cleanly(
        2,
        where(project, "customers.user_id -> orders"),
        "the relations form a cycle (customers → orders → customers)",
    )


def test_empty_sections_list(project: Project, fails_cleanly: Fails) -> None:
    text = project.spec.read_text()
    project.write_spec(text[: text.index("sections:")] + "sections: []\n")
    fails_cleanly(2, where(project, "[]"), "expected at least 1 section, found none")


def test_empty_file(project: Project, fails_cleanly: Fails) -> None:
    project.write_spec("")
    fails_cleanly(2, f"{project.spec}:1:1: the spec is empty")


def test_missing_spec_file(project: Project, run_cli: RunCli) -> None:
    run = run_cli(project.root / "nope.yaml")
    assert_clean_failure(run, 2, "spec file not found:", "nope.yaml")


def test_private_column_in_a_query(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("by: [loyalty]", "by: [Surnam]")
    run = fails_cleanly(
        2, where(project, "by: [Surnam]", 5), "'Surnam' is private: it is dropped at load"
    )
    surnames = {line.split(",")[2] for line in (project.data / "customers.csv").open()}
    assert not any(f" {name} " in f" {run.err} " for name in surnames - {"Surnam"})


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{{ top.ordrs }}", "no column 'ordrs' (there are: department, order_lines, share_lines)"),
        ("{{ tpo.department }}", "'tpo' is undefined; did you mean 'top'?"),
        ("{{ highest.ordrs.department }}", "no column 'ordrs'"),
        ("{{ rows[50].department }}", "no element 50: there are only 21"),
        ("{% if %}", "template syntax error on line 1 of the text: Expected an expression"),
        ("{{ 1 / 0 }}", "ZeroDivisionError"),
    ],
    ids=["typo", "unknown-name", "unknown-metric", "no-such-row", "syntax", "zero-division"],
)
def test_narrative_errors_are_located(
    project: Project, fails_cleanly: Fails, text: str, message: str
) -> None:
    project.edit_spec("{{ rows[0].department | capitalize }} sells", f"{text} sells")
    line, column = project.line_of("text: |\n      " + text)
    fails_cleanly(2, f"{project.spec}:{line}:{column + 6}: ", message)


def test_a_narrative_typo_fails_before_any_data_row_is_read(
    project: Project, fails_cleanly: Fails
) -> None:
    """With the data files cut to their headers (departments.csv, transposed, kept), loading would fail (exit 3, no rows): the
    build stops first, at the typo, so the texts are checked before the data is read."""
    for path in project.data.iterdir():
        if path.name == "departments.csv":  # transposed: its header is its first column
            continue
        path.write_text(path.read_text(encoding="utf-8").splitlines()[0] + "\n")
    project.edit_spec("{{ rows[0].department | capitalize }} sells", "{{ top.ordrs }} sells")
    fails_cleanly(2, "unknown name in the text: no column 'ordrs'")
    project.edit_spec("{{ top.ordrs }} sells", "{{ top.department }} sells")
    fails_cleanly(3, "the file has a header but no rows")  # the oracle: data rows were needed


def test_every_problem_is_reported_at_once(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("by: [department]", "by: [deparment]")
    project.edit_spec("metrics: [customers, orders]", "metrics: [customer, orders]")
    run = fails_cleanly(2, "'deparment'", "unknown metric 'customer'")
    assert len(run.err.strip().splitlines()) == 2
