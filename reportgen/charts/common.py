"""Shared chart plumbing: column display info, category order, label sizes and colour columns."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from numbers import Number
from typing import Any

import altair as alt
import pandas as pd

from reportgen.spec.models import ChartSpec
from reportgen.style.format import d3_axis_format, format_value, is_missing, label_expr
from reportgen.style.theme import Theme

LABEL_LIMIT = 60  # characters of a category name on a chart; the table and export keep it whole
MAX_PLOT_HEIGHT = 760  # px of rows (bars, heatmap lines) that fit one printed page with the title
ELLIPSIS = "…"
# Control characters (NUL made the converter panic), line and paragraph separators.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_SURROGATE = re.compile("[\ud800-\udfff]")


def chart_text(text: str, limit: int | None = LABEL_LIMIT) -> str:
    """Text as a chart shows it: each run of control characters one space, a lone surrogate
    '\ufffd', and at most ``limit`` characters, the last an ellipsis."""
    text = _SURROGATE.sub("\ufffd", _CONTROL.sub(" ", text))
    if limit is not None and len(text) > limit:
        text = text[: limit - 1].rstrip() + ELLIPSIS
    return text


def short_labels(values: Iterable[str]) -> dict[str, str]:
    """Each distinct value → its chart text, kept distinct: two names that shorten alike get
    ' (2)', ' (3)' … so that they stay two bars."""
    labels: dict[str, str] = {}
    used: set[str] = set()
    for value in dict.fromkeys(values):
        label = chart_text(value)
        number = 2
        while label in used:
            suffix = f" ({number})"
            label = chart_text(value, LABEL_LIMIT - len(suffix)) + suffix
            number += 1
        labels[value] = label
        used.add(label)
    return labels


def chart_labels(
    frame: pd.DataFrame, columns: Mapping[str, ColumnInfo]
) -> tuple[pd.DataFrame, dict[str, ColumnInfo]]:
    """The result with every text value as a chart shows it (see ``chart_text``), and the
    columns' labels and declared orders to match. Numbers and dates are left alone."""
    frame = frame.copy()
    infos = {
        name: replace(info, label=chart_text(info.label, None)) for name, info in columns.items()
    }
    for name in frame.columns:
        series = frame[name]
        if isinstance(series.dtype, pd.CategoricalDtype):
            texts = [c for c in series.cat.categories if isinstance(c, str)]
        elif series.dtype == object or pd.api.types.is_string_dtype(series.dtype):
            texts = [v for v in series.tolist() if isinstance(v, str)]
        else:
            continue
        info = infos.get(name)
        declared = list(info.order) if info is not None and info.order else []
        labels = short_labels([*texts, *declared])
        if all(label == value for value, label in labels.items()):
            continue
        if isinstance(series.dtype, pd.CategoricalDtype):
            frame[name] = series.cat.rename_categories(
                [labels.get(c, c) if isinstance(c, str) else c for c in series.cat.categories]
            )
        else:
            shown = [labels.get(v, v) if isinstance(v, str) else v for v in series.tolist()]
            frame[name] = pd.Series(shown, index=series.index, dtype=series.dtype)
        if info is not None and info.order:
            infos[name] = replace(info, order=tuple(labels[v] for v in info.order))
    return frame, infos


@dataclass(frozen=True)
class ColumnInfo:
    """How one result column is shown: its label, number format and category order."""

    label: str
    format: str = "auto"
    order: tuple[str, ...] | None = None
    other: str | None = None  # the label of the result's other bucket in this column, if any


def column_info(columns: Mapping[str, ColumnInfo], name: str) -> ColumnInfo:
    """The display info of ``name``; a readable default when the pipeline gave none."""
    return columns.get(name) or ColumnInfo(label=name.replace("_", " ").capitalize())


def field(name: str) -> str:
    """A result column name as a Vega-Lite field (dots and brackets would mean nesting)."""
    return name.replace("\\", "\\\\").replace(".", "\\.").replace("[", "\\[").replace("]", "\\]")


def lower_label(label: str) -> str:
    """'Day of week' → 'day of week'; acronyms ('AOV') and proper names keep their case."""
    if len(label) > 1 and label[1].isupper():
        return label
    return label[:1].lower() + label[1:]


def text_width(text: str, size: float) -> float:
    """Rough width in px of ``text`` set in the theme's (narrow) sans-serif at ``size`` px."""
    return len(text) * size * 0.5


