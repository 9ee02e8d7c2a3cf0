"""Masked rows of a long table + arrays on it or on its parents → per-group rows, usable values
and sums, in chunks spread over the machine's cores (the kernel every count, sum and mean of a
fact table runs through).

A chunk gathers its group codes, conditions and values through its rows' parent positions and
adds them to the partials of the thread that runs it; the threads' partials are merged at the
end (numpy's gathers and sums release the GIL, so threads share the frames without copies).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from reportgen.engine import reductions
from reportgen.engine.fields import Fields
from reportgen.engine.lookups import as_numeric, numeric_array
from reportgen.engine.rows import LONG_ROWS
from reportgen.errors import DataError
from reportgen.model import expr as ex
from reportgen.model.semantic import Atom, Model, Relation, Resolved, ResolveError

CHUNK_ROWS = 1 << 20  # rows of a long table handled at once by a scan (fits the CPU caches)
Partials = tuple[np.ndarray, np.ndarray, np.ndarray]  # rows, usable values, sums per group


def workers() -> int:
    """Threads a scan uses: the cores this process may run on (``REPORTGEN_THREADS`` caps it)."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(cores, int(os.environ.get("REPORTGEN_THREADS", cores))))


@dataclass(frozen=True)
class Lifted:
    """An array over the rows of the scanned table (``relation`` None) or over the rows of one of
    its direct parents; ``array`` None stands for the parent's row position itself."""

    relation: Relation | None
    array: np.ndarray | None


@dataclass(frozen=True)
class Chunk:
    """One chunk of a scanned table: its rows, which of them are masked in, and the parent
    positions of those."""

    rows: slice
    chosen: np.ndarray
    positions: dict[Relation, np.ndarray]

    def gather(self, lifted: Lifted) -> np.ndarray:
        """``lifted`` for the chosen rows of the chunk."""
        if lifted.relation is None:
            assert lifted.array is not None
            return lifted.array[self.rows][self.chosen]
        found = self.positions[lifted.relation]
        return found if lifted.array is None else lifted.array[found]


@dataclass(frozen=True)
class ScanQuery:
    """What one scan adds up: group dimensions (array, width), conditions, an optional value."""

    dims: list[tuple[Lifted, int]]
    conditions: list[Lifted]
    value: Lifted | None
    size: int


def add_counts(out: np.ndarray, codes: np.ndarray, weights: np.ndarray | None = None) -> None:
    """``out += bincount(codes, weights)``, over the window of codes present: per-order partials
    have millions of groups, and a chunk of order lines touches only a few thousand of them."""
    if len(codes) == 0:
        return
    if len(out) <= 4 * len(codes):
        out += np.bincount(codes, weights=weights, minlength=len(out)).astype(out.dtype, copy=False)
        return
    low, high = int(codes.min()), int(codes.max()) + 1
    out[low:high] += np.bincount(codes - low, weights=weights, minlength=high - low).astype(
        out.dtype, copy=False
    )


def scan_chunks(query: ScanQuery, chunks: list[Chunk]) -> Partials:
    """Rows, rows without a value and sums per group over ``chunks``, one after the other (the
    last two empty when the query has no value); ``finished`` makes them partials."""
    with_value = query.value is not None
    rows = np.zeros(query.size, dtype="int64")
    unusable = np.zeros(query.size if with_value else 0, dtype="int64")
    sums = np.zeros(query.size if with_value else 0, dtype="float64")
    for chunk in chunks:
        keep: np.ndarray | None = None
        code: np.ndarray | None = None
        for lifted, width in query.dims:
            key_codes = chunk.gather(lifted)
            if lifted.array is not None:
                keep = key_codes >= 0 if keep is None else keep & (key_codes >= 0)
            code = key_codes.astype("int64") if code is None else code * width + key_codes
        for lifted in query.conditions:
            condition = chunk.gather(lifted)
            keep = condition if keep is None else keep & condition
        if code is None:
            code = np.zeros(int(np.count_nonzero(chunk.chosen)), dtype="int64")
        if keep is not None and not keep.all():
            code = code[keep]
        else:
            keep = None
        add_counts(rows, code)
        if query.value is not None:
            numbers = np.asarray(chunk.gather(query.value), dtype="float64")
            if keep is not None:
                numbers = numbers[keep]
            missing = np.isnan(numbers)
            if missing.any():
                # Adding 0.0 leaves every sum exactly as skipping the value would.
                numbers[missing] = 0.0
                add_counts(unusable, code[missing])
            add_counts(sums, code, numbers)
    return rows, unusable, sums


