"""The theme folder → a Jinja environment and the stylesheet with its embedded font.

Lookup of the theme folder, first match wins:

1. ``reportgen/templates/`` inside the installed package (a wheel that ships the theme as data);
2. ``templates/`` beside the package, i.e. the repository root of a source checkout or an
   editable install (``Path(reportgen.__file__).parent.parent / "templates"``).
"""

from __future__ import annotations

import base64
import io
from functools import cache
from pathlib import Path

import jinja2
from markupsafe import Markup

import reportgen
from reportgen.charts.fonts import bundled_font
from reportgen.charts.theme import css_variables, default_theme

TEMPLATE = "report.html"
STYLESHEET = "report.css"

# Latin scripts, punctuation, currency and the maths signs the formats use (− × ≤ ≥ ∞ …).
_UNICODES = [
    *range(0x20, 0x7F),
    *range(0xA0, 0x250),
    *range(0x2000, 0x2070),
    *range(0x20A0, 0x20C0),
    0x2116,
    0x2122,
    *range(0x2190, 0x2200),
    *range(0x2200, 0x2270),
    0x25CF,
    0xFB01,
    0xFB02,
]


def templates_dir() -> Path:
    """The theme folder (see the module docstring for the lookup order)."""
    package = Path(reportgen.__file__).resolve().parent
    for candidate in (package / "templates", package.parent / "templates"):
        if (candidate / TEMPLATE).is_file():
            return candidate
    msg = f"theme folder not found: looked for {TEMPLATE} in {package / 'templates'} and {package.parent / 'templates'}"
    raise FileNotFoundError(msg)


@cache
def environment(folder: Path | None = None) -> jinja2.Environment:
    """Autoescaping, strict Jinja over the theme folder."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder or templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def _woff2(path: Path) -> bytes:
    """A Latin subset of the font as WOFF2 (no timestamps, so the bytes are reproducible)."""
    from fontTools import subset

    options = subset.Options()
    options.flavor = "woff2"
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    font = subset.load_font(str(path), options, dontLoadGlyphNames=True)
    font.recalcTimestamp = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=_UNICODES)
    subsetter.subset(font)
    buffer = io.BytesIO()
    subset.save_font(font, buffer, options)
    return buffer.getvalue()


@cache
def font_face_css() -> Markup:
    """``@font-face`` rules embedding the bundled font (regular and bold) as data: URIs."""
    font = bundled_font()
    rules = []
    for weight, path in ((400, font.regular), (700, font.bold)):
        if path is None:
            continue
        data = base64.b64encode(_woff2(path)).decode("ascii")
        rules.append(
            f"@font-face {{ font-family: '{font.family}'; font-style: normal; "
            f"font-weight: {weight}; src: url(data:font/woff2;base64,{data}) format('woff2'); }}"
        )
    return Markup("\n".join(rules))


@cache
def stylesheet() -> Markup:
    """The theme's custom properties followed by its stylesheet (trusted: our own files)."""
    return Markup(
        css_variables(default_theme()) + (templates_dir() / STYLESHEET).read_text("utf-8")
    )
