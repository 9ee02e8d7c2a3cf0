"""The spec's typed models: a YAML mapping in, a frozen, strictly checked ``Spec`` out.

Every field carries a one-line description; it feeds the JSON Schema and the generated docs.
Variants (field kinds, section kinds, chart kinds) are told apart by ``type:``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

from reportgen.spec.params import BatchSpec, ParamSpec
from reportgen.spec.value_format import Format, ValueFormat, format_code

__all__ = ["Format", "ValueFormat", "format_code"]

# --------------------------------------------------------------------------------------------
# Shared base


class Strict(BaseModel):
    """Base model: unknown keys are errors, instances are immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


# Names that become file names (cache files, exports, output files): no separators, no dots.
TABLE_NAME = r"^[A-Za-z_][A-Za-z0-9_]*$"
SLUG = r"^[a-z0-9][a-z0-9-]*$"
NAME_MAX_LENGTH = 64
TableName = Annotated[str, StringConstraints(pattern=TABLE_NAME, max_length=NAME_MAX_LENGTH)]


# --------------------------------------------------------------------------------------------
# Report meta and settings


class Thresholds(Strict):
    """What the words of the narrative's comparisons mean (listed in Data and methods).

    Report-wide under ``settings.wording``; a section's ``wording`` overrides single values.
    """

    similar_cv: float = Field(
        0.05,
        ge=0,
        description=(
            "spread(): values are 'similar' when their coefficient of variation "
            "(standard deviation / mean) is below this."
        ),
    )
    wide_ratio: float = Field(
        1.5,
        gt=1,
        description="spread(): values 'vary widely' when the highest is at least this many times the lowest.",
    )
    same_within: float = Field(
        0.05,
        ge=0,
        description="compare(): two values are 'about the same' when they differ by less than this share.",
    )
    same_within_pp: float = Field(
        0.02,
        ge=0,
        description=(
            "compare() of percentages: 'about the same' within this many points "
            "(0.02 = 2 percentage points)."
        ),
    )
    majority: float = Field(
        0.5, gt=0, lt=1, description="dominance(): a share above this is 'a majority'."
    )
    lead_ratio: float = Field(
        1.5,
        gt=1,
        description="dominance(): the first is 'by far the largest' when at least this many times the second.",
    )
    follows_r: float = Field(
        0.8,
        gt=0,
        le=1,
        description="follows(): one series 'follows' another when their correlation is at least this.",
    )


class MinSupport(Strict):
    """Groups below a minimum (e.g. fewer than 500 order lines) are shown but not ranked."""

    metric: str = Field(description="One of the query's metrics, e.g. order_lines.")
    at_least: float = Field(ge=0, description="The smallest value a group needs to be ranked.")


class ReportMeta(Strict):
    """Who the report is for and what it is called."""

    title: str = Field(description="Title on the cover and in the PDF metadata.")
    subtitle: str = Field("", description="One line under the title on the cover.")
    client: str = Field("", description="Who receives the report.")
    author: str = Field("", description="Who wrote the report (cover and PDF metadata).")
    subject: str = Field("", description="PDF subject metadata; defaults to the subtitle.")
    slug: str | None = Field(
        None,
        description="Base name of the output files; defaults to the title in lower-case-hyphens.",
        pattern=SLUG,
        max_length=NAME_MAX_LENGTH,
    )
    data_date: str = Field("", description="Date (or period) of the data, shown on the cover.")


class Settings(Strict):
    """Report-wide settings."""

    day_zero: Literal["Saturday", "Sunday"] = Field(
        "Saturday",
        description="Which weekday order_dow 0 stands for (the dataset does not document it).",
    )
    currency: str = Field("$", description="Currency symbol used by the currency format.")
    max_table_rows: int = Field(
        12, ge=2, le=200, description="Longest table shown; longer results keep the top rows."
    )
    page_size: Literal["A4", "Letter"] = Field("A4", description="PDF page size.")
    engine: Literal["pandas", "dask"] = Field(
        "pandas", description="Which engine runs the queries (overridden by --engine)."
    )
    wording: Thresholds = Field(
        default_factory=Thresholds,
        description="Thresholds behind the narrative's words (similar, varies widely, about the same …).",
    )
    interactive_charts: bool = Field(
        True,
        description=(
            "HTML charts drawn in the browser with tooltips (the Vega runtime inlined once, "
            "about 0.9 MB; the static SVG stays as the fallback); off, static SVG only."
        ),
    )
    pdf_standard: Literal["pdf/ua-1", "pdf/a-2a", "pdf/a-3a"] = Field(
        "pdf/ua-1",
        description=(
            "The PDF's standard: pdf/ua-1 (accessible: tagged, alt text, language), or "
            "pdf/a-2a / pdf/a-3a for archiving clients (archival and tagged)."
        ),
    )
    allow_data_outside: bool = Field(
        False,
        description=(
            "Allow data paths outside the spec's folder (absolute, '~' or '..' paths); "
            "off, a spec reads only files in its own folder and below."
        ),
    )


