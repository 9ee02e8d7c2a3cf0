"""A running executor → the build's data-quality record (rows used, excluded at each step,
rows per declared category), and the located warnings for declared categories nobody falls in."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Mapping
from typing import TextIO

from reportgen.data.quality import Unused
from reportgen.engine.plan import Executor, SectionPlan
from reportgen.engine.rows import exclusion_steps
from reportgen.errors import SpecIssue
from reportgen.model import expr as ex
from reportgen.model.quality import DataQuality, Step
from reportgen.model.semantic import Model
from reportgen.spec.load import LoadedSpec, locate_issues
from reportgen.stages.execute import LoadedData


def quality_numbers(
    model: Model,
    executor: Executor,
    tables: Mapping[str, LoadedData],
    plans: Iterable[SectionPlan] | None = None,
) -> DataQuality:
    """Rows used per table, rows excluded at each step (they add up: kept − steps = used), and
    the rows of each declared category of the map and cases fields the report uses (where
    cheap to count: a field no section reads is not computed for this)."""
    used = {name: int(executor.mask(name).sum()) for name in tables}
    steps: dict[str, list[Step]] = {
        name: [
            (kind, what, count)
            for (kind, what), count in zip(
                exclusion_steps(model, name), executor.excluded_by_step(name), strict=True
            )
        ]
        for name in tables
    }
    in_use = None if plans is None else fields_in_use(model, plans)
    declared = {}
    for name in model.spec.fields:
        if in_use is not None and name not in in_use:
            continue
        counts = executor.declared_counts(name)
        if counts is not None:
            declared[name] = counts
    quality = DataQuality({n: t.quality for n, t in tables.items()}, used, steps, declared)
    return DataQuality.from_json(quality.to_json())  # as a cached one reads: plain numbers


def fields_in_use(model: Model, plans: Iterable[SectionPlan]) -> set[str]:
    """The fields the sections and filters read, directly or through other fields."""
    names: set[str] = set()
    for plan in plans:
        names.update(key.text.split(".")[-1] for key in plan.by)
        nodes = [plan.where, *(atom.where for atom in plan.atoms)]
        names.update(ref.name for node in nodes if node is not None for ref in ex.refs(node))
        names.update(atom.value.name for atom in plan.atoms if atom.value is not None)
    for spec_filter in model.spec.filters.values():
        names.update(ref.name for ref in ex.refs(ex.parse(spec_filter.where)))
    used: set[str] = set()
    todo = [name for name in names if name in model.spec.fields]
    while todo:
        name = todo.pop()
        if name not in used:
            used.add(name)
            todo.extend(r.name for r in model.field_refs.get(name, []) if r.is_field)
    return used


def warn_unused(
    loaded: LoadedSpec, unused: list[Unused], quiet: bool, stream: TextIO | None = None
) -> None:
    """One warning line per unused category on stderr (unless --quiet), located in the spec."""
    if quiet or not unused:
        return
    spec = loaded.spec
    issues = []
    for item in unused:
        table = spec.fields[item.field].on
        message = {
            "value": f"the value '{item.value}' listed under '{item.label}' matches no row of {table}",
            "group": f"no row of {table} has a value listed under '{item.label}' ({item.value})",
            "default": f"no row of {table} falls under the default '{item.label}'",
            "outcome": f"no row of {table} is '{item.label}'",
        }[item.kind]
        issues.append(
            SpecIssue(
                item.loc,
                f"warning: field '{item.field}': {message}; see the data-quality appendix",
            )
        )
    out = stream or sys.stderr
    for issue in locate_issues(loaded.positions, issues):
        out.write(issue.render(str(loaded.path)) + "\n")
    out.flush()
