"""The course's way, as an oracle and a baseline: read the CSVs, merge everything, flag, group.

Written independently of reportgen (plain pandas, one merged frame, ``.loc`` flags and
``transform``) so that its tables can check reportgen's section tables, and so the benchmark
can measure what reportgen saves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

DAYS_FROM_SATURDAY = ["Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]
REGIONS = {
    "Northeast": "Connecticut, Maine, Massachusetts, New Hampshire, Rhode Island, Vermont, New Jersey, New York, Pennsylvania",
    "Midwest": "Illinois, Indiana, Michigan, Ohio, Wisconsin, Iowa, Kansas, Minnesota, Missouri, Nebraska, North Dakota, South Dakota",
    "South": "Delaware, Florida, Georgia, Maryland, North Carolina, South Carolina, Virginia, District of Columbia, West Virginia, Alabama, Kentucky, Mississippi, Tennessee, Arkansas, Louisiana, Oklahoma, Texas",
    "West": "Arizona, Colorado, Idaho, Montana, Nevada, New Mexico, Utah, Wyoming, Alaska, California, Hawaii, Oregon, Washington",
}
BIG_DEPARTMENTS = {
    "produce": "Produce",
    "dairy eggs": "Dairy & eggs",
    "snacks": "Snacks",
    "beverages": "Beverages",
    "frozen": "Frozen",
    "pantry": "Pantry",
    "babies": "Babies",
    "pets": "Pets",
    "alcohol": "Alcohol",
}


def load_merged(data: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The course's wrangling: clean products, merge lines with everything, flag customers."""
    orders = pd.read_csv(data / "orders.csv")
    lines = pd.read_csv(data / "order_products__prior.csv")
    products = pd.read_csv(data / "products.csv")
    departments = pd.read_csv(data / "departments.csv", index_col=0).T.reset_index()
    departments = departments.rename(columns={"index": "department_id"})
    departments["department_id"] = departments["department_id"].astype(int)
    customers = pd.read_csv(data / "customers.csv")
    customers = customers.drop(columns=["First Name", "Surnam"])
    customers = customers.rename(columns={"STATE": "state", "Gender": "gender", "Age": "age"})

    products = products[products["product_name"].notna() & (products["product_name"] != "")]
    products = products.drop_duplicates()
    products = products.drop_duplicates(subset="product_id", keep="first")
    products.loc[(products["prices"] < 0) | (products["prices"] > 100), "prices"] = np.nan

    orders = orders[orders["eval_set"] == "prior"]
    merged = lines.merge(orders, on="order_id", how="inner")
    merged = merged.merge(products, on="product_id", how="inner")
    merged = merged.merge(departments, on="department_id", how="inner")
    merged = merged.merge(customers, on="user_id", how="inner")

    # Customer flags, the course way (transform over the merged frame).
    merged["max_order"] = merged.groupby("user_id")["order_number"].transform("max")
    merged["mean_item_price"] = merged.groupby("user_id")["prices"].transform("mean")
    return merged, orders, customers


def customer_flags(
    orders: pd.DataFrame, customers: pd.DataFrame, merged: pd.DataFrame
) -> pd.DataFrame:
    """One row per customer with every flag the report uses (computed without reportgen)."""
    valid_orders = orders[orders["user_id"].isin(customers["user_id"])]
    per_user = valid_orders.groupby("user_id").agg(
        max_order=("order_number", "max"), median_days=("days_since_prior_order", "median")
    )
    flags = customers.set_index("user_id").join(per_user, how="left")
    flags["mean_item_price"] = merged.groupby("user_id")["prices"].mean()
    for department, column in (
        ("babies", "baby_buyer"),
        ("pets", "pet_buyer"),
        ("alcohol", "alcohol_buyer"),
    ):
        buyers = set(merged.loc[merged["department"] == department, "user_id"])
        flags[column] = flags.index.isin(buyers)
    flags["loyalty"] = "New customer"
    flags.loc[flags["max_order"] > 10, "loyalty"] = "Regular customer"
    flags.loc[flags["max_order"] > 40, "loyalty"] = "Loyal customer"
    flags["spender"] = np.where(flags["mean_item_price"] < 10, "Low spender", "High spender")
    flags["region"] = flags["state"].map(
        {s.strip(): r for r, ss in REGIONS.items() for s in ss.split(",")}
    )
    flags["age_group"] = pd.cut(
        flags["age"], [-np.inf, 29, 44, 64, np.inf], labels=["18–29", "30–44", "45–64", "65+"]
    ).astype(str)
    flags["income_group"] = pd.cut(
        flags["income"],
        [-np.inf, 75000, 150000, np.inf],
        labels=["Under $75k", "$75k–150k", "Over $150k"],
    ).astype(str)
    flags["goods_profile"] = np.select(
        [flags["baby_buyer"], flags["pet_buyer"], flags["alcohol_buyer"]],
        ["Baby-product buyer", "Pet owner", "Alcohol buyer"],
        "None of these",
    )
    flags["profile"] = np.select(
        [
            flags["age"] >= 65,
            flags["fam_status"] == "living with parents and siblings",
            (flags["age"] < 40) & (flags["n_dependants"] > 0),
            flags["n_dependants"] > 0,
            flags["income"] > 150000,
        ],
        [
            "Senior",
            "Young adult at home",
            "Young parent",
            "Established parent",
            "High earner without children",
        ],
        "Adult without children",
    )
    return flags[flags["max_order"] >= 5]


