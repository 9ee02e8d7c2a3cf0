"""A value or an expected type in, a few words for an error message out ('abc', a list, ...)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, get_origin

from reportgen.spec import wording
from reportgen.spec.locate import is_model, unwrap


def show(value: object) -> str:
    """A value, briefly, as the user wrote it: 'abc', 5, true, a list."""
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"'{text}'"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return kind(value)


def kind(value: object) -> str:
    """What sort of value this is: a string, a number, a list, ..."""
    if value is None:
        return "an empty value"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def type_words(annotation: Any) -> str:
    """How an expected type reads in "expected X or Y": a string, a list, a mapping."""
    annotation = unwrap(annotation)
    if is_model(annotation):
        return wording.TYPE_WORDS["dict"]
    name = getattr(get_origin(annotation) or annotation, "__name__", "")
    return wording.TYPE_WORDS.get(name, name)
