"""One value of a result as narrative sees it: prints formatted, compares by its raw value."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import escape

from reportgen.style.format import format_value, is_missing


@dataclass(frozen=True)
class Formats:
    """How each result column prints, and the report-wide settings formats need."""

    columns: Mapping[str, str]
    currency: str = "$"
    day_zero: str = "Saturday"


class Cell:
    """One value of a result: prints formatted, compares by its raw value."""

    __slots__ = ("raw", "fmt", "_formats")

    def __init__(self, raw: Any, fmt: str, formats: Formats) -> None:
        self.raw = raw
        self.fmt = fmt
        self._formats = formats

    def __str__(self) -> str:
        return format_value(
            self.raw, self.fmt, currency=self._formats.currency, day_zero=self._formats.day_zero
        )

    def __html__(self) -> str:
        return str(escape(str(self)))

    def _other(self, other: Any) -> Any:
        return other.raw if isinstance(other, Cell) else other

    def __eq__(self, other: object) -> bool:
        return bool(self.raw == self._other(other))

    def __hash__(self) -> int:
        return hash(self.raw)

    def __lt__(self, other: Any) -> bool:
        return bool(self.raw < self._other(other))

    def __le__(self, other: Any) -> bool:
        return bool(self.raw <= self._other(other))

    def __gt__(self, other: Any) -> bool:
        return bool(self.raw > self._other(other))

    def __ge__(self, other: Any) -> bool:
        return bool(self.raw >= self._other(other))

    def __float__(self) -> float:
        return float(self.raw)

    @property
    def missing(self) -> bool:
        """True when the value is missing (an average over no rows)."""
        return is_missing(self.raw)
