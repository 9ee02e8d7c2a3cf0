"""Cleaning rules on tiny inline files: what each drops or blanks, and how it is counted."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reportgen.data.load import load_table
from reportgen.data.quality import Exclusion
from reportgen.errors import DataError
from reportgen.spec.models import TableSpec

PRODUCTS = (
    "product_id,product_name,prices\n"
    "1,Bananas,0.5\n"
    "2,,3.0\n"  # empty name
    "3,Milk,14900\n"  # absurd price
    "1,Bananas,0.5\n"  # duplicate row
    "4,Eggs,-1\n"  # negative price
    "4,Brown eggs,2.5\n"  # duplicate key
)


def spec(**fields: object) -> TableSpec:
    return TableSpec.model_validate({"path": "products.csv", **fields})


def load(tmp_path: Path, **fields: object) -> pd.DataFrame:
    return load_table("products", spec(**fields), tmp_path).frame


@pytest.fixture(autouse=True)
def products(write):
    write("products.csv", PRODUCTS)


def test_no_rules_keeps_every_row(tmp_path):
    loaded = load_table("products", spec(), tmp_path)
    assert len(loaded.frame) == 6
    assert loaded.quality.exclusions == ()
    assert loaded.quality.missing == {"product_id": 0, "product_name": 1, "prices": 0}


def test_drop_missing_counts_empty_strings(tmp_path):
    loaded = load_table("products", spec(clean={"drop_missing": ["product_name"]}), tmp_path)
    assert loaded.frame["product_id"].tolist() == [1, 3, 1, 4, 4]
    assert loaded.quality.exclusions == (
        Exclusion("rows with no product_name", 1, "product_name", kind="empty"),
    )


def test_drop_missing_counts_each_column_in_turn(tmp_path, write):
    write("products.csv", "a,b\n1,\n,\n,3\n4,4\n")
    loaded = load_table("p", spec(clean={"drop_missing": ["a", "b"]}), tmp_path)
    assert loaded.frame.to_dict("list") == {"a": [4], "b": [4]}
    assert loaded.quality.exclusions == (
        Exclusion("rows with no a", 2, "a", kind="empty"),
        Exclusion("rows with no b", 1, "b", kind="empty"),
    )


def test_drop_duplicates(tmp_path):
    loaded = load_table("products", spec(clean={"drop_duplicates": True}), tmp_path)
    assert loaded.frame["product_id"].tolist() == [1, 2, 3, 4, 4]
    assert loaded.quality.exclusions == (
        Exclusion("rows that repeat an earlier row exactly", 1, kind="duplicate_rows"),
    )


def test_drop_duplicates_looks_at_columns_not_requested(tmp_path, write):
    write("products.csv", "id,name,note\n1,a,x\n1,a,y\n1,a,x\n")
    table = spec(clean={"drop_duplicates": True})
    loaded = load_table("p", table, tmp_path, columns=["id", "name"])
    assert loaded.frame.to_dict("list") == {"id": [1, 1], "name": ["a", "a"]}
    assert loaded.quality.exclusions == (
        Exclusion("rows that repeat an earlier row exactly", 1, kind="duplicate_rows"),
    )


def test_drop_duplicates_looks_at_private_columns(tmp_path, write):
    write("products.csv", "id,Name,age\n1,Ann,30\n2,Bob,30\n2,Bob,30\n")
    loaded = load_table("p", spec(private=["Name"], clean={"drop_duplicates": True}), tmp_path)
    assert loaded.frame.to_dict("list") == {"id": [1, 2], "age": [30, 30]}


def test_valid_range_blanks_values_outside(tmp_path):
    loaded = load_table(
        "products", spec(clean={"valid": {"prices": {"min": 0, "max": 100}}}), tmp_path
    )
    assert loaded.frame["prices"].isna().tolist() == [False, False, True, False, True, False]
    assert loaded.quality.exclusions == (
        Exclusion(
            "prices values outside 0 to 100, treated as missing (the rows are kept)",
            2,
            "prices",
            dropped=False,
            kind="invalid",
        ),
    )
    assert loaded.quality.missing["prices"] == 2


def test_valid_range_with_one_bound(tmp_path):
    table = spec(clean={"valid": {"prices": {"max": 100}}})
    loaded = load_table("products", table, tmp_path)
    assert loaded.quality.exclusions == (
        Exclusion(
            "prices values above 100, treated as missing (the rows are kept)",
            1,
            "prices",
            dropped=False,
            kind="invalid",
        ),
    )


def test_valid_range_on_integers_gives_nullable_integers(tmp_path, write):
    write("products.csv", "id,age\n1,30\n2,130\n3,40\n")
    loaded = load_table("p", spec(clean={"valid": {"age": {"min": 18, "max": 99}}}), tmp_path)
    assert str(loaded.frame["age"].dtype) == "Int8"
    assert loaded.frame["age"].tolist() == [30, pd.NA, 40]


def test_valid_range_on_text_is_an_error(tmp_path):
    with pytest.raises(DataError) as caught:
        load(tmp_path, clean={"valid": {"product_name": {"min": 0}}})
    assert str(caught.value) == (
        "table 'products', column 'product_name': clean.valid: the column does not hold numbers"
    )


def test_duplicate_keys_are_an_error_by_default(tmp_path):
    with pytest.raises(DataError) as caught:
        load(tmp_path, key="product_id", clean={"drop_duplicates": True})
    assert str(caught.value) == (
        "table 'products', column 'product_id': the key is not unique: 1 row repeats an earlier "
        "key (e.g. 4 appears 2 times); fix the file, or set clean.duplicate_keys: first "
        "to keep the first row of each key"
    )


def test_duplicate_keys_first_keeps_the_first(tmp_path):
    table = spec(key="product_id", clean={"drop_duplicates": True, "duplicate_keys": "first"})
    loaded = load_table("products", table, tmp_path)
    names = loaded.frame["product_name"].astype(object).fillna("?")
    assert names.tolist() == ["Bananas", "?", "Milk", "Eggs"]
    assert loaded.quality.exclusions[-1] == Exclusion(
        "rows that repeat an earlier product_id (the first is kept)",
        1,
        "product_id",
        kind="duplicate_key",
    )


def test_empty_key_is_an_error(tmp_path, write):
    write("products.csv", "id,v\n1,a\n,b\n")
    with pytest.raises(DataError) as caught:
        load(tmp_path, key="id")
    assert str(caught.value) == (
        "table 'products', column 'id': the key is empty on 1 row(s); "
        "add it to clean.drop_missing to drop them"
    )


def test_rules_apply_in_order_and_every_effect_is_counted(tmp_path):
    rules = {
        "drop_missing": ["product_name"],
        "drop_duplicates": True,
        "valid": {"prices": {"min": 0, "max": 100}},
        "duplicate_keys": "first",
    }
    loaded = load_table("products", spec(key="product_id", clean=rules), tmp_path)
    quality = loaded.quality
    assert (quality.rows_read, quality.rows_kept) == (6, 3)
    assert quality.exclusions == (
        Exclusion("rows with no product_name", 1, "product_name", kind="empty"),
        Exclusion("rows that repeat an earlier row exactly", 1, kind="duplicate_rows"),
        Exclusion(
            "prices values outside 0 to 100, treated as missing (the rows are kept)",
            2,
            "prices",
            dropped=False,
            kind="invalid",
        ),
        Exclusion(
            "rows that repeat an earlier product_id (the first is kept)",
            1,
            "product_id",
            kind="duplicate_key",
        ),
    )
    dropped = sum(e.rows for e in quality.exclusions if e.dropped)
    assert quality.rows_read - dropped == quality.rows_kept
    assert quality.exclusions_frame().columns.tolist() == ["reason", "rows", "column", "dropped"]
    assert quality.profile_frame().to_dict("records") == [
        {"column": "product_id", "dtype": "int8", "missing": 0},
        {"column": "product_name", "dtype": "category", "missing": 0},
        {"column": "prices", "dtype": "float64", "missing": 2},
    ]


def test_clean_rules_name_columns_that_exist(tmp_path):
    with pytest.raises(DataError) as caught:
        load(tmp_path, clean={"drop_missing": ["product"]})
    assert str(caught.value) == (
        "table 'products', column 'product': clean.drop_missing: no such column in the file; "
        "did you mean 'product_id'?"
    )
