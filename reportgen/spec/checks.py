"""The spec's raw data in, the problems no single model can see out.

Duplicate section ids, relation strings that are not ``child.column -> parent``, table names
(relations, ``on:`` of fields and filters) that are not under ``data``, and ``else`` written as
a case's condition. The checks read the raw
data defensively, so they run even when pydantic found other problems: everything is reported at
once. Expression contents and column names are checked later, against the model and the data.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from typing import Any

from reportgen.errors import SpecIssue, did_you_mean
from reportgen.spec.positions import Positions

RELATION = re.compile(r"^\s*(?P<child>\w+)\.(?P<column>\w+)\s*->\s*(?P<parent>\w+)\s*$")
RELATION_FORM = "'child.column -> parent', e.g. 'orders.user_id -> customers'"


def spec_checks(data: Mapping[str, Any], positions: Positions) -> list[SpecIssue]:
    """Problems across the spec that need no data files."""
    return [
        *_duplicate_section_ids(data, positions),
        *_relations(data),
        *_table_references(data),
        *_else_as_case(data),
        *_data_outside(data),
    ]


def _duplicate_section_ids(data: Mapping[str, Any], positions: Positions) -> Iterator[SpecIssue]:
    sections = data.get("sections")
    if not isinstance(sections, list):
        return
    first: dict[str, int] = {}
    for index, section in enumerate(sections):
        if not isinstance(section, Mapping) or not isinstance(section.get("id"), str):
            continue
        section_id = section["id"]
        loc = ("sections", index, "id")
        if section_id in first:
            line = positions.find(("sections", first[section_id], "id"))[0]
            yield SpecIssue(loc, f"duplicate section id '{section_id}' (first at line {line})")
        else:
            first[section_id] = index


def _tables(data: Mapping[str, Any]) -> list[str] | None:
    tables = data.get("data")
    return [str(name) for name in tables] if isinstance(tables, Mapping) and tables else None


def _unknown_table(name: str, tables: list[str], where: str) -> str:
    suggestion = did_you_mean(name, tables)
    if not suggestion:
        suggestion = " (tables: " + ", ".join(tables) + ")"
    return f"unknown table '{name}'{where}{suggestion}"


def _relations(data: Mapping[str, Any]) -> Iterator[SpecIssue]:
    relations = data.get("relations")
    if not isinstance(relations, list):
        return
    tables = _tables(data)
    for index, relation in enumerate(relations):
        if not isinstance(relation, str):
            continue  # a type error, reported by the model
        loc = ("relations", index)
        match = RELATION.match(relation)
        if match is None:
            msg = f"relation '{relation}' must have the form {RELATION_FORM}"
            yield SpecIssue(loc, msg)
            continue
        for part in ("child", "parent"):
            name = match[part]
            if tables is not None and name not in tables:
                yield SpecIssue(loc, _unknown_table(name, tables, f" in relation '{relation}'"))


def _table_references(data: Mapping[str, Any]) -> Iterator[SpecIssue]:
    tables = _tables(data)
    if tables is None:
        return
    for group, noun in (("fields", "field"), ("filters", "filter")):
        entries = data.get(group)
        if not isinstance(entries, Mapping):
            continue
        for name, entry in entries.items():
            if not isinstance(entry, Mapping) or not isinstance(entry.get("on"), str):
                continue
            table = entry["on"]
            if table not in tables:
                msg = _unknown_table(table, tables, f" in {noun} '{name}'")
                yield SpecIssue((group, name, "on"), msg)


def _else_as_case(data: Mapping[str, Any]) -> Iterator[SpecIssue]:
    """``- {when: else, then: New}``: the fallback belongs on the field as ``else: New``."""
    fields = data.get("fields")
    if not isinstance(fields, Mapping):
        return
    for name, entry in fields.items():
        cases = entry.get("cases") if isinstance(entry, Mapping) else None
        if not isinstance(cases, list):
            continue
        for index, case in enumerate(cases):
            if isinstance(case, Mapping) and str(case.get("when", "")).strip() == "else":
                label = case.get("then", "LABEL")
                msg = (
                    f"'else' is not a condition; give the fallback on the field as 'else: {label}'"
                )
                yield SpecIssue(("fields", name, "cases", index, "when"), msg)


def path_leaves_folder(entry: str) -> bool:
    """Whether a data path, as written, points outside the spec's folder (absolute, '~', '..')."""
    if entry.startswith("~") or os.path.isabs(entry):
        return True
    parts = os.path.normpath(entry).replace("\\", "/").split("/")
    return parts[0] == ".."


def _data_outside(data: Mapping[str, Any]) -> Iterator[SpecIssue]:
    """A table path outside the spec's folder, unless ``settings.allow_data_outside: true``.

    The check is on the path as written: symbolic links inside the folder (``data/`` linked to
    another disk) are the project's own choice and are followed.
    """
    settings = data.get("settings")
    if isinstance(settings, Mapping) and settings.get("allow_data_outside") is True:
        return
    tables = data.get("data")
    if not isinstance(tables, Mapping):
        return
    for name, table in tables.items():
        paths = table.get("path") if isinstance(table, Mapping) else None
        entries: list[tuple[tuple[int, ...], str]] = []
        if isinstance(paths, str):
            entries = [((), paths)]
        if isinstance(paths, list):
            entries = [((index,), p) for index, p in enumerate(paths) if isinstance(p, str)]
        for index, entry in entries:
            if path_leaves_folder(entry):
                msg = (
                    f"the path {entry[:80]!r} is outside the spec's folder; a spec reads data "
                    "only from its own folder and below unless settings.allow_data_outside "
                    "is true"
                )
                yield SpecIssue(("data", name, "path", *index), msg)
