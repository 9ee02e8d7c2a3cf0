"""Charts → SVG: a complete <svg> whose text is set in the bundled font."""

from __future__ import annotations

import pandas as pd

from reportgen.charts.build import build_chart
from reportgen.charts.convert import to_svg
from reportgen.charts.fonts import bundled_font
from reportgen.spec.models import ChartSpec


def test_svg_uses_the_bundled_font_and_no_network_urls() -> None:
    frame = pd.DataFrame({"day": ["Sat", "Sun", "Mon"], "orders": [3, 2, 1]})
    svg = to_svg(
        build_chart(ChartSpec(type="bar", x="day", y="orders"), frame, columns={}, title="Hi")
    )
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    family = bundled_font().family
    assert f'font-family="&apos;{family}&apos;' in svg or f"font-family=\"'{family}'" in svg
    assert "xmlns:xlink" not in svg
    assert "https://" not in svg
    assert ">Sat<" in svg


def test_bundled_font_is_source_sans_pro() -> None:
    font = bundled_font()
    assert font.family == "Source Sans Pro"
    assert font.regular is not None
    assert font.regular.is_file()
