"""Peers benchmark: the same sections of the shipped report computed by reportgen, DuckDB and
Polars from the same cleaned Parquet files, checked equal, timed side by side in one run.

    python benchmarks/peers.py SPEC [--runs N] [--json OUT]

Every engine reads the table cache reportgen writes (``.reportgen-cache/`` beside the spec: the
files after cleaning) and computes the sections below with the spec's rules written out by
hand: prior orders of existing customers with at least 5 of them, order lines of those orders
whose product and department exist. The timed work is the warm data stage (read + compute).
DuckDB and Polars are optional (``pip install -e '.[bench]'``); without them the benchmark
says so and is skipped.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from reportgen.data import cache
from reportgen.data.files import resolve_files
from reportgen.data.load import load_table
from reportgen.engine.finish import run_section
from reportgen.engine.pandas_engine import PandasExecutor
from reportgen.engine.plan import needed_columns, plan_section
from reportgen.model.resolve import load_and_resolve
from reportgen.model.semantic import day_names
from reportgen.spec.models import AnalysisSection, BinsField

# Section → (group column, metric columns), as the shipped report names them.
SECTIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "orders-by-day": ("order_day", ("orders", "share_orders")),
    "orders-by-hour": ("hour", ("orders", "share_orders")),
    "spending-by-time": ("time_of_day", ("revenue", "share_revenue", "orders", "avg_order_value")),
    "revenue-by-hour": ("hour", ("revenue", "avg_order_value")),
    "item-price-by-hour": ("hour", ("avg_item_price",)),
    "departments": ("department", ("order_lines", "share_lines", "reorder_rate")),
    "loyalty": ("loyalty", ("customers", "share_customers")),
    "loyalty-habits": (
        "loyalty",
        ("orders_per_customer", "days_between", "avg_order_value", "avg_item_price"),
    ),
}
ACTIVE_AT_LEAST = 5  # filters.active_customers: max_order >= 5
LOYALTY = "CASE WHEN max_order > 40 THEN 'Loyal customer' WHEN max_order > 10 THEN 'Regular customer' ELSE 'New customer' END"


class Setup:
    """The spec, its plans for the compared sections, and the cached Parquet file per table."""

    def __init__(self, spec_path: Path) -> None:
        loaded, self.model, _ = load_and_resolve(spec_path)
        spec = loaded.spec
        sections = [s for s in spec.sections if isinstance(s, AnalysisSection)]
        self.plans = {s.id: plan_section(self.model, s) for s in sections if s.id in SECTIONS}
        self.needed = needed_columns(self.model, self.plans.values())
        self.base = loaded.base_dir
        self.cache_dir = self.base / ".reportgen-cache"
        self.days = day_names(spec.settings.day_zero)
        bins = spec.fields["time_of_day"]
        assert isinstance(bins, BinsField)
        assert bins.closed == "right"
        self.edges, self.labels = list(bins.edges), list(bins.labels)
        self.files: dict[str, str] = {}
        for name, table in spec.data.items():
            load_table(name, table, self.base, columns=[], cache_dir=self.cache_dir)  # the cache
            key = cache.fingerprint(table, resolve_files(name, table, self.base))
            self.files[name] = str(cache.cache_file(self.cache_dir, name, key))


def ours(setup: Setup) -> dict[str, pd.DataFrame]:
    spec = setup.model.spec
    frames = {
        name: load_table(
            name, table, setup.base, columns=sorted(setup.needed[name]), cache_dir=setup.cache_dir
        ).frame
        for name, table in spec.data.items()
    }
    executor = PandasExecutor(setup.model, frames)
    return {sid: run_section(setup.model, executor, plan).full for sid, plan in setup.plans.items()}


def duckdb_tables(setup: Setup) -> dict[str, pd.DataFrame]:
    import duckdb

    db = duckdb.connect()
    files = setup.files
    days = ", ".join(f"'{d}'" for d in setup.days)
    cases = " ".join(
        f"WHEN order_hour_of_day <= {edge} THEN '{label}'"
        for edge, label in zip(setup.edges, setup.labels, strict=False)
    )
    db.execute(f"""
        CREATE TEMP TABLE o AS
        WITH prior AS (
            SELECT o.order_id, o.user_id, o.order_number, o.order_dow, o.order_hour_of_day,
                   o.days_since_prior_order
            FROM read_parquet('{files["orders"]}') o
            SEMI JOIN read_parquet('{files["customers"]}') c ON o.user_id = c.user_id
            WHERE o.eval_set = 'prior'),
        active AS (
            SELECT user_id, max(order_number) AS max_order FROM prior GROUP BY user_id
            HAVING max(order_number) >= {ACTIVE_AT_LEAST})
        SELECT prior.*, active.max_order,
               [{days}][order_dow + 1] AS order_day,
               CASE {cases} ELSE '{setup.labels[-1]}' END AS time_of_day,
               {LOYALTY} AS loyalty
        FROM prior JOIN active USING (user_id)""")
    db.execute(f"""
        CREATE TEMP TABLE l AS
        SELECT l.order_id, l.reordered, p.prices, d.department::VARCHAR AS department
        FROM read_parquet('{files["order_products"]}') l
        JOIN o USING (order_id)
        JOIN read_parquet('{files["products"]}') p USING (product_id)
        JOIN read_parquet('{files["departments"]}') d USING (department_id)""")
    db.execute("""
        CREATE TEMP TABLE per_order AS
        SELECT o.*, coalesce(s.revenue, 0) AS revenue, s.priced, s.price_sum
        FROM o LEFT JOIN (SELECT order_id, sum(prices) AS revenue, count(prices) AS priced,
                                 sum(prices) AS price_sum FROM l GROUP BY order_id) s
        USING (order_id)""")

    def by(column: str) -> pd.DataFrame:
        return db.execute(f"""
            SELECT {column}, count(*) AS orders, sum(revenue) AS revenue,
                   sum(price_sum) / sum(priced) AS avg_item_price,
                   avg(days_since_prior_order) AS days_between,
                   count(DISTINCT user_id) AS customers
            FROM per_order GROUP BY ALL""").df()

    tables = {
        "order_day": by("order_day"),
        "hour": by("order_hour_of_day AS hour"),
        "time_of_day": by("time_of_day"),
        "loyalty": by("loyalty"),
    }
    departments = db.execute("""
        SELECT department, count(*) AS order_lines, avg(reordered) AS reorder_rate
        FROM l GROUP BY department""").df()
    return finish_tables(tables, departments)


def polars_tables(setup: Setup) -> dict[str, pd.DataFrame]:
    import polars as pl

    files = setup.files
    customers = pl.scan_parquet(files["customers"]).select("user_id")
    prior = (
        pl.scan_parquet(files["orders"])
        .filter(pl.col("eval_set").cast(pl.Utf8) == "prior")
        .join(customers, on="user_id", how="semi")
        .drop("eval_set")
    )
    active = (
        prior.group_by("user_id")
        .agg(pl.col("order_number").max().cast(pl.Int32).alias("max_order"))
        .filter(pl.col("max_order") >= ACTIVE_AT_LEAST)
    )
    hour = pl.col("order_hour_of_day")
    time_of_day = pl.when(hour <= setup.edges[0]).then(pl.lit(setup.labels[0]))
    for edge, label in zip(setup.edges[1:], setup.labels[1:], strict=False):
        time_of_day = time_of_day.when(hour <= edge).then(pl.lit(label))
    orders = (
        prior.join(active, on="user_id")
        .with_columns(
            pl.col("order_dow")
            .cast(pl.Int64)
            .replace_strict(dict(enumerate(setup.days)), return_dtype=pl.Utf8)
            .alias("order_day"),
            time_of_day.otherwise(pl.lit(setup.labels[-1])).alias("time_of_day"),
            pl.when(pl.col("max_order") > 40)
            .then(pl.lit("Loyal customer"))
            .when(pl.col("max_order") > 10)
            .then(pl.lit("Regular customer"))
            .otherwise(pl.lit("New customer"))
            .alias("loyalty"),
            hour.alias("hour"),
        )
        .collect()
    )
    products = pl.scan_parquet(files["products"]).select("product_id", "department_id", "prices")
    departments = pl.scan_parquet(files["departments"]).with_columns(
        pl.col("department").cast(pl.Utf8)
    )
    lines = (
        pl.scan_parquet(files["order_products"])
        .select("order_id", "product_id", "reordered")
        .join(orders.lazy().select("order_id"), on="order_id")
        .join(products, on="product_id")
        .join(departments, on="department_id")
        .collect()
    )
    per_order = orders.join(
        lines.group_by("order_id").agg(
            pl.col("prices").sum().alias("price_sum"), pl.col("prices").count().alias("priced")
        ),
        on="order_id",
        how="left",
    ).with_columns(pl.col("price_sum").fill_null(0.0).alias("revenue"))

    def by(column: str) -> pd.DataFrame:
        return (
            per_order.group_by(column)
            .agg(
                pl.len().alias("orders"),
                pl.col("revenue").sum(),
                (pl.col("price_sum").sum() / pl.col("priced").sum()).alias("avg_item_price"),
                pl.col("days_since_prior_order").cast(pl.Float64).mean().alias("days_between"),
                pl.col("user_id").n_unique().alias("customers"),
            )
            .to_pandas()
        )

    tables = {name: by(name) for name in ("order_day", "hour", "time_of_day", "loyalty")}
    per_department = (
        lines.group_by("department")
        .agg(
            pl.len().alias("order_lines"),
            pl.col("reordered").cast(pl.Float64).mean().alias("reorder_rate"),
        )
        .to_pandas()
    )
    return finish_tables(tables, per_department)


def finish_tables(
    grouped: dict[str, pd.DataFrame], departments: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """The derived metrics (shares and ratios) of every compared section from the peer's sums."""
    for frame in grouped.values():
        frame["share_orders"] = frame["orders"] / frame["orders"].sum()
        frame["share_revenue"] = frame["revenue"] / frame["revenue"].sum()
        frame["avg_order_value"] = frame["revenue"] / frame["orders"]
        frame["share_customers"] = frame["customers"] / frame["customers"].sum()
        frame["orders_per_customer"] = frame["orders"] / frame["customers"]
    departments["share_lines"] = departments["order_lines"] / departments["order_lines"].sum()
    tables = {}
    for sid, (column, metrics) in SECTIONS.items():
        frame = departments if column == "department" else grouped[column]
        tables[sid] = frame[[column, *metrics]]
    return tables


