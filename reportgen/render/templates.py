"""The theme folder → a Jinja environment and the stylesheet with its embedded font.

Lookup of the theme folder, first match wins:

1. ``reportgen/templates/`` inside the installed package (a wheel that ships the theme as data);
2. ``templates/`` beside the package, i.e. the repository root of a source checkout or an
   editable install (``Path(reportgen.__file__).parent.parent / "templates"``).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import io
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import fontTools
import jinja2
from markupsafe import Markup, escape

import reportgen
from reportgen.staging import remove_dead_staging, staging_path
from reportgen.style.fonts import bundled_font
from reportgen.style.theme import css_variables, default_theme

TEMPLATE = "report.html"
EMBED_SCRIPT = "embed.js"
BREAK_EVERY = 12  # characters between the break opportunities of a word longer than twice this
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
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(folder or templates_dir())),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["breakable"] = breakable
    return env


_LONG_WORD = re.compile(rf"\S{{{2 * BREAK_EVERY + 1},}}")
_JOINTS = re.compile(r"(?<=[._/\\(,:-])")  # a word may break after these


def breakable(value: object) -> Markup:
    """Escaped text with break opportunities (``<wbr>``) in very long words, so that a value
    without spaces still wraps inside its table cell: after the punctuation that joins the
    parts of a name (``orders.days_since_prior_order`` breaks after ``.`` and ``_``), and every
    few characters of a run without any.

    Cheaper for the PDF than ``overflow-wrap: anywhere``, which makes every character a break
    point when table columns are sized and slows the layout of every table.
    """
    text = str(value)
    pieces: list[str] = []
    last = 0
    for match in _LONG_WORD.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        parts = _word_parts(match.group())
        pieces.append(Markup("<wbr>").join(escape(part) for part in parts))
        last = match.end()
    pieces.append(escape(text[last:]))
    return Markup("").join(pieces)


def _word_parts(word: str) -> Iterator[str]:
    for run in _JOINTS.split(word):
        if len(run) > 2 * BREAK_EVERY:
            yield from (run[i : i + BREAK_EVERY] for i in range(0, len(run), BREAK_EVERY))
        elif run:
            yield run


def _woff2(path: Path) -> bytes:
    """A Latin subset of the font as WOFF2 (no timestamps, so the bytes are reproducible);
    compressed once per process and font file (a preview or a batch builds many times)."""
    stat = path.stat()
    return _woff2_of(str(path), stat.st_size, stat.st_mtime_ns)


@cache
def _woff2_of(file: str, size: int, mtime_ns: int) -> bytes:  # noqa: ARG001 (the cache key)
    from fontTools import subset

    path = Path(file)
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
def font_face_css(cache_dir: Path | None = None) -> Markup:
    """``@font-face`` rules embedding the bundled font (regular and bold) as data: URIs.

    Compressing the fonts takes about a second; with ``cache_dir`` the rules are kept there,
    keyed by the font files and the subsetting, and later runs read them back.
    """
    font = bundled_font()
    faces = [(weight, path) for weight, path in ((400, font.regular), (700, font.bold)) if path]
    cached = None
    if cache_dir is not None:
        digest = hashlib.sha256(repr((font.family, _UNICODES, fontTools.version)).encode())
        for _, path in faces:
            digest.update(path.read_bytes())
        cached = cache_dir / f"fonts-{digest.hexdigest()[:16]}.css"
        try:
            text = cached.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            text = None
        if text is not None and _CACHED_RULES.fullmatch(text):
            return Markup(text)
        if text is not None:  # not what this function writes (damaged, or planted): rebuilt
            with contextlib.suppress(OSError):
                cached.unlink()
    rules = []
    for weight, path in faces:
        data = base64.b64encode(_woff2(path)).decode("ascii")
        rules.append(
            f"@font-face {{ font-family: '{font.family}'; font-style: normal; "
            f"font-weight: {weight}; src: url(data:font/woff2;base64,{data}) format('woff2'); }}"
        )
    css = "\n".join(rules)
    if cached is not None:
        _write_quietly(cached, css)
    return Markup(css)


# The cached rules are read back only when they are exactly what ``font_face_css`` writes: a
# rule per weight, the family's name and base64 data, nothing that could end the style element.
_CACHED_RULES = re.compile(
    r"(?:@font-face \{ font-family: '[A-Za-z0-9 ]+'; font-style: normal; font-weight: [0-9]{3}; "
    r"src: url\(data:font/woff2;base64,[A-Za-z0-9+/]+={0,2}\) format\('woff2'\); \}\n?)+"
)


def _write_quietly(path: Path, text: str) -> None:
    """Best effort (a cache): atomically, and nothing when the folder is not writable."""
    temporary = staging_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_dead_staging(path.parent)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):  # a full disk leaves no staging file behind
            temporary.unlink()


@cache
def stylesheet() -> Markup:
    """The theme's custom properties followed by its stylesheet (trusted: our own files)."""
    return Markup(
        css_variables(default_theme()) + (templates_dir() / STYLESHEET).read_text("utf-8")
    )


@cache
def embed_script() -> Markup:
    """The theme's script that draws each interactive chart (trusted: our own file)."""
    return Markup((templates_dir() / EMBED_SCRIPT).read_text("utf-8"))
