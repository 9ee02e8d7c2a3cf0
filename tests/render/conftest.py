"""A small report view with real charts, shared by the HTML and PDF tests."""

from __future__ import annotations

import pandas as pd
import pytest
from markupsafe import Markup

from reportgen.charts.alt_text import describe
from reportgen.charts.build import ColumnInfo, build_chart
from reportgen.charts.convert import to_svg
from reportgen.render.context import ChartBlock, ReportView, SectionView, TableBlock, TableColumn
from reportgen.spec.models import ChartSpec

EVIL = "<script>alert(1)</script>"


def chart_block(kind: str, title: str) -> ChartBlock:
    frame = pd.DataFrame({"day": ["Saturday", "Sunday", EVIL], "orders": [600905, 587478, 430112]})
    columns = {"day": ColumnInfo("Day of week", "text"), "orders": ColumnInfo("Orders", "integer")}
    spec = ChartSpec(type=kind, x="day", y="orders")  # type: ignore[arg-type]
    chart = build_chart(spec, frame, columns=columns, title=title)
    return ChartBlock(svg=to_svg(chart), alt=describe(spec, frame, columns), title=title)


def table_block(rows: int) -> TableBlock:
    columns = [TableColumn("name", "Name"), TableColumn("orders", "Orders", "right")]
    body = [[f"Row {i}", f"{i * 1000:,}"] for i in range(rows)]
    return TableBlock(columns, [[EVIL, "1"], *body], note="A note.")


@pytest.fixture(scope="session")
def view() -> ReportView:
    sections = [
        SectionView(
            id="summary",
            title="Executive summary",
            level=1,
            kind="text",
            body=Markup("<p>Saturday is busiest.</p>"),
        ),
        SectionView(
            id="days",
            title="When do customers order?",
            level=1,
            kind="analysis",
            question="Which days are busiest?",
            body=Markup("<p>Saturday leads.</p>"),
            chart=chart_block("bar", "Saturday leads"),
            tables=[table_block(5)],
        ),
        SectionView(
            id="days-detail",
            title="Days in detail",
            level=2,
            kind="analysis",
            chart=chart_block("hbar", f"Title with {EVIL}"),
        ),
        SectionView(
            id="pie",
            title="Share of days",
            level=1,
            kind="analysis",
            chart=chart_block("donut", "Shares"),
            tables=[table_block(40)],
        ),
        SectionView(id="quality", title="Appendix: data quality", level=1, kind="data_quality"),
    ]
    return ReportView(
        title="Instacart Basket Analysis",
        subtitle="Customer segments",
        client="Instacart Marketing & Sales",
        author="Ada Analyst",
        subject="Customer segments and ordering habits",
        data_date="March 2025",
        build_date="2025-04-02",
        page_size="A4",
        sections=sections,
    )
