"""Formula injection: the CSV export marks text a spreadsheet would run; the workbook types it as
text. Hand-made frames, read back with the csv module and openpyxl."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pandas as pd
from openpyxl import load_workbook

from reportgen.output import csv_bytes
from reportgen.render.exports import guarded
from reportgen.render.workbook import MAX_SHEET_ROWS, SectionSheet, render_workbook, sheet_names

HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1-555", "-2+3", "@SUM(A1)", "\tTab"]
PLAIN = ["Bananas", "#NAME?", "a=b", "'quoted"]


def _frame() -> pd.DataFrame:
    names = HOSTILE + PLAIN
    return pd.DataFrame(
        {
            "product_name": pd.Categorical(names),
            "order_lines": list(range(-1, len(names) - 1)),  # a negative number stays a number
            "share": [0.5] * len(names),
        }
    )


def test_csv_marks_text_that_starts_like_a_formula() -> None:
    rows = list(csv.reader(io.StringIO(csv_bytes(guarded(_frame())).decode("utf-8"))))
    assert rows[0] == ["product_name", "order_lines", "share"]
    names = [row[0] for row in rows[1:]]
    assert names == ["'" + name for name in HOSTILE] + PLAIN
    assert rows[1][1] == "-1"  # numbers are written as they are


def test_workbook_writes_formula_like_text_as_text() -> None:
    sheet = SectionSheet(
        id="top-products",
        title="=1+1 title",
        question="@question",
        frame=_frame(),
        labels={"product_name": "Product", "order_lines": "Lines", "share": "Share"},
        formats={"product_name": "text", "order_lines": "integer", "share": "percent"},
    )
    data = render_workbook("Report", "", datetime(2025, 4, 2), [sheet], [])
    book = load_workbook(io.BytesIO(data))
    page = book["top-products"]
    assert page["A1"].value == "=1+1 title"
    assert page["A1"].data_type == "s"
    cells = [page.cell(row=5 + i, column=1) for i in range(len(HOSTILE + PLAIN))]
    assert [c.value for c in cells] == HOSTILE + PLAIN
    assert {c.data_type for c in cells} == {"s"}
    assert page["B5"].value == -1
    assert page["C5"].number_format == "0.0%"
    assert render_workbook("Report", "", datetime(2025, 4, 2), [sheet], []) == data


def test_sheet_names_are_valid_and_distinct() -> None:
    long = "a" * 40
    names = sheet_names([long, long + "b", "x:y", "contents"], reserved=("Contents",))
    assert names == {
        long: "a" * 31,
        long + "b": "a" * 29 + "-2",
        "x:y": "x-y",
        "contents": "contents-2",
    }


def test_a_long_section_sheet_keeps_the_first_rows_and_says_so() -> None:
    rows = MAX_SHEET_ROWS + 3
    frame = pd.DataFrame({"product_name": [f"P{i}" for i in range(rows)], "n": range(rows)})
    sheet = SectionSheet("top", "Top", "", frame, {}, {"n": "integer"})
    page = load_workbook(io.BytesIO(render_workbook("R", "", datetime(2025, 4, 2), [sheet], [])))
    top = page["top"]
    assert top.max_row == 4 + MAX_SHEET_ROWS
    assert top.cell(row=4 + MAX_SHEET_ROWS, column=1).value == f"P{MAX_SHEET_ROWS - 1}"
    assert (
        top["A3"].value
        == f"The first 5,000 of {rows:,} rows; every row is in the CSV export (top.csv)."
    )
