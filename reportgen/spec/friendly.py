"""Pydantic's validation errors in, friendly located ``SpecIssue``s out (wording from ``wording``)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from reportgen.errors import SpecIssue, did_you_mean
from reportgen.spec import wording
from reportgen.spec.describe import kind, show, type_words
from reportgen.spec.locate import (
    Located,
    is_model,
    literal_values,
    locate,
    type_tag,
    union_members,
    unwrap,
)
from reportgen.spec.positions import Loc, Positions


def friendly_issues(
    error: ValidationError, root: type[BaseModel], data: Any, positions: Positions
) -> list[SpecIssue]:
    """Every error of ``error`` (raised validating ``data`` as ``root``), reworded and located."""
    issues: list[SpecIssue] = []
    unions: dict[Loc, list[tuple[ErrorDetails, Located]]] = {}
    for details in error.errors():
        located = locate(root, details["loc"])
        if located.union_loc is not None:
            unions.setdefault(located.union_loc, []).append((details, located))
        else:
            issues.append(_issue(details, located, positions))
    for union_loc, group in unions.items():
        issues.extend(_union_issues(union_loc, group, data, positions))
    unique = {(i.line, i.column, i.message): i for i in issues}
    return list(unique.values())


# --------------------------------------------------------------------------------------------
# Context


def _lookup(model: type[BaseModel] | None, table: Mapping[str, str]) -> str | None:
    for cls in model.__mro__ if model else ():
        if cls.__name__ in table:
            return table[cls.__name__]
    return None


def _context(located: Located) -> str:
    template = _lookup(located.owner, wording.CONTEXTS) or ""
    loc = located.owner_loc
    name = loc[1] if len(loc) >= 2 else ""
    return template.format(name=name)


def _noun(located: Located) -> str:
    field = located.field_name or ""
    for cls in located.owner.__mro__ if located.owner else ():
        noun = wording.NOUNS.get((cls.__name__, field))
        if noun:
            return noun
    return field.replace("_", " ") or "value"


def _last_key(located: Located) -> str:
    return str(located.yaml_loc[-1]) if located.yaml_loc else ""


# --------------------------------------------------------------------------------------------
# One error


def _issue(details: ErrorDetails, located: Located, positions: Positions) -> SpecIssue:
    kind_ = details["type"]
    handler = _HANDLERS.get(kind_, _generic)
    message, loc, on_key = handler(details, located)
    line, column = positions.find_key(loc) if on_key else positions.find(loc)
    return SpecIssue(loc, message, line, column)


Handled = tuple[str, Loc, bool]  # message, YAML loc to point at, point at its key (not value)


def _template(kind_: str, **fields: object) -> str:
    return wording.MESSAGES[kind_].format(**fields)


def _missing(details: ErrorDetails, located: Located) -> Handled:
    msg = _template("missing", key=_last_key(located), context=_context(located))
    return msg, located.yaml_loc, False


def _extra(details: ErrorDetails, located: Located) -> Handled:
    key = _last_key(located)
    owner = located.owner
    candidates = [f.alias or n for n, f in owner.model_fields.items()] if owner else []
    suggestion = did_you_mean(key, candidates)
    users = [
        v for v in located.variants if any(key in (n, f.alias) for n, f in v.model_fields.items())
    ]
    if owner is not None and users:
        noun = _lookup(owner, wording.UNION_NOUNS) or "item"
        kinds = ", ".join(f"'{type_tag(v)}'" for v in users)
        suggestion = f" (only {noun}s of type {kinds} have it)"
        msg = _template(
            "extra_forbidden_variant",
            key=key,
            noun=noun,
            tag=type_tag(owner),
            suggestion=suggestion,
        )
        return msg, located.yaml_loc, True
    if candidates:
        suggestion += HINT_VALID_KEYS.format(keys=", ".join(candidates))
    msg = _template("extra_forbidden", key=key, context=_context(located), suggestion=suggestion)
    return msg, located.yaml_loc, True


def _scalar_type(details: ErrorDetails, located: Located) -> Handled:
    msg = _template(details["type"], found=show(details["input"]), kind=kind(details["input"]))
    return msg, located.yaml_loc, False


def _model_type(details: ErrorDetails, located: Located) -> Handled:
    expected = unwrap(located.expected)
    template = _lookup(expected, wording.MODEL_EXPECTED) if is_model(expected) else None
    value = details["input"]
    if template:
        return template.format(found=show(value)), located.yaml_loc, False
    return _template(details["type"], kind=kind(value)), located.yaml_loc, False


def _choices(values: tuple[Any, ...]) -> str:
    return ", ".join(show(v).strip("'") for v in values)


def _literal(details: ErrorDetails, located: Located) -> Handled:
    values = literal_values(located.expected)
    value = details["input"]
    if isinstance(value, str) and all(isinstance(v, str) for v in values):
        msg = _template(
            "literal_error",
            noun=_noun(located),
            found=show(value),
            suggestion=did_you_mean(value, values),
            choices=_choices(values),
        )
    else:
        msg = _template("literal_error_value", choices=_choices(values), found=show(value))
    return msg, located.yaml_loc, False


def _union_tags(located: Located) -> tuple[str, tuple[Any, ...]]:
    members = tuple(m for m in union_members(located.expected) if is_model(m))
    noun = _lookup(members[0], wording.UNION_NOUNS) if members else None
    return noun or "item", tuple(type_tag(m) for m in members)


def _tag_invalid(details: ErrorDetails, located: Located) -> Handled:
    noun, tags = _union_tags(located)
    given = details["input"].get("type") if isinstance(details["input"], Mapping) else None
    if not isinstance(given, str):
        msg = _template("union_tag_value", noun=noun, choices=_choices(tags), found=show(given))
        return msg, (*located.yaml_loc, "type"), False
    value = details.get("ctx", {}).get("tag", "")
    msg = _template(
        "union_tag_invalid",
        noun=noun,
        found=show(value),
        suggestion=did_you_mean(str(value), tags),
        choices=_choices(tags),
    )
    return msg, (*located.yaml_loc, "type"), False


def _tag_missing(details: ErrorDetails, located: Located) -> Handled:
    noun, tags = _union_tags(located)
    name = located.yaml_loc[-1] if located.yaml_loc else ""
    context = f" in {noun} '{name}'" if isinstance(name, str) else f" in {noun}"
    msg = _template("union_tag_not_found", context=context, choices=_choices(tags))
    return msg, located.yaml_loc, True


def _name_noun(details: ErrorDetails, located: Located) -> str:
    """What a string is called; a mapping's key (``data: {'../x': …}``) is a name."""
    if details["loc"] and details["loc"][-1] == "[key]":
        return "table name" if located.yaml_loc[:1] == ("data",) else "name"
    return _noun(located)


