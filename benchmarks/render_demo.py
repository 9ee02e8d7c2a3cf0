"""Build a realistic fake report (every chart kind, tables) and write /tmp/demo.html and .pdf."""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd
from markupsafe import Markup

from reportgen.charts.alt_text import describe
from reportgen.charts.build import ColumnInfo, build_chart
from reportgen.charts.convert import to_svg
from reportgen.render.context import (
    ChartBlock,
    ReportView,
    SectionView,
    TableBlock,
    TableColumn,
)
from reportgen.spec.models import ChartSpec
from reportgen.style.format import format_value

DAYS = ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")
DAY_ORDERS = [600905, 587478, 467260, 436972, 430112, 443009, 519101]
HOUR_ORDERS = [
    22758, 12398, 7539, 5474, 5527, 9569, 30529, 91868, 178201, 257812, 288418, 284728,
    272841, 277999, 283042, 283639, 272553, 228795, 182912, 140569, 104292, 78109, 61468, 40043,
]  # fmt: skip
DEPARTMENTS = {
    "produce": 0.292, "dairy eggs": 0.167, "snacks": 0.089, "beverages": 0.083, "frozen": 0.069,
    "pantry": 0.058, "bakery": 0.036, "canned goods": 0.033, "deli": 0.032,
    "dry goods pasta": 0.027, "household": 0.023, "meat seafood": 0.022,
}  # fmt: skip
REGIONS = ("Midwest", "Northeast", "South", "West")
LOYALTY = ("New customer", "Regular customer", "Loyal customer")
PROFILES = ("Young parents", "Single adults", "Seniors", "High earners", "Pet owners")


def _cols(**infos: tuple[str, str] | tuple[str, str, tuple[str, ...]]) -> dict[str, ColumnInfo]:
    return {name: ColumnInfo(*info) for name, info in infos.items()}


def _table(frame: pd.DataFrame, columns: dict[str, ColumnInfo], note: str = "") -> TableBlock:
    numeric = {"integer", "number", "decimal", "currency", "percent"}
    heads = [
        TableColumn(
            name, columns[name].label, "right" if columns[name].format in numeric else "left"
        )
        for name in frame.columns
    ]
    rows = [
        [format_value(v, columns[name].format) for name, v in zip(frame.columns, row, strict=True)]
        for row in frame.itertuples(index=False)
    ]
    return TableBlock(heads, rows, note)


def _chart(spec: ChartSpec, frame: pd.DataFrame, columns: dict[str, ColumnInfo], title: str):
    chart = build_chart(spec, frame, columns=columns, title=title)
    return ChartBlock(svg=to_svg(chart), alt=describe(spec, frame, columns), title=title)


def _para(*sentences: str) -> Markup:
    return Markup("").join(Markup("<p>{}</p>").format(s) for s in sentences)


