"""sample-data's scenarios: each declared property, checked with plain pandas over the CSVs.

The oracle is independent of reportgen's engine: it reads the files with pandas and applies the
shipped report's definitions (report.yaml's census regions, profile rules, loyalty and spender
thresholds, time-of-day windows, the active-customer filter) by hand.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from reportgen.cli import main
from reportgen.data.generate import SCENARIOS, generate

ROOT = Path(__file__).resolve().parents[2]
CUSTOMERS = 3_000
SEED = 42
FILES = (
    "orders.csv",
    "order_products__prior.csv",
    "order_products__train.csv",
    "products.csv",
    "departments.csv",
    "aisles.csv",
    "customers.csv",
)
BABIES, PETS, ALCOHOL, PRODUCE = 18, 8, 5, 4
WINDOWS = ["Night", "Morning", "Afternoon", "Evening", "Late evening"]


@dataclass(frozen=True)
class Data:
    """One generated folder, joined the way the report joins it (prior orders, active customers)."""

    folder: Path
    customers: pd.DataFrame  # every customer, raw
    active: pd.DataFrame  # active customers, with region, profile, loyalty, spender
    orders: pd.DataFrame  # prior orders of active customers, with their groups and window
    lines: pd.DataFrame  # their order lines, with price (missing if absurd), department, groups
    prices: pd.Series  # product_id → price as written (kept products)

    def by(self, column: str) -> pd.DataFrame:
        """Per group: customers, average order value, orders per customer, item price, ..."""
        orders = self.orders.groupby(column).size()
        customers = self.active.groupby(column).size()
        revenue = self.lines.groupby(column).price.sum()
        return pd.DataFrame(
            {
                "customers": customers,
                "aov": revenue / orders,
                "orders_per_customer": orders / customers,
                "item_price": self.lines.groupby(column).price.mean(),
                "items_per_order": self.lines.groupby(column).size() / orders,
                "high_spender_share": self.active.groupby(column).high_spender.mean(),
            }
        )

    def hourly_item_price(self) -> pd.Series:
        return self.lines.groupby("hour").price.mean()

    def revenue_minus_order_share(self) -> pd.Series:
        """Per time-of-day window: share of revenue − share of orders, in points."""
        revenue = self.lines.groupby("window", observed=True).price.sum()
        orders = self.orders.groupby("window", observed=True).size()
        return (revenue / revenue.sum() - orders / orders.sum()) * 100

    def department_mix(self) -> pd.DataFrame:
        """Share of each profile's lines per department id."""
        return pd.crosstab(self.lines.profile, self.lines.department, normalize="index")


def _regions() -> dict[str, str]:
    """State → census region, from the shipped report's own `region` field."""
    spec = yaml.safe_load((ROOT / "report.yaml").read_text(encoding="utf-8"))
    groups = spec["fields"]["region"]["groups"]
    return {state: region for region, states in groups.items() for state in states}


def _profile(customers: pd.DataFrame) -> np.ndarray:
    """report.yaml's `profile` cases, first rule that holds."""
    return np.select(
        [
            customers.Age >= 65,
            customers.fam_status == "living with parents and siblings",
            (customers.Age < 40) & (customers.n_dependants > 0),
            customers.n_dependants > 0,
            customers.income > 150_000,
        ],
        ["Senior", "Young adult at home", "Young parent", "Established parent", "High earner"],
        "Adult without children",
    )


