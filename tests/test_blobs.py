"""Bytes kept between builds (font subsets, chart PNGs): read back whole, or made again."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from reportgen.blobs import BlobCache, key_of
from reportgen.charts import convert
from reportgen.charts.build import build_chart
from reportgen.render.chart_files import png_later
from reportgen.spec.models import ChartSpec


def test_kept_bytes_read_back_and_a_damaged_or_cut_file_is_a_miss(tmp_path: Path) -> None:
    kept = BlobCache(tmp_path / "blobs", keep=3, suffix=".png")
    assert kept.get("a") is None
    kept.put("a", b"\x89PNG data")
    assert kept.get("a") == b"\x89PNG data"
    file = tmp_path / "blobs" / "a.png"
    file.write_bytes(file.read_bytes().replace(b"data", b"dada"))
    assert kept.get("a") is None
    file.write_bytes(file.read_bytes()[:5])
    assert kept.get("a") is None
    assert [p.name for p in (tmp_path / "blobs").iterdir()] == ["a.png"]  # no staging file left


def test_only_the_newest_files_stay(tmp_path: Path) -> None:
    kept = BlobCache(tmp_path, keep=2)
    for number, key in enumerate("abc"):
        kept.put(key, b"x" * (number + 1))
        (tmp_path / f"{key}.bin").touch()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.bin", "c.bin"]


def test_a_folder_that_cannot_be_written_only_means_no_keeping(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    kept = BlobCache(blocker / "blobs")
    kept.put("a", b"data")  # no error
    assert kept.get("a") is None


def test_keys_of_different_parts_differ() -> None:
    assert key_of("ab", "c") != key_of("a", "bc")
    assert key_of(b"x") == key_of("x")


def test_a_chart_png_is_drawn_once_then_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    frame = pd.DataFrame({"day": ["Sat", "Sun"], "orders": [3, 2]})
    svg = convert.to_svg(
        build_chart(ChartSpec(type="bar", x="day", y="orders"), frame, columns={}, title="T")
    )
    drawn = png_later(svg, tmp_path)()
    assert drawn[:8] == b"\x89PNG\r\n\x1a\n"

    def refuse(*args: object) -> None:
        raise AssertionError("drawn again")

    monkeypatch.setattr(convert, "to_png_later", refuse)
    assert png_later(svg, tmp_path)() == drawn
    with pytest.raises(AssertionError, match="drawn again"):
        png_later(svg.replace(">T<", ">U<"), tmp_path)


def test_the_vega_runtime_is_kept_by_version_and_a_damaged_copy_is_a_miss(tmp_path: Path) -> None:
    from reportgen.charts.runtime_cache import cached_runtime, keep_runtime

    assert cached_runtime(tmp_path, "v6_4") is None
    keep_runtime(tmp_path, "v6_4", "window.vegaEmbed = () => 'é';")
    assert cached_runtime(tmp_path, "v6_4") == "window.vegaEmbed = () => 'é';"
    assert cached_runtime(tmp_path, "v5_8") is None  # another Vega-Lite version
    (file,) = (tmp_path / "vega-runtime").iterdir()
    file.write_bytes(file.read_bytes().replace(b"vegaEmbed", b"vegaEmbeD"))
    assert cached_runtime(tmp_path, "v6_4") is None
    assert cached_runtime(None, "v6_4") is None