# --------------------------------------------------------------------------------------------
# Data: tables, cleaning, relations


class ValidRange(Strict):
    """Values outside [min, max] are treated as missing (and counted)."""

    min: float | None = Field(None, description="Smallest valid value (inclusive).")
    max: float | None = Field(None, description="Largest valid value (inclusive).")


class CleanRules(Strict):
    """Cleaning applied when a table is loaded; every effect is counted for the data-quality section."""

    drop_missing: list[str] = Field(
        default_factory=list, description="Drop rows where any of these columns is empty."
    )
    drop_duplicates: bool = Field(
        False, description="Drop rows that repeat an earlier row exactly."
    )
    duplicate_keys: Literal["error", "first"] = Field(
        "error",
        description="When the key repeats after cleaning: stop with an error, or keep the first row.",
    )
    valid: dict[str, ValidRange] = Field(
        default_factory=dict,
        description="Per column, the valid range; values outside it become missing.",
    )


class ColumnSpec(Strict):
    """How one column of a file is read: dates and times declared with their format."""

    model_config = ConfigDict(
        json_schema_extra={"examples": [{"type": "date", "format": "%Y/%m/%d"}]}
    )

    type: Literal["date", "datetime"] = Field(
        description="'date' (a day) or 'datetime' (a day and a time of day).", examples=["date"]
    )
    format: str | None = Field(
        None,
        max_length=40,
        description=(
            "How the text is written, in strftime codes, e.g. '%Y/%m/%d' or '%d.%m.%Y %H:%M'; "
            "default ISO 8601 ('2015-07-01', '2015-07-01 14:30:00')."
        ),
        examples=["%Y/%m/%d", "%d.%m.%Y %H:%M"],
    )


class TableSpec(Strict):
    """One input table: where its file(s) are and how to read them."""

    path: str | list[str] = Field(
        description=(
            "File path (or list of paths, or a glob), relative to the spec file's folder; "
            "'package:NAME/path' reads a data file shipped inside an installed Python package."
        ),
        examples=["data/orders.csv", "package:vega_datasets/_data/cars.json"],
    )
    format: Literal["csv", "parquet", "json"] | None = Field(
        None,
        description=(
            "File format; defaults to the file extension (json: an array of records, "
            "[{column: value, …}, …])."
        ),
    )
    key: str | None = Field(
        None, description="Column that identifies a row (unique after cleaning)."
    )
    layout: Literal["long", "wide", "auto"] = Field(
        "long",
        description=(
            "'wide' reads a transposed file (first column holds the header names); "
            "'auto' detects it per file."
        ),
    )
    delimiter: Literal[",", ";", "\t", "|"] = Field(
        ",",
        description="The character between the fields of a CSV file (';' in many European exports).",
        examples=[";"],
    )
    decimal: Literal[".", ","] = Field(
        ".",
        description="The decimal mark of numbers in a CSV file: ',' reads '1,5' as one and a half.",
        examples=[","],
    )
    rename: dict[str, str] = Field(
        default_factory=dict, description="Columns to rename on load: {file name: spec name}."
    )
    private: list[str] = Field(
        default_factory=list,
        description="Columns (file names) dropped at load so they can never reach an output.",
    )
    clean: CleanRules = Field(default_factory=CleanRules, description="Cleaning rules.")
    description: str = Field("", description="What the table holds (shown in the methods).")
    columns: dict[str, ColumnSpec] = Field(
        default_factory=dict,
        description=(
            "Columns read as dates or times, by spec name: {date: {type: date, format: '%Y/%m/%d'}}. "
            "Parquet date and timestamp columns are dates without this."
        ),
        examples=[{"date": {"type": "date", "format": "%Y/%m/%d"}}],
    )

    @model_validator(mode="after")
    def _check_decimal(self) -> TableSpec:
        if self.decimal == "," and self.delimiter == ",":
            msg = "decimal ',' needs another delimiter between fields (such files use ';')"
            raise ValueError(msg)
        return self


