"""A section's result with too many categories for a chart → the largest ones plus the other
bucket, ranked from the section's full table (the bucket is one more pass over the data).

A chart of 10,000 products is unreadable (and Altair refuses more than 5,000 rows); the
section's table and CSV export keep every row.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from reportgen.engine.cache_keys import derived_key
from reportgen.engine.finish import SectionResult, run_section
from reportgen.engine.plan import Executor, SectionPlan
from reportgen.model.semantic import Model
from reportgen.spec.models import AnalysisSection, ChartSpec

MAX_CHART_CATEGORIES = 50
MAX_CHART_POINTS = 20_000  # marks one chart draws (a day a bar over 50 years); more is an error
TIME_AXIS_KINDS = ("line", "area", "scatter")


def on_time_axis(chart: ChartSpec, frame: pd.DataFrame) -> bool:
    """Whether a date x is drawn on a time axis rather than as named categories: always for a
    line, area or scatter; for one series of bars over more dates than a chart can name (a
    bar a day over years: ``lines.time_bars``)."""
    if chart.type in TIME_AXIS_KINDS:
        return True
    if chart.type != "bar" or chart.color is not None or len(chart.measures) > 1:
        return False
    if chart.x not in frame.columns:
        return False  # the chart's own check names the missing column
    dates = frame[chart.x]
    return pd.api.types.is_datetime64_any_dtype(dates) and dates.nunique() > MAX_CHART_CATEGORIES


def needs_cap(section: AnalysisSection, plan: SectionPlan, result: SectionResult) -> bool:
    """Whether the chart of ``section`` has more categories on its first axis than it shows."""
    chart = section.chart
    if chart is None or not plan.by or chart.type in ("scatter", "histogram"):
        return False
    first = result.shown[plan.by[0].name]
    continuous = pd.api.types.is_datetime64_any_dtype(first) or pd.api.types.is_numeric_dtype(first)
    if chart.type in ("line", "area") and continuous:
        return False  # a line over days or numbers is drawn whole (an 'Other' point means nothing)
    if chart.x == plan.by[0].name and on_time_axis(chart, result.shown):
        return False  # every date its own bar, in time order
    return bool(first.nunique() > MAX_CHART_CATEGORIES)


def capped_key(
    section: AnalysisSection, plan: SectionPlan, result: SectionResult, section_key: str
) -> str | None:
    """The cache key of a section's capped chart table, or None when its chart is not capped."""
    if section.chart is None or not needs_cap(section, plan, result):
        return None
    chart = section.chart
    return derived_key(section_key, "capped", MAX_CHART_CATEGORIES, chart.type, chart.first_measure)


def capped_table(
    model: Model,
    executor: Executor,
    section: AnalysisSection,
    plan: SectionPlan,
    result: SectionResult,
) -> pd.DataFrame:
    """The largest ``MAX_CHART_CATEGORIES - 1`` groups and the other bucket, for the chart."""
    assert section.chart is not None
    capped = replace(
        plan,
        top=MAX_CHART_CATEGORIES - 1,
        other=True,
        sort=plan.sort or f"-{section.chart.first_measure}",
    )
    return run_section(model, executor, capped, full=result.full).shown
