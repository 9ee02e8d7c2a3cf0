"""A spec with structural problems, minus those problems: so that the rest can still be
resolved against the data and every problem reported in one run (see ``pipeline``)."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

from reportgen.errors import SpecIssue


def without_problems(data: Any, found: list[SpecIssue]) -> Iterator[tuple[Any, set[str]]]:
    """Copies of the spec data without what ``found`` points at, gentlest first, each with the
    names of the fields, metrics and filters it sets aside.

    First only the offending keys are dropped (a misspelt option falls back to its default);
    then the whole field, metric, filter or section they sit in is set aside (a section is
    replaced by a stand-in so that the others keep their positions).
    """
    for attempt in (_without_keys, _without_entries):
        rest = attempt(data, found)
        if rest is not None:
            yield rest


def _without_keys(data: Any, found: list[SpecIssue]) -> tuple[Any, set[str]] | None:
    rest = copy.deepcopy(data)
    for issue in found:
        *path, last = issue.loc or (None,)
        parent = rest
        for step in path:
            try:
                parent = parent[step]
            except (KeyError, IndexError, TypeError):
                return None
        if not isinstance(parent, dict) or last not in parent:
            return None
        del parent[last]
    return rest, set()


def _without_entries(data: Any, found: list[SpecIssue]) -> tuple[Any, set[str]] | None:
    rest = copy.deepcopy(data)
    set_aside: set[str] = set()
    for issue in found:
        loc = issue.loc
        group = rest.get(loc[0]) if isinstance(rest, dict) and loc else None
        if len(loc) < 2:
            return None
        if loc[0] in ("fields", "metrics", "filters") and isinstance(group, dict):
            if loc[1] in group:
                del group[loc[1]]
                set_aside.add(str(loc[1]))
        elif loc[0] == "sections" and isinstance(group, list) and isinstance(loc[1], int):
            if loc[1] < len(group):  # a stand-in keeps the other sections' positions
                old = group[loc[1]]
                name = old.get("id") if isinstance(old, dict) else None
                name = name if isinstance(name, str) and name else f"set-aside-{loc[1]}"
                group[loc[1]] = {"id": name, "type": "text", "title": "-"}
        else:
            return None
    return rest, set_aside
