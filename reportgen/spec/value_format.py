"""A value format as the spec writes it (a name, or options) → the text code formatters take."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

FormatName = Literal[
    "auto",
    "integer",
    "number",
    "decimal",
    "currency",
    "percent",
    "points",
    "plain",
    "text",
    "day",
    "date",
    "datetime",
    "month",
    "quarter",
    "year",
]


class ValueFormat(BaseModel):
    """A number format with options, e.g. ``{type: currency, compact: true}`` prints $2.1M.

    Written where a format name goes (a field's or metric's ``format``).
    """

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"examples": [{"type": "number", "decimals": 1, "suffix": " mm"}]},
    )

    type: Literal["number", "integer", "currency", "percent", "points"] = Field(
        "number",
        description=(
            "Base format: number, integer, currency, percent (0.123 → 12.3%) or points "
            "(a difference of shares: 0.05 → 5.0 pp)."
        ),
        examples=["currency"],
    )
    decimals: int | None = Field(
        None,
        ge=0,
        le=6,
        description="Digits after the decimal point, e.g. 1 → '828.3'.",
        examples=[1],
    )
    compact: bool = Field(
        False, description="Thousands, millions, billions as K, M, B ($2.1M).", examples=[True]
    )
    separators: bool = Field(
        True,
        description="Thousands separators; false for years and ids (2014, not 2,014).",
        examples=[False],
    )
    suffix: str = Field(
        "",
        max_length=12,
        description="Text after the number, e.g. ' mm' or ' °C'.",
        examples=[" mm"],
    )

    def code(self) -> str:
        """The format as one text code, the form every formatter takes: 'number;d=1;s= mm'."""
        parts: list[str] = [self.type]
        if self.decimals is not None:
            parts.append(f"d={self.decimals}")
        if self.compact:
            parts.append("compact")
        if not self.separators:
            parts.append("plain")
        if self.suffix:
            parts.append(f"s={self.suffix.replace(';', ',')}")
        return ";".join(parts)


Format = FormatName | ValueFormat


def format_code(fmt: Format) -> str:
    """A format name as is; a format with options as its text code (see ``ValueFormat.code``)."""
    return fmt.code() if isinstance(fmt, ValueFormat) else fmt
