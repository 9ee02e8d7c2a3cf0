"""Spec text (titles, narrative) + section results → safe text, rendered in a Jinja sandbox.

User text is a template over the results: ``{{ top.day }}``, ``{{ highest.orders.orders }}``,
``{{ sections['loyalty'].by['Loyal'].avg_order_value }}``. It runs in an immutable sandbox
with autoescape, StrictUndefined, a time limit and an output size limit; values print
formatted the same way as in tables and charts.
"""

from __future__ import annotations

import functools
import re
import signal
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from types import CodeType
from typing import Any, overload

import pandas as pd
from jinja2 import StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError
from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter, SecurityError
from jinja2.utils import missing
from markupsafe import Markup, escape

from reportgen.errors import did_you_mean
from reportgen.render.cells import Cell, Formats
from reportgen.render.claims import ClaimError, Claims, Figure
from reportgen.spec.models import MinSupport, Thresholds
from reportgen.style.format import format_value, is_missing

MAX_OUTPUT = 20_000
TIME_LIMIT_S = 2.0
_MAX_POWER = 64  # integer exponents above this are refused: 9 ** 9 ** 9 is not a number to print
_WIDTH = re.compile(r"\d{6,}")  # a format width or precision of a million or more


class NarrativeError(ValueError):
    """A template in the spec that cannot be rendered; the message says why."""


class Row(Mapping[str, Cell]):
    """One result row; columns by attribute (``row.orders``) or key (``row['orders']``)."""

    def __init__(self, values: Mapping[str, Any], formats: Formats) -> None:
        self._cells = {
            k: Cell(v, formats.columns.get(k, "auto"), formats) for k, v in values.items()
        }

    def __getitem__(self, key: str) -> Cell:
        return self._cells[key]

    def __getattr__(self, key: str) -> Cell:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._cells[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._cells)

    def __len__(self) -> int:
        return len(self._cells)


class Extremes(Mapping[str, Row]):
    """``highest.orders``: the row with the largest (or smallest) value of a metric.

    Only ranked rows compete: not the Other bucket, not groups below the section's minimum
    support.
    """

    def __init__(
        self, rows: Sequence[Row], frame: pd.DataFrame, largest: bool, ranked: list[bool]
    ) -> None:
        self._rows, self._frame, self._largest = rows, frame, largest
        self._found: dict[str, Row] = {}
        self._ranked = ranked

    def __getitem__(self, column: str) -> Row:
        if column not in self._frame.columns:
            raise KeyError(column)
        if column not in self._found:
            series = pd.to_numeric(self._frame[column], errors="coerce").reset_index(drop=True)
            series = series.where(pd.Series(self._ranked, dtype=bool))
            if series.notna().sum() == 0:
                raise KeyError(column)
            position = int(series.idxmax() if self._largest else series.idxmin())
            self._found[column] = self._rows[position]
        return self._found[column]

    def __getattr__(self, column: str) -> Row:
        if column.startswith("_"):
            raise AttributeError(column)
        try:
            return self[column]
        except KeyError:
            raise AttributeError(column) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._frame.columns)

    def __len__(self) -> int:
        return len(self._frame.columns)


class Total(Mapping[str, Cell]):
    """``total.revenue``: each metric over all the section's rows, re-aggregated by the engine
    (an average over all rows, a ratio of totals, a share of 100 %), never a sum of the rows."""

    def __init__(
        self, values: Mapping[str, Any] | None, formats: Formats, no_total: Mapping[str, str]
    ) -> None:
        self._row = Row(values, formats) if values is not None else None
        self._no_total = no_total

    def __getitem__(self, key: str) -> Cell:
        if key in self._no_total:
            msg = f"total.{key} has no meaning: {self._no_total[key]}"
            raise NarrativeError(msg)
        if self._row is None:
            msg = "the total of this section was not computed; write it as total.<metric>"
            raise NarrativeError(msg)
        return self._row[key]

    def __getattr__(self, key: str) -> Cell:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._row or ())

    def __len__(self) -> int:
        return len(self._row or ())


class Rows(Sequence[Row]):
    """A result's rows (or some of them, by position), made into ``Row``s only when a template
    reads them: a section of 50,000 products costs nothing until its text walks them."""

    def __init__(
        self,
        columns: Mapping[str, list[Any]],
        formats: Formats,
        positions: list[int] | None = None,
        made: dict[int, Row] | None = None,
    ) -> None:
        self._columns, self._formats = columns, formats
        size = len(next(iter(columns.values()))) if columns else 0
        self._positions = positions if positions is not None else list(range(size))
        self._made = made if made is not None else {}

    def _row(self, position: int) -> Row:
        if position not in self._made:
            values = {name: column[position] for name, column in self._columns.items()}
            self._made[position] = Row(values, self._formats)
        return self._made[position]

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self._row(p) for p in self._positions[index]]
        return self._row(self._positions[index])

    def __len__(self) -> int:
        return len(self._positions)

    def __iter__(self) -> Iterator[Row]:
        return (self._row(p) for p in self._positions)

    def subset(self, positions: list[int]) -> Rows:
        """The rows at these positions of the whole result (sharing the rows made so far)."""
        return Rows(self._columns, self._formats, positions, self._made)