def band_height(rows: int, theme: Theme, *, scale: float = 1.0, extra: int = 0) -> int:
    """The height of a chart of ``rows`` bands (horizontal bars, heatmap lines) with ``extra``
    px of axes: ``theme.band_step`` a row (times ``scale``), narrower rows when that would not
    fit one printed page (a chart never breaks across pages, and one taller is cut)."""
    bands = min(int(rows * theme.band_step * scale), MAX_PLOT_HEIGHT - extra)
    return max(120, bands + extra)


def category_axis(labels: list[str], step: float, size: float) -> tuple[dict[str, Any], int]:
    """Axis settings for category names under bars ``step`` px wide, and the extra height.

    Names that fit stay flat; names whose words fit are broken into lines; others are rotated.
    """
    widest = max((text_width(label, size) for label in labels), default=0.0)
    if widest <= step * 0.9:
        return {"labelAngle": 0}, 0
    words = [label.split() for label in labels]
    widest_word = max((text_width(w, size) for ws in words for w in ws), default=0.0)
    lines = max((len(ws) for ws in words), default=1)
    if widest_word <= step * 0.9 and lines <= 3:
        return {"labelAngle": 0, "labelExpr": "split(datum.label, ' ')"}, (lines - 1) * 14
    return {"labelAngle": -40, "labelLimit": 140}, int(min(140.0, widest) * 0.65)


def wrap_title(title: str, theme: Theme) -> str | list[str]:
    """Split a long chart title into lines that fit the chart width."""
    per_line = max(20, int(theme.chart_width / (theme.title_size * 0.52)))
    if len(title) <= per_line:
        return title
    lines: list[str] = []
    current = ""
    for word in title.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) > per_line and current:
            lines.append(current)
            current = word
        else:
            current = candidate
    lines.append(current)
    return lines


@dataclass(frozen=True)
class ChartInput:
    """Everything a chart kind needs: the spec, the result rows and how to show each column."""

    spec: ChartSpec
    frame: pd.DataFrame
    columns: Mapping[str, ColumnInfo]
    currency: str
    theme: Theme
    row_order: bool = False  # the query is sorted: the x categories follow the rows' order

    @property
    def y(self) -> str:
        """The measure drawn (several measures are one long column by now: see build)."""
        return self.spec.first_measure

    def info(self, name: str) -> ColumnInfo:
        return column_info(self.columns, name)

    def label(self, name: str) -> str:
        return self.info(name).label

    def axis_format(self, name: str) -> str:
        return d3_axis_format(self.info(name).format, self.currency)

    def guide(self, name: str) -> dict[str, Any]:
        """An axis's or legend's label options for ``name``: the d3 format, and the expression
        that finishes each label as the tables write it (' pp', a suffix), when one is needed."""
        expr = label_expr(self.info(name).format)
        shown: dict[str, Any] = {"format": self.axis_format(name)}
        return {**shown, "labelExpr": expr} if expr else shown

    def text(self, name: str, value: Any) -> str:
        """A value as the table and narrative show it."""
        fmt = self.info(name).format
        return format_value(value, fmt, currency=self.currency)

    def is_numeric(self, name: str) -> bool:
        series = self.frame[name]
        if series.dtype == object:
            return _all_numbers(series)
        return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)

    def is_temporal(self, name: str) -> bool:
        return pd.api.types.is_datetime64_any_dtype(self.frame[name])

    def natural_order(self, name: str) -> list[Any] | None:
        """The column's own order (declared, ordered categorical, or numeric), if it has one."""
        series = self.frame[name]
        present = list(dict.fromkeys(v for v in series.tolist() if not is_missing(v)))
        declared = self.info(name).order
        if (
            declared is None
            and isinstance(series.dtype, pd.CategoricalDtype)
            and series.cat.ordered
        ):
            declared = tuple(str(c) for c in series.cat.categories)
        if declared is not None:
            rank = {value: i for i, value in enumerate(declared)}
            return sorted(present, key=lambda v: (rank.get(str(v), len(rank)), str(v)))
        if self.is_numeric(name) or self.is_temporal(name) or _all_numbers(series):
            return sorted(present)
        return None

    def categories(self, name: str, by: str | None, *, descending: bool = True) -> list[Any]:
        """Categories of ``name`` in display order: the rows' own for x of a sorted query, else
        natural, else by the total of ``by``.

        The other bucket (``ColumnInfo.other``) always comes last.
        """
        order = self.natural_order(name)
        if self.row_order and name == self.spec.x:
            order = list(dict.fromkeys(v for v in self.frame[name].tolist() if not is_missing(v)))
        if order is None:
            if by is None:
                order = list(
                    dict.fromkeys(v for v in self.frame[name].tolist() if not is_missing(v))
                )
            else:
                totals = self.frame.groupby(name, sort=False, dropna=True, observed=True)[by].sum()
                ranked = sorted(
                    totals.items(), key=lambda kv: (-kv[1] if descending else kv[1], str(kv[0]))
                )
                order = [key for key, _ in ranked]
        other = self.info(name).other
        return [v for v in order if v != other] + [v for v in order if v == other]

    def series_colours(self, name: str, categories: Sequence[Any]) -> list[str]:
        """One palette colour per series of column ``name``; its other bucket is grey."""
        other = self.info(name).other
        palette = [c for c in self.theme.categorical]
        colours: list[str] = []
        i = 0
        for value in categories:
            if other is not None and value == other:
                colours.append(self.theme.other)
            else:
                colours.append(palette[i % len(palette)])
                i += 1
        return colours

    def highlight_flags(self, values: pd.Series) -> list[bool]:
        """True for the one row ``spec.highlight`` points at (first of ties), else False; never
        the other bucket of x (a sum of many groups is not the largest group)."""
        flags = [False] * len(values)
        numbers = pd.to_numeric(values, errors="coerce").reset_index(drop=True)
        other = self.info(self.spec.x).other
        if other is not None and self.spec.x in self.frame.columns:
            numbers = numbers.where(self.frame[self.spec.x].reset_index(drop=True) != other)
        if self.spec.highlight == "none" or numbers.notna().sum() < 2:
            return flags
        index = numbers.idxmax() if self.spec.highlight == "max" else numbers.idxmin()
        if not (isinstance(index, float) and math.isnan(index)):
            flags[int(index)] = True
        return flags


