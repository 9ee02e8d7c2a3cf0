"""load_table on the real Instacart and course samples, and on the shapes of files they show."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.data.load import load_table
from reportgen.data.quality import Exclusion
from reportgen.spec.models import TableSpec

PRODUCTS_RULES = {
    "drop_missing": ["product_name"],
    "drop_duplicates": True,
    "valid": {"prices": {"min": 0, "max": 100}},
}
CUSTOMERS = {
    "path": "careerfoundry/customers_excerpt.csv",
    "key": "user_id",
    "rename": {
        "First Name": "first_name",
        "Surnam": "surname",
        "STATE": "state",
        "Gender": "gender",
        "Age": "age",
    },
    "private": ["First Name", "Surnam"],
}


def spec(**fields: object) -> TableSpec:
    return TableSpec.model_validate(fields)


def test_course_products_cleaned_as_documented(samples):
    table = spec(path="careerfoundry/products.csv", clean=PRODUCTS_RULES)
    loaded = load_table("products", table, samples)
    assert loaded.quality.rows_read == 49_693
    assert len(loaded.frame) == 49_672
    assert loaded.quality.exclusions == (
        Exclusion("rows with no product_name", 16, "product_name", kind="empty"),
        Exclusion("rows that repeat an earlier row exactly", 5, kind="duplicate_rows"),
        Exclusion(
            "prices values outside 0 to 100, treated as missing (the rows are kept)",
            2,
            "prices",
            dropped=False,
            kind="invalid",
        ),
    )
    assert loaded.frame["prices"].between(1, 25).sum() == 49_672 - 2
    assert "#NAME?" in loaded.frame["product_name"].cat.categories


def test_course_products_with_duplicate_keys_kept_first(samples):
    rules = {**PRODUCTS_RULES, "duplicate_keys": "first"}
    table = spec(path="careerfoundry/products.csv", key="product_id", clean=rules)
    loaded = load_table("products", table, samples)
    assert len(loaded.frame) == 49_670
    assert loaded.frame["product_id"].is_unique
    assert loaded.quality.exclusions[-1] == Exclusion(
        "rows that repeat an earlier product_id (the first is kept)",
        2,
        "product_id",
        kind="duplicate_key",
    )
    assert loaded.quality.missing == {
        "product_id": 0,
        "product_name": 0,
        "aisle_id": 0,
        "department_id": 0,
        "prices": 2,
    }
    dtypes = loaded.frame.dtypes.astype(str).to_dict()
    assert dtypes == {
        "product_id": "int32",
        "product_name": "category",
        "aisle_id": "int16",
        "department_id": "int8",
        "prices": "float64",
    }


def test_prices_sum_like_plain_pandas(samples):
    table = spec(path="careerfoundry/products.csv", clean=PRODUCTS_RULES)
    loaded = load_table("products", table, samples)
    plain = pd.read_csv(samples / "careerfoundry/products.csv")
    plain = plain.dropna(subset=["product_name"]).drop_duplicates()
    plain = plain[plain["prices"].between(0, 100)]
    assert loaded.frame["prices"].sum() == plain["prices"].sum()


def test_transposed_departments(samples):
    table = spec(path="careerfoundry/departments.csv", layout="wide", key="department_id")
    frame = load_table("departments", table, samples).frame
    assert len(frame) == 21
    assert frame["department_id"].tolist() == list(range(1, 22))
    assert frame["department_id"].dtype == np.int8
    assert frame["department"].iloc[[0, 3, 20]].tolist() == ["frozen", "produce", "missing"]
    original = load_table("d", spec(path="kaggle/departments.csv"), samples).frame
    pd.testing.assert_frame_equal(frame, original)


def test_orders_with_every_field_quoted(samples):
    loaded = load_table("orders", spec(path="orders-sample-a/orders.csv", key="order_id"), samples)
    frame = loaded.frame
    assert len(frame) == 3_220
    assert frame.dtypes.astype(str).to_dict() == {
        "order_id": "int32",
        "user_id": "int32",
        "eval_set": "category",
        "order_number": "int8",
        "order_dow": "int8",
        "order_hour_of_day": "int8",
        "days_since_prior_order": "int8",
    }
    assert frame["order_hour_of_day"].iloc[0] == 9  # written "09"
    assert frame["eval_set"].cat.categories.tolist() == ["prior", "test", "train"]


def test_orders_with_crlf_and_empty_days(samples):
    table = spec(path="orders-sample-b/orders_head.csv", key="order_id")
    loaded = load_table("orders", table, samples)
    frame = loaded.frame
    assert len(frame) == 49_999
    assert str(frame["days_since_prior_order"].dtype) == "Int8"
    first_orders = frame["order_number"] == 1
    assert frame.loc[first_orders, "days_since_prior_order"].isna().all()
    assert loaded.quality.missing["days_since_prior_order"] == int(first_orders.sum())
    assert frame["eval_set"].cat.categories.tolist() == ["prior", "test", "train"]
    assert frame["days_since_prior_order"].max() == 30


def test_order_lines_read_only_requested_columns(samples):
    table = spec(path="orders-sample-b/order_products__prior_head.csv")
    loaded = load_table("order_products", table, samples, columns=["product_id", "order_id"])
    assert list(loaded.frame.columns) == ["order_id", "product_id"]  # file order
    assert len(loaded.frame) == 49_999
    assert loaded.frame["product_id"].dtype == np.int32


def test_two_files_by_list_and_by_glob(samples, tmp_path, write):
    head = (samples / "orders-sample-b/orders_head.csv").read_text().splitlines()
    write("parts/orders-1.csv", "\n".join(head[:101]) + "\n")
    write("parts/orders-2.csv", "\n".join([head[0], *head[101:201]]) + "\n")
    by_glob = load_table("orders", spec(path="parts/orders-*.csv", key="order_id"), tmp_path)
    listed = ["parts/orders-1.csv", "parts/orders-2.csv"]
    by_list = load_table("orders", spec(path=listed, key="order_id"), tmp_path)
    assert len(by_glob.frame) == 200
    assert by_glob.quality.files == ("parts/orders-1.csv", "parts/orders-2.csv")
    pd.testing.assert_frame_equal(by_glob.frame, by_list.frame)


def test_customers_private_names_never_loaded(samples):
    loaded = load_table("customers", spec(**CUSTOMERS), samples)
    frame = loaded.frame
    assert list(frame.columns) == [
        "user_id",
        "gender",
        "state",
        "age",
        "date_joined",
        "n_dependants",
        "fam_status",
        "income",
    ]
    raw = pd.read_csv(samples / CUSTOMERS["path"])
    names = set(raw["First Name"]) | set(raw["Surnam"])
    values = {str(v) for column in frame.columns for v in frame[column].astype(object)}
    assert not names & values
    assert "Missouri" in values


def test_paths_resolve_against_base_dir_not_cwd(samples, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    table = spec(path="careerfoundry/departments.csv", layout="wide")
    assert len(load_table("departments", table, samples).frame) == 21


def test_parquet_input_reads_requested_columns(tmp_path):
    frame = pd.DataFrame({"id": [1, 2, 3], "name": ["a", "", "c"], "x": [1.5, 2.0, None]})
    frame.to_parquet(tmp_path / "t.parquet")
    table = spec(path="t.parquet", key="id", clean={"drop_missing": ["name"]})
    loaded = load_table("t", table, tmp_path, columns=["x"])
    assert list(loaded.frame.columns) == ["id", "x"]
    assert loaded.frame["id"].tolist() == [1, 3]
    assert loaded.frame["x"].isna().tolist() == [False, True]
    assert loaded.quality.exclusions == (Exclusion("rows with no name", 1, "name", kind="empty"),)


def test_quoted_values_bom_crlf_and_multiline(tmp_path, write):
    content = (
        '\ufeffid,name\r\n1,"Salt, sea"\r\n2,"say ""hi"""\r\n3,"two\r\nlines"\r\n4,Crème brûlée\r\n'
    )
    write("p.csv", content)
    frame = load_table("p", spec(path="p.csv", key="id"), tmp_path).frame
    assert frame["name"].tolist() == ["Salt, sea", 'say "hi"', "two\r\nlines", "Crème brûlée"]


@pytest.mark.parametrize(
    ("values", "dtype"),
    [
        (["1", "2"], "int8"),
        (["-1", "300"], "int16"),
        (["1", "70000"], "int32"),
        (["1", "5000000000"], "int64"),
        (["1", ""], "Int8"),
        (["1", "", "40000"], "Int32"),
        (["1.5", "2"], "float64"),
        (["a", "b"], "category"),
        (["", ""], "float64"),
        (["true", "false"], "bool"),
        (["true", ""], "boolean"),
    ],
)
def test_compact_dtypes(tmp_path: Path, write, values: list[str], dtype: str):
    write("t.csv", "x,y\n" + "".join(f"{value},row\n" for value in values))
    frame = load_table("t", spec(path="t.csv"), tmp_path).frame
    assert str(frame["x"].dtype) == dtype
