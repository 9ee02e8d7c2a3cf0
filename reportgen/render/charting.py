"""A section's chart table → a chart block: built with ``charts``, converted in the background,
its SVG ids renumbered per chart, and kept in the results cache by everything it depends on
(the section's numbers, the chart spec, the rendered title, the labels and the settings)."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field

import pandas as pd

from reportgen.charts.svg_fixes import stable_ids
from reportgen.engine.cache_keys import derived_key
from reportgen.engine.results_cache import ResultsCache
from reportgen.render.context import ChartBlock
from reportgen.render.views import ColumnMeta
from reportgen.spec.models import AnalysisSection, Spec


@dataclass(frozen=True)
class PendingChart:
    """A chart whose SVG the background converter is still producing."""

    svg: Future[str]
    alt: str
    title: str
    section_id: str
    vega_lite: str = ""  # the interactive chart's spec, script-safe JSON

    @functools.cached_property
    def block(self) -> ChartBlock:
        """The chart block, once the converter has delivered its SVG."""
        svg = stable_ids(self.svg.result(), self.section_id)
        return ChartBlock(svg=svg, alt=self.alt, title=self.title, vega_lite=self.vega_lite)


def draw_chart(
    spec: Spec,
    section: AnalysisSection,
    result: pd.DataFrame,
    meta: Mapping[str, ColumnMeta],
    title: str,
) -> PendingChart:
    """Build the section's chart from ``result`` and hand it to the converter; with
    ``interactive_charts``, keep its interactive Vega-Lite spec too."""
    from reportgen.charts.alt_text import describe  # Altair: only when a chart is drawn
    from reportgen.charts.build import ColumnInfo, build_chart
    from reportgen.charts.convert import spec_to_svg_later
    from reportgen.charts.interactive import interactive_spec, script_json

    assert section.chart is not None
    columns = {name: ColumnInfo(m.label, m.format, m.order, m.other) for name, m in meta.items()}
    chart = build_chart(
        section.chart,
        result,
        columns=columns,
        title=title,
        currency=spec.settings.currency,
        row_order=section.query.sort is not None,
    )
    alt = describe(section.chart, result, columns, currency=spec.settings.currency)
    drawn = chart.to_dict(validate=False)  # unvalidated: see ``to_svg_later``
    live = ""
    if spec.settings.interactive_charts:
        live = script_json(interactive_spec(drawn, columns, spec.settings.currency, alt))
    return PendingChart(
        svg=spec_to_svg_later(drawn), alt=alt, title=title, section_id=section.id, vega_lite=live
    )


@dataclass
class ChartCache:
    """Chart SVG, alt text and interactive spec by (section key, chart spec, rendered title, labels, settings).

    Without a store (``--no-cache``) every chart is drawn. ``rendered`` counts the charts drawn.
    Unless ``drawn`` (no format asked for shows a chart), a chart block holds its title only.
    """

    store: ResultsCache | None
    keys: Mapping[str, str]  # each section's results-cache key
    drawn: bool = True
    rendered: int = 0
    waiting: list[tuple[str, PendingChart]] = field(default_factory=list)

    def chart(
        self,
        spec: Spec,
        section: AnalysisSection,
        result: pd.DataFrame,
        meta: Mapping[str, ColumnMeta],
        title: str,
        capped: bool,
    ) -> ChartBlock | PendingChart:
        """The cached chart block, or the chart being drawn."""
        assert section.chart is not None
        if not self.drawn:
            return ChartBlock(svg="", alt="", title=title)
        key = ""
        if self.store is not None and section.id in self.keys:
            key = derived_key(
                self.keys[section.id],
                "chart",
                section.id,
                section.chart.model_dump(mode="json"),
                title,
                capped,
                {name: [m.label, m.format, m.order, m.other] for name, m in meta.items()},
                spec.settings.model_dump(mode="json"),
            )
            entry = self.store.get("chart", key)
            if entry is not None and isinstance(entry.get("vega_lite"), str):
                return ChartBlock(
                    svg=entry["svg"], alt=entry["alt"], title=title, vega_lite=entry["vega_lite"]
                )
        pending = draw_chart(spec, section, result, meta, title)
        self.rendered += 1
        if key:
            self.waiting.append((key, pending))
        return pending

    def finish(self) -> None:
        """Keep the charts converted in this build (they are all done once their views are)."""
        for key, pending in self.waiting:
            block = pending.block
            assert self.store is not None
            entry = {"svg": block.svg, "alt": block.alt, "vega_lite": block.vega_lite}
            self.store.put("chart", key, entry)
        self.waiting.clear()