class ByLabel(Mapping[str, Row]):
    """``by['Loyal customer']``: a row by the value of the result's first column."""

    def __init__(self, labels: list[str], rows: Rows) -> None:
        self._index = {label: i for i, label in enumerate(labels)}  # the last row of a label
        self._rows = rows

    def __getitem__(self, label: str) -> Row:
        return self._rows[self._index[label]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)


class ResultView:
    """What a narrative sees of one section's result: every group, in the section's order.

    ``ranked`` rows (not the Other bucket, not below the minimum support) are the ones that
    ``highest``, ``lowest`` and the claims compare.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        formats: Formats,
        thresholds: Thresholds | None = None,
        *,
        total: Mapping[str, Any] | None = None,
        no_total: Mapping[str, str] | None = None,
        other_label: str | None = None,
        support: MinSupport | None = None,
    ) -> None:
        self.rows = Rows({str(c): frame[c].tolist() for c in frame.columns}, formats)
        self.top = self.rows[0] if self.rows else None
        self.first = self.top
        self.last = self.rows[-1] if self.rows else None
        self.count = len(self.rows)
        first = str(frame.columns[0]) if len(frame.columns) else None
        groups = [str(v) for v in frame[first].tolist()] if first is not None else []
        is_other = [other_label is not None and g == other_label for g in groups]
        small = [False] * len(self.rows)
        if support is not None and support.metric in frame.columns:
            values = pd.to_numeric(frame[support.metric], errors="coerce").fillna(0).tolist()
            small = [float(v) < support.at_least for v in values]
        ranked = [not o and not s for o, s in zip(is_other, small, strict=True)]
        self.small = self.rows.subset([i for i, s in enumerate(small) if s])
        self.ranked = self.rows.subset([i for i, keep in enumerate(ranked) if keep])
        self.minimum = (
            Cell(support.at_least, formats.columns.get(support.metric, "auto"), formats)
            if support is not None
            else None
        )
        self.highest = Extremes(self.rows, frame, largest=True, ranked=ranked)
        self.lowest = Extremes(self.rows, frame, largest=False, ranked=ranked)
        self.by = ByLabel(groups, self.rows)
        self.total = Total(total, formats, no_total or {})
        self.claims = Claims(
            self.ranked,
            self.rows,
            [str(c) for c in frame.columns],
            first,
            thresholds or Thresholds(),
            formats,
        ).functions()

    def context(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "top": self.top,
            "first": self.first,
            "last": self.last,
            "count": self.count,
            "highest": self.highest,
            "lowest": self.lowest,
            "by": self.by,
            "total": self.total,
            "small": self.small,
            "ranked": self.ranked,
            "minimum": self.minimum,
            **self.claims,
        }


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
            names = [str(key) for key in owner]
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


def _too_large(value: Any) -> bool:
    """An argument that would make a template build a huge value (a count, width or format)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) > MAX_OUTPUT
    return isinstance(value, str) and _WIDTH.search(value) is not None


def _refuse_large(what: str, values: Iterator[Any] | tuple[Any, ...]) -> None:
    if any(_too_large(value) for value in values):
        msg = f"{what} with a number above {MAX_OUTPUT:,} would build a value too large to print"
        raise SecurityError(msg)


def _bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """The filter, refusing widths and counts that would build a huge value."""

    skip = 2 if hasattr(function, "jinja_pass_arg") else 1  # the value (after env/context)

    @functools.wraps(function)
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _refuse_large(f"the filter '{name}'", (*args[skip:], *kwargs.values()))
        if name == "format" and len(args) >= skip:  # "%8000d" | format(1): the value is the format
            _refuse_printf_widths(str(args[skip - 1]), tuple(args[skip:]))
        return function(*args, **kwargs)

    return bounded


