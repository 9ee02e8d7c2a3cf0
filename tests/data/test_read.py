"""Headers and file problems: read_header and the clean DataErrors of load_table."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from reportgen.data import read
from reportgen.data.load import load_table
from reportgen.data.read import read_header
from reportgen.errors import DataError
from reportgen.spec.models import TableSpec


def spec(**fields: object) -> TableSpec:
    return TableSpec.model_validate(fields)


def error_of(tmp_path: Path, **fields: object) -> str:
    columns = fields.pop("columns", None)
    with pytest.raises(DataError) as caught:
        load_table("t", spec(**fields), tmp_path, columns=columns)  # type: ignore[arg-type]
    return str(caught.value)


def test_header_renamed_without_private_columns(tmp_path, write):
    write("people.csv", "id,First Name,Surnam,STATE\n1,Ann,Lee,Iowa\n")
    table = spec(
        path="people.csv",
        rename={"First Name": "first_name", "Surnam": "surname", "STATE": "state"},
        private=["First Name", "surname"],  # a file name or its renamed name
    )
    assert read_header("people", table, tmp_path) == ["id", "state"]


def test_header_of_quoted_bom_crlf_file(tmp_path, write):
    write("q.csv", b'\xef\xbb\xbf"order_id","order_hour_of_day"\r\n"1","09"\r\n')
    assert read_header("q", spec(path="q.csv"), tmp_path) == ["order_id", "order_hour_of_day"]


def test_header_of_wide_file_is_its_first_column(tmp_path, write):
    write("departments.csv", "department_id,1,2\ndepartment,frozen,other\n")
    table = spec(path="departments.csv", layout="wide")
    assert read_header("departments", table, tmp_path) == ["department_id", "department"]


def test_header_of_parquet_is_its_schema(tmp_path):
    import pandas as pd

    pd.DataFrame({"a": [1], "b": ["x"]}).to_parquet(tmp_path / "t.parquet")
    assert read_header("t", spec(path="t.parquet"), tmp_path) == ["a", "b"]


def test_header_reads_only_the_first_line(tmp_path, write):
    write("big.csv", "a,b\n" + "1,2\n" * 2_000_000)
    started = time.perf_counter()
    assert read_header("big", spec(path="big.csv"), tmp_path) == ["a", "b"]
    assert time.perf_counter() - started < 0.05


def test_header_files_of_a_glob_must_agree(tmp_path, write):
    write("parts/a.csv", "x,y\n1,2\n")
    write("parts/b.csv", "x,z\n1,2\n")
    with pytest.raises(DataError) as caught:
        read_header("t", spec(path="parts/*.csv"), tmp_path)
    assert str(caught.value) == (
        "table 't', file parts/b.csv: its columns differ from those of parts/a.csv "
        "(extra ['z'], lacks ['y'])"
    )


def test_rename_of_an_unknown_column(tmp_path, write):
    write("c.csv", "user_id,Surnam\n1,Lee\n")
    with pytest.raises(DataError) as caught:
        read_header("c", spec(path="c.csv", rename={"Surname": "surname"}), tmp_path)
    assert str(caught.value) == (
        "table 'c', column 'Surname': rename: no such column in the file; did you mean 'Surnam'?"
    )


def test_private_unknown_column(tmp_path, write):
    write("c.csv", "user_id,Surnam\n1,Lee\n")
    assert error_of(tmp_path, path="c.csv", private=["Surname"]) == (
        "table 't', column 'Surname': private: no such column in the file; did you mean 'Surnam'?"
    )


def test_missing_file_suggests_a_neighbour(tmp_path, write):
    write("orders.csv", "a\n1\n")
    assert error_of(tmp_path, path="order.csv") == (
        "table 't', file order.csv: no such file; did you mean 'orders.csv'?"
    )


def test_missing_folder(tmp_path):
    assert error_of(tmp_path, path="data/orders.csv") == (
        "table 't', file data/orders.csv: no such file (the folder data does not exist)"
    )


def test_glob_matching_nothing(tmp_path):
    assert error_of(tmp_path, path="*.csv") == "table 't', file *.csv: no file matches *.csv"


def test_folder_instead_of_file(tmp_path):
    (tmp_path / "data").mkdir()
    assert error_of(tmp_path, path="data") == (
        "table 't', file data: is a folder, not a file "
        "(use a glob such as 'folder/*.csv' to read every file)"
    )


def test_unknown_extension(tmp_path, write):
    write("orders.dat", "a\n1\n")
    assert error_of(tmp_path, path="orders.dat") == (
        "table 't', file orders.dat: cannot tell the format from the extension '.dat'; "
        "set format: csv, parquet or json"
    )


def test_unreadable_file(tmp_path, write, monkeypatch):
    write("orders.csv", "a\n1\n")

    def refuse(path: Path) -> None:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(read, "_open_binary", refuse)
    assert error_of(tmp_path, path="orders.csv") == (
        "table 't', file orders.csv: cannot be read (permission denied)"
    )


def test_empty_file(tmp_path, write):
    write("orders.csv", b"")
    assert error_of(tmp_path, path="orders.csv") == (
        "table 't', file orders.csv: the file is empty (0 bytes); "
        "expected a header line with the column names"
    )


def test_header_only_file_loads_no_rows(tmp_path, write):
    write("orders.csv", "order_id,order_dow\n")
    loaded = load_table("orders", spec(path="orders.csv", key="order_id"), tmp_path)
    assert list(loaded.frame.columns) == ["order_id", "order_dow"]
    assert len(loaded.frame) == 0
    assert loaded.quality.rows_read == 0


def test_semicolon_file(tmp_path, write):
    write("orders.csv", "order_id;order_dow\n1;2\n")
    assert error_of(tmp_path, path="orders.csv") == (
        "table 't', file orders.csv: the header has a single column and its fields are "
        'separated by semicolons, not commas; declare delimiter: ";" for this table'
    )


EUROPEAN = (
    "datum;umsatz;filiale;menge\n"
    '01.02.2015;1,5;"Nord; Halle 2";3\n'
    "02.02.2015;2000,25;Süd;\n"
    "03.02.2015;-0,75;Nord;12\n"
)


def test_a_european_export_reads_with_its_delimiter_and_decimal_comma(tmp_path, write):
    """Semicolons between fields (one quoted inside a value), decimal commas, dates as
    31.12.2015: the numbers are the numbers, the text keeps its semicolon."""
    write("sales.csv", EUROPEAN)
    table = spec(
        path="sales.csv",
        delimiter=";",
        decimal=",",
        columns={"datum": {"type": "date", "format": "%d.%m.%Y"}},
    )
    frame = load_table("sales", table, tmp_path).frame
    assert frame["umsatz"].tolist() == [1.5, 2000.25, -0.75]
    assert frame["menge"].tolist()[::2] == [3, 12]
    assert frame["menge"].isna().tolist() == [False, True, False]
    assert frame["filiale"].astype(str).tolist() == ["Nord; Halle 2", "Süd", "Nord"]
    assert frame["datum"].dt.strftime("%Y-%m-%d").tolist() == [
        "2015-02-01",
        "2015-02-02",
        "2015-02-03",
    ]
    assert read_header("sales", table, tmp_path) == ["datum", "umsatz", "filiale", "menge"]


def test_a_decimal_comma_read_with_a_decimal_point_names_the_declaration(tmp_path, write):
    write("sales.csv", EUROPEAN)
    assert error_of(tmp_path, path="sales.csv", delimiter=";") == (
        "table 't', column 'umsatz', file sales.csv: the numbers are written with a decimal "
        """comma ('1,5' on line 2); declare decimal: "," for this table"""
    )


def test_thousands_dots_beside_a_decimal_comma_are_refused_with_the_plain_number(tmp_path, write):
    write("sales.csv", "id;umsatz\n1;2.000,25\n2;1.500,5\n")
    message = error_of(tmp_path, path="sales.csv", delimiter=";", decimal=",")
    assert "written with thousands separators ('2.000,25' on line 2" in message
    assert "save the file with plain numbers (2000,25)" in message


def test_a_tab_separated_transposed_file_and_a_ragged_semicolon_row(tmp_path, write):
    write("wide.csv", "id\t1\t2\nprice\t1,5\t2,25\n")
    table = spec(path="wide.csv", layout="wide", delimiter="\t", decimal=",")
    assert load_table("w", table, tmp_path).frame["price"].tolist() == [1.5, 2.25]
    write("ragged.csv", "a;b\n1;2\n3;4;5\n")
    assert error_of(tmp_path, path="ragged.csv", delimiter=";") == (
        "table 't', file ragged.csv: line 3 has 3 fields where the header has 2 "
        "(quote values that contain semicolons)"
    )


def test_a_decimal_comma_needs_another_delimiter() -> None:
    with pytest.raises(ValueError, match="decimal ',' needs another delimiter"):
        spec(path="x.csv", decimal=",")


def test_tab_file(tmp_path, write):
    write("orders.csv", "order_id\torder_dow\n1\t2\n")
    assert "separated by tabs, not commas" in error_of(tmp_path, path="orders.csv")


def test_latin1_bytes_in_values(tmp_path, write):
    write("products.csv", b"product_id,product_name\n1,Brie\n2,Caf\xe9 au lait\n")
    assert error_of(tmp_path, path="products.csv") == (
        "table 't', column 'product_name', file products.csv: line 3 has the byte 0xe9, "
        "which is not UTF-8 (is the file Latin-1 or Windows-1252?); save it as UTF-8"
    )


def test_latin1_bytes_in_header(tmp_path, write):
    write("products.csv", b"product_id,d\xe9partement\n1,2\n")
    assert error_of(tmp_path, path="products.csv") == (
        "table 't', file products.csv: the header line is not UTF-8 text "
        "(byte 0xe9 at offset 12); save the file as UTF-8"
    )


def test_text_in_a_numeric_column(tmp_path, write):
    write("orders.csv", "order_id,order_hour_of_day\n1,9\n2,10\n3,abc\n4,11\n5,12\n")
    assert error_of(tmp_path, path="orders.csv") == (
        "table 't', column 'order_hour_of_day', file orders.csv: expected numbers but found "
        "the text 'abc' on line 4 (1 of 5 values are not numbers)"
    )


def test_text_in_a_numeric_column_after_the_first_block(tmp_path, write):
    write("orders.csv", "order_id,hour\n" + "1,9\n" * 600_000 + "2,ten\n")
    assert error_of(tmp_path, path="orders.csv") == (
        "table 't', column 'hour', file orders.csv: expected numbers but found "
        "the text 'ten' on line 600002 (1 of 600,001 values are not numbers)"
    )


def test_private_text_is_never_quoted(tmp_path, write):
    write("c.csv", "id,Age\n1,30\n2,31\n3,x\n4,33\n5,34\n")
    loaded = load_table("c", spec(path="c.csv", private=["Age"]), tmp_path)
    assert list(loaded.frame.columns) == ["id"]


def test_row_with_too_many_fields(tmp_path, write):
    write("orders.csv", "a,b\n1,2\n3,4,5\n")
    assert error_of(tmp_path, path="orders.csv") == (
        "table 't', file orders.csv: line 3 has 3 fields where the header has 2 "
        "(quote values that contain commas)"
    )


def test_duplicate_header_name(tmp_path, write):
    write("orders.csv", "a,b,a\n1,2,3\n")
    assert error_of(tmp_path, path="orders.csv") == (
        "table 't', file orders.csv: the column name 'a' appears twice in the header"
    )


def test_unknown_requested_column(tmp_path, write):
    write("orders.csv", "order_id,order_dow\n1,2\n")
    assert error_of(tmp_path, path="orders.csv", columns=["order_dw"]) == (
        "table 't', column 'order_dw': no such column in the file; did you mean 'order_dow'?"
    )


def test_requested_private_column(tmp_path, write):
    write("c.csv", "id,First Name\n1,Ann\n")
    fields = {"rename": {"First Name": "first_name"}, "private": ["First Name"]}
    assert error_of(tmp_path, path="c.csv", columns=["first_name"], **fields) == (
        "table 't', column 'first_name': the column is private (dropped at load) and cannot be used"
    )


def test_unknown_key(tmp_path, write):
    write("orders.csv", "order_id,order_dow\n1,2\n")
    assert error_of(tmp_path, path="orders.csv", key="orderid") == (
        "table 't', column 'orderid': key: no such column in the file; did you mean 'order_id'?"
    )


def test_corrupt_parquet(tmp_path, write):
    write("t.parquet", b"not parquet at all")
    message = error_of(tmp_path, path="t.parquet")
    assert message.startswith("table 't', file t.parquet: not a readable Parquet file (")


def test_files_with_conflicting_kinds(tmp_path, write):
    write("parts/a.csv", "x\n1\n2\n")
    write("parts/b.csv", "x\nfoo\nbar\n")
    assert error_of(tmp_path, path="parts/*.csv") == (
        "table 't', column 'x': holds different kinds of values in different files "
        "(int64 in parts/a.csv, string in parts/b.csv)"
    )


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_unreadable_file_for_real(tmp_path, write):
    path = write("orders.csv", "a\n1\n")
    path.chmod(0)
    try:
        assert error_of(tmp_path, path="orders.csv") == (
            "table 't', file orders.csv: cannot be read (permission denied)"
        )
    finally:
        path.chmod(0o644)


def test_auto_layout_reads_both_the_transposed_and_the_long_departments_file(
    tmp_path: Path,
) -> None:
    from reportgen.data.load import load_table
    from reportgen.spec.models import TableSpec

    (tmp_path / "wide.csv").write_text("department_id,1,2,3\ndepartment,frozen,other,bakery\n")
    (tmp_path / "long.csv").write_text("department_id,department\n1,frozen\n2,other\n3,bakery\n")
    frames = [
        load_table(
            "departments", TableSpec(path=p, key="department_id", layout="auto"), tmp_path
        ).frame
        for p in ("wide.csv", "long.csv")
    ]
    for frame in frames:
        assert frame["department_id"].tolist() == [1, 2, 3]
        assert frame["department"].astype(str).tolist() == ["frozen", "other", "bakery"]
