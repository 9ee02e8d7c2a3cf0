"""The bundled font family: where its files are, found via importlib, with a system fallback."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from functools import cache
from pathlib import Path

BUNDLED_FAMILY = "Source Sans Pro"
FALLBACK_FAMILY = "DejaVu Sans"


@dataclass(frozen=True)
class FontFiles:
    """The font family the report uses and its regular and bold files (if bundled)."""

    family: str
    directory: Path | None = None
    regular: Path | None = None
    bold: Path | None = None


@cache
def bundled_font() -> FontFiles:
    """Source Sans Pro from the ``font-source-sans-pro`` package, else DejaVu Sans (system)."""
    spec = importlib.util.find_spec("font_source_sans_pro")
    if spec is None or not spec.submodule_search_locations:
        return FontFiles(FALLBACK_FAMILY)
    directory = Path(next(iter(spec.submodule_search_locations))) / "files"
    regular = directory / "SourceSansPro-Regular.ttf"
    bold = directory / "SourceSansPro-Bold.ttf"
    if not (regular.is_file() and bold.is_file()):
        return FontFiles(FALLBACK_FAMILY)
    return FontFiles(BUNDLED_FAMILY, directory, regular, bold)
