"""A section's query → an engine-neutral plan: what to group by, which atoms to aggregate, where.

The plan holds no data. An ``Executor`` (``pandas_engine``, ``dask_engine``) runs ``aggregate``;
``engine.finish`` turns atom results into the section's table the same way for every engine.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from reportgen.model import expr as ex
from reportgen.model.semantic import Atom, Model, Relation, Resolved, all_atoms
from reportgen.spec.models import AggregateField, AnalysisSection, Spec


@dataclass(frozen=True)
class GroupKey:
    """One group-by column: the name it gets in the result and the text that resolves it."""

    name: str
    text: str


@dataclass(frozen=True)
class SectionPlan:
    """Everything an executor needs to compute one section's table."""

    section_id: str
    by: tuple[GroupKey, ...]
    metrics: tuple[str, ...]
    atoms: tuple[Atom, ...]
    where: ex.Node | None
    sort: str | None
    top: int | None
    other: bool = True
    min_support: tuple[str, float] | None = None  # (metric, at least): smaller groups not ranked
    having: ex.Node | None = None  # a condition on the result's rows, after aggregation


OTHER = "Other"  # the bucket of the groups outside a top-N, unless a real value is called so
NOT_STATED = "Not stated"  # the group of rows whose (text) group value is missing


@dataclass(frozen=True)
class Keep:
    """Top-N: the values of ``column`` kept as groups; every other value goes to ``other``."""

    column: str
    values: frozenset[str]
    other: str = OTHER


class RowFlags(Protocol):
    """One boolean per row of a table: a numpy array (pandas) or a lazy array (Dask)."""

    def __and__(self, other: Any) -> Any: ...

    def __len__(self) -> int: ...

    def any(self) -> Any: ...

    def sum(self) -> Any: ...


class Executor(Protocol):
    """Runs the aggregations of a plan on some engine: everything the pipeline, ``finish`` and
    the data-quality numbers ask of one. One instance per run; it caches what it derives."""

    model: Model
    aggregated: int  # atoms aggregated so far (the work a run did, for tests and stats)

    @property
    def orphans(self) -> dict[str, list[tuple[Relation, int]]]:
        """Per table (once ``valid`` ran for it): rows whose parent is missing, per relation."""
        ...

    def aggregate(
        self,
        by: tuple[GroupKey, ...],
        atoms: tuple[Atom, ...],
        where: ex.Node | None,
        keep: Keep | None = None,
    ) -> pd.DataFrame:
        """One row per group present in the data: the ``by`` columns, then one column per atom
        named ``atom_id(atom)``. Rows whose text group value is missing form a group labelled
        ``NOT_STATED`` (numbers with no value are left out). With ``keep``, the other values of
        its column are merged into a group labelled ``keep.other``."""
        ...

    def categories(self, key: GroupKey, scope: str) -> list[str] | None:
        """The natural order of a categorical group column (None for numbers)."""
        ...

    def distinct(self, key: GroupKey, table: str) -> list[Any]:
        """The values a group column takes on the valid rows of ``table`` (no global filter
        applies: the values a parameter can take), missing values left out."""
        ...

    def length(self, table: str) -> int:
        """The loaded rows of ``table``."""
        ...

    def valid(self, table: str) -> RowFlags:
        """Rows whose every relation resolves, recursively."""
        ...

    def mask(self, table: str) -> RowFlags:
        """Valid rows that pass every global filter on the table or on a table it reaches."""
        ...

    def condition(self, node: ex.Node, scope: str) -> RowFlags:
        """A condition evaluated per row of ``scope`` (missing counts as false)."""
        ...

    def excluded_by_step(self, table: str) -> list[int]:
        """Rows excluded at each of ``rows.exclusion_steps(model, table)``, first step wins."""
        ...

    def declared_counts(self, name: str) -> dict[str, dict[str, int]] | None:
        """Rows per declared category of a map or cases field (None when not counted)."""
        ...

    def close(self) -> None:
        """Release what the executor holds (a Dask cluster it started)."""
        ...


