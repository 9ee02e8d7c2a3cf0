"""An analysis section + its result's columns → located problems with its filters and chart.

Row filters (``where``, before aggregation) and result filters (``having``, after it) are told
apart in every message; each chart kind's axes are checked for a measure (a metric) or a
category (a group column), so a swapped horizontal bar is a located error, not a broken chart.
"""

from __future__ import annotations

from collections.abc import Callable

from reportgen.errors import SpecIssue, did_you_mean
from reportgen.model import expr as ex
from reportgen.spec.models import AnalysisSection, ChartSpec

Loc = tuple[str | int, ...]

# Chart kinds whose x is a category (or an ordered axis: hours, dates) and y one or more measures.
CATEGORY_X = ("bar", "hbar", "grouped", "stacked", "stacked100", "line", "area", "pie", "donut")
SEVERAL_MEASURES = ("bar", "line", "area")


def metrics_in_where(
    section: AnalysisSection, base: Loc, is_column: Callable[[str], bool]
) -> list[SpecIssue]:
    """A metric named in the row filter (and no column or field of that name): say that it
    belongs in ``having``."""
    query = section.query
    if not query.where:
        return []
    try:
        node = ex.parse(query.where)
    except ex.ExprError:
        return []  # reported with the rest of the condition
    named = [
        ref.name
        for ref in ex.refs(node)
        if ref.table is None and ref.name in query.metrics and not is_column(ref.name)
    ]
    return [
        SpecIssue(
            (*base, "query", "where"),
            f"'{name}' is a metric of this query: 'where' filters rows before aggregation "
            f"(columns and fields only); to keep result rows by a metric write "
            f"'having: {ex.to_text(node)}'",
        )
        for name in dict.fromkeys(named)
    ]


def check_having(section: AnalysisSection, base: Loc, outputs: list[str]) -> list[SpecIssue]:
    """``having`` may name the result's columns only (its metrics and group columns)."""
    text = section.query.having
    if not text:
        return []
    loc = (*base, "query", "having")
    try:
        node = ex.parse(text)
    except ex.ExprError as error:
        return [SpecIssue(loc, str(error))]
    issues = []
    for ref in ex.refs(node):
        if ref.table is None and ref.name in outputs:
            continue
        issues.append(
            SpecIssue(
                loc,
                f"'{ref}' is not a column of the result: 'having' filters result rows after "
                f"aggregation, on the query's metrics and group columns "
                f"({', '.join(outputs)}); a condition on the data's rows before aggregation "
                f"goes in 'where'{did_you_mean(str(ref), outputs)}",
            )
        )
    if isinstance(node, ex.Call):
        issues.append(SpecIssue(loc, "'having' needs a condition on result columns"))
    return issues


def check_chart(section: AnalysisSection, base: Loc, groups: list[str]) -> list[SpecIssue]:
    """Which axis takes a measure and which a category, per chart kind."""
    chart = section.chart
    if chart is None:
        return []
    metrics = list(section.query.metrics)
    loc = (*base, "chart")
    issues: list[SpecIssue] = []
    measures = chart.measures
    if not isinstance(chart.y, str) and chart.type not in SEVERAL_MEASURES:
        issues.append(
            SpecIssue(
                (*loc, "y"),
                f"a {chart.type} chart draws one measure; several (y: [{', '.join(measures)}]) "
                "need a bar, line or area chart",
            )
        )
    if not isinstance(chart.y, str) and chart.color is not None:
        issues.append(
            SpecIssue(
                (*loc, "color"),
                "with several measures each measure is a series of its own colour; leave out "
                "'color'",
            )
        )
    if chart.type in CATEGORY_X:
        if chart.x in metrics and all(m in groups for m in measures):
            issues.append(_swapped(chart, loc))
            return issues
        if chart.x in metrics:
            issues.append(
                SpecIssue(
                    (*loc, "x"),
                    f"'{chart.x}' is a metric, but x of a {chart.type} chart is a category "
                    f"(one of the query's 'by' columns: {', '.join(groups) or 'none'})",
                )
            )
        for measure in measures:
            if measure in groups:
                issues.append(
                    SpecIssue(
                        (*loc, "y"),
                        f"'{measure}' is a group column, but y of a {chart.type} chart is a "
                        f"measure (one of the query's metrics: {', '.join(metrics)})",
                    )
                )
    series_kinds = ("grouped", "stacked", "stacked100", "line", "area")
    if chart.type in series_kinds and chart.color and chart.color in metrics:
        issues.append(
            SpecIssue(
                (*loc, "color"),
                f"'{chart.color}' is a metric, but the colour of a {chart.type} chart splits "
                f"it into series by a group column ({', '.join(groups)})",
            )
        )
    if chart.type == "heatmap":
        for key in ("x", "y"):
            if getattr(chart, key) in metrics:
                issues.append(
                    SpecIssue(
                        (*loc, key),
                        f"'{getattr(chart, key)}' is a metric, but the {key} of a heatmap is a "
                        f"group column ({', '.join(groups)}); the metric goes in 'color'",
                    )
                )
        if chart.color is not None and chart.color in groups:
            issues.append(
                SpecIssue(
                    (*loc, "color"),
                    f"'{chart.color}' is a group column, but a heatmap's colour is a metric "
                    f"({', '.join(metrics)})",
                )
            )
    if chart.type == "scatter":
        for measure in measures:
            if measure in groups:
                issues.append(
                    SpecIssue(
                        (*loc, "y"),
                        f"'{measure}' is a group column, but y of a scatter is a metric "
                        f"({', '.join(metrics)})",
                    )
                )
    if chart.trend and chart.type != "scatter":
        issues.append(SpecIssue((*loc, "trend"), "a trend line is drawn on scatter charts only"))
    return issues


def _swapped(chart: ChartSpec, loc: Loc) -> SpecIssue:
    measure, category = chart.x, chart.first_measure
    how = (
        "the bar names run down the side and the bars along the bottom, but x is still the "
        "category and y the measure"
        if chart.type == "hbar"
        else "x is the category and y the measure"
    )
    return SpecIssue(
        (*loc, "x"),
        f"x and y are swapped: '{measure}' is a metric and '{category}' a group column; in a "
        f"{chart.type} chart {how}: write x: {category}, y: {measure}",
    )
