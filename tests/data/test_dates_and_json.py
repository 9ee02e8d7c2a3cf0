"""Declared date columns, JSON record files and package files: what load_table returns."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from reportgen.data.load import load_table
from reportgen.errors import DataError
from reportgen.spec.models import TableSpec


def spec(**fields: object) -> TableSpec:
    return TableSpec.model_validate(fields)


def test_declared_date_format_reads_dates(tmp_path: Path, write) -> None:
    write("w.csv", "date,rain\n2012/01/31,1.5\n2012/02/01,\n,0\n")
    table = spec(path="w.csv", columns={"date": {"type": "date", "format": "%Y/%m/%d"}})
    frame = load_table("w", table, tmp_path).frame
    assert pd.api.types.is_datetime64_any_dtype(frame["date"])
    assert frame["date"].tolist()[:2] == [pd.Timestamp(2012, 1, 31), pd.Timestamp(2012, 2, 1)]
    assert frame["date"].isna().tolist() == [False, False, True]


def test_iso_dates_and_times_by_default(tmp_path: Path, write) -> None:
    write("w.csv", "at,n\n2015-07-01 14:30:00,1\n2015-07-02,2\n")
    table = spec(path="w.csv", columns={"at": {"type": "datetime"}})
    frame = load_table("w", table, tmp_path).frame
    assert frame["at"].tolist() == [pd.Timestamp(2015, 7, 1, 14, 30), pd.Timestamp(2015, 7, 2)]


def test_a_value_in_another_format_is_a_located_error(tmp_path: Path, write) -> None:
    write("w.csv", "date,rain\n2012/01/31,1\n31.01.2012,2\n")
    table = spec(path="w.csv", columns={"date": {"type": "date", "format": "%Y/%m/%d"}})
    with pytest.raises(DataError) as caught:
        load_table("w", table, tmp_path)
    assert str(caught.value) == (
        "table 'w', column 'date': '31.01.2012' on line 3 is not a date in the format %Y/%m/%d; "
        "set data.w.columns.date.format"
    )


def test_undeclared_iso_dates_are_dates_not_python_objects(tmp_path: Path, write) -> None:
    """Arrow reads '2012-01-01' as a date by itself: it becomes datetime64, never date objects
    (which Altair cannot serialise)."""
    write("w.csv", "date,n\n2012-01-01,1\n2012-01-02,2\n")
    frame = load_table("w", spec(path="w.csv"), tmp_path).frame
    assert pd.api.types.is_datetime64_any_dtype(frame["date"])
    assert not any(isinstance(v, dt.date) and not isinstance(v, dt.datetime) for v in frame["date"])


def test_json_records_with_missing_values(tmp_path: Path, write) -> None:
    write(
        "cars.json",
        '[{"Name": "a", "mpg": 18, "Year": "1970-01-01"},'
        ' {"Name": "b", "mpg": null, "Year": "1971-01-01", "extra": 1}]',
    )
    table = spec(path="cars.json", rename={"Year": "year"}, columns={"year": {"type": "date"}})
    frame = load_table("cars", table, tmp_path).frame
    assert list(frame.columns) == ["Name", "mpg", "year", "extra"]
    assert frame["mpg"].isna().tolist() == [False, True]
    assert frame["year"].dt.year.tolist() == [1970, 1971]


def test_json_that_is_not_records_is_a_data_error(tmp_path: Path, write) -> None:
    write("bad.json", '{"a": 1}')
    with pytest.raises(DataError, match=r"must be an array of records"):
        load_table("t", spec(path="bad.json"), tmp_path)


def test_a_file_inside_an_installed_package(tmp_path: Path) -> None:
    pytest.importorskip("vega_datasets")
    table = spec(path="package:vega_datasets/_data/seattle-weather.csv")
    frame = load_table("weather", table, tmp_path).frame
    assert len(frame) == 1461
    with pytest.raises(DataError, match=r"no installed Python package 'no_such_pkg'"):
        load_table("t", spec(path="package:no_such_pkg/x.csv"), tmp_path)
    with pytest.raises(DataError, match=r"package:NAME/path"):
        load_table("t", spec(path="package:vega_datasets/../x.csv"), tmp_path)