def _all_numbers(series: pd.Series) -> bool:
    values = [v for v in series.tolist() if not is_missing(v)]
    return bool(values) and all(isinstance(v, Number) and not isinstance(v, bool) for v in values)


def plain_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy safe to embed: categoricals as plain values, numbers held as objects as numbers."""
    rows = frame.reset_index(drop=True).copy()
    for name in rows.columns:
        if isinstance(rows[name].dtype, pd.CategoricalDtype):
            rows[name] = rows[name].astype(object)
        if rows[name].dtype == object and _all_numbers(rows[name]):
            rows[name] = pd.to_numeric(rows[name])
        if rows[name].dtype == object:  # dates among other values: as ISO text (JSON has none)
            rows[name] = [
                v.isoformat() if isinstance(v, dt.date | pd.Timestamp) else v
                for v in rows[name].tolist()
            ]
    return rows


LEGEND_ROW = 20  # px per extra row of a wrapped legend
LEGEND_SYMBOL = 32  # px beside each legend label: the symbol, its gap and the column padding
LEGEND_INSET = 170  # px of the chart's width left of the legend (the axis labels), at most


def legend_columns(labels: Sequence[str], theme: Theme) -> int:
    """How many entries of a top legend fit side by side above the plot: the rest wrap onto
    more rows instead of running past the right edge (where the SVG would cut them off)."""
    room = theme.chart_width - LEGEND_INSET
    widths = sorted(
        (text_width(label, theme.font_size) * 1.1 + LEGEND_SYMBOL for label in labels),
        reverse=True,
    )
    columns = 0
    while columns < len(widths) and sum(widths[: columns + 1]) <= room:
        columns += 1
    return max(columns, 1)


def legend_rows_height(series: Sequence[Any], theme: Theme) -> int:
    """Height (px) the legend's wrapped rows take beyond its first one."""
    if not series:
        return 0
    columns = legend_columns([str(s) for s in series], theme)
    return LEGEND_ROW * (math.ceil(len(series) / columns) - 1)


def series_colour(inp: ChartInput, colour: str, series: list[Any]) -> alt.Color:
    """The colour encoding of a chart split by ``colour``: one colour per series, in order, and a
    legend that wraps when the series names are long or many."""
    return alt.Color(
        field(colour),
        type="nominal",
        sort=series,
        title=inp.label(colour),
        scale=alt.Scale(domain=series, range=inp.series_colours(colour, series)),
        legend=alt.Legend(columns=legend_columns([str(s) for s in series], inp.theme)),
    )
