"""The report's one theme as data: colours, font and sizes, as a Vega-Lite config and as CSS."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from reportgen.style.fonts import FALLBACK_FAMILY, bundled_font


@dataclass(frozen=True)
class Theme:
    """Colours (colour-blind safe), font and sizes shared by charts and the stylesheet."""

    font_family: str
    ink: str = "#1f2933"  # body text, value labels
    muted: str = "#5f6b7a"  # axis labels, captions, notes
    rule: str = "#cfd6de"  # axis domains, table rules
    grid: str = "#e8ecf0"  # gridlines, zebra rows
    brand: str = "#1d3f66"  # headings, cover, sequential ramp end
    base: str = "#9fb4cb"  # every bar that is not highlighted
    accent: str = "#e08600"  # the highlighted bar (orange against blue: safe for all CVD types)
    other: str = "#bfc5cc"  # the 'Other' category
    # Okabe–Ito, reordered so neighbours contrast and yellow (low contrast on white) comes last.
    categorical: tuple[str, ...] = (
        "#0072b2",
        "#e69f00",
        "#009e73",
        "#56b4e9",
        "#d55e00",
        "#cc79a7",
        "#6b7785",
        "#f0e442",
        "#003f63",
        "#8a5a00",
    )
    sequential: tuple[str, ...] = ("#f2f6fa", "#b9cce0", "#5b86b3", "#1d3f66")
    font_size: int = 11  # chart labels (px)
    title_size: int = 14  # chart titles (px)
    chart_width: int = 620  # total chart width (px); fits A4 with 22 mm margins
    chart_height: int = 260
    band_step: int = 24  # height of one row in horizontal bars and heatmaps

    @property
    def font_stack(self) -> str:
        """The font-family list used in SVG and CSS."""
        families = [self.font_family]
        if self.font_family != FALLBACK_FAMILY:
            families.append(FALLBACK_FAMILY)
        return ", ".join(f"'{f}'" if " " in f else f for f in families) + ", sans-serif"

    @property
    def light_text_colours(self) -> frozenset[str]:
        """Categorical colours dark enough to carry white labels."""
        return frozenset({"#0072b2", "#009e73", "#d55e00", "#6b7785", "#003f63", "#8a5a00"})


def default_theme() -> Theme:
    """The theme with the bundled font (or its fallback when the font package is missing)."""
    return Theme(font_family=bundled_font().family)


def vega_config(theme: Theme) -> dict[str, Any]:
    """The Vega-Lite ``config`` for ``theme``; passed to each chart, never registered globally."""
    font = theme.font_stack
    label = {"labelFont": font, "labelFontSize": theme.font_size, "labelColor": theme.muted}
    title = {
        "titleFont": font,
        "titleFontSize": theme.font_size,
        "titleColor": theme.muted,
        "titleFontWeight": "normal",
    }
    return {
        "autosize": {"type": "fit", "contains": "padding"},
        "background": "#ffffff",
        "padding": {"left": 2, "right": 8, "top": 4, "bottom": 4},
        "font": font,
        "view": {"stroke": None},
        "title": {
            "font": font,
            "fontSize": theme.title_size,
            "fontWeight": "bold",
            "color": theme.ink,
            "anchor": "start",
            "offset": 12,
            "subtitleFont": font,
            "subtitleColor": theme.muted,
        },
        "axis": {
            **label,
            **title,
            "domainColor": theme.rule,
            "tickColor": theme.rule,
            "gridColor": theme.grid,
            "gridWidth": 1,
            "labelPadding": 4,
            "titlePadding": 10,
            "labelOverlap": True,
        },
        "axisBand": {"grid": False, "ticks": False, "domain": True},
        "legend": {
            **label,
            **title,
            "labelColor": theme.ink,
            "symbolType": "square",
            "symbolSize": 120,
            "orient": "top",
            "direction": "horizontal",
            "columnPadding": 14,
            "rowPadding": 6,
            "labelLimit": 220,
        },
        "header": {"labelFont": font, "titleFont": font},
        "mark": {"color": theme.base},
        "bar": {"fill": theme.base, "cornerRadiusEnd": 1},
        "arc": {"stroke": "#ffffff", "strokeWidth": 1.5},
        "rect": {"stroke": "#ffffff", "strokeWidth": 1},
        "line": {"stroke": theme.brand, "strokeWidth": 2},
        "point": {"filled": True, "size": 40},
        "text": {"font": font, "fontSize": theme.font_size, "fill": theme.ink},
        "range": {
            "category": list(theme.categorical),
            "ordinal": list(theme.sequential),
            "ramp": list(theme.sequential),
            "heatmap": list(theme.sequential),
        },
    }


def css_variables(theme: Theme) -> str:
    """The theme as CSS custom properties, so the stylesheet and the charts share one palette."""
    values = {
        "font": theme.font_stack,
        "ink": theme.ink,
        "muted": theme.muted,
        "rule": theme.rule,
        "grid": theme.grid,
        "brand": theme.brand,
        "base": theme.base,
        "accent": theme.accent,
        "chart-width": f"{theme.chart_width}px",
    }
    body = "".join(f"  --{name}: {value};\n" for name, value in values.items())
    return ":root {\n" + body + "}\n"