def finished(query: ScanQuery, scanned: Partials) -> Partials:
    """Rows, usable values and sums per group from what ``scan_chunks`` added up."""
    rows, unusable, sums = scanned
    if query.value is None:
        return rows, rows, rows.astype("float64")
    return rows, np.subtract(rows, unusable, out=unusable), sums


def scan_parallel(query: ScanQuery, chunks: list[Chunk], threads: int) -> Partials:
    """``scan_chunks`` with the chunks split into ``threads`` runs of neighbours, merged."""
    threads = min(threads, len(chunks))
    if threads <= 1:
        return finished(query, scan_chunks(query, chunks))
    bounds = np.linspace(0, len(chunks), threads + 1).astype(int)
    runs = [chunks[a:b] for a, b in zip(bounds[:-1], bounds[1:], strict=True)]
    with ThreadPoolExecutor(threads) as pool:
        parts = list(pool.map(lambda run: scan_chunks(query, run), runs))
    rows, unusable, sums = parts[0]
    for more in parts[1:]:  # in place: per-order partials are tens of MB
        rows += more[0]
        unusable += more[1]
        sums += more[2]
    return finished(query, (rows, unusable, sums))


class Scans(Fields):
    """Chunked passes over long tables, each key, condition and value read where it lives."""

    def __init__(self, model: Model, frames: Mapping[str, pd.DataFrame]) -> None:
        super().__init__(model, frames)
        self.threads = workers()
        self._conditions: dict[tuple[str, str], np.ndarray] = {}
        self._offsets: dict[tuple[str, frozenset[str]], list[int]] = {}
        self._kept: dict[tuple[str, str, frozenset[str]], np.ndarray] = {}
        self._rising: dict[Relation, bool] = {}
        self._partials: dict[tuple[str, ...], Partials] = {}

    def cached_condition(self, node: ex.Node, scope: str) -> np.ndarray:
        """``condition`` kept for the run."""
        cache_key = (ex.to_text(node), scope)
        if cache_key not in self._conditions:
            self._conditions[cache_key] = self.condition(node, scope)
        return self._conditions[cache_key]

    def lifted_condition(self, node: ex.Node, scope: str) -> np.ndarray:
        """A condition for valid rows only: evaluated on a parent when it lives there.

        Rows whose parent is missing get False; callers combine the result with a mask that
        already excludes them.
        """
        refs = list(ex.refs(node))
        for relation in self.model.parents(scope):
            if all(self.lives_on(ref, scope, relation) for ref in refs):
                condition = self.cached_condition(node, relation.parent)
                positions = self.positions(relation)
                found = positions >= 0
                return np.where(found, condition[np.where(found, positions, 0)], False)
        return self.cached_condition(node, scope)

    def lives_on(self, node: ex.Node, scope: str, relation: Relation) -> bool:
        """Whether ``node`` names a column of the relation's parent or a table above it."""
        if not isinstance(node, ex.Ref):
            return False
        resolved = self.model.resolve(node, scope)
        path = self.model.path(scope, resolved.table)
        tail = self.model.path(relation.parent, resolved.table)
        if path is None or tail is None or path != (relation, *tail):
            return False
        try:
            return self.model.resolve(node, relation.parent) == resolved
        except ResolveError:
            return False

    def home(self, node: ex.Node, scope: str) -> tuple[str, Relation | None] | None:
        """Where every column of ``node`` lives seen from ``scope``: ``(scope, None)`` on the
        scope itself, ``(parent, relation)`` on one direct parent and the tables above it, or
        None when no single table next to the scope holds them all."""
        refs = list(ex.refs(node))
        if all(self.model.resolve(ref, scope).table == scope for ref in refs):
            return scope, None
        for relation in self.model.parents(scope):
            if all(self.lives_on(ref, scope, relation) for ref in refs):
                return relation.parent, relation
        return None

    def lift_conditions(self, node: ex.Node | None, scope: str) -> list[Lifted] | None:
        """A condition split into its ``and`` parts, each evaluated on the table it lives on."""
        if node is None:
            return []
        if isinstance(node, ex.BoolOp) and node.op == "and":
            lifted: list[Lifted] = []
            for operand in node.operands:
                part = self.lift_conditions(operand, scope)
                if part is None:
                    return None
                lifted.extend(part)
            return lifted
        home = self.home(node, scope)
        if home is None:
            return None
        table, relation = home
        return [Lifted(relation, self.cached_condition(node, table))]

    def lift_value(self, func: str, value: Resolved, scope: str) -> Lifted:
        """The value of an aggregate as an array on ``scope`` or on the direct parent it lives on
        (prices stay on the products table; the scan looks them up per chunk of lines)."""
        path = self.model.path(scope, value.table)
        if path is None:
            msg = f"no relation path from '{scope}' to '{value.table}'"
            raise DataError(msg, table=scope)
        if not path:
            series = self.values(value, scope)
            reductions.numbers(func, series.iloc[:0])  # a text column is a located error
            return Lifted(None, numeric_array(as_numeric(series)))  # converted per chunk
        relation = path[0]
        return Lifted(relation, reductions.numbers(func, self.values(value, relation.parent)))

    def scan(self, scope: str, query: ScanQuery, skip_field: str | None = None) -> Partials:
        """Rows, usable values and sums per group over the masked rows of ``scope``, in chunks.

        Nothing as long as the fact table is allocated: a pass over 32 M order lines needs a
        few MB per thread."""
        mask, offsets = self._chunked_mask(scope, skip_field)
        used = [d for d, _ in query.dims] + query.conditions
        relations = {lifted.relation for lifted in used if lifted.relation is not None}
        if query.value is not None and query.value.relation is not None:
            relations.add(query.value.relation)
        kept = {relation: self._kept_positions(relation, skip_field) for relation in relations}
        # Each chunk adds a bincount over the window of groups it touches: with millions of
        # groups in no particular order, chunks grow so that the additions stay a small part of
        # the work; with rising parent positions (per-order partials) windows are short anyway.
        rising = all(
            lifted.relation is not None
            and lifted.array is None
            and self._rising.get(lifted.relation, False)
            for lifted, _ in query.dims
        )
        step = CHUNK_ROWS if rising else CHUNK_ROWS * max(1, 4 * query.size // CHUNK_ROWS)
        chunks = list(self._chunks(mask, offsets, kept, step))
        return scan_parallel(query, chunks, self.threads)

    def _chunks(
        self,
        mask: np.ndarray,
        offsets: list[int],
        kept: dict[Relation, np.ndarray],
        step: int,
    ) -> Iterator[Chunk]:
        for start in range(0, len(mask), step):
            first, last = start // CHUNK_ROWS, min(len(offsets) - 1, (start + step) // CHUNK_ROWS)
            yield Chunk(
                slice(start, start + step),
                mask[start : start + step],
                {r: p[offsets[first] : offsets[last]] for r, p in kept.items()},
            )

    def _chunked_mask(self, scope: str, skip_field: str | None) -> tuple[np.ndarray, list[int]]:
        """The scope's mask and, per chunk of rows, where its masked rows start in the kept
        (compacted) arrays."""
        mask = self.mask(scope, skip_field)
        cache_key = (scope, self.skipped(skip_field))
        if cache_key not in self._offsets:
            per_chunk = [
                int(np.count_nonzero(mask[start : start + CHUNK_ROWS]))
                for start in range(0, len(mask), CHUNK_ROWS)
            ]
            self._offsets[cache_key] = [0, *np.cumsum(per_chunk, dtype="int64").tolist()]
        return mask, self._offsets[cache_key]

    def _kept_positions(self, relation: Relation, skip_field: str | None) -> np.ndarray:
        """Parent positions of the masked rows of the relation's child (kept for the run: every
        pass over the fact table reads them)."""
        cache_key = (relation.child, relation.column, self.skipped(skip_field))
        if cache_key not in self._kept:
            mask = self.mask(relation.child, skip_field)
            kept = self.positions(relation)[mask]
            self._kept[cache_key] = kept
            self._rising[relation] = bool(np.all(kept[1:] >= kept[:-1]))
            if len(mask) > LONG_ROWS:
                # The long table's own positions are rebuilt on demand (rarely needed again):
                # keeping both would double the largest arrays of the run.
                self.forget_positions(relation)
        return self._kept[cache_key]

    def partial_sums(self, atom: Atom, relation: Relation) -> Partials:
        """Per parent row: (rows, usable rows, sum of the value) over the scope's masked rows."""
        scope = atom.over
        value = str(atom.value) if atom.value is not None else "*"
        cache_key = (scope, relation.column, relation.parent, value)
        rows_key = ("rows", *cache_key[:3])
        if cache_key not in self._partials:
            if atom.value is None and rows_key in self._partials:
                # A count reads only the rows per parent, which any scan of this pivot counted.
                self._partials[cache_key] = self._partials[rows_key]
            else:
                lifted = (
                    self.lift_value(atom.func, atom.value, scope)
                    if atom.value is not None
                    else None
                )
                length = self.length(relation.parent)
                query = ScanQuery([(Lifted(relation, None), length)], [], lifted, length)
                self._partials[cache_key] = self.scan(scope, query)
                self._partials.setdefault(rows_key, self._partials[cache_key])
        return self._partials[cache_key]
