"""The narrative's thresholds → what each qualitative word of the report means, the sections
that change one, and the minimum support below which groups are not ranked (tables for Data and
methods)."""

from __future__ import annotations

from typing import Any

from reportgen.model.semantic import Model
from reportgen.render.context import TableBlock, TableColumn
from reportgen.render.words import lower_first, plain_number, upper_first
from reportgen.spec.models import AnalysisSection, Thresholds
from reportgen.style.format import format_value


def _pct(value: float) -> str:
    return f"{value * 100:,.4g}%"


def _points(value: float) -> str:
    points = value * 100
    unit = "percentage point" if points == 1 else "percentage points"
    return f"{points:,.4g} {unit}"


# One entry per ``Thresholds`` setting: the word and what it means, given the values.
_WORDS: dict[str, tuple[str, Any]] = {
    "similar_cv": (
        "similar",
        lambda t: (
            f"the values vary by less than {_pct(t.similar_cv)} around their average "
            "(coefficient of variation: standard deviation divided by the mean)"
        ),
    ),
    "wide_ratio": (
        "varies widely",
        lambda t: f"the highest value is at least {plain_number(t.wide_ratio)} times the lowest",
    ),
    "same_within": (
        "about the same",
        lambda t: f"two values differ by less than {_pct(t.same_within)}",
    ),
    "same_within_pp": (
        "similar, about the same (percentages)",
        lambda t: (
            f"percentages (shares, rates) differ by less than {_points(t.same_within_pp)}, "
            "from the lowest to the highest"
        ),
    ),
    "majority": ("a majority", lambda t: f"a share of more than {_pct(t.majority)}"),
    "lead_ratio": (
        "by far the largest",
        lambda t: f"at least {plain_number(t.lead_ratio)} times the next largest",
    ),
    "follows_r": (
        "follows",
        lambda t: f"the two series have a correlation of at least {plain_number(t.follows_r)}",
    ),
}


def _word(key: str, thresholds: Thresholds) -> tuple[str, str]:
    """The word a threshold decides and its meaning at this value."""
    if key in _WORDS:
        word, meaning = _WORDS[key]
        return word, meaning(thresholds)
    description = Thresholds.model_fields[key].description or key
    return key.replace(
        "_", " "
    ), f"{description.split(': ', 1)[-1]} ({plain_number(getattr(thresholds, key))})"


def wording_tables(model: Model) -> list[TableBlock]:
    """What each qualitative word of the narrative means (``settings.wording``), the sections
    that change a threshold, and the minimum support below which groups are not ranked."""
    spec = model.spec
    thresholds = spec.settings.wording
    head = [TableColumn("word", "Word"), TableColumn("meaning", "Used when")]
    rows = [list(_word(key, thresholds)) for key in Thresholds.model_fields]
    blocks = [TableBlock(head, rows, caption="How the report's words are chosen")]
    changed = []
    for section in spec.sections:
        if section.wording is None:
            continue
        own = Thresholds.model_validate(
            {**thresholds.model_dump(), **section.wording.model_dump(exclude_unset=True)}
        )
        for key in section.wording.model_dump(exclude_unset=True):
            word, meaning = _word(key, own)
            changed.append([section.title, word, meaning])
    if changed:
        section_head = [
            TableColumn("section", "Section"),
            TableColumn("word", "Word"),
            TableColumn("meaning", "Used when"),
        ]
        blocks.append(
            TableBlock(section_head, changed, caption="Sections with their own thresholds")
        )
    support = []
    for section in spec.sections:
        if not isinstance(section, AnalysisSection) or section.query.min_support is None:
            continue
        minimum = section.query.min_support
        metric = model.metrics.get(minimum.metric)
        label = lower_first(metric.label) if metric is not None else minimum.metric
        fmt = metric.format if metric is not None else "number"
        if fmt in ("integer", "number", "auto"):
            rule = f"groups with fewer than {format_value(minimum.at_least, fmt)} {label} are not ranked"
        else:
            amount = format_value(minimum.at_least, fmt, currency=spec.settings.currency)
            rule = f"groups whose {label} is below {amount} are not ranked"
        support.append([section.title, upper_first(rule)])
    if support:
        support_head = [TableColumn("section", "Section"), TableColumn("rule", "Minimum support")]
        blocks.append(TableBlock(support_head, support, caption="Groups too small to rank"))
    return blocks