def _load(folder: Path) -> Data:
    orders = pd.read_csv(folder / "orders.csv")
    lines = pd.read_csv(folder / "order_products__prior.csv")
    products = pd.read_csv(folder / "products.csv", keep_default_na=False)
    products = products[products.product_name != ""].drop_duplicates("product_id", keep="first")
    products = products.set_index("product_id")
    customers = pd.read_csv(folder / "customers.csv")

    prior = orders[orders.eval_set == "prior"]
    max_order = prior.groupby("user_id").order_number.max()
    active = customers.set_index("user_id").loc[max_order.index[max_order >= 5]].copy()
    active["region"] = active.STATE.map(_regions())
    active["profile"] = _profile(active)
    highest = max_order.reindex(active.index)
    active["loyalty"] = np.where(highest > 40, "Loyal", np.where(highest > 10, "Regular", "New"))

    prior = prior[prior.user_id.isin(active.index)].set_index("order_id")
    prior["window"] = pd.cut(
        prior.order_hour_of_day, [-1, 5, 11, 16, 21, 23], labels=WINDOWS, ordered=True
    )
    price = products.prices.where(products.prices <= 100)  # the spec's `valid` rule
    kept = lines[lines.order_id.isin(prior.index) & lines.product_id.isin(products.index)].copy()
    kept["price"] = price.reindex(kept.product_id).to_numpy()
    kept["department"] = products.department_id.reindex(kept.product_id).to_numpy()
    kept["user_id"] = prior.user_id.reindex(kept.order_id).to_numpy()
    kept["hour"] = prior.order_hour_of_day.reindex(kept.order_id).to_numpy()
    kept["window"] = prior.window.reindex(kept.order_id).to_numpy()
    active["high_spender"] = kept.groupby("user_id").price.mean().reindex(active.index) >= 10
    for column in ("region", "profile", "loyalty"):
        prior[column] = active[column].reindex(prior.user_id).to_numpy()
        kept[column] = active[column].reindex(kept.user_id).to_numpy()
    return Data(folder, customers, active, prior, kept, products.prices)


