"""The ``params:`` and ``batch:`` blocks of a spec: named values chosen when the report is built
(``--param region=South``) and a batch that builds one report per value (``--each region``).

The models only; binding the values and putting them into the spec's conditions is
``reportgen.model.params``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

ParamValue = str | int | float


class ParamSpec(BaseModel):
    """A value chosen at build time: ``params.NAME`` in conditions and ``{{ params.NAME }}`` in
    titles and texts."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: str | None = Field(
        None, description="Display name (cover, index page); default: the name."
    )
    type: Literal["text", "number", "date"] = Field(
        "text",
        description="How a value given on the command line is read: text, number or date (ISO, 2017-01-31).",
    )
    values: list[ParamValue] | None = Field(
        None,
        description="The allowed values, in order (a batch builds one report per value).",
        examples=[["Midwest", "Northeast", "South", "West"]],
    )
    values_of: str | None = Field(
        None,
        description=(
            "The allowed values are the distinct values of this column or field in the data "
            "(checked once the data is loaded)."
        ),
        examples=["region"],
    )
    default: ParamValue | None = Field(
        None,
        description="The value when none is given; without it, --param NAME=VALUE is required.",
    )
    description: str = Field("", description="What the parameter chooses (shown in the reference).")

    @model_validator(mode="after")
    def _one_source_of_values(self) -> ParamSpec:
        if self.values is not None and self.values_of is not None:
            msg = "give either 'values' or 'values_of', not both"
            raise ValueError(msg)
        if self.values is not None and not self.values:
            msg = "'values' lists no value"
            raise ValueError(msg)
        return self


class BatchSpec(BaseModel):
    """One report per value of a parameter, with an index page linking them."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    each: str | None = Field(
        None, description="The parameter to build one report per value of (as --each NAME)."
    )
    compare: list[str] = Field(
        default_factory=list,
        description=(
            "Metrics shown side by side for every value on the index page (and in its CSV), "
            "each over the whole report's rows."
        ),
        examples=[["customers", "avg_order_value"]],
    )
    summary: str | None = Field(
        None,
        description=(
            "The metric quoted on each report's line of the index page; default: the first "
            "compared metric, else the spec's first metric."
        ),
    )