# --------------------------------------------------------------------------------------------
# Derived fields


class FieldBase(Strict):
    on: str = Field(description="Table the field belongs to (one value per row of it).")
    label: str | None = Field(None, description="Display name in tables and charts.")
    description: str = Field("", description="Definition shown in the methods section.")
    format: Format = Field(
        "auto",
        description=(
            "How values are shown: a name (integer, number, decimal, currency, percent, points, "
            "plain, text, day, date, datetime, month, quarter, year) or {type, decimals, compact, "
            "separators, suffix}."
        ),
    )
    order: list[str] | None = Field(
        None,
        description=(
            "Explicit order of the field's values in tables, charts and text, e.g. "
            "[Low, Mid, High]; values not listed follow in their own order."
        ),
        examples=[["Small", "Medium", "Large"]],
    )
    order_by: str | None = Field(
        None,
        description=(
            "Order the field's values by another column or field of the same table (its smallest "
            "value per label), e.g. a month name by month(date)."
        ),
        examples=["order_date"],
    )


class BinsField(FieldBase):
    """Cut a numeric column into labelled ranges."""

    type: Literal["bins"] = Field(description="Field kind.")
    column: str = Field(description="Numeric column (or field) to cut.")
    edges: list[float] = Field(min_length=1, description="Inner edges, ascending.")
    labels: list[str] = Field(min_length=2, description="One label per range (len(edges) + 1).")
    closed: Literal["right", "left"] = Field(
        "right", description="'right': a value equal to an edge falls in the lower range."
    )

    @model_validator(mode="after")
    def _check_edges(self) -> BinsField:
        if len(self.labels) != len(self.edges) + 1:
            msg = f"needs {len(self.edges) + 1} labels for {len(self.edges)} edges, found {len(self.labels)}"
            raise ValueError(msg)
        if list(self.edges) != sorted(set(self.edges)):
            msg = "edges must be strictly ascending"
            raise ValueError(msg)
        return self


class MapField(FieldBase):
    """Map each value of a column to a label (e.g. state to census region)."""

    type: Literal["map"] = Field(description="Field kind.")
    column: str = Field(description="Column (or field) whose values are mapped.")
    values: dict[str, str] = Field(
        default_factory=dict, description="{value: label}; labels keep this order."
    )
    groups: dict[str, list[str]] = Field(
        default_factory=dict,
        description="{label: [values]}: the same as values, written per label (labels keep this order).",
    )
    default: str | None = Field(None, description="Label for values not listed (else missing).")

    @field_validator("values", mode="before")
    @classmethod
    def _keys_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {str(k): v for k, v in value.items()}
        return value

    @field_validator("groups", mode="before")
    @classmethod
    def _members_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: [str(v) for v in vs] if isinstance(vs, list) else vs for k, vs in value.items()
            }
        return value

    @model_validator(mode="after")
    def _one_mapping(self) -> MapField:
        if not self.values and not self.groups:
            msg = "needs 'values' ({value: label}) or 'groups' ({label: [values]})"
            raise ValueError(msg)
        return self

    def mapping(self) -> dict[str, str]:
        """Every value → its label, from 'values' and 'groups' together."""
        merged = {v: label for label, members in self.groups.items() for v in members}
        return {**merged, **self.values}

    def labels(self) -> list[str]:
        """The labels in their order: groups, then values, then the default."""
        named = [*self.groups, *self.values.values(), *([self.default] if self.default else [])]
        return list(dict.fromkeys(named))


class Case(Strict):
    """One rule of a cases field."""

    when: str = Field(description="Condition, e.g. 'age < 40 and n_dependants > 0'.")
    then: str = Field(description="Label given to rows where the condition first holds.")


class CasesField(FieldBase):
    """Ordered conditions over several columns; the first that holds gives the label."""

    type: Literal["cases"] = Field(description="Field kind.")
    cases: list[Case] = Field(min_length=1, description="Rules, tried in order.")
    else_: str | None = Field(
        None, alias="else", description="Label when no rule holds (else missing)."
    )

    def labels(self) -> list[str]:
        """The labels in rule order, then the else label."""
        named = [case.then for case in self.cases] + ([self.else_] if self.else_ else [])
        return list(dict.fromkeys(named))


class AggregateField(FieldBase):
    """A per-row aggregate of a related table, e.g. each customer's highest order number."""

    type: Literal["aggregate"] = Field(description="Field kind.")
    func: Literal["count", "count_distinct", "sum", "mean", "median", "min", "max", "any"] = Field(
        description="Aggregation."
    )
    of: str | None = Field(
        None, description="Column aggregated, as table.column (not needed for count and any)."
    )
    over: str | None = Field(
        None, description="Table whose rows are aggregated; defaults to the table of 'of'."
    )
    where: str | None = Field(None, description="Only rows where this condition holds.")


