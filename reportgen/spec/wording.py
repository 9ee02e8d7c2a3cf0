"""Pydantic's error kinds in, reportgen's wording out: the table friendly messages are built from.

Templates are ``str.format`` strings. Fields they may use: ``key`` (the key written in the YAML),
``context`` (where, e.g. `` in section``), ``suggestion`` (``; did you mean 'x'?`` or empty),
``found`` (the value, shown briefly), ``kind`` (what sort of value was found), ``noun``,
``choices`` (allowed values), ``limit``, ``unit``, ``actual``, ``rule`` and ``error``.
"""

from __future__ import annotations

# By pydantic error type (plus a few of our own, marked "ours").
MESSAGES: dict[str, str] = {
    "missing": "missing required key '{key}'{context}",
    "extra_forbidden": "unknown key '{key}'{context}{suggestion}",
    # ours: the key belongs to another kind of the same thing (a 'query' in a text section)
    "extra_forbidden_variant": "key '{key}' is not used by a {noun} of type '{tag}'{suggestion}",
    "int_parsing": "expected a whole number, found {found}",
    "int_type": "expected a whole number, found {found}",
    "int_from_float": "expected a whole number, found {found}",
    "float_parsing": "expected a number, found {found}",
    "float_type": "expected a number, found {found}",
    "string_type": "expected a string, found {found}",
    "bool_parsing": "expected true or false, found {found}",
    "bool_type": "expected true or false, found {found}",
    "list_type": "expected a list, found {kind}",
    "dict_type": "expected a mapping, found {kind}",
    "model_type": "expected a mapping, found {kind}",
    "model_attributes_type": "expected a mapping, found {kind}",
    "literal_error": "unknown {noun} {found}{suggestion} (expected one of: {choices})",
    # ours: a literal of numbers (``level: 3``)
    "literal_error_value": "expected one of: {choices}; found {found}",
    "union_tag_invalid": "unknown {noun} type {found}{suggestion} (expected one of: {choices})",
    # ours: a ``type:`` that is not text at all (``type: 5``, ``type:``)
    "union_tag_value": "expected a {noun} type (one of: {choices}), found {found}",
    "union_tag_not_found": "missing required key 'type'{context} (one of: {choices})",
    "string_pattern_mismatch": "{noun} {found} must {rule}",
    "string_too_long": "{noun} {found} is too long: at most {limit} characters",
    "too_short": "expected at least {limit} {unit}, found {actual}",
    "too_long": "expected at most {limit} {unit}, found {actual}",
    "greater_than_equal": "expected a value of at least {limit}, found {found}",
    "greater_than": "expected a value above {limit}, found {found}",
    "less_than_equal": "expected a value of at most {limit}, found {found}",
    "less_than": "expected a value below {limit}, found {found}",
    # ours: a value that fits no member of a plain union (``path: 5``)
    "union": "expected {choices}, found {kind}",
    "value_error": "{error}",
    "assertion_error": "{error}",
}

# Where a key is, by the model that holds it (the first match along the class's MRO).
# ``{name}`` is the entry's name under data, fields, filters or metrics.
CONTEXTS: dict[str, str] = {
    "Spec": " at the top level",
    "ReportMeta": " in report",
    "Settings": " in settings",
    "TableSpec": " in table '{name}'",
    "CleanRules": " in the cleaning rules of table '{name}'",
    "ValidRange": " in a valid range of table '{name}'",
    "FieldBase": " in field '{name}'",
    "Case": " in a case of field '{name}'",
    "FilterSpec": " in filter '{name}'",
    "MetricSpec": " in metric '{name}'",
    "SectionBase": " in section",
    "Query": " in query",
    "ChartSpec": " in chart",
    "TableView": " in table options",
}

# What a ``type:``-tagged union is called, by its members' common base.
UNION_NOUNS: dict[str, str] = {"FieldBase": "field", "SectionBase": "section"}

# What a value is called in messages, by (model, field); the default is the field name.
NOUNS: dict[tuple[str, str], str] = {
    ("ChartSpec", "type"): "chart type",
    ("SectionBase", "id"): "section id",
    ("ReportMeta", "slug"): "slug",
    ("Settings", "day_zero"): "day_zero value",
}

# What a pattern asks for, in words.
PATTERN_RULES: dict[str, str] = {
    r"^[a-z0-9][a-z0-9-]*$": "be lower-case letters, digits and hyphens",
    r"^[A-Za-z_][A-Za-z0-9_]*$": (
        "be letters, digits and underscores, starting with a letter or underscore "
        "(pattern ^[A-Za-z_][A-Za-z0-9_]*$; it names the table's files in the cache)"
    ),
}

# What one item of a list or mapping is called, by the key that holds it.
UNITS: dict[str, tuple[str, str]] = {
    "sections": ("section", "sections"),
    "metrics": ("metric", "metrics"),
    "data": ("table", "tables"),
    "labels": ("label", "labels"),
    "edges": ("edge", "edges"),
    "cases": ("case", "cases"),
}

# Model-wide checks whose message concerns one key: (pattern of the model's message, key to point
# at, our wording; the pattern's groups fill the wording's {0}, {1}, ...).
VALIDATOR_MESSAGES: tuple[tuple[str, str, str], ...] = (
    (
        r"^needs (\d+) labels for (\d+) edges, found (\d+)$",
        "labels",
        "expected {0} labels (one per range the edges make), found {2}",
    ),
    (r"^edges must be strictly ascending$", "edges", "edges must be strictly ascending"),
)

# A whole value of the wrong kind, by the model expected there.
MODEL_EXPECTED: dict[str, str] = {
    "MetricSpec": "expected an expression or a mapping with 'expr', found {found}",
    "Case": "expected a mapping with 'when' and 'then', found {found}",
}

# How an expected type is described in "expected X or Y".
TYPE_WORDS: dict[str, str] = {
    "str": "a string",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "list": "a list",
    "dict": "a mapping",
}