def course_tables(data: Path) -> dict[str, pd.DataFrame]:
    """The report's section tables, computed the course's way (column names as in reportgen)."""
    merged, orders, customers = load_merged(data)
    flags = customer_flags(orders, customers, merged)
    active = set(flags.index)
    merged = merged[merged["user_id"].isin(active)].copy()
    orders = orders[orders["user_id"].isin(active)].copy()
    orders["order_day"] = orders["order_dow"].map(dict(enumerate(DAYS_FROM_SATURDAY)))
    orders["hour"] = orders["order_hour_of_day"]
    merged["order_day"] = merged["order_dow"].map(dict(enumerate(DAYS_FROM_SATURDAY)))
    merged["hour"] = merged["order_hour_of_day"]
    merged = merged.join(flags[["loyalty", "region", "profile"]], on="user_id")
    orders = orders.join(
        flags[
            [
                "loyalty",
                "region",
                "profile",
                "age_group",
                "fam_status",
                "income_group",
                "goods_profile",
                "spender",
            ]
        ],
        on="user_id",
    )
    merged = merged.join(flags[["age_group", "income_group", "goods_profile"]], on="user_id")
    tables: dict[str, pd.DataFrame] = {}

    by_day = orders.groupby("order_day").size().rename("orders").to_frame()
    by_day["share_orders"] = by_day["orders"] / by_day["orders"].sum()
    tables["orders-by-day"] = by_day.reindex(
        [d for d in DAYS_FROM_SATURDAY if d in by_day.index]
    ).reset_index()

    by_hour = orders.groupby("hour").size().rename("orders").to_frame()
    by_hour["share_orders"] = by_hour["orders"] / by_hour["orders"].sum()
    tables["orders-by-hour"] = by_hour.reset_index()

    revenue_by = merged.groupby("loyalty")["prices"].sum()
    _ = revenue_by

    def habits(key: str) -> pd.DataFrame:
        group_orders = orders.groupby(key)
        frame = pd.DataFrame(
            {
                "orders": group_orders.size(),
                "customers": flags.groupby(key).size() if key in flags.columns else np.nan,
                "revenue": merged.groupby(key)["prices"].sum(),
                "order_lines": merged.groupby(key).size(),
                "avg_item_price": merged.groupby(key)["prices"].mean(),
                "days_between": group_orders["days_since_prior_order"].mean(),
            }
        )
        frame["avg_order_value"] = frame["revenue"] / frame["orders"]
        frame["orders_per_customer"] = frame["orders"] / frame["customers"]
        frame["items_per_order"] = frame["order_lines"] / frame["orders"]
        return frame

    loyalty = habits("loyalty")
    loyalty_order = ["Loyal customer", "Regular customer", "New customer"]
    loyalty["share_customers"] = loyalty["customers"] / loyalty["customers"].sum()
    tables["loyalty"] = loyalty.reindex(loyalty_order)[
        ["customers", "share_customers"]
    ].reset_index()
    tables["loyalty-habits"] = loyalty.reindex(loyalty_order)[
        [
            "orders_per_customer",
            "days_between",
            "avg_order_value",
            "avg_item_price",
            "items_per_order",
        ]
    ].reset_index()

    regions = habits("region")
    regions["share_customers"] = regions["customers"] / regions["customers"].sum()
    tables["regions"] = regions.reindex(list(REGIONS))[
        ["customers", "share_customers", "revenue", "avg_order_value", "orders_per_customer"]
    ].reset_index()

    departments = merged.groupby("department").agg(
        order_lines=("order_id", "size"), reorder_rate=("reordered", "mean")
    )
    departments["share_lines"] = departments["order_lines"] / departments["order_lines"].sum()
    tables["departments-all"] = departments.sort_values(
        "order_lines", ascending=False
    ).reset_index()

    products = (
        merged.groupby("product_name")
        .size()
        .rename("order_lines")
        .sort_values(ascending=False, kind="stable")
    )
    tables["top-products"] = products.head(10).reset_index()
    tables["products-all"] = products.reset_index()

    profiles = habits("profile")
    profiles["share_customers"] = profiles["customers"] / profiles["customers"].sum()
    profiles["mean_income"] = flags.groupby("profile")["income"].mean()
    tables["profiles"] = profiles
    tables["profile-habits"] = profiles[
        ["avg_order_value", "orders_per_customer", "days_between", "items_per_order"]
    ]
    goods = habits("goods_profile")
    goods["share_customers"] = goods["customers"] / goods["customers"].sum()
    tables["goods-profiles"] = goods
    income = habits("income_group")
    income["share_customers"] = income["customers"] / income["customers"].sum()
    tables["income-groups"] = income
    return tables
