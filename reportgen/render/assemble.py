"""Computed section tables, data-quality numbers and the spec → the report view: each
section's rendered title and text, its chart and table, the methods and quality appendices."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
from markupsafe import Markup

from reportgen.charts.capping import MAX_CHART_POINTS, Cap, chart_cap
from reportgen.engine.finish import SectionResult, other_label
from reportgen.errors import SpecIssue
from reportgen.model.params import chosen_values, cover_lines, text_values
from reportgen.model.quality import DataQuality
from reportgen.model.semantic import Model
from reportgen.render.charting import ChartCache, PendingChart
from reportgen.render.context import ChartBlock, ReportView, SectionView, TableBlock
from reportgen.render.methods import definitions_tables, section_filters
from reportgen.render.quality_tables import quality_tables
from reportgen.render.views import (
    ColumnMeta,
    cap_note,
    column_meta,
    render_section_text,
    result_contexts,
    section_view,
    table_block,
)
from reportgen.spec.load import LoadedSpec, raise_located
from reportgen.spec.models import (
    AnalysisSection,
    DataQualitySection,
    DefinitionsSection,
    SectionSpec,
)

GroupOrders = Mapping[str, list[str] | None]  # each group column's category order


@dataclass(frozen=True)
class ReportContent:
    """Everything the report shows, computed: what the view is assembled from."""

    loaded: LoadedSpec
    model: Model
    results: Mapping[str, SectionResult]  # the computed analysis sections, in the spec's order
    orders: Mapping[str, GroupOrders]  # by section id
    charted: Mapping[str, pd.DataFrame]  # the capped chart tables of long results
    quality: DataQuality
    selected: frozenset[str]  # the sections to show; empty: all
    build_date: str


def report_view(content: ReportContent, charts: ChartCache) -> ReportView:
    """The whole report as the theme shows it; a text naming an unknown value is a spec error."""
    report = content.loaded.spec.report
    chosen = chosen_values(content.loaded)  # the report for one region is titled so
    return ReportView(
        title=" — ".join([report.title, *chosen]),
        subtitle=report.subtitle,
        client=report.client,
        author=report.author,
        subject=report.subject or report.subtitle,
        data_date=report.data_date,
        build_date=content.build_date,
        page_size=content.loaded.spec.settings.page_size,
        sections=section_views(content, charts),
        interactive=content.loaded.spec.settings.interactive_charts,
        params=cover_lines(content.loaded),
    )


def section_views(content: ReportContent, charts: ChartCache) -> list[SectionView]:
    """The views of the selected sections, charts included (converted meanwhile)."""
    spec, model = content.loaded.spec, content.model
    analysis = [s for s in spec.sections if isinstance(s, AnalysisSection)]
    metas = {
        s.id: column_meta(model, s, content.orders[s.id], content.results[s.id].other_label)
        for s in analysis
        if s.id in content.results  # --section: only the sections computed
    }
    # Narrative reads every group (``full``, no Other bucket) and the re-aggregated totals.
    contexts = result_contexts(
        model,
        {sid: result.full for sid, result in content.results.items()},
        metas,
        totals={sid: result.total for sid, result in content.results.items()},
    )
    extra = {"data": data_context(content.quality), "params": text_values(content.loaded)}
    issues: list[SpecIssue] = []
    views: list[SectionView] = []
    pending: list[tuple[int, ChartBlock | PendingChart, str]] = []
    for index, section in enumerate(spec.sections):
        if content.selected and section.id not in content.selected:
            continue
        title, chart_title, body = render_section_text(
            spec, index, section, contexts, extra, issues
        )
        if isinstance(section, AnalysisSection):
            views.append(_analysis_view(content, section, metas[section.id], title, body))
            shown = content.charted.get(section.id, content.results[section.id].shown)
            too_many = _too_many_points(index, section, shown)
            if too_many is not None:
                issues.append(too_many)
            elif section.chart is not None:
                result = content.results[section.id]
                cap = chart_cap(section, result.shown) if section.id in content.charted else None
                meta = _chart_meta(metas[section.id], result, cap)
                chart = charts.chart(spec, section, shown, meta, chart_title, cap is not None)
                note = cap_note(section, cap.column, result.full, shown, meta) if cap else ""
                pending.append((len(views) - 1, chart, note))
        else:
            views.append(section_view(section, title, body, None, _appendix(content, section)))
    if issues:
        raise_located(content.loaded, issues)
    for index, chart, note in pending:  # the converter has been working meanwhile
        block = chart.block if isinstance(chart, PendingChart) else chart
        views[index] = dataclasses.replace(
            views[index], chart=dataclasses.replace(block, note=note)
        )
    charts.finish()
    return views


def _too_many_points(index: int, section: AnalysisSection, shown: pd.DataFrame) -> SpecIssue | None:
    """A chart with more marks than one can show (``MAX_CHART_POINTS``; a histogram draws its
    bins) is an error at the chart, with the ways to fix it."""
    chart = section.chart
    if chart is None or chart.type == "histogram":
        return None
    points = len(shown) * len(chart.measures)
    if points <= MAX_CHART_POINTS:
        return None
    message = (
        f"section '{section.id}': its {chart.type} chart would draw {points:,} points, more than "
        f"a chart shows ({MAX_CHART_POINTS:,}); group by fewer values (a month instead of a day), "
        "keep the largest with 'top', draw a histogram, or leave the chart out"
    )
    return SpecIssue(("sections", index, "chart"), message)


def _analysis_view(
    content: ReportContent,
    section: AnalysisSection,
    meta: dict[str, ColumnMeta],
    title: str,
    body: Markup,
) -> SectionView:
    """An analysis section's view with its table (its chart is placed later)."""
    result = content.results[section.id]
    block = table_block(content.loaded.spec, section, result.shown, meta, result.full)
    blocks = [block] if block else []
    filters = section_filters(content.model, section)
    return section_view(section, title, body, None, blocks, filters)


def _chart_meta(
    meta: dict[str, ColumnMeta], result: SectionResult, cap: Cap | None
) -> dict[str, ColumnMeta]:
    """The section's column meta; a capped chart table has its own other bucket."""
    if cap is None:
        return meta
    bucket = other_label(result.full[cap.column])
    return {**meta, cap.column: dataclasses.replace(meta[cap.column], other=bucket)}


def _appendix(content: ReportContent, section: SectionSpec) -> list[TableBlock]:
    """The generated tables of a definitions or data-quality section (none for text)."""
    if isinstance(section, DefinitionsSection):
        return definitions_tables(content.model)
    if isinstance(section, DataQualitySection):
        quality = content.quality
        unused = quality.unused(content.loaded.spec)
        return quality_tables(content.model, quality.tables, quality.numbers(), unused)
    return []


def data_context(quality: DataQuality) -> dict[str, Any]:
    """What narrative can quote about the data: data.orders.rows_read, .rows_used, .excluded."""
    context: dict[str, Any] = {}
    for name, q in quality.tables.items():
        used = quality.used.get(name, 0)
        context[name] = {
            "rows_read": f"{q.rows_read:,}",
            "rows_kept": f"{q.rows_kept:,}",
            "rows_used": f"{used:,}",
            "excluded": f"{q.rows_read - used:,}",
        }
    for name, table_name, count in quality.filters:
        context.setdefault("filters", {})[name] = {"table": table_name, "rows": f"{count:,}"}
    return context