def atom_id(atom: Atom) -> str:
    """A stable column name for an atom's result."""
    value = str(atom.value) if atom.value else "*"
    where = f"|{ex.to_text(atom.where)}" if atom.where is not None else ""
    return f"{atom.func}({value}|{atom.over}{where})"


def plan_section(model: Model, section: AnalysisSection) -> SectionPlan:
    """Plan one analysis section (the spec has been checked: every name resolves)."""
    query = section.query
    atoms: dict[str, Atom] = {}
    for metric in query.metrics:
        for atom in all_atoms(model, metric):
            atoms.setdefault(atom_id(atom), atom)
    by = tuple(GroupKey(text.split(".")[-1], text) for text in query.by)
    where = ex.parse(query.where) if query.where else None
    support = query.min_support
    return SectionPlan(
        section.id,
        by,
        tuple(query.metrics),
        tuple(atoms.values()),
        where,
        query.sort,
        query.top,
        query.other,
        (support.metric, support.at_least) if support is not None else None,
        ex.parse(query.having) if query.having else None,
    )


def needed_columns(model: Model, plans: Iterable[SectionPlan]) -> dict[str, set[str]]:
    """The file columns a run reads, per table: keys, relation columns and every referenced name."""
    needed: dict[str, set[str]] = {name: set() for name in model.columns}
    for name, table in model.spec.data.items():
        if table.key:
            needed[name].add(table.key)
    for relation in model.relations:
        needed[relation.child].add(relation.column)

    def add(resolved: Resolved) -> None:
        if resolved.is_field:
            for ref in model.field_refs.get(resolved.name, []):
                add(ref)
        else:
            needed[resolved.table].add(resolved.name)

    for refs in model.field_refs.values():
        for ref in refs:
            add(ref)
    for refs in model.filter_refs.values():
        for ref in refs:
            add(ref)
    for spec_field in model.spec.fields.values():
        if isinstance(spec_field, AggregateField) and spec_field.over:
            needed.setdefault(spec_field.over, set())
    for plan in plans:
        for atom in plan.atoms:
            if atom.value is not None:
                add(atom.value)
            scopes = [atom.over]
            texts = [k.text for k in plan.by]
            for text in texts:
                for group_ref in ex.refs(ex.parse(text)):
                    add(model.resolve(group_ref, scopes[0]))
            for node in (plan.where, atom.where):
                if node is not None:
                    for where_ref in ex.refs(node):
                        add(model.resolve(where_ref, atom.over))
    return needed


_TEMPLATE_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_SECTIONS = re.compile(r"(?<![\w.])sections\b")
_SECTION_BY_ID = re.compile(
    r"""(?<![\w.])sections\s*(?:\[\s*(['"])(?P<quoted>[^'"]+)\1\s*\]|\.\s*(?P<bare>\w+))"""
)


def sections_needed(spec: Spec, chosen: Collection[str]) -> set[str]:
    """The analysis sections a build of ``chosen`` (all when empty) must compute: the chosen
    ones and every section their titles, chart titles and text quote (``sections.id`` or
    ``sections['id']``, transitively none: only chosen sections' text is rendered). A template
    that reads ``sections`` any other way (a loop, a computed id) needs them all."""
    analysis = {s.id for s in spec.sections if isinstance(s, AnalysisSection)}
    if not chosen:
        return analysis
    needed = set(chosen) & analysis
    for section in spec.sections:
        if section.id not in chosen:
            continue
        templates = [section.title, section.text or ""]
        if isinstance(section, AnalysisSection) and section.chart is not None:
            templates.append(section.chart.title or "")
        code = " ".join(m.group(0) for t in templates for m in _TEMPLATE_CODE.finditer(t))
        quoted = list(_SECTION_BY_ID.finditer(code))
        if len(quoted) < len(_SECTIONS.findall(code)):
            return analysis
        needed |= {m.group("quoted") or m.group("bare") for m in quoted}
    return needed & analysis
