"""Hostile and careless data (issue 12): exact integers, old line ends, compressed and huge
files, thousands separators, infinite numbers, control characters and endless names in charts."""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import re
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from reportgen.charts.common import ELLIPSIS, LABEL_LIMIT
from reportgen.data.load import load_table
from reportgen.errors import DataError
from reportgen.spec.models import TableSpec
from tests.errors.conftest import Project, Run, RunCli, assert_clean_failure

Fails = Callable[..., Run]
BIG = 2**63  # one more than the largest int64
pytestmark = pytest.mark.slow  # scheduled first (tests/conftest.py)


def only(*sections: str) -> tuple[str, ...]:
    """An HTML build of just these sections: the tests read one table or one chart."""
    return ("--format", "html", *(arg for s in sections for arg in ("--section", s)))


def tables_of(*sections: str) -> tuple[str, ...]:
    """The CSV exports of just these sections, for the tests that read the data back only (no
    chart is drawn: reading the data is the same whatever the format)."""
    return ("--format", "csv", *(arg for s in sections for arg in ("--section", s)))


def rows_of(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def write_rows(path: Path, rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")


def use_in_a_section(project: Project, name: str, expr: str) -> None:
    """Add a metric ``name`` (``expr``) to the loyalty section, so the run needs its column."""
    project.edit_spec("metrics:\n", f"metrics:\n  {name}: {{expr: '{expr}', label: {name}}}\n")
    project.edit_spec("metrics: [customers, orders]", f"metrics: [customers, orders, {name}]")


def top_two_products(project: Project) -> tuple[int, int]:
    lines = pd.read_csv(project.data / "order_products__prior.csv", usecols=["product_id"])
    first, second = lines["product_id"].value_counts().index[:2]
    return int(first), int(second)


def renumber(project: Project, ids: dict[int, int]) -> int:
    """Give products new ids in products.csv and the order lines; the first line changed."""
    products = rows_of(project.data / "products.csv")
    for row in products[1:]:
        if int(row[0]) in ids:
            row[0] = str(ids[int(row[0])])
    write_rows(project.data / "products.csv", products)
    lines = rows_of(project.data / "order_products__prior.csv")
    first = 0
    for number, row in enumerate(lines[1:], start=2):
        if int(row[1]) in ids:
            row[1] = str(ids[int(row[1])])
            first = first or number
    write_rows(project.data / "order_products__prior.csv", lines)
    return first


# ---- integers stay integers ---------------------------------------------------------------
def test_ids_beyond_int64_are_a_located_error_not_a_collision(
    project: Project, fails_cleanly: Fails
) -> None:
    """Decision: whole numbers outside int64 are refused (float64 would make 2^63 and 2^63+1
    one product, and duplicate_keys: first would drop one of them, exit 0)."""
    a, b = top_two_products(project)
    line = renumber(project, {a: BIG, b: BIG + 1})
    value = next(
        row[1] for row in rows_of(project.data / "order_products__prior.csv")[line - 1 : line]
    )
    fails_cleanly(
        3,
        "table 'order_products', column 'product_id', file data/order_products__prior.csv: "
        f"the whole number {value} on line {line} does not fit in a 64-bit integer",
    )


# On the Dask engine: tests/errors/test_dask_data_errors.py (the same message, from the loader).


def test_ids_near_the_int64_limit_stay_exact(project: Project, run_cli: RunCli) -> None:
    """2^63-2 and 2^63-1 are two products: each keeps its own lines (a float64 would merge
    them), and a duplicate-key message prints the id exactly."""
    a, b = top_two_products(project)
    counts = pd.read_csv(project.data / "order_products__prior.csv")["product_id"].value_counts()
    products = pd.read_csv(project.data / "products.csv").drop_duplicates("product_id")
    names = dict(zip(products["product_id"], products["product_name"], strict=True))
    renumber(project, {a: BIG - 2, b: BIG - 1})
    run = run_cli(project.spec, *tables_of("top-products"), "--no-cache")
    assert run.code == 0, run.err
    top = pd.read_csv(project.output / "basket-data" / "top-products.csv")
    shown = dict(zip(top["product_name"], top["order_lines"], strict=True))
    assert shown[names[a]] == counts[a]
    assert shown[names[b]] == counts[b]


def test_a_repeated_large_id_is_named_exactly(tmp_path: Path) -> None:
    """It read '9.223372036854776e+18 appears 2 times'."""
    (tmp_path / "products.csv").write_text(
        f"product_id,product_name\n{BIG - 1},Banana\n1,Apple\n{BIG - 1},Bag of Bananas\n"
    )
    table = TableSpec(path="products.csv", key="product_id")
    with pytest.raises(DataError, match=re.escape(f"(e.g. {BIG - 1} appears 2 times)")):
        load_table("products", table, tmp_path)


# ---- line ends, compression, sizes ------------------------------------------------------------
def test_cr_only_line_ends_are_read(project: Project, run_cli: RunCli) -> None:
    """Old Mac line ends (a lone CR): the same report as with LF."""
    run = run_cli(project.spec, *tables_of("loyalty"), "--no-cache")
    assert run.code == 0, run.err
    expected = (project.output / "basket-data" / "loyalty.csv").read_bytes()
    path = project.data / "orders.csv"
    path.write_bytes(path.read_bytes().replace(b"\r\n", b"\n").replace(b"\n", b"\r"))
    run = run_cli(project.spec, *tables_of("loyalty"), "--no-cache")
    assert run.code == 0, run.err
    assert (project.output / "basket-data" / "loyalty.csv").read_bytes() == expected


@pytest.mark.parametrize("name", ["orders.csv.gz", "orders.csv"])
def test_gzip_compressed_csv_is_read(project: Project, run_cli: RunCli, name: str) -> None:
    """By its extension or by its first bytes (a compressed file left named .csv)."""
    run = run_cli(project.spec, *tables_of("loyalty"), "--no-cache")
    assert run.code == 0, run.err
    expected = (project.output / "basket-data" / "loyalty.csv").read_bytes()
    plain = (project.data / "orders.csv").read_bytes()
    (project.data / "orders.csv").unlink()
    (project.data / name).write_bytes(gzip.compress(plain))
    project.edit_spec("path: data/orders.csv", f"path: data/{name}")
    for args in (("--no-cache",), ()):
        run = run_cli(project.spec, *tables_of("loyalty"), *args)
        assert run.code == 0, run.err
        assert (project.output / "basket-data" / "loyalty.csv").read_bytes() == expected


def test_other_compression_is_named(project: Project, fails_cleanly: Fails) -> None:
    path = project.data / "orders.csv"
    path.write_bytes(bz2.compress(path.read_bytes()))
    fails_cleanly(3, "table 'orders', file data/orders.csv: the file is bzip2-compressed")


def test_a_header_line_over_1_mib(project: Project, fails_cleanly: Fails) -> None:
    """It used to be cut at 1 MiB, and a later column was then 'no such column'."""
    rows = rows_of(project.data / "customers.csv")
    rows[0].insert(0, "x" * (1 << 20))
    for row in rows[1:]:
        row.insert(0, "")
    write_rows(project.data / "customers.csv", rows)
    fails_cleanly(
        3,
        "table 'customers', file data/customers.csv: line 1 (the header) is longer than "
        "1,048,576 bytes (1 MiB)",
    )


def test_a_5_mb_value_is_read(project: Project, run_cli: RunCli) -> None:
    """pyarrow reads 1 MiB blocks and refused a longer row ('straddling object')."""
    rows = rows_of(project.data / "products.csv")
    long_name = "Granola " + "x" * 5_000_000
    rows[1][1] = long_name
    write_rows(project.data / "products.csv", rows)
    run = run_cli(project.spec, *only("top-products"), "--no-cache", "--quiet")
    assert run.code == 0, run.err
    assert "Traceback" not in run.err


# ---- values that look like numbers ------------------------------------------------------------
def test_thousands_separators_are_a_located_error(project: Project, fails_cleanly: Fails) -> None:
    use_in_a_section(project, "income_mean", "mean(customers.income)")
    rows = rows_of(project.data / "customers.csv")
    column = rows[0].index("income")
    for row in rows[1:]:
        row[column] = f"{int(row[column]):,}"
    write_rows(project.data / "customers.csv", rows)
    first = rows[1][column]
    fails_cleanly(
        3,
        "table 'customers', column 'income', file data/customers.csv: the numbers are written "
        f"with thousands separators ('{first}' on line 2;",
        f"save the file with plain numbers ({first.replace(',', '')})",
    )


def test_infinite_prices_are_missing_and_counted(project: Project, run_cli: RunCli) -> None:
    """'inf' parses as a float: without a valid range, a mean over it was infinite."""
    project.edit_spec("      valid: {prices: {min: 0, max: 100}}\n", "")
    project.edit_spec("metrics: [customers, orders]", "metrics: [customers, orders, revenue]")
    rows = rows_of(project.data / "products.csv")
    for row in rows[1::40]:
        row[-1] = "inf"
    write_rows(project.data / "products.csv", rows)
    infinite = len(rows[1::40])
    run = run_cli(project.spec, *only("loyalty", "data-quality"), "--no-cache")
    assert run.code == 0, run.err
    html = (project.output / "basket.html").read_text(encoding="utf-8")
    assert "infinite values, treated as missing" in html
    assert f"{infinite:,} prices: infinite values" in html
    loyalty = pd.read_csv(project.output / "basket-data" / "loyalty.csv")
    assert loyalty["revenue"].map(lambda v: pd.notna(v) and abs(v) < float("inf")).all()


def test_a_column_of_numbers_and_dates_same_with_and_without_cache(
    project: Project, run_cli: RunCli
) -> None:
    """Unused by the spec, it used to fail with the cache (which reads every column) and
    build without it; used, it fails the same way both times."""
    rows = rows_of(project.data / "customers.csv")
    column = rows[0].index("date_joined")
    for number, row in enumerate(rows[1:]):
        if number % 10:
            row[column] = str(40_000 + number)
    write_rows(project.data / "customers.csv", rows)
    for args in (("--no-cache",), (), ()):  # the second build reads the cache
        run = run_cli(project.spec, *tables_of("loyalty"), *args)
        assert run.code == 0, run.err
    use_in_a_section(project, "joined", "max(customers.date_joined)")
    message = "column 'date_joined', file data/customers.csv: expected numbers but found the text"
    for args in ((), ("--no-cache",)):
        run = run_cli(project.spec, *tables_of("loyalty"), *args)
        assert_clean_failure(run, 3, message, "on line 2 ")


# ---- charts -------------------------------------------------------------------------------------
def test_a_nul_byte_in_a_category_reaches_no_chart(project: Project, run_cli: RunCli) -> None:
    """vl-convert panicked (exit 134) on a NUL byte; the export keeps the value whole."""
    path = project.data / "departments.csv"
    text = path.read_text(encoding="utf-8")
    assert "produce" in text
    path.write_text(text.replace("produce", "pro\x00duce"), encoding="utf-8")
    run = run_cli(project.spec, *only("departments"), "--no-cache")
    assert run.code == 0, run.err
    html = (project.output / "basket.html").read_text(encoding="utf-8")
    svgs = "".join(re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL))
    assert ">pro duce<" in svgs
    assert "\x00" not in svgs
    exported = pd.read_csv(project.output / "basket-data" / "departments.csv")
    assert "pro\x00duce" in exported["department"].tolist()


def test_an_endless_category_is_cut_on_the_chart(project: Project, run_cli: RunCli) -> None:
    """Every third customer's loyalty label 10,000 characters: the build deadlocked in the
    converter; now the chart shows 60 characters and an ellipsis, the export all of them."""
    long_label = "Loyal customer " + "who keeps coming back " * 460
    assert len(long_label) > 10_000
    project.edit_spec("then: Loyal customer}", f"then: '{long_label}'}}")
    project.edit_spec("{{ highest.customers.loyalty }}s are", "The {{ rows | length }} groups are")
    run = run_cli(project.spec, *only("loyalty"), "--no-cache")
    assert run.code == 0, run.err
    html = (project.output / "basket.html").read_text(encoding="utf-8")
    shown = long_label[: LABEL_LIMIT - 1].rstrip() + ELLIPSIS
    svgs = "".join(re.findall(r"<svg.*?</svg>", html, flags=re.DOTALL))
    assert f"Loyalty: {shown}" in svgs  # each bar's label
    assert long_label[:LABEL_LIMIT] not in svgs
    exported = pd.read_csv(project.output / "basket-data" / "loyalty.csv")
    assert long_label in exported["loyalty"].tolist()