def _pattern(details: ErrorDetails, located: Located) -> Handled:
    pattern = str(details.get("ctx", {}).get("pattern", ""))
    rule = wording.PATTERN_RULES.get(pattern, f"match the pattern {pattern}")
    noun = _name_noun(details, located)
    msg = _template("string_pattern_mismatch", noun=noun, found=show(details["input"]), rule=rule)
    return msg, located.yaml_loc, False


def _string_length(details: ErrorDetails, located: Located) -> Handled:
    limit = details.get("ctx", {}).get("max_length", "?")
    noun = _name_noun(details, located)
    msg = _template("string_too_long", noun=noun, found=show(details["input"]), limit=limit)
    return msg, located.yaml_loc, False


def _length(details: ErrorDetails, located: Located) -> Handled:
    ctx = details.get("ctx", {})
    limit = ctx.get("min_length", ctx.get("max_length", 0))
    actual = ctx.get("actual_length", 0)
    singular, plural = wording.UNITS.get(_last_key(located), ("item", "items"))
    msg = _template(
        details["type"],
        limit=limit,
        unit=singular if limit == 1 else plural,
        actual=actual or "none",
    )
    return msg, located.yaml_loc, False


def _bound(details: ErrorDetails, located: Located) -> Handled:
    ctx = details.get("ctx", {})
    limit = next((ctx[k] for k in ("ge", "gt", "le", "lt") if k in ctx), "?")
    msg = _template(details["type"], limit=limit, found=show(details["input"]))
    return msg, located.yaml_loc, False


def _validator(details: ErrorDetails, located: Located) -> Handled:
    error = details.get("ctx", {}).get("error")
    text = str(error) if error is not None else details["msg"]
    loc = located.yaml_loc
    for pattern, key, template in wording.VALIDATOR_MESSAGES:
        match = re.match(pattern, text)
        if match:
            message = template.format(*match.groups())
            if key == "labels" and int(match.group(3)) > int(match.group(1)):
                message += HINT_QUOTE_LABELS  # a comma inside a label split it
            return message, (*loc, key), False
    return _template(details["type"], error=text), loc, False


def _generic(details: ErrorDetails, located: Located) -> Handled:
    text = details["msg"].replace("Input should be", "expected")
    return f"{text}, found {show(details['input'])}", located.yaml_loc, False


