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
from reportgen.spec.models import AnalysisSection

MAX_CHART_CATEGORIES = 50


def needs_cap(section: AnalysisSection, plan: SectionPlan, result: SectionResult) -> bool:
    """Whether the chart of ``section`` has more categories on its first axis than it shows."""
    if section.chart is None or not plan.by or section.chart.type in ("scatter", "histogram"):
        return False
    first = result.shown[plan.by[0].name]
    continuous = pd.api.types.is_datetime64_any_dtype(first) or pd.api.types.is_numeric_dtype(first)
    if section.chart.type in ("line", "area") and continuous:
        return False  # a line over days or numbers is drawn whole (an 'Other' point means nothing)
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
