"""Tests for the synthetic data generator: real formats and quirks, shape, determinism, integrity."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from reportgen.cli import main
from reportgen.data.generate import generate

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "instacart-sample"
CUSTOMERS = 2_000
FILES = (
    "orders.csv",
    "order_products__prior.csv",
    "order_products__train.csv",
    "products.csv",
    "departments.csv",
    "aisles.csv",
    "customers.csv",
)


@dataclass(frozen=True)
class Generated:
    folder: Path
    orders: pd.DataFrame
    prior: pd.DataFrame
    train: pd.DataFrame
    products: pd.DataFrame
    customers: pd.DataFrame

    def raw(self, name: str) -> bytes:
        return (self.folder / name).read_bytes()


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    folder = tmp_path_factory.mktemp("seed42")
    generate(folder, customers=CUSTOMERS, seed=42, progress=False)
    return Generated(
        folder=folder,
        orders=pd.read_csv(folder / "orders.csv"),
        prior=pd.read_csv(folder / "order_products__prior.csv"),
        train=pd.read_csv(folder / "order_products__train.csv"),
        products=pd.read_csv(folder / "products.csv", keep_default_na=False),
        customers=pd.read_csv(folder / "customers.csv"),
    )


@pytest.fixture(scope="session")
def same_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seed42again")
    generate(folder, customers=CUSTOMERS, seed=42, progress=False)
    return folder


@pytest.fixture(scope="session")
def other_seed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("seed7")
    generate(folder, customers=CUSTOMERS, seed=7, progress=False)
    return folder


@pytest.fixture
def samples() -> Path:
    if not SAMPLES.is_dir():
        pytest.skip("the real samples (../shared/instacart-sample) are not here")
    return SAMPLES


def first_line(data: bytes) -> bytes:
    return data[: data.index(b"\n") + 1]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


# --------------------------------------------------------------------------- formats


def test_writes_every_file_and_nothing_else(generated: Generated) -> None:
    assert sorted(p.name for p in generated.folder.iterdir()) == sorted(FILES)


@pytest.mark.parametrize(
    ("name", "sample"),
    [
        ("orders.csv", "orders-sample-b/orders_head.csv"),
        ("order_products__prior.csv", "orders-sample-b/order_products__prior_head.csv"),
        ("order_products__train.csv", "orders-sample-b/order_products__prior_head.csv"),
        ("products.csv", "careerfoundry/products.csv"),
        ("aisles.csv", "kaggle/aisles.csv"),
        ("customers.csv", "careerfoundry/customers_excerpt.csv"),
    ],
)
def test_header_and_line_ending_equal_the_real_file(
    generated: Generated, samples: Path, name: str, sample: str
) -> None:
    assert first_line(generated.raw(name)) == first_line((samples / sample).read_bytes())


@pytest.mark.parametrize(
    ("name", "sample"),
    [
        ("orders.csv", "orders-sample-b/orders_head.csv"),
        ("order_products__prior.csv", "orders-sample-b/order_products__prior_head.csv"),
        ("products.csv", "careerfoundry/products.csv"),
        ("customers.csv", "careerfoundry/customers_excerpt.csv"),
    ],
)
def test_pandas_reads_the_same_column_types_as_from_the_real_file(
    generated: Generated, samples: Path, name: str, sample: str
) -> None:
    ours = pd.read_csv(generated.folder / name)
    real = pd.read_csv(samples / sample)
    assert ours.dtypes.to_dict() == real.dtypes.to_dict()


@pytest.mark.parametrize(
    ("name", "sample"),
    [
        ("departments.csv", "careerfoundry/departments.csv"),
        ("aisles.csv", "kaggle/aisles.csv"),
    ],
)
def test_small_tables_equal_the_real_files_byte_for_byte(
    generated: Generated, samples: Path, name: str, sample: str
) -> None:
    assert generated.raw(name) == (samples / sample).read_bytes()


def test_departments_are_transposed_with_21_departments(generated: Generated) -> None:
    ids, names = csv_rows(generated.raw("departments.csv"))
    assert ids == ["department_id", *[str(i) for i in range(1, 22)]]
    assert names[0] == "department"
    assert names[1:5] == ["frozen", "other", "bakery", "produce"]
    assert len(names) == 22


@pytest.mark.parametrize(
    ("name", "crlf"),
    [
        ("orders.csv", True),
        ("order_products__prior.csv", True),
        ("order_products__train.csv", True),
        ("products.csv", False),
        ("departments.csv", False),
        ("aisles.csv", False),
        ("customers.csv", False),
    ],
)
def test_every_line_ends_like_the_real_file(generated: Generated, name: str, crlf: bool) -> None:
    data = generated.raw(name)
    assert data.endswith(b"\n")
    if crlf:
        assert data.count(b"\r\n") == data.count(b"\n")
    else:
        assert b"\r" not in data


def test_order_fields_are_written_like_the_real_orders(generated: Generated) -> None:
    lines = generated.raw("orders.csv").decode().split("\r\n")[1:-1]
    days = [line.rsplit(",", 1)[1] for line in lines]
    assert all(re.fullmatch(r"\d{1,2}|", d) for d in days)  # 15, never 15.0, empty on first
    hours = {line.split(",")[5] for line in lines}
    assert hours <= {str(h) for h in range(24)}  # 9, not "09"
    assert b'"' not in generated.raw("orders.csv")


def test_days_since_prior_order_is_empty_exactly_on_first_orders(generated: Generated) -> None:
    orders = generated.orders
    first = orders.order_number == 1
    assert orders.days_since_prior_order[first].isna().all()
    later = orders.days_since_prior_order[~first]
    assert later.notna().all()
    assert later.between(0, 30).all()


def test_weekday_follows_from_the_days_since_the_prior_order(generated: Generated) -> None:
    orders = generated.orders
    step = orders.order_dow - orders.order_dow.shift(1)
    days = orders.days_since_prior_order
    checked = days.notna() & (days < 30)
    assert ((step[checked] - days[checked]) % 7 == 0).all()


def test_customer_fields_look_like_the_course_file(generated: Generated) -> None:
    rows = csv_rows(generated.raw("customers.csv"))[1:]
    assert len(rows) == CUSTOMERS
    assert all(re.fullmatch(r"\d{1,2}/\d{1,2}/20(17|18|19|20)", row[6]) for row in rows)
    assert sum(row[1] == "" for row in rows) > 0
    joined = pd.to_datetime([row[6] for row in rows], format="%m/%d/%Y")
    assert joined.min() >= pd.Timestamp("2017-01-01")
    assert joined.max() <= pd.Timestamp("2020-04-01")
    assert joined.is_monotonic_increasing  # the course's file is ordered by date joined
    assert sorted(int(row[0]) for row in rows) == list(range(1, CUSTOMERS + 1))


# --------------------------------------------------------------------------- product quirks


def test_products_have_every_course_quirk(generated: Generated) -> None:
    rows = csv_rows(generated.raw("products.csv"))[1:]
    assert len(rows) == 49_693
    names = [row[1] for row in rows]
    assert names.count("") == 16
    assert names.count("#NAME?") == 1
    as_tuples = [tuple(row) for row in rows]
    assert len(as_tuples) - len(set(as_tuples)) == 5
    ids = [int(row[0]) for row in rows]
    assert 6799 not in ids
    assert 26519 not in ids
    for twice in (6800, 26520):
        doubled = [row for row in rows if int(row[0]) == twice]
        assert len(doubled) == 2
        assert doubled[0][1] != doubled[1][1]
    assert any("," in name for name in names)
    assert any('"' in name for name in names)
    assert b'""' in generated.raw("products.csv")  # quotes doubled inside a quoted name


def test_prices_are_tenths_from_1_to_25_plus_two_absurd_ones(generated: Generated) -> None:
    rows = csv_rows(generated.raw("products.csv"))[1:]
    prices = [row[4] for row in rows]
    assert all(re.fullmatch(r"\d+(\.\d)?", p) for p in prices)  # 9 and 9.1, never 9.0
    values = np.array([float(p) for p in prices])
    assert sorted(values[values > 25]) == [14900.0, 99999.0]
    normal = values[values <= 25]
    assert normal.min() >= 1.0
    assert 6.5 <= np.median(normal) <= 7.8


def test_product_ids_match_the_course_file(generated: Generated, samples: Path) -> None:
    real = pd.read_csv(samples / "careerfoundry/products.csv")
    ours = generated.products
    assert ours.shape == real.shape
    assert list(ours.columns) == list(real.columns)
    assert sorted(ours.product_id) == sorted(real.product_id)


def test_product_names_are_plausible_and_bananas_lead(generated: Generated) -> None:
    products = generated.products.drop_duplicates("product_id")
    names = products.set_index("product_id").product_name
    counts = generated.prior.product_id.value_counts()
    assert names[counts.index[0]] == "Banana"
    assert names[counts.index[1]] == "Bag of Organic Bananas"
    real_names = products.product_name[products.product_name != ""]
    assert real_names.str.len().between(3, 120).all()
    assert real_names.nunique() > 49_000


# --------------------------------------------------------------------------- determinism


def test_same_seed_gives_identical_bytes(generated: Generated, same_seed: Path) -> None:
    for name in FILES:
        assert generated.raw(name) == (same_seed / name).read_bytes(), name


def test_different_seed_gives_different_data(generated: Generated, other_seed: Path) -> None:
    for name in ("orders.csv", "order_products__prior.csv", "products.csv", "customers.csv"):
        assert generated.raw(name) != (other_seed / name).read_bytes(), name


# --------------------------------------------------------------------------- shape


def test_orders_per_customer_are_skewed_between_4_and_100(generated: Generated) -> None:
    per_user = generated.orders.groupby("user_id").order_number.max()
    assert len(per_user) == CUSTOMERS
    assert per_user.between(4, 100).all()
    assert 8 <= per_user.median() <= 12
    assert per_user.mean() > per_user.median() + 3
    assert (per_user == 4).mean() > 0.08


def test_each_customers_orders_are_numbered_and_end_in_train_or_test(
    generated: Generated,
) -> None:
    orders = generated.orders
    assert orders.order_id.is_unique
    assert sorted(orders.order_id) == list(range(1, len(orders) + 1))
    number = orders.groupby("user_id").cumcount() + 1
    assert (number == orders.order_number).all()
    last = orders.groupby("user_id").order_number.transform("max") == orders.order_number
    assert orders.eval_set[last].isin(["train", "test"]).all()
    assert (orders.eval_set[~last] == "prior").all()
    test_share = (orders.eval_set[last] == "test").mean()
    assert 0.30 <= test_share <= 0.43  # the real 75,000 test : 131,209 train


def test_days_0_and_1_are_busiest_and_hours_peak_mid_morning(generated: Generated) -> None:
    orders = generated.orders
    by_day = orders.order_dow.value_counts()
    assert set(by_day.index[:2]) == {0, 1}
    assert set(by_day.index[-2:]) <= {2, 3, 4, 5, 6}
    by_hour = orders.order_hour_of_day.value_counts()
    assert 9 <= by_hour.idxmax() <= 16
    assert by_hour.idxmin() in (2, 3, 4)


def test_days_since_prior_order_peaks_at_7_and_30(generated: Generated) -> None:
    counts = generated.orders.days_since_prior_order.value_counts()
    assert set(counts.index[:2]) == {7.0, 30.0}


def test_loyal_customers_order_more_often(generated: Generated) -> None:
    orders = generated.orders
    per_user = orders.groupby("user_id").agg(
        n=("order_number", "max"), days=("days_since_prior_order", "mean")
    )
    assert per_user.days[per_user.n >= 30].mean() + 5 < per_user.days[per_user.n <= 6].mean()


def test_baskets_hold_about_ten_items_and_59_percent_are_reorders(generated: Generated) -> None:
    prior = generated.prior
    assert 8.5 <= prior.groupby("order_id").size().mean() <= 11.5
    assert 0.54 <= prior.reordered.mean() <= 0.64
    assert set(prior.reordered.unique()) == {0, 1}


def test_cart_positions_count_from_1_and_no_product_repeats_in_an_order(
    generated: Generated,
) -> None:
    for lines in (generated.prior, generated.train):
        assert not lines.duplicated(["order_id", "product_id"]).any()
        position = lines.groupby("order_id").cumcount() + 1
        assert (position == lines.add_to_cart_order).all()
        assert lines.order_id.is_monotonic_increasing


def test_first_orders_hold_no_reorders(generated: Generated) -> None:
    first = generated.orders.order_id[generated.orders.order_number == 1]
    assert (generated.prior.reordered[generated.prior.order_id.isin(first)] == 0).all()


def test_department_shares_of_lines_follow_the_real_data(generated: Generated) -> None:
    products = generated.products.drop_duplicates("product_id").set_index("product_id")
    department = products.department_id.reindex(generated.prior.product_id)
    share = department.value_counts(normalize=True)
    assert share[4] == pytest.approx(0.29, abs=0.03)  # produce
    assert share[16] == pytest.approx(0.17, abs=0.02)  # dairy eggs
    assert list(share.index[:2]) == [4, 16]


def test_popularity_is_long_tailed(generated: Generated) -> None:
    counts = generated.prior.product_id.value_counts()
    top_one_percent = counts.iloc[: len(counts) // 100].sum() / counts.sum()
    assert top_one_percent > 0.2
    assert counts.median() < counts.mean() / 3


# --------------------------------------------------------------------------- customers


def test_customer_demographics_have_the_course_shape(generated: Generated) -> None:
    customers = generated.customers
    assert list(customers.columns) == [
        "user_id",
        "First Name",
        "Surnam",
        "Gender",
        "STATE",
        "Age",
        "date_joined",
        "n_dependants",
        "fam_status",
        "income",
    ]
    assert customers.Gender.value_counts(normalize=True)["Female"] == pytest.approx(0.5, abs=0.04)
    assert customers.STATE.nunique() == 51
    assert customers.Age.min() == 18
    assert customers.Age.max() == 81
    assert set(customers.n_dependants) == {0, 1, 2, 3}
    assert customers["First Name"].isna().mean() == pytest.approx(0.055, abs=0.02)
    assert customers.income.min() == 25_903
    assert customers.income.max() == 593_901
    assert customers.income.median() == pytest.approx(93_500, rel=0.1)


def test_family_status_shares_and_rules(generated: Generated) -> None:
    customers = generated.customers
    share = customers.fam_status.value_counts(normalize=True)
    assert share["married"] == pytest.approx(0.70, abs=0.04)
    assert share["single"] == pytest.approx(0.16, abs=0.03)
    assert share["divorced/widowed"] == pytest.approx(0.09, abs=0.03)
    assert share["living with parents and siblings"] == pytest.approx(0.05, abs=0.02)
    with_parents = customers[customers.fam_status == "living with parents and siblings"]
    assert with_parents.Age.between(18, 21).all()
    alone = customers[customers.fam_status.isin(["single", "divorced/widowed"])]
    assert (alone.n_dependants == 0).all()


def test_income_rises_with_age(generated: Generated) -> None:
    customers = generated.customers
    young = customers.income[customers.Age < 30].median()
    middle = customers.income[customers.Age.between(40, 50)].median()
    old = customers.income[customers.Age >= 60].median()
    assert young < middle < old


def test_demographics_make_differences_a_report_can_find(generated: Generated) -> None:
    products = generated.products.drop_duplicates("product_id").set_index("product_id")
    lines = generated.prior.merge(generated.orders[["order_id", "user_id"]], on="order_id")
    lines = lines.merge(generated.customers[["user_id", "n_dependants", "Age"]], on="user_id")
    lines["department_id"] = products.department_id.reindex(lines.product_id).to_numpy()
    lines["price"] = products.prices.reindex(lines.product_id).to_numpy()
    babies = lines.department_id == 18
    parents = lines.n_dependants > 0
    assert babies[parents].mean() > 3 * babies[~parents].mean()
    sane = lines[lines.price < 100]
    assert sane.price[sane.Age >= 60].mean() > sane.price[sane.Age < 35].mean()


# --------------------------------------------------------------------------- integrity


def test_every_line_belongs_to_a_known_order_of_its_set(generated: Generated) -> None:
    eval_set = generated.orders.set_index("order_id").eval_set
    assert (eval_set.reindex(generated.prior.order_id) == "prior").all()
    assert (eval_set.reindex(generated.train.order_id) == "train").all()
    train_orders = set(generated.orders.order_id[generated.orders.eval_set == "train"])
    assert set(generated.train.order_id) == train_orders
    prior_orders = set(generated.orders.order_id[generated.orders.eval_set == "prior"])
    assert set(generated.prior.order_id) == prior_orders


def test_every_line_names_a_product_in_products(generated: Generated) -> None:
    known = set(generated.products.product_id)
    assert set(generated.prior.product_id) <= known
    assert set(generated.train.product_id) <= known


def test_every_order_belongs_to_a_customer(generated: Generated) -> None:
    assert set(generated.orders.user_id) == set(generated.customers.user_id)


# --------------------------------------------------------------------------- running it


def test_progress_goes_to_stderr_only_when_asked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generate(tmp_path / "quiet", customers=30, seed=1, progress=False)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == ""
    generate(tmp_path / "loud", customers=30, seed=1, progress=True)
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "[7/7]" in captured.err
    assert "orders" in captured.err


def test_rewriting_replaces_files_and_leaves_no_temporary_files(tmp_path: Path) -> None:
    generate(tmp_path, customers=30, seed=1, progress=False)
    generate(tmp_path, customers=40, seed=1, progress=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
    customers = pd.read_csv(tmp_path / "customers.csv")
    assert len(customers) == 40


def test_rejects_a_customer_count_below_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="customers"):
        generate(tmp_path, customers=0, progress=False)
    assert not any(tmp_path.iterdir())


def test_the_cli_command_writes_the_files(tmp_path: Path) -> None:
    status = main(["sample-data", "--out", str(tmp_path), "--customers", "25", "--quiet"])
    assert status == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(FILES)
