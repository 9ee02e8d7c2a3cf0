"""Spec text (titles, narrative) + section results → safe text, rendered in a Jinja sandbox.

User text is a template over the results: ``{{ top.day }}``, ``{{ highest.orders.orders }}``,
``{{ sections['loyalty'].by['Loyal'].avg_order_value }}``. It runs in an immutable sandbox
with autoescape, StrictUndefined, a time limit and an output size limit; values print
formatted the same way as in tables and charts. The sandbox's bounds are ``sandbox``; what a
template sees of a result is ``result_view``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from types import CodeType
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import missing
from markupsafe import Markup, escape

from reportgen.errors import did_you_mean
from reportgen.render.cells import Cell, Formats
from reportgen.render.claims import ClaimError, Figure
from reportgen.render.result_view import ByLabel, Extremes, Row
from reportgen.render.sandbox import (
    MAX_OUTPUT,
    TIME_LIMIT_S,
    BoundedSandbox,
    NarrativeError,
    bounded_filter,
    bounded_range,
    time_limit,
)
from reportgen.style.format import format_value, is_missing


class NamedUndefined(StrictUndefined):
    """``StrictUndefined`` whose message lists the names that do exist, with a did-you-mean."""

    @property
    def _undefined_message(self) -> str:
        owner, name = self._undefined_obj, self._undefined_name
        if self._undefined_hint or owner is missing:
            return str(super()._undefined_message)
        if owner is None:
            return f"no {name!r} here: the value before it is empty (the result has no rows?)"
        if isinstance(owner, Sequence) and not isinstance(owner, str) and isinstance(name, int):
            return f"no element {name}: there are only {len(owner)}"
        if isinstance(owner, Mapping):
            names = owner.names() if isinstance(owner, ByLabel) else [str(key) for key in owner]
            what = "column" if isinstance(owner, (Row, Extremes)) else "name"
            shown = ", ".join(names[:12]) + (", …" if len(names) > 12 else "")
            hint = did_you_mean(str(name), names)
            return f"no {what} {name!r} (there are: {shown}){hint}"
        return str(super()._undefined_message)


def _number_filter(fmt: str, formats: Formats) -> Any:
    def apply(value: Any) -> str:
        raw = value.raw if isinstance(value, Cell) else value
        return format_value(raw, fmt, currency=formats.currency, day_zero=formats.day_zero)

    return apply


def _ratio(a: Any, b: Any) -> float:
    a_raw = a.raw if isinstance(a, Cell) else a
    b_raw = b.raw if isinstance(b, Cell) else b
    if is_missing(a_raw) or is_missing(b_raw) or not b_raw:
        return float("nan")
    return float(a_raw) / float(b_raw)


def make_environment(formats: Formats, *, autoescape: bool) -> ImmutableSandboxedEnvironment:
    """A sandboxed environment with the number filters; nothing from outside is reachable."""
    env = BoundedSandbox(autoescape=autoescape, undefined=NamedUndefined)
    for name, function in list(env.filters.items()):
        env.filters[name] = bounded_filter(name, function)
    for name in ("integer", "number", "decimal", "currency", "percent", "day"):
        env.filters[name] = _number_filter(name, formats)
    env.globals.clear()
    # Formatted like every other number ('1.3×', '+12.4%'); they compare by their value.
    env.globals["ratio"] = lambda a, b: Figure(_ratio(a, b), "ratio", formats)
    env.globals["change"] = lambda a, b: Figure(_ratio(a, b) - 1, "change", formats)
    env.globals["range"] = bounded_range
    return env


_CODE: dict[tuple[type, bool, str], CodeType] = {}
_CODE_LIMIT = 2048


def _compiled(env: ImmutableSandboxedEnvironment, source: str) -> CodeType:
    """The template's code, compiled once per process: every environment ``make_environment``
    returns compiles alike (same class, filters and autoescape), and the texts are checked
    before the data is read and rendered again after, so each is compiled once."""
    key = (type(env), bool(env.autoescape), source)
    code = _CODE.get(key)
    if code is None:
        code = env.compile(source)
        if len(_CODE) >= _CODE_LIMIT:
            _CODE.clear()
        _CODE[key] = code
    return code


def render_text(env: ImmutableSandboxedEnvironment, source: str, context: Mapping[str, Any]) -> str:
    """Render one spec template; raise ``NarrativeError`` with a plain message on any problem."""
    if "{" not in source:
        return source
    try:
        template = env.template_class.from_code(env, _compiled(env, source), env.make_globals(None))
        with time_limit(TIME_LIMIT_S):
            pieces = []
            size = 0
            for piece in template.generate(**context):
                size += len(piece)
                if size > MAX_OUTPUT:
                    msg = f"the template produced more than {MAX_OUTPUT:,} characters"
                    raise NarrativeError(msg)
                pieces.append(piece)
    except TemplateSyntaxError as error:
        msg = f"template syntax error on line {error.lineno} of the text: {error.message}"
        raise NarrativeError(msg) from None
    except UndefinedError as error:
        message = str(error.message)
        unknown = re.fullmatch(r"'(\w+)' is undefined", message)
        if unknown:
            message += did_you_mean(unknown.group(1), [k for k in context if k != "data"])
        msg = f"unknown name in the text: {message}"
        raise NarrativeError(msg) from None
    except SecurityError as error:
        msg = f"not allowed in the text: {error}"
        raise NarrativeError(msg) from None
    except (MemoryError, RecursionError):
        msg = "the template needs too much memory or nests too deeply; simplify it"
        raise NarrativeError(msg) from None
    except (
        TemplateError,
        TypeError,
        KeyError,
        IndexError,
        ValueError,
        AttributeError,
        ArithmeticError,
    ) as error:
        if isinstance(error, NarrativeError):
            raise
        if isinstance(error, ClaimError):
            raise NarrativeError(str(error)) from None
        msg = f"cannot render the text: {type(error).__name__}: {error}"
        raise NarrativeError(msg) from None
    return "".join(pieces)


_BOLD = re.compile(r"\*\*(.+?)\*\*")


def to_blocks(rendered: str) -> Markup:
    """Rendered plain text → escaped HTML paragraphs; '- ' lines become a bullet list.

    The whole text is escaped here, literal template text and values alike, so nothing in
    the spec or the data can inject markup.
    """
    html: list[str] = []
    for block in re.split(r"\n\s*\n", str(escape(rendered)).strip()):
        lines = [line.strip() for line in block.strip().splitlines() if line.strip()]
        if not lines:
            continue
        if all(line.startswith("- ") for line in lines):
            items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
            html.append(f"<ul>{items}</ul>")
        else:
            paragraph: list[str] = []
            bullets: list[str] = []
            for line in lines:
                if line.startswith("- "):
                    bullets.append(f"<li>{_inline(line[2:])}</li>")
                    continue
                if bullets:
                    html.append(f"<p>{' '.join(paragraph)}</p>" if paragraph else "")
                    html.append(f"<ul>{''.join(bullets)}</ul>")
                    paragraph, bullets = [], []
                paragraph.append(_inline(line))
            if paragraph:
                html.append(f"<p>{' '.join(paragraph)}</p>")
            if bullets:
                html.append(f"<ul>{''.join(bullets)}</ul>")
    return Markup("".join(html))


def _inline(text: str) -> str:
    """Already-escaped text with **bold** turned into <strong>."""
    return _BOLD.sub(r"<strong>\1</strong>", text)