class ExprField(FieldBase):
    """Arithmetic, a condition or a date function over columns of the same row, e.g.
    'income / 1000' or 'year(date)'."""

    type: Literal["expr"] = Field(description="Field kind.")
    expr: str = Field(
        description=(
            "Expression; date functions: year, quarter, month, week, weekday, day, hour (numbers), "
            "month_name, weekday_name (ordered names), and the period starts to_year, to_quarter, "
            "to_month, to_week, to_day, to_hour (dates, for resampling)."
        ),
        examples=["income / 1000", "year(date)", "to_month(date)"],
    )


class WeekdayField(FieldBase):
    """Day names from a 0–6 day number, read with settings.day_zero."""

    type: Literal["weekday"] = Field(description="Field kind.")
    column: str = Field(description="Column holding day numbers 0–6.")


FieldSpec = Annotated[
    BinsField | MapField | CasesField | AggregateField | ExprField | WeekdayField,
    Field(discriminator="type"),
]


# --------------------------------------------------------------------------------------------
# Filters and metrics


class FilterSpec(Strict):
    """A global filter: rows of 'on' (and every row that refers to them) failing 'where' are excluded."""

    on: str = Field(description="Table filtered.")
    where: str = Field(description="Condition rows must meet.")
    note: str = Field("", description="Why; shown in methods and data quality.")


class MetricSpec(Strict):
    """A named aggregate, e.g. 'sum(products.prices, over=order_products)' or 'revenue / orders'."""

    expr: str = Field(description="Aggregation call or arithmetic over other metrics.")
    label: str | None = Field(None, description="Display name.")
    format: Format = Field(
        "auto",
        description=(
            "How values are shown: a name (integer, number, decimal, currency, percent, points, "
            "plain) or {type, decimals, compact, separators, suffix}."
        ),
        examples=["currency", {"type": "currency", "compact": True}],
    )
    description: str = Field("", description="Definition shown in the methods section.")


# --------------------------------------------------------------------------------------------
# Sections


class Query(Strict):
    """What a section computes: metrics grouped by columns or fields."""

    by: list[str] = Field(default_factory=list, description="Group-by columns or fields.")
    metrics: list[str] = Field(min_length=1, description="Metric names.")
    where: str | None = Field(
        None,
        description=(
            "Row filter for this section only, applied before aggregation (columns and fields, "
            "not metrics); stated under the section."
        ),
    )
    having: str | None = Field(
        None,
        description=(
            "Result filter, applied after aggregation: a condition on the result's metrics and "
            "group columns, e.g. 'cars >= 10'; stated under the section."
        ),
        examples=["order_lines >= 500"],
    )
    sort: str | None = Field(
        None,
        description="Sort by a column or metric; '-name' for descending. Default: natural order.",
    )
    top: int | None = Field(
        None,
        ge=1,
        description="Keep the top N groups (by sort); the rest form one 'Other' row, each metric computed over their rows.",
    )
    other: bool = Field(True, description="With 'top': show the rest as an 'Other' row.")
    min_support: MinSupport | None = Field(
        None,
        description=(
            "Groups below this minimum are kept out of rankings, top-N, highest and lowest "
            "(shown, and named in a note)."
        ),
    )


ChartType = Literal[
    "bar",
    "hbar",
    "grouped",
    "stacked",
    "stacked100",
    "line",
    "area",
    "heatmap",
    "histogram",
    "scatter",
    "pie",
    "donut",
]


class ChartSpec(Strict):
    """How a section's result is drawn."""

    type: ChartType = Field(description="Chart kind.")
    x: str = Field(description="Column on the x axis (categories for bar, hbar and pie).")
    y: str | list[str] = Field(
        description=(
            "Metric on the y axis (value for bar, hbar and pie); a list of metrics for one "
            "series each (line, area, bar: e.g. [temp_max, temp_min])."
        ),
        examples=["orders", ["temp_max", "temp_min"]],
    )
    color: str | None = Field(
        None, description="Column for colour (grouped, stacked), or the metric of a heatmap."
    )
    title: str | None = Field(
        None, description="Chart title, a template; state the finding ('Sunday leads …')."
    )
    highlight: Literal["max", "min", "none"] = Field(
        "max", description="Which bar gets the accent colour."
    )
    labels: bool = Field(True, description="Direct value labels where they fit.")
    height: int | None = Field(None, ge=80, le=900, description="Height in pixels.")
    trend: bool = Field(
        False,
        description=(
            "Scatter: draw a least-squares trend line (the correlation is follows(x, y).r in text)."
        ),
        examples=[True],
    )

    @property
    def measures(self) -> list[str]:
        """The metrics drawn: ``y`` as a list."""
        return [self.y] if isinstance(self.y, str) else list(self.y)

    @property
    def first_measure(self) -> str:
        return self.measures[0]


