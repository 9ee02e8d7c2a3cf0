"""Section result tables on disk, keyed by the spec parts, data fingerprints and code they use."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import pickle
import secrets
import time
from pathlib import Path
from typing import Any

import pandas as pd

import reportgen
from reportgen.engine.plan import SectionPlan
from reportgen.model import expr as ex
from reportgen.model.semantic import Model, Resolved, metric_refs

log = logging.getLogger(__name__)

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


class ResultsCache:
    """Pickled results under ``<cache>/results/``; unreadable entries count as misses.

    Every code change gives every entry a new key, so old entries are pruned (``prune``): those
    no build has used for ``MAX_AGE_DAYS``, then the least recently used beyond ``MAX_BYTES``.
    """

    MAX_AGE_DAYS = 14
    MAX_BYTES = 256 * 1024**2

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self.used: set[Path] = set()

    def prune(self, now: float | None = None) -> int:
        """Remove stale entries (never one this build used); return how many were removed."""
        now = time.time() if now is None else now
        entries = []
        for path in self.folder.glob("*.pkl"):
            with contextlib.suppress(OSError):
                info = path.stat()
                entries.append((info.st_mtime, info.st_size, path))
        entries.sort(reverse=True)  # most recently used first
        removed, total = 0, 0
        for used_at, size, path in entries:
            total += size
            stale = now - used_at > self.MAX_AGE_DAYS * 86400 or total > self.MAX_BYTES
            if stale and path not in self.used:
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / f"{kind}-{key}.pkl"

    def get(self, kind: str, key: str) -> Any | None:
        path = self._path(kind, key)
        if not path.is_file():
            self.misses += 1
            return None
        try:
            with path.open("rb") as stream:
                value = pickle.load(stream)  # noqa: S301 - our own cache folder
        except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ValueError) as error:
            log.warning("ignoring unreadable result cache entry %s (%s)", path, error)
            self.misses += 1
            return None
        self.hits += 1
        self.used.add(path)
        with contextlib.suppress(OSError):
            os.utime(path)  # the modification time says when a build last used the entry
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        """Write atomically (temporary file, then rename); a failed write is only logged."""
        path = self._path(kind, key)
        temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with temporary.open("wb") as stream:
                pickle.dump(value, stream, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(temporary, path)
            self.used.add(path)
        except OSError as error:
            log.warning("could not write the result cache entry %s (%s)", path, error)
            with contextlib.suppress(OSError):
                temporary.unlink()


def frame_equal(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    """Exact equality of two result tables (values, dtypes and column order)."""
    return left.columns.tolist() == right.columns.tolist() and left.equals(right)


def _digest(facts: Any) -> str:
    text = json.dumps(facts, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def quality_key(
    model: Model,
    fingerprints: dict[str, str],
    columns: dict[str, set[str]],
    engine: str = "pandas",
) -> str:
    """The data-quality numbers depend on every table, the relations, filters and fields.

    ``columns`` are the columns loaded per table: the missing-value profile covers only those.
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
        }
    )


def derived_key(section_key: str, *parts: Any) -> str:
    """A key for something computed from a section's result plus other (JSON-able) inputs:
    the capped chart table (chart type and y) or a chart's SVG (chart spec, title, labels)."""
    return _digest(
        {"version": RESULTS_VERSION, "code": code_version(), "section": section_key, "parts": parts}
    )
