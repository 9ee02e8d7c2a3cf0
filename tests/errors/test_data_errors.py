"""Bad data files: each names the table, the file and the column, exits 3, and loses nothing."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from reportgen.data import read
from tests.errors.conftest import Project, Run, RunCli

Fails = Callable[..., Run]


def rewrite(path: Path, change: Callable[[str], str | bytes]) -> None:
    new = change(path.read_text(encoding="utf-8"))
    path.write_bytes(new if isinstance(new, bytes) else new.encode("utf-8"))


def test_missing_file_suggests_the_nearest(project: Project, fails_cleanly: Fails) -> None:
    (project.data / "orders.csv").rename(project.data / "order.csv")
    fails_cleanly(
        3, "table 'orders', file data/orders.csv: no such file; did you mean 'order.csv'?"
    )


def test_a_folder_instead_of_a_file(project: Project, fails_cleanly: Fails) -> None:
    (project.data / "orders.csv").unlink()
    (project.data / "orders.csv").mkdir()
    fails_cleanly(3, "table 'orders', file data/orders.csv: is a folder, not a file")


def test_unreadable_file(
    project: Project, fails_cleanly: Fails, monkeypatch: pytest.MonkeyPatch
) -> None:
    """chmod does not stop root, so the open itself is made to fail as it would."""
    real = read._open_binary

    def refuse(path: Path):  # type: ignore[no-untyped-def]
        if path.name == "customers.csv":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path)

    monkeypatch.setattr(read, "_open_binary", refuse)
    fails_cleanly(
        3, "table 'customers', file data/customers.csv: cannot be read (permission denied)"
    )


def test_empty_file(project: Project, fails_cleanly: Fails) -> None:
    (project.data / "orders.csv").write_bytes(b"")
    fails_cleanly(3, "table 'orders', file data/orders.csv: the file is empty (0 bytes)")


def test_header_only_is_a_data_error(project: Project, fails_cleanly: Fails) -> None:
    """Decision: a table the report uses with no rows stops the build (it used to crash)."""
    rewrite(project.data / "orders.csv", lambda text: text.splitlines()[0] + "\n")
    fails_cleanly(
        3,
        "table 'orders', file data/orders.csv: the file has a header but no rows; "
        "the report needs data",
    )


def test_cleaning_that_drops_every_row(project: Project, fails_cleanly: Fails) -> None:
    def no_names(text: str) -> str:
        header, *rows = text.splitlines()
        return "\n".join([header, *(f"{row.split(',')[0]},,1,1,1" for row in rows)]) + "\n"

    rewrite(project.data / "products.csv", no_names)
    fails_cleanly(3, "table 'products', file data/products.csv: cleaning dropped all")


def test_wrong_delimiter(project: Project, fails_cleanly: Fails) -> None:
    rewrite(project.data / "orders.csv", lambda text: text.replace(",", ";"))
    fails_cleanly(3, "table 'orders', file data/orders.csv: ", "separated by semicolons")


def test_wrong_encoding(project: Project, fails_cleanly: Fails) -> None:
    rewrite(project.data / "customers.csv", lambda text: text.encode("utf-16"))
    fails_cleanly(
        3, "table 'customers', file data/customers.csv: the header line is not UTF-8 text"
    )


def test_latin1_value_deep_in_the_file(project: Project, fails_cleanly: Fails) -> None:
    rewrite(
        project.data / "products.csv",
        lambda text: text.replace("Organic", "Orgánic", 1).encode("latin-1"),
    )
    fails_cleanly(3, "table 'products'", "data/products.csv", "UTF-8")


def test_text_in_a_numeric_column(project: Project, fails_cleanly: Fails) -> None:
    rewrite(project.data / "orders.csv", lambda text: text.replace("\n2,", "\nabc,", 1))
    line = (project.data / "orders.csv").read_text().splitlines().index(
        next(
            r
            for r in (project.data / "orders.csv").read_text().splitlines()
            if r.startswith("abc,")
        )
    ) + 1
    fails_cleanly(
        3,
        "table 'orders', column 'order_id', file data/orders.csv: "
        f"expected numbers but found the text 'abc' on line {line}",
    )


def test_duplicate_keys_in_a_dimension_table(project: Project, fails_cleanly: Fails) -> None:
    rewrite(project.data / "customers.csv", lambda text: text + text.splitlines()[1] + "\n")
    fails_cleanly(3, "table 'customers', column 'user_id': the key is not unique")


def test_a_filter_that_leaves_no_rows(project: Project, fails_cleanly: Fails) -> None:
    """Decision: a data error naming the filter (it used to fail as four narrative errors)."""
    project.edit_spec("where: eval_set == 'prior'", "where: eval_set == 'nothing'")
    fails_cleanly(
        3, "table 'orders': the filter 'prior_orders' (eval_set == 'nothing') leaves no rows"
    )


def test_a_relation_that_matches_nothing(project: Project, fails_cleanly: Fails) -> None:
    project.edit_spec("orders.user_id -> customers", "orders.eval_set -> customers")
    fails_cleanly(
        3,
        "table 'orders', column 'eval_set': no value of orders.eval_set is a customers.user_id",
    )


def test_orphan_foreign_keys_are_counted_and_the_report_builds(
    project: Project, run_cli: RunCli
) -> None:
    path = project.data / "order_products__prior.csv"
    rows = path.read_text().splitlines()
    rows[1:4] = [f"99999999{i},{row.split(',', 1)[1]}" for i, row in enumerate(rows[1:4])]
    path.write_text("\n".join(rows) + "\n")
    run = run_cli(project.spec, "--format", "html", "--section", "data-quality")
    assert run.code == 0, run.err
    html = (project.output / "basket.html").read_text()
    rows = [
        [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S)
    ]
    # the data-quality appendix counts the three lines whose order does not exist
    assert ["", "Order lines whose order is not in the data", "−3"] in rows, rows
    assert "Traceback" not in run.err


def test_an_all_missing_column_builds(project: Project, run_cli: RunCli) -> None:
    """Every price empty: revenue is missing, and the report still builds."""

    def no_prices(text: str) -> str:
        rows = list(csv.reader(text.splitlines()))
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(
            [rows[0], *([*r[:-1], ""] for r in rows[1:])]
        )
        return out.getvalue()

    rewrite(project.data / "products.csv", no_prices)
    project.edit_spec("metrics: [customers, orders]", "metrics: [customers, orders, revenue]")
    project.edit_spec("are the largest group.", "are the largest group ({{ top.revenue }}).")
    run = run_cli(project.spec, "--format", "html", "--section", "loyalty")
    assert run.code == 0, run.err
    html = (project.output / "basket.html").read_text()
    shown = re.sub(r"<script>.*?</script>", "", html, flags=re.DOTALL)  # not the Vega runtime
    assert "chart-spec" in shown  # the charts' data are checked too (JSON has no NaN)
    assert not re.search(r"\bnan\b", shown, re.IGNORECASE)