class TableView(Strict):
    """Which result columns the section's table shows."""

    columns: list[str] | None = Field(None, description="Columns shown (default: all).")
    max_rows: int | None = Field(None, ge=1, description="Rows shown (default: settings).")
    show: bool = Field(True, description="Set false to show no table.")


class SectionBase(Strict):
    id: str = Field(
        pattern=SLUG,
        max_length=NAME_MAX_LENGTH,
        description="Stable id (lower-case-hyphens); names the section's CSV export.",
    )
    title: str = Field(description="Section title; state the question or the topic.")
    level: Literal[1, 2] = Field(1, description="1 starts a chapter on a new page; 2 continues.")
    text: str = Field(
        "", description="Narrative, a template over this and other sections' results."
    )
    wording: Thresholds | None = Field(
        None, description="Overrides of settings.wording for this section's text and titles."
    )


class AnalysisSection(SectionBase):
    """A question answered by a query, a chart, a table and a few sentences."""

    type: Literal["analysis"] = Field("analysis", description="Section kind.")
    question: str = Field("", description="The client's question, as asked.")
    query: Query = Field(description="What to compute.")
    chart: ChartSpec | None = Field(None, description="How to draw it.")
    table: TableView = Field(default_factory=TableView, description="Which columns to tabulate.")


class TextSection(SectionBase):
    """Prose only (executive summary, recommendations); '- ' lines become bullet lists."""

    type: Literal["text"] = Field(description="Section kind.")


class DefinitionsSection(SectionBase):
    """The methods: every table, field, filter and metric, generated from the spec."""

    type: Literal["definitions"] = Field(description="Section kind.")


class DataQualitySection(SectionBase):
    """Rows read, rows excluded and why, missing values: generated from the load."""

    type: Literal["data_quality"] = Field(description="Section kind.")


SectionSpec = Annotated[
    AnalysisSection | TextSection | DefinitionsSection | DataQualitySection,
    Field(discriminator="type"),
]


def _default_section_type(value: Any) -> Any:
    if isinstance(value, dict) and "type" not in value:
        return {**value, "type": "analysis"}
    return value


# --------------------------------------------------------------------------------------------
# The whole spec


class Spec(Strict):
    """A report: its data model once, then its sections."""

    report: ReportMeta = Field(description="Title, client, author.")
    settings: Settings = Field(default_factory=Settings, description="Report-wide settings.")
    data: dict[TableName, TableSpec] = Field(
        min_length=1,
        description="Input tables by name (letters, digits and underscores; it names cache files).",
    )
    relations: list[str] = Field(
        default_factory=list,
        description="Many-to-one links, 'child.column -> parent' (parent's key).",
    )
    fields: dict[str, FieldSpec] = Field(default_factory=dict, description="Derived fields.")
    filters: dict[str, FilterSpec] = Field(default_factory=dict, description="Global filters.")
    metrics: dict[str, MetricSpec] = Field(min_length=1, description="Named metrics.")
    labels: dict[str, str] = Field(
        default_factory=dict, description="Display names for columns: {column: label}."
    )
    sections: list[SectionSpec] = Field(min_length=1, description="The report's sections in order.")
    params: dict[TableName, ParamSpec] = Field(
        default_factory=dict,
        description=(
            "Values chosen at build time (--param NAME=VALUE): params.NAME in filters, where and "
            "having; {{ params.NAME }} in titles and texts."
        ),
    )
    batch: BatchSpec | None = Field(
        None, description="One report per value of a parameter (as --each NAME), and an index page."
    )

    @field_validator("metrics", mode="before")
    @classmethod
    def _metric_shorthand(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {k: {"expr": v} if isinstance(v, str) else v for k, v in value.items()}
        return value

    @field_validator("sections", mode="before")
    @classmethod
    def _section_default_type(cls, value: Any) -> Any:
        if isinstance(value, list):
            return [_default_section_type(v) for v in value]
        return value