def demo_view() -> ReportView:  # noqa: PLR0915 - one long recipe reads best top to bottom
    rng = np.random.default_rng(7)
    sections: list[SectionView] = []

    sections.append(
        SectionView(
            id="summary",
            title="Executive summary",
            level=1,
            kind="text",
            body=Markup(
                "<ul><li>Saturday is the busiest day with <strong>600,905</strong> orders; "
                "Wednesday the quietest with 430,112.</li>"
                "<li>Orders peak at 10:00 (288,418) and bottom out at 3:00 (5,474): the hours "
                "before 6:00 are the cheapest window for ads.</li>"
                "<li>Produce and dairy &amp; eggs account for 45.9% of all order lines.</li>"
                "<li>Loyal customers are 31.2% of customers but place 62.4% of orders.</li>"
                "<li>Average order value barely changes by region ($11.62 to $11.81).</li></ul>"
                "<p><strong>Recommendations.</strong> Schedule ads for 0:00–6:00; target young "
                "parents with baby and snack bundles; reward loyal customers in the South.</p>"
            ),
        )
    )
    day = pd.DataFrame({"order_dow": DAYS, "orders": DAY_ORDERS})
    day_cols = _cols(order_dow=("Day of week", "text", DAYS), orders=("Orders", "integer"))
    spec = ChartSpec(type="bar", x="order_dow", y="orders")
    sections.append(
        SectionView(
            id="busiest-days",
            title="When do customers order?",
            level=1,
            kind="analysis",
            question="Which days of the week and hours of the day are busiest?",
            body=_para(
                "Saturday is the busiest day with 600,905 orders, 39.7% more than Wednesday "
                "(430,112), the quietest.",
                "Weekends carry 34.8% of all orders.",
            ),
            chart=_chart(spec, day, day_cols, "Saturday and Sunday carry 35% of orders"),
            tables=[_table(day, day_cols)],
        )
    )
    hour = pd.DataFrame({"hour": range(24), "orders": HOUR_ORDERS})
    hour_cols = _cols(hour=("Hour of day", "integer"), orders=("Orders", "integer"))
    spec = ChartSpec(type="bar", x="hour", y="orders")
    sections.append(
        SectionView(
            id="busiest-hours",
            title="Orders by hour of day",
            level=2,
            kind="analysis",
            body=_para("Orders peak at 10:00 with 288,418 and are fewest at 3:00 (5,474)."),
            chart=_chart(spec, hour, hour_cols, "Orders peak at 10:00 and stay high until 16:00"),
        )
    )
    grid = pd.DataFrame(
        [
            {"hour": h, "order_dow": d, "orders": int(HOUR_ORDERS[h] * DAY_ORDERS[i] / 3.42e6)}
            for i, d in enumerate(DAYS)
            for h in range(24)
        ]
    )
    grid_cols = _cols(
        hour=("Hour of day", "integer"),
        order_dow=("Day of week", "text", DAYS),
        orders=("Orders", "integer"),
    )
    spec = ChartSpec(type="heatmap", x="hour", y="order_dow", color="orders")
    sections.append(
        SectionView(
            id="day-hour",
            title="Day and hour together",
            level=2,
            kind="analysis",
            body=_para("The quiet window is every night between midnight and 6:00."),
            chart=_chart(
                spec, grid, grid_cols, "Saturday at 10:00 is the busiest hour of the week"
            ),
        )
    )
    spend = pd.DataFrame(
        {
            "hour": range(24),
            "revenue": [v * 11.7 * (1 + 0.02 * np.sin(i)) for i, v in enumerate(HOUR_ORDERS)],
        }
    )
    spend_cols = _cols(hour=("Hour of day", "integer"), revenue=("Revenue", "currency"))
    spec = ChartSpec(type="area", x="hour", y="revenue")
    aov = pd.DataFrame({"hour": range(24), "aov": [11.6 + 0.25 * np.cos(i / 4) for i in range(24)]})
    aov_cols = _cols(hour=("Hour of day", "integer"), aov=("Average order value", "currency"))
    sections.append(
        SectionView(
            id="spending",
            title="When do customers spend the most?",
            level=1,
            kind="analysis",
            question="At what times of day do customers spend the most money?",
            body=_para("Revenue follows order volume: it peaks at 10:00 with $3.4 million."),
            chart=_chart(spec, spend, spend_cols, "Revenue peaks at 10:00"),
        )
    )
    spec = ChartSpec(type="line", x="hour", y="aov")
    sections.append(
        SectionView(
            id="order-value",
            title="Average order value by hour",
            level=2,
            kind="analysis",
            body=_para("Average order value is nearly flat across the day ($11.35 to $11.85)."),
            chart=_chart(spec, aov, aov_cols, "Order value hardly changes with the hour"),
            tables=[],
        )
    )
    price = pd.DataFrame(
        {"price_range": ["Low", "Mid", "High"], "order_lines": [9_674_840, 21_860_860, 397_234]}
    )
    price_cols = _cols(
        price_range=("Price range", "text", ("Low", "Mid", "High")),
        order_lines=("Order lines", "integer"),
    )
    spec = ChartSpec(type="donut", x="price_range", y="order_lines")
    sections.append(
        SectionView(
            id="price-ranges",
            title="Which price ranges sell?",
            level=1,
            kind="analysis",
            question="How do low, mid and high-priced products compare?",
            body=_para("Mid-range products make up 68.5% of order lines."),
            chart=_chart(spec, price, price_cols, "Two in three items bought are mid-range"),
            tables=[_table(price, price_cols)],
        )
    )
    dept = pd.DataFrame(
        {"department": list(DEPARTMENTS) + ["Other"], "share": [*DEPARTMENTS.values(), 0.071]}
    )
    dept["order_lines"] = (dept["share"] * 32_434_489).round().astype(int)
    dept_cols = _cols(
        department=("Department", "text"),
        order_lines=("Order lines", "integer"),
        share=("Share", "percent"),
    )
    spec = ChartSpec(type="hbar", x="department", y="order_lines")
    sections.append(
        SectionView(
            id="departments",
            title="Departments and products",
            level=1,
            kind="analysis",
            question="Which departments and products sell most?",
            body=_para("Produce leads with 29.2% of order lines, then dairy & eggs with 16.7%."),
            chart=_chart(
                spec,
                dept[["department", "order_lines"]],
                dept_cols,
                "Produce is 29% of everything sold",
            ),
            tables=[
                _table(
                    dept[["department", "order_lines", "share"]],
                    dept_cols,
                    "Top 12 of 21 departments; the rest are summed in Other.",
                )
            ],
        )
    )
    loyalty = pd.DataFrame(
        {
            "loyalty": LOYALTY * 3,
            "metric": ["Orders per customer"] * 3
            + ["Basket size"] * 3
            + ["Days between orders"] * 3,
            "value": [6.1, 21.4, 58.2, 9.8, 10.2, 10.6, 18.4, 11.9, 5.3],
        }
    )
    spec = ChartSpec(type="grouped", x="metric", y="value", color="loyalty")
    loyalty_cols = _cols(
        loyalty=("Loyalty", "text", LOYALTY), metric=("Measure", "text"), value=("Value", "decimal")
    )
    customers = pd.DataFrame({"loyalty": LOYALTY, "customers": [66_394, 87_012, 52_803]})
    customer_cols = _cols(loyalty=("Loyalty", "text", LOYALTY), customers=("Customers", "integer"))
    sections.append(
        SectionView(
            id="loyalty",
            title="How do loyal customers behave?",
            level=1,
            kind="analysis",
            question="Are there differences in ordering habits based on loyalty status?",
            body=_para("Loyal customers order every 5.3 days on average, new ones every 18.4."),
            chart=_chart(spec, loyalty, loyalty_cols, "Loyal customers order three times as often"),
            tables=[_table(customers, customer_cols)],
        )
    )
    region_rows = []
    for region in REGIONS:
        for spender, share in (("Low spender", 0.7), ("High spender", 0.3)):
            region_rows.append(
                {
                    "region": region,
                    "spender": spender,
                    "customers": int(share * rng.integers(40_000, 70_000)),
                }
            )
    regions = pd.DataFrame(region_rows)
    region_cols = _cols(
        region=("Region", "text"), spender=("Spender", "text"), customers=("Customers", "integer")
    )
    spec = ChartSpec(type="stacked", x="region", y="customers", color="spender")
    sections.append(
        SectionView(
            id="regions",
            title="Do regions differ?",
            level=1,
            kind="analysis",
            question="Is there a difference in spending habits between regions?",
            body=_para("The South has the most customers; the spender mix is the same everywhere."),
            chart=_chart(spec, regions, region_cols, "The South has the most customers"),
        )
    )
    mix_rows = []
    for profile in PROFILES:
        weights = rng.dirichlet(np.ones(6) * 3)
        for dept_name, w in zip(
            ["produce", "dairy eggs", "snacks", "beverages", "babies", "Other"],
            weights,
            strict=True,
        ):
            mix_rows.append(
                {"profile": profile, "department": dept_name, "order_lines": int(w * 1e6)}
            )
    mix = pd.DataFrame(mix_rows)
    mix_cols = _cols(
        profile=("Profile", "text", PROFILES),
        department=("Department", "text"),
        order_lines=("Order lines", "integer"),
    )
    spec = ChartSpec(type="stacked100", x="profile", y="order_lines", color="department")
    sections.append(
        SectionView(
            id="profile-mix",
            title="How do profiles differ?",
            level=1,
            kind="analysis",
            question="What do the customer profiles buy?",
            body=_para("Young parents buy three times more baby products than any other profile."),
            chart=_chart(spec, mix, mix_cols, "Young parents' baskets lean to babies and dairy"),
        )
    )
    gaps = pd.DataFrame(
        {
            "days": range(31),
            "orders": [
                int(60_000 * np.exp(-((d - 7) ** 2) / 18) + 15_000 * np.exp(-d / 8) + 9_000)
                for d in range(31)
            ],
        }
    )
    gaps.loc[30, "orders"] = 369_323
    gap_cols = _cols(days=("Days since prior order", "integer"), orders=("Orders", "integer"))
    spec = ChartSpec(type="histogram", x="days", y="orders")
    sections.append(
        SectionView(
            id="order-gaps",
            title="How often do customers come back?",
            level=2,
            kind="analysis",
            body=_para("Most customers come back after a week; the spike at 30 is the data's cap."),
            chart=_chart(
                spec, gaps, gap_cols, "A weekly rhythm, and a long tail capped at 30 days"
            ),
        )
    )
    ages = pd.DataFrame({"age": np.arange(18, 82, 4)})
    ages["income"] = 40_000 + ages["age"] * 1_900 + rng.normal(0, 6_000, len(ages))
    age_cols = _cols(age=("Age", "integer"), income=("Median income", "currency"))
    spec = ChartSpec(type="scatter", x="age", y="income")
    profiles = pd.DataFrame(
        {"profile": PROFILES, "customers": [31_204, 28_870, 40_112, 22_015, 9_876]}
    )
    profile_cols = _cols(profile=("Profile", "text"), customers=("Customers", "integer"))
    sections.append(
        SectionView(
            id="age-income",
            title="Age, income and family",
            level=1,
            kind="analysis",
            question="Is there a connection between age, family status and spending?",
            body=_para("Income rises with age by about $1,900 a year."),
            chart=_chart(spec, ages, age_cols, "Income rises steadily with age"),
        )
    )
    spec = ChartSpec(type="pie", x="profile", y="customers")
    sections.append(
        SectionView(
            id="profiles",
            title="Customer profiles",
            level=2,
            kind="analysis",
            body=_para("Seniors are the largest profile; pet owners the smallest."),
            chart=_chart(spec, profiles, profile_cols, "Seniors are the largest profile"),
            tables=[_table(profiles, profile_cols)],
        )
    )
    quality = pd.DataFrame(
        {
            "file": [
                "orders.csv",
                "order_products__prior.csv",
                "products.csv",
                "departments.csv",
                "customers.csv",
            ]
            * 3,
            "rows_read": [3_421_083, 32_434_489, 49_693, 21, 206_209] * 3,
            "excluded": [0, 0, 21, 0, 0] * 3,
            "reason": ["", "", "16 empty names, 5 duplicates", "", "<script>alert(1)</script>"] * 3,
        }
    )
    quality_cols = _cols(
        file=("File", "text"),
        rows_read=("Rows read", "integer"),
        excluded=("Rows excluded", "integer"),
        reason=("Why", "text"),
    )
    sections.append(
        SectionView(
            id="data-quality",
            title="Appendix: data quality",
            level=1,
            kind="data_quality",
            body=_para("Every file was read in full; exclusions are listed below."),
            tables=[_table(quality, quality_cols)],
        )
    )
    return ReportView(
        title="Instacart Basket Analysis",
        subtitle="Customer segments and ordering habits for targeted marketing",
        client="Instacart Marketing & Sales",
        author="Reportgen Analytics",
        subject="Customer segments and ordering habits for targeted marketing",
        data_date="Orders to 31 March 2025",
        build_date="2025-04-02",
        page_size="A4",
        sections=sections,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("/tmp"))
    parser.add_argument("--charts-only", action="store_true", help="write chart SVGs only")
    args = parser.parse_args()
    started = time.perf_counter()
    view = demo_view()
    print(f"charts: {time.perf_counter() - started:.2f} s")
    if args.charts_only:
        for section in view.sections:
            if section.chart:
                (args.out / f"{section.id}.svg").write_text(section.chart.svg)
        return
    from reportgen.render.html import render_html
    from reportgen.render.pdf import render_pdf

    started = time.perf_counter()
    (args.out / "demo.html").write_text(render_html(view))
    print(f"html: {time.perf_counter() - started:.2f} s")
    started = time.perf_counter()
    pdf = render_pdf(view)
    (args.out / "demo.pdf").write_bytes(pdf)
    print(f"pdf: {time.perf_counter() - started:.2f} s, {len(pdf) / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