def differences(ours: dict[str, pd.DataFrame], theirs: dict[str, pd.DataFrame]) -> list[str]:
    """Where a peer's table differs from ours (empty when every section is equal)."""
    found = []
    for sid, (column, metrics) in SECTIONS.items():
        left = ours[sid].assign(**{column: ours[sid][column].astype(str)}).set_index(column)
        right = theirs[sid].assign(**{column: theirs[sid][column].astype(str)}).set_index(column)
        if set(left.index) != set(right.index):
            found.append(f"{sid}: groups {sorted(left.index)} vs {sorted(right.index)}")
            continue
        right = right.loc[left.index]
        for metric in metrics:
            a = left[metric].to_numpy(dtype=float)
            b = right[metric].to_numpy(dtype=float)
            if not np.allclose(a, b, rtol=1e-9, atol=0, equal_nan=True):
                found.append(f"{sid}.{metric}: {a[:4]} vs {b[:4]}")
    return found


ENGINES = {"reportgen": ours, "duckdb": duckdb_tables, "polars": polars_tables}


def available() -> tuple[list[str], list[str]]:
    """The engines that can run here, and a note per missing optional one."""
    names, missing = ["reportgen"], []
    for name in ("duckdb", "polars"):
        try:
            __import__(name)
            names.append(name)
        except ImportError:
            missing.append(f"{name} is not installed (pip install -e '.[bench]'): skipped")
    return names, missing


