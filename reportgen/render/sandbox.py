"""The Jinja sandbox narratives run in, with sizes bounded: no operator, call, filter or format
builds a value larger than ``MAX_OUTPUT``, ``range`` stops at 1,000 numbers, and a template
stops after a time limit."""

from __future__ import annotations

import functools
import re
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from jinja2.runtime import Context
from jinja2.sandbox import ImmutableSandboxedEnvironment, SandboxedFormatter, SecurityError

MAX_OUTPUT = 20_000
TIME_LIMIT_S = 2.0
_MAX_POWER = 64  # integer exponents above this are refused: 9 ** 9 ** 9 is not a number to print
_WIDTH = re.compile(r"\d{6,}")  # a format width or precision of a million or more


class NarrativeError(ValueError):
    """A template in the spec that cannot be rendered; the message says why."""


def _too_large(value: Any) -> bool:
    """An argument that would make a template build a huge value (a count, width or format)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return abs(value) > MAX_OUTPUT
    return isinstance(value, str) and _WIDTH.search(value) is not None


def _refuse_large(what: str, values: Iterator[Any] | tuple[Any, ...]) -> None:
    if any(_too_large(value) for value in values):
        msg = f"{what} with a number above {MAX_OUTPUT:,} would build a value too large to print"
        raise SecurityError(msg)


def bounded_filter(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
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
        if __obj is bounded_range or isinstance(owner, (str, list, tuple)):
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


def bounded_range(*args: int) -> range:
    """``range`` for templates: at most 1,000 numbers."""
    return range(*args)[:1000]


bounded_range.__name__ = "range"


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
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
