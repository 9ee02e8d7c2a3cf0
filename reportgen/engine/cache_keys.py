"""Keys of the results cache: a hash of exactly the spec parts, data fingerprints and code a
section's result (or the data-quality numbers, or something derived from a result) depends on."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import reportgen
from reportgen.engine.plan import SectionPlan
from reportgen.model import expr as ex
from reportgen.model.semantic import Model, Resolved, metric_refs

RESULTS_VERSION = 2  # 2: a section entry holds full, shown, total and other_label


@functools.cache
def code_version() -> str:
    """reportgen's version plus a hash of its source files: any code change is a fresh key."""
    digest = hashlib.sha256(reportgen.__version__.encode("utf-8"))
    package = Path(reportgen.__file__).resolve().parent
    for path in sorted(package.rglob("*.py")):
        digest.update(str(path.relative_to(package)).encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _field_closure(model: Model, names: set[str]) -> set[str]:
    found: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in found or name not in model.spec.fields:
            continue
        found.add(name)
        todo.extend(ref.name for ref in model.field_refs.get(name, []) if ref.is_field)
    return found


def _metric_closure(model: Model, names: tuple[str, ...]) -> set[str]:
    found: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in found or name not in model.metrics:
            continue
        found.add(name)
        todo.extend(metric_refs(model.metrics[name].formula))
    return found


def section_dependencies(model: Model, plan: SectionPlan) -> tuple[set[str], set[str]]:
    """The tables and derived fields a section's result depends on (to a fixed point).

    Tables: every atom's table and the tables it reaches (their rows decide which rows are
    valid), the tables global filters sit on, and the tables derived fields read.
    """
    refs: list[Resolved] = []
    scopes = {atom.over for atom in plan.atoms}
    for atom in plan.atoms:
        if atom.value is not None:
            refs.append(atom.value)
        for node in (plan.where, atom.where):
            if node is not None:
                refs.extend(model.resolve(r, atom.over) for r in ex.refs(node))
        refs.extend(model.resolve(ex.parse(key.text), atom.over) for key in plan.by)  # type: ignore[arg-type]
    for filter_refs in model.filter_refs.values():
        refs.extend(filter_refs)
    fields = _field_closure(model, {r.name for r in refs if r.is_field})
    tables = set(scopes) | {r.table for r in refs}
    tables |= {spec_filter.on for spec_filter in model.spec.filters.values()}
    for name in fields:
        spec_field = model.spec.fields[name]
        tables.add(spec_field.on)
        source = getattr(spec_field, "over", None)
        if source:
            tables.add(source)
        tables |= {ref.table for ref in model.field_refs.get(name, [])}
    while True:
        grown = set(tables)
        for table in tables:
            grown |= set(model.reachable(table))
        if grown == tables:
            break
        tables = grown
    return tables, fields


def section_key(
    model: Model, plan: SectionPlan, fingerprints: dict[str, str], engine: str = "pandas"
) -> str:
    """A hash of everything the section's table depends on, and nothing it does not."""
    tables, fields = section_dependencies(model, plan)
    spec = model.spec
    section = next(s for s in spec.sections if s.id == plan.section_id)
    facts = {
        "version": RESULTS_VERSION,
        "code": code_version(),
        "engine": engine,
        "query": section.query.model_dump(mode="json"),  # type: ignore[union-attr]
        "tables": {name: fingerprints.get(name) for name in sorted(tables)},
        "table_specs": {name: spec.data[name].model_dump(mode="json") for name in sorted(tables)},
        "relations": sorted(str(r) for r in model.relations),
        "fields": {name: spec.fields[name].model_dump(mode="json") for name in sorted(fields)},
        "filters": {n: f.model_dump(mode="json") for n, f in sorted(spec.filters.items())},
        "metrics": {
            name: spec.metrics[name].model_dump(mode="json")
            if hasattr(spec.metrics[name], "model_dump")
            else spec.metrics[name]
            for name in sorted(_metric_closure(model, plan.metrics))
            if name in spec.metrics
        },
        "settings": spec.settings.model_dump(mode="json"),
    }
    text = json.dumps(facts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _digest(facts: Any) -> str:
    text = json.dumps(facts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def quality_key(
    model: Model,
    fingerprints: dict[str, str],
    columns: dict[str, set[str]],
    engine: str = "pandas",
    sections: Iterable[str] = (),
) -> str:
    """The data-quality numbers depend on every table, the relations, filters and fields.

    ``columns`` are the columns loaded per table: the missing-value profile covers only those.
    ``sections``: the sections the build computes (declared categories are counted for the
    fields they read; ``--section`` builds fewer).
    """
    spec = model.spec
    return _digest(
        {
            "kind": "quality",
            "version": RESULTS_VERSION,
            "code": code_version(),
            "engine": engine,
            "tables": dict(sorted(fingerprints.items())),
            "columns": {name: sorted(names) for name, names in sorted(columns.items())},
            "data": {n: t.model_dump(mode="json") for n, t in sorted(spec.data.items())},
            "relations": sorted(str(r) for r in model.relations),
            "filters": {n: f.model_dump(mode="json") for n, f in sorted(spec.filters.items())},
            "fields": {n: f.model_dump(mode="json") for n, f in sorted(spec.fields.items())},
            "sections": sorted(sections),
        }
    )


def derived_key(section_key: str, *parts: Any) -> str:
    """A key for something computed from a section's result plus other (JSON-able) inputs:
    the capped chart table (chart type and y) or a chart's SVG (chart spec, title, labels)."""
    return _digest(
        {"version": RESULTS_VERSION, "code": code_version(), "section": section_key, "parts": parts}
    )


def batch_key(
    model: Model, fingerprints: dict[str, str], what: str, names: Iterable[str], engine: str
) -> str:
    """A key for a batch's numbers outside its sections: ``what`` is ``"values"`` (the values
    of a field, ``names``) or ``"compared"`` (the metrics ``names`` over one value's rows).
    Like the quality record's, it depends on every table and on the spec's filters, fields and
    metrics (the parameters bound)."""
    spec = model.spec
    return _digest(
        {
            "kind": what,
            "version": RESULTS_VERSION,
            "code": code_version(),
            "engine": engine,
            "names": list(names),
            "tables": dict(sorted(fingerprints.items())),
            "data": {n: t.model_dump(mode="json") for n, t in sorted(spec.data.items())},
            "relations": sorted(str(r) for r in model.relations),
            "filters": {n: f.model_dump(mode="json") for n, f in sorted(spec.filters.items())},
            "fields": {n: f.model_dump(mode="json") for n, f in sorted(spec.fields.items())},
            "metrics": {
                n: m.model_dump(mode="json") if hasattr(m, "model_dump") else m
                for n, m in sorted(spec.metrics.items())
            },
        }
    )
