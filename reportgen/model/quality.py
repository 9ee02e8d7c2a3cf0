"""One build's data-quality numbers → the typed record the data-quality section and the
narrative read, and its plain-JSON form (what the results cache stores).

Per table: the load's quality record (``data.quality``), the rows used, and the rows excluded
at each step after cleaning, counted once at the first step that applies (``kind`` is
``missing`` for a relation whose parent row is missing or excluded, ``filter`` for a filter);
they add up: kept − steps = used. ``declared`` holds the rows of each declared category of the
map and cases fields the report uses.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from reportgen.data.quality import (
    TableQuality,
    Unused,
    table_quality_from_json,
    table_quality_to_json,
    unused_categories,
)
from reportgen.model.semantic import Relation
from reportgen.spec.models import Spec

Step = tuple[str, str | Relation, int]  # (kind, filter name or relation, rows excluded)
DeclaredCounts = dict[str, dict[str, int]]  # "labels" (and "values" for a map) → rows


@dataclass(frozen=True)
class DataQuality:
    """What was read, cleaned, excluded and used, per table."""

    tables: dict[str, TableQuality]
    used: dict[str, int]
    steps: dict[str, list[Step]]
    declared: dict[str, DeclaredCounts]

    @property
    def filters(self) -> list[tuple[str, str, int]]:
        """``(filter name, table, rows excluded)`` in the order of the steps."""
        return [
            (str(what), table, count)
            for table, steps in self.steps.items()
            for kind, what, count in steps
            if kind == "filter"
        ]

    def numbers(self) -> dict[str, Any]:
        """``used``, ``steps``, ``filters`` and ``declared`` as ``render.methods`` reads them."""
        return {
            "used": self.used,
            "steps": self.steps,
            "filters": self.filters,
            "declared": self.declared,
        }

    def unused(self, spec: Spec) -> list[Unused]:
        """The declared categories (map values and labels, cases outcomes) no used row falls in."""
        found = []
        for name, counts in self.declared.items():
            if name in spec.fields:
                found.extend(unused_categories(name, spec.fields[name], counts))
        return found

    def to_json(self) -> dict[str, Any]:
        """Plain JSON data: what the results cache stores."""
        return {
            "tables": {name: table_quality_to_json(q) for name, q in self.tables.items()},
            "used": self.used,
            "steps": {
                name: [
                    [kind, what if isinstance(what, str) else asdict(what), int(count)]
                    for kind, what, count in steps
                ]
                for name, steps in self.steps.items()
            },
            "declared": self.declared,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> DataQuality:
        """The record :meth:`to_json` wrote."""
        return cls(
            tables={name: table_quality_from_json(q) for name, q in data["tables"].items()},
            used={name: int(count) for name, count in data["used"].items()},
            steps={
                name: [
                    (kind, what if kind == "filter" else Relation(**what), int(count))
                    for kind, what, count in found
                ]
                for name, found in data["steps"].items()
            },
            declared=dict(data["declared"]),
        )