@pytest.fixture(scope="module")
def folders(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    made: dict[str, Path] = {}
    for scenario in SCENARIOS:
        folder = tmp_path_factory.mktemp(scenario)
        generate(folder, customers=CUSTOMERS, seed=SEED, progress=False, scenario=scenario)
        made[scenario] = folder
    return made


@pytest.fixture(scope="module")
def data(folders: dict[str, Path]) -> dict[str, Data]:
    return {scenario: _load(folder) for scenario, folder in folders.items()}


def spread(values: pd.Series) -> float:
    return float(values.max() / values.min())


def cv(values: pd.Series) -> float:
    return float(values.std() / values.mean())


# --------------------------------------------------------------------------- the default


def test_the_default_is_todays_data_byte_for_byte(tmp_path: Path) -> None:
    # Digests of the generator before scenarios existed (customers=300, seed=11).
    expected = {
        "aisles.csv": "2c5f4677761907d3a3ca01edd2d2abe67c147cc60e4905e68736d5f9f3046067",
        "customers.csv": "5c0efcc15020c0946057f9761c69e206358e32b7a0cf7af57ab8426159316c24",
        "departments.csv": "7b7c74e4c6448a554f3b8587299ccaeebcf062527f7020183d7ee07e64cc1e37",
        "order_products__prior.csv": (
            "96255f8b4d6dcb550ffcc1f32c41864acee45823bebfb9fa529b8d2e1c9cfd4f"
        ),
        "order_products__train.csv": (
            "769b2e855ef4bbb241e6c60566cd8105d57eceb8d82a97330b624bf3721a2443"
        ),
        "orders.csv": "74b9dff17c211bdec1c0f4544d9b128be5d4d5d4d301e8adae0c81533284a130",
        "products.csv": "82baccb6fb35b0961ff6d9984c8797cb8d9edeaf9793f69a355cf57040c82c7e",
    }
    generate(tmp_path, customers=300, seed=11, progress=False, scenario="default")
    for name, digest in expected.items():
        assert hashlib.sha256((tmp_path / name).read_bytes()).hexdigest() == digest, name


# --------------------------------------------------------------------------- same formats


@pytest.mark.parametrize("scenario", ["flat", "strong", "empty"])
def test_files_have_the_defaults_names_headers_line_endings_and_types(
    folders: dict[str, Path], scenario: str
) -> None:
    default, other = folders["default"], folders[scenario]
    assert sorted(p.name for p in other.iterdir()) == sorted(FILES)
    for name in FILES:
        ours, theirs = (other / name).read_bytes(), (default / name).read_bytes()
        assert ours[: ours.index(b"\n") + 1] == theirs[: theirs.index(b"\n") + 1], name
        assert (ours.count(b"\r\n") == ours.count(b"\n")) == (
            theirs.count(b"\r\n") == theirs.count(b"\n")
        ), name
        assert (b"\r" in ours) == (b"\r" in theirs), name
        if name != "departments.csv":  # transposed: pandas reads its ids as a header
            dtypes = pd.read_csv(other / name).dtypes.to_dict()
            assert dtypes == pd.read_csv(default / name).dtypes.to_dict(), name
    for name in ("aisles.csv", "departments.csv"):
        assert (other / name).read_bytes() == (default / name).read_bytes()


@pytest.mark.parametrize("scenario", ["flat", "strong", "empty"])
def test_the_catalogue_keeps_every_quirk(folders: dict[str, Path], scenario: str) -> None:
    default = pd.read_csv(folders["default"] / "products.csv", keep_default_na=False)
    other = pd.read_csv(folders[scenario] / "products.csv", keep_default_na=False)
    columns = ["product_id", "product_name", "aisle_id", "department_id"]
    pd.testing.assert_frame_equal(other[columns], default[columns])
    changed = other.prices != default.prices
    if scenario == "empty":  # only prices over $15 changed, and only to $15 or less
        assert default.prices[changed].gt(15).all()
        assert other.prices[changed].le(15).all()
        assert sorted(other.prices[other.prices > 100]) == [14900, 99999]
    else:
        assert not changed.any()


@pytest.mark.parametrize("scenario", ["flat", "strong", "empty"])
def test_same_seed_same_bytes(tmp_path: Path, scenario: str) -> None:
    for name in ("a", "b"):
        generate(tmp_path / name, customers=60, seed=3, progress=False, scenario=scenario)
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_the_command_takes_a_scenario_and_rejects_an_unknown_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["sample-data", "--out", str(tmp_path / "x"), "--customers", "30", "--quiet"]
    assert main([*args, "--scenario", "empty"]) == 0
    assert pd.read_csv(tmp_path / "x" / "customers.csv").Age.max() < 65
    with pytest.raises(SystemExit) as exit_:
        main([*args, "--scenario", "flatt"])
    assert exit_.value.code == 2
    assert "invalid choice: 'flatt'" in capsys.readouterr().err
    with pytest.raises(ValueError, match="unknown scenario 'flatt'"):
        generate(tmp_path / "y", customers=30, progress=False, scenario="flatt")


# --------------------------------------------------------------------------- flat


def test_flat_item_price_is_the_same_at_every_hour_and_window(data: dict[str, Data]) -> None:
    flat = data["flat"]
    assert cv(flat.hourly_item_price()) < 0.05
    by_window = flat.lines.groupby("window", observed=True).price.mean()
    assert spread(by_window) < 1.03
    assert flat.revenue_minus_order_share().abs().max() < 1.0  # revenue follows orders


def test_flat_regions_are_alike(data: dict[str, Data]) -> None:
    regions = data["flat"].by("region")
    assert len(regions) == 4
    assert spread(regions.aov) < 1.05
    assert spread(regions.orders_per_customer) < 1.05
    assert spread(regions.items_per_order) < 1.05
    assert spread(regions.item_price) < 1.05
    high = regions.high_spender_share
    assert high.min() > 0.05  # there are high spenders, in the same share everywhere
    assert high.max() - high.min() < 0.01


def test_flat_profiles_and_loyalty_groups_are_alike(data: dict[str, Data]) -> None:
    flat = data["flat"]
    profiles = flat.by("profile")
    assert len(profiles) == 6
    assert spread(profiles.aov) < 1.10
    assert cv(profiles.aov) < 0.05
    assert spread(profiles.item_price) < 1.05
    mix = flat.department_mix()
    assert (mix - mix.mean()).abs().max().max() < 0.03
    loyalty = flat.by("loyalty")
    assert len(loyalty) == 3
    assert spread(loyalty.aov) < 1.05
    assert spread(loyalty.item_price) < 1.05
    assert spread(loyalty.orders_per_customer) > 5  # the groups themselves still exist


# --------------------------------------------------------------------------- strong


def test_strong_item_price_varies_through_the_day(data: dict[str, Data]) -> None:
    hourly = data["strong"].hourly_item_price()
    assert spread(hourly) >= 1.8
    assert hourly.idxmax() in (0, 1, 2, 3, 4, 5, 22, 23)
    assert hourly.idxmin() in range(6, 12)


def test_strong_revenue_does_not_follow_order_volume(data: dict[str, Data]) -> None:
    gap = data["strong"].revenue_minus_order_share()
    assert gap.abs().max() >= 3.0
    assert gap["Morning"] <= -3.0


def test_strong_regions_differ(data: dict[str, Data]) -> None:
    regions = data["strong"].by("region")
    assert spread(regions.aov) >= 1.5
    assert regions.aov.idxmax() == "West"
    assert regions.aov.idxmin() == "South"
    assert spread(regions.orders_per_customer) >= 1.3
    assert regions.orders_per_customer.idxmax() == "Northeast"
    assert spread(regions.high_spender_share) >= 3
    assert regions.high_spender_share.idxmax() == "West"


def test_strong_profiles_and_loyalty_groups_differ(data: dict[str, Data]) -> None:
    strong = data["strong"]
    profiles = strong.by("profile")
    assert spread(profiles.aov) >= 1.5
    mix = strong.department_mix()
    assert mix.loc["Senior", PRODUCE] > 0.5  # one profile buys mostly one department
    assert (mix - mix.mean()).abs().max().max() > 0.1
    loyalty = strong.by("loyalty")
    assert loyalty.aov["Loyal"] >= 1.5 * loyalty.aov["New"]


# --------------------------------------------------------------------------- empty


def test_empty_leaves_the_declared_categories_empty(data: dict[str, Data]) -> None:
    empty = data["empty"]
    assert empty.customers.Age.max() < 65  # no "Senior", no "65+"
    goods = empty.lines.department.isin([BABIES, PETS, ALCOHOL])
    buyers = set(empty.lines.user_id[goods])
    assert set(empty.active.index) <= buyers  # goods profile "None of these": nobody
    sane = empty.prices[empty.prices <= 100]
    assert sane.max() <= 15  # price range "High": no product
    assert sorted(empty.prices[empty.prices > 100]) == [14900, 99999]  # the quirk stays


def test_empty_keeps_every_other_category(data: dict[str, Data]) -> None:
    empty = data["empty"]
    assert set(empty.active.profile) == {
        "Young adult at home",
        "Young parent",
        "Established parent",
        "High earner",
        "Adult without children",
    }
    goods = [BABIES, PETS, ALCOHOL]  # one forced line per customer, nothing else changes
    share = {name: data[name].lines.department.isin(goods).mean() for name in ("empty", "default")}
    assert share["empty"] == pytest.approx(share["default"], abs=0.01)
    buys = empty.lines.assign(
        baby=empty.lines.department == BABIES,
        pet=empty.lines.department == PETS,
        alcohol=empty.lines.department == ALCOHOL,
    )
    per_customer = buys.groupby("user_id")[["baby", "pet", "alcohol"]].any()
    assert per_customer.baby.any()
    assert (per_customer.pet & ~per_customer.baby).any()
    assert (per_customer.alcohol & ~per_customer.pet & ~per_customer.baby).any()
    prices = empty.prices[empty.prices <= 100]
    assert (prices <= 5).any()
    assert ((prices > 5) & (prices <= 15)).any()
    assert set(empty.lines.loyalty) == {"Loyal", "Regular", "New"}