_HANDLERS = {
    "missing": _missing,
    "extra_forbidden": _extra,
    "int_parsing": _scalar_type,
    "int_type": _scalar_type,
    "int_from_float": _scalar_type,
    "float_parsing": _scalar_type,
    "float_type": _scalar_type,
    "string_type": _scalar_type,
    "bool_parsing": _scalar_type,
    "bool_type": _scalar_type,
    "list_type": _scalar_type,
    "dict_type": _scalar_type,
    "model_type": _model_type,
    "model_attributes_type": _model_type,
    "literal_error": _literal,
    "union_tag_invalid": _tag_invalid,
    "union_tag_not_found": _tag_missing,
    "string_pattern_mismatch": _pattern,
    "string_too_long": _string_length,
    "too_short": _length,
    "too_long": _length,
    "greater_than_equal": _bound,
    "greater_than": _bound,
    "less_than_equal": _bound,
    "less_than": _bound,
    "value_error": _validator,
    "assertion_error": _validator,
}


# --------------------------------------------------------------------------------------------
# Plain unions (``path: str | list[str]``): one message for the value, not one per member


def _value_at(data: Any, loc: Loc) -> Any:
    for step in loc:
        if isinstance(data, Mapping):
            data = data.get(step, data.get(str(step)))
        elif isinstance(data, list) and isinstance(step, int) and 0 <= step < len(data):
            data = data[step]
        else:
            return None
    return data


def _fits(member: Any, value: Any) -> bool:
    """Whether ``value`` is the same sort of thing as the union member (a list for list[str])."""
    member = unwrap(member)
    origin = get_origin(member) or member
    if is_model(member) or origin is dict:
        return isinstance(value, Mapping)
    if origin is list:
        return isinstance(value, list)
    return isinstance(origin, type) and isinstance(value, origin) and not isinstance(value, list)


def _union_issues(
    union_loc: Loc, group: list[tuple[ErrorDetails, Located]], data: Any, positions: Positions
) -> list[SpecIssue]:
    value = _value_at(data, union_loc)
    members = []
    for _, located in group:
        if located.union_member not in members:
            members.append(located.union_member)
    fitting = [m for m in members if _fits(m, value)]
    if fitting:
        return [
            _issue(d, located, positions)
            for d, located in group
            if located.union_member == fitting[0]
        ]
    words = [type_words(m) for m in members]
    choices = " or ".join(words) if len(words) <= 2 else ", ".join(words[:-1]) + " or " + words[-1]
    msg = _template("union", choices=choices, kind=kind(value))
    return [SpecIssue(union_loc, msg, *positions.find(union_loc))]


# --------------------------------------------------------------------------------------------
# Teaching hints: the fix, added to a message that is right but does not say what to do. They
# live here, in one place, so that a feature added to the spec language updates what they teach.

HINT_VALID_KEYS = " (valid keys: {keys})"
HINT_COMPARE_EQUALS = "; to compare, write '==': '{fixed}'"
HINT_QUOTE_LABELS = (
    "; if a label holds a comma, put it in quotes: inside [ ] a comma starts a new label "
    '(e.g. [Under $75k, "$75k, or more"])'
)
HINT_QUOTE_TEMPLATE = (
    "; a text with {{{{ … }}}} inside {{ }} must be in quotes, e.g. "
    'title: "{{{{ highest.orders.order_day }}}} is the busiest day"'
)
DATE_CALLS = (
    "year(), quarter(), month(), week(), weekday(), day(), hour(), month_name(), "
    "weekday_name() and the period starts to_year() … to_hour(), each of one date column "
    "(declare it under data.TABLE.columns with type: date)"
)
HINT_DATE_CALL = "; {func}() is not a date function: a row expression may call " + DATE_CALLS
HINT_OTHER_CALL = (
    "; functions (count, sum, mean, …) belong in metrics; a condition or field compares "
    "columns, fields and constants, and may call the date functions " + DATE_CALLS
)
DATE_LIKE_CALLS = frozenset(  # names people reach for that the spec does not have
    {"date", "to_date", "strftime", "dayofweek", "weekofyear", "dayofyear", "now", "today"}
)
HINT_METRIC_IN_ROWS = (
    "'{name}' is a metric (one number per group of a section), not a column or field of the "
    "rows of '{scope}': conditions and 'by' take columns and fields; for a number per row of "
    "'{scope}', declare a field of type aggregate, e.g. "
    "{{type: aggregate, on: {scope}, func: count, over: TABLE}}"
)
HINT_UNDECLARED_FILE = (
    "; '{name}' is a column of {file}, which the spec does not declare: add it under data:, "
    "e.g. {table}: {{path: {file}{key}}}{relation}"
)
HINT_UNDECLARED_RELATION = ", and the relation '{relation}'"


def call_hint(func: str) -> str:
    """What to do instead of calling ``func`` where calls are not allowed."""
    if func.lower() in DATE_LIKE_CALLS:
        return HINT_DATE_CALL.format(func=func)
    return HINT_OTHER_CALL