class BoundedSandbox(ImmutableSandboxedEnvironment):
    """The immutable sandbox, with sizes bounded: no operator, call or filter builds a huge value.

    The time limit cannot stop one long C-level operation (``[1] * 10 ** 8``), so such operations
    are refused before they start.
    """

    intercepted_binops = frozenset({"*", "**", "%"})

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sequence, count in ((left, right), (right, left)):
                sized = isinstance(sequence, (str, list, tuple)) and isinstance(count, int)
                if sized and len(sequence) * count > MAX_OUTPUT:
                    msg = f"repeating a value {count:,} times would exceed {MAX_OUTPUT:,}"
                    raise SecurityError(msg)
        elif operator == "**":
            if isinstance(right, int) and abs(right) > _MAX_POWER and abs(left) > 1:
                msg = f"the power {right:,} is too large (at most {_MAX_POWER})"
                raise SecurityError(msg)
        elif operator == "%" and isinstance(left, str):
            _refuse_printf_widths(left, right)
        return super().call_binop(context, operator, left, right)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """``str.format`` and ``format_map``: a dry run checks every width and precision (nested
        ones too, once substituted) before the real call allocates anything."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        template, checker = value.__self__, _WidthCheck(self)

        def bounded(*args: Any, **kwargs: Any) -> str:
            if value.__name__ == "format_map" and len(args) == 1 and not kwargs:
                checker.vformat(template, (), args[0])
            else:
                checker.vformat(template, args, kwargs)
            return wrapped(*args, **kwargs)

        return functools.update_wrapper(bounded, value)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        owner = getattr(__obj, "__self__", None)
        if __obj is _bounded_range or isinstance(owner, (str, list, tuple)):
            fmt = (owner,) if isinstance(owner, str) else ()
            name = getattr(__obj, "__name__", "a method")
            _refuse_large(f"{name}()", (*fmt, *args, *kwargs.values()))
        return super().call(__context, __obj, *args, **kwargs)


def _refuse_width(number: str, what: str) -> None:
    """Refuse a width or precision (digits as written) above ``MAX_OUTPUT``, naming it."""
    digits = number.lstrip("0")
    if len(digits) > len(str(MAX_OUTPUT)) or (digits and int(digits) > MAX_OUTPUT):
        shown = f"{int(digits):,}" if len(digits) <= 24 else digits[:24] + "…"
        msg = (
            f"{what} width or precision of {shown} is above {MAX_OUTPUT:,}, the longest text "
            "a template may produce"
        )
        raise SecurityError(msg)


def _refuse_spec_widths(format_spec: str) -> None:
    """The numbers in a ``str.format`` spec (``>8000``, ``.3``, ``020000``) are widths."""
    for number in re.findall(r"\d+", format_spec):
        _refuse_width(number, "a format")


# One '%' conversion: '%%', or flags, width ('*' or digits) and precision.
_PRINTF = re.compile(r"%%|%(?:\([^)]*\))?[#0 +\-]*(\*|\d+)?(?:\.(\*|\d+))?")


def _refuse_printf_widths(template: str, values: Any) -> None:
    """Widths and precisions of a '%' format (``%8000d``, ``%.*f`` with the number in values)."""
    starred = False
    for match in _PRINTF.finditer(template):
        for number in match.groups():
            if number == "*":
                starred = True
            elif number:
                _refuse_width(number, "a '%'")
    if starred:
        items = values if isinstance(values, tuple) else (values,)
        for item in items:
            if isinstance(item, int) and not isinstance(item, bool):
                _refuse_width(str(abs(item)), "a '%'")


class _WidthCheck(SandboxedFormatter):
    """A dry run of ``str.format``: fields resolved as in the sandbox, each spec checked before
    its field is formatted (a nested field's text becomes part of the outer spec)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        _refuse_spec_widths(format_spec)
        return str(super().format_field(value, format_spec))


def _bounded_range(*args: int) -> range:
    """``range`` for templates: at most 1,000 numbers."""
    return range(*args)[:1000]


_bounded_range.__name__ = "range"


def make_environment(formats: Formats, *, autoescape: bool) -> ImmutableSandboxedEnvironment:
    """A sandboxed environment with the number filters; nothing from outside is reachable."""
    env = BoundedSandbox(autoescape=autoescape, undefined=NamedUndefined)
    for name, function in list(env.filters.items()):
        env.filters[name] = _bounded_filter(name, function)
    for name in ("integer", "number", "decimal", "currency", "percent", "day"):
        env.filters[name] = _number_filter(name, formats)
    env.globals.clear()
    # Formatted like every other number ('1.3×', '+12.4%'); they compare by their value.
    env.globals["ratio"] = lambda a, b: Figure(_ratio(a, b), "ratio", formats)
    env.globals["change"] = lambda a, b: Figure(_ratio(a, b) - 1, "change", formats)
    env.globals["range"] = _bounded_range
    return env


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread() or not hasattr(
        signal, "setitimer"
    ):
        yield
        return

    def stop(signum: int, frame: object) -> None:
        msg = f"the template took longer than {seconds:g} s; remove the loop"
        raise NarrativeError(msg)

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


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
        with _time_limit(TIME_LIMIT_S):
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
