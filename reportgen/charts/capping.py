"""A section's result with too many values in one of its chart's group columns → the first ones
(the largest by the chart's measure, unless the section is sorted) plus the other bucket, ranked
from the section's full table (the bucket is one more pass over the data).

A chart of 10,000 products is unreadable, and so is one of 300 coloured lines drawn with ten
colours; the section's table and CSV export keep every row.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import pandas as pd

from reportgen.engine.cache_keys import derived_key
from reportgen.engine.finish import SectionResult, run_section
from reportgen.engine.plan import Executor, SectionPlan
from reportgen.model.semantic import Model
from reportgen.spec.models import AnalysisSection, ChartSpec

MAX_CHART_CATEGORIES = 50  # values named along an axis (bars, heatmap rows and columns, slices)
MAX_CHART_SERIES = 10  # coloured series or slices told apart: nine colours and a grey bucket
MAX_CHART_POINTS = 20_000  # marks one chart draws (a day a bar over 50 years); more is an error
TIME_AXIS_KINDS = ("line", "area", "scatter")


@dataclass(frozen=True)
class Cap:
    """A chart's group column cut to ``limit`` values, its bucket among them."""

    column: str
    limit: int


def continuous_bars(chart: ChartSpec, frame: pd.DataFrame) -> bool:
    """Whether a chart is one series of bars over more dates or numbers than it can name (a bar
    a day over years, models per horsepower): a bar a value on a time or number axis
    (``lines.continuous_bars``), in order, none merged into an other bucket."""
    if chart.type != "bar" or chart.color is not None or len(chart.measures) > 1:
        return False
    if chart.x not in frame.columns:
        return False  # the chart's own check names the missing column
    values = frame[chart.x]
    return _ordered(values) and values.nunique() > MAX_CHART_CATEGORIES


def _ordered(values: pd.Series) -> bool:
    """Dates or numbers (also numbers held as objects, as a JSON source gives them)."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if pd.api.types.is_bool_dtype(values):
        return False
    if pd.api.types.is_numeric_dtype(values):
        return True
    kind = pd.api.types.infer_dtype(values, skipna=True)
    return kind in ("integer", "floating", "mixed-integer-float", "decimal")


def on_time_axis(chart: ChartSpec, frame: pd.DataFrame) -> bool:
    """Whether a date x is drawn on a time axis rather than as named categories: always for a
    line, area or scatter, and for ``continuous_bars``."""
    return chart.type in TIME_AXIS_KINDS or continuous_bars(chart, frame)


def chart_measure(chart: ChartSpec) -> str:
    """The metric a chart draws first (a heatmap's is its colour)."""
    return chart.color if chart.type == "heatmap" and chart.color else chart.first_measure


def chart_cap(section: AnalysisSection, shown: pd.DataFrame) -> Cap | None:
    """The group column of the section's chart that has more values than the chart can show
    (its axis first, then a heatmap's rows, then its colours), or None."""
    chart = section.chart
    if chart is None or chart.type in ("scatter", "histogram"):
        return None
    groups = {text.split(".")[-1] for text in section.query.by} & set(shown.columns)
    axes = [chart.x, *([chart.y] if chart.type == "heatmap" else [])]
    limit = MAX_CHART_SERIES if chart.type in ("pie", "donut") else MAX_CHART_CATEGORIES
    for name in axes:  # a pie's slices are coloured series
        if name in groups and _named(chart, name, shown) > limit:
            return Cap(name, limit)
    colour = chart.color if chart.type != "heatmap" else None
    if colour in groups and shown[colour].nunique() > MAX_CHART_SERIES:
        return Cap(colour, MAX_CHART_SERIES)
    return None


def _named(chart: ChartSpec, name: str, shown: pd.DataFrame) -> int:
    """How many values of axis ``name`` the chart names (0: drawn on a continuous axis)."""
    values = shown[name]
    if chart.type in ("line", "area") and _ordered(values):
        return 0  # a line over days or numbers is drawn whole (an 'Other' point means nothing)
    if name == chart.x and continuous_bars(chart, shown):
        return 0  # every date or number its own bar, in order
    return int(values.nunique())


def capped_key(section: AnalysisSection, result: SectionResult, section_key: str) -> str | None:
    """The cache key of a section's capped chart table, or None when its chart is not capped."""
    cap = chart_cap(section, result.shown)
    if section.chart is None or cap is None:
        return None
    chart = section.chart
    return derived_key(
        section_key, "capped", cap.column, cap.limit, chart.type, chart_measure(chart)
    )


def capped_table(
    model: Model,
    executor: Executor,
    section: AnalysisSection,
    plan: SectionPlan,
    result: SectionResult,
    cap: Cap,
) -> pd.DataFrame:
    """The first ``cap.limit - 1`` values of the capped column and the other bucket, for the
    chart: the section's query with that column first and a top-N on it."""
    assert section.chart is not None
    first = next(key for key in plan.by if key.name == cap.column)
    capped = replace(
        plan,
        by=(first, *(key for key in plan.by if key is not first)),
        top=cap.limit - 1,
        other=True,
        sort=plan.sort or f"-{chart_measure(section.chart)}",
    )
    return run_section(model, executor, capped, full=result.full).shown