def run_peers(spec_path: Path, runs: int = 3) -> dict[str, Any]:
    """Interleaved warm runs of every available engine: median seconds and table checks."""
    names, notes = available()
    setup = Setup(spec_path)
    seconds: dict[str, list[float]] = {name: [] for name in names}
    reference: dict[str, pd.DataFrame] = {}
    checks: dict[str, list[str]] = {}
    for _ in range(runs):
        for name in names:
            begin = time.perf_counter()
            tables = ENGINES[name](setup)
            seconds[name].append(time.perf_counter() - begin)
            if name == "reportgen":
                reference = tables
            else:
                checks[name] = differences(reference, tables)
    return {
        "sections": list(SECTIONS),
        "median_seconds": {name: statistics.median(v) for name, v in seconds.items()},
        "seconds": seconds,
        "differences": checks,
        "notes": notes,
    }


def report(result: dict[str, Any]) -> str:
    lines = [f"peers: {len(result['sections'])} sections, warm data stage (read + compute)"]
    for name, value in result["median_seconds"].items():
        diff = result["differences"].get(name)
        check = "" if name == "reportgen" else ("  equal" if not diff else "  DIFFERS")
        lines.append(f"  {name:<10} {value:6.2f} s{check}")
        lines.extend(f"    {d}" for d in diff or [])
    lines.extend(f"  {note}" for note in result["notes"])
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("spec", type=Path)
    parser.add_argument("--runs", type=int, default=3, help="interleaved runs per engine")
    parser.add_argument("--json", type=Path, help="also write the result here")
    args = parser.parse_args()
    result = run_peers(args.spec, args.runs)
    print(report(result))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 1 if any(result["differences"].values()) else 0


if __name__ == "__main__":
    sys.exit(main())
