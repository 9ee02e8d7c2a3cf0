"""Loaded frames + a plan → aggregated atoms, on pandas/numpy without the giant merge.

Keys become row positions; a many-to-one join is an array lookup (``take``) into the smaller
table; group labels are integer codes and sums and counts are ``np.bincount``. Derived fields,
positions and filter masks are computed once per run and shared by every section.
"""

from __future__ import annotations

import operator
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from reportgen.data.frame import integer_width
from reportgen.engine.dates import DATE_FUNCTIONS, NotADate
from reportgen.engine.field_order import ordered_values
from reportgen.engine.plan import NOT_STATED, GroupKey, Keep, atom_id
from reportgen.errors import DataError
from reportgen.model import expr as ex
from reportgen.model.semantic import (
    AggregateField,
    Atom,
    Model,
    Relation,
    Resolved,
    ResolveError,
    day_names,
)
from reportgen.spec.models import BinsField, CasesField, ExprField, MapField, WeekdayField

CHUNK_ROWS = 1 << 20  # rows of a long table handled at once by a scan (fits the CPU caches)
LONG_ROWS = 5_000_000  # tables longer than this: per-row arrays are recomputed rather than kept


@dataclass(frozen=True)
class _Lifted:
    """An array over the rows of the scanned table (``relation`` None) or over the rows of one of
    its direct parents; ``array`` None stands for the parent's row position itself."""

    relation: Relation | None
    array: np.ndarray | None


def take(series: pd.Series, positions: np.ndarray) -> pd.Series:
    """``series`` looked up at ``positions`` (-1 gives a missing value)."""
    missing = positions < 0
    safe = np.where(missing, 0, positions) if missing.any() else positions
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes = series.cat.codes.to_numpy()
        taken = codes[safe] if len(codes) else np.full(len(safe), -1, dtype=codes.dtype)
        if missing.any():
            taken = np.where(missing, -1, taken)
        return pd.Series(pd.Categorical.from_codes(taken, dtype=series.dtype))
    values = numeric_array(series)
    if len(values) == 0:
        return pd.Series(np.full(len(safe), np.nan))
    taken_values = values[safe]
    if missing.any():
        taken_values = taken_values.astype("float64")
        taken_values[missing] = np.nan
    return pd.Series(taken_values)


def numeric_array(series: pd.Series) -> np.ndarray:
    """A numpy array of a numeric or boolean column; nullable missing values become NaN."""
    if series.dtype == bool:
        return series.to_numpy()
    if series.hasnans if hasattr(series, "hasnans") else False:
        return series.to_numpy(dtype="float64", na_value=np.nan)
    try:
        return series.to_numpy()
    except (TypeError, ValueError):
        return series.to_numpy(dtype="float64", na_value=np.nan)


def as_bool(values: Any, length: int) -> np.ndarray:
    """A condition's result as a numpy bool array (missing counts as false)."""
    if np.isscalar(values) or values is None:
        return np.full(length, bool(values))
    if isinstance(values, pd.Series):
        return values.fillna(False).to_numpy(dtype=bool)
    return np.asarray(values, dtype=bool)


class PandasExecutor:
    """Runs plans on loaded pandas frames (one instance per run: it caches what it derives)."""

    def __init__(
        self, model: Model, frames: Mapping[str, pd.DataFrame], *, reduce_first: bool = True
    ) -> None:
        self.model = model
        self.frames = dict(frames)
        for relation in model.relations:
            child = self.frames.get(relation.child)
            if (
                child is not None
                and relation.parent in self.frames
                and len(child) > LONG_ROWS
                and child[relation.column].is_monotonic_increasing
            ):
                self._sort_by_key(relation.parent)
        self.reduce_first = reduce_first
        self._partials: dict[tuple[str, ...], tuple[np.ndarray, ...]] = {}
        self._group_cache: dict[Any, tuple[np.ndarray, list[list[Any]]]] = {}
        self._condition_cache: dict[tuple[str, str], np.ndarray] = {}
        self._positions: dict[tuple[str, str], np.ndarray] = {}
        self._paths: dict[tuple[str, str], np.ndarray] = {}
        self._valid: dict[str, np.ndarray] = {}
        self._masks: dict[tuple[str, frozenset[str]], np.ndarray] = {}
        self._offsets: dict[tuple[str, frozenset[str]], list[int]] = {}
        self._kept: dict[tuple[str, str, frozenset[str]], np.ndarray] = {}
        self._rising: dict[Relation, bool] = {}
        self._fields: dict[str, pd.Series] = {}
        self._filter_fields = {
            name: self._fields_behind(refs) for name, refs in model.filter_refs.items()
        }
        self.orphans: dict[str, list[tuple[Relation, int]]] = {}

    def _sort_by_key(self, table: str) -> None:
        """Put a parent table in key order when its long child table is: the lines' positions
        in it then rise, and every lookup and sum through them walks memory in order (order
        lines are sorted by order id, orders by customer; in key order, a pass over the lines
        is several times faster). Results do not depend on row order."""
        key = self.model.key_of(table)
        frame = self.frames[table]
        if key is None or frame[key].is_monotonic_increasing:
            return
        keys = frame[key].to_numpy()
        order = None
        if keys.dtype.kind in "iu" and len(keys) and keys.min() >= 0 and keys.max() < 4 * len(keys):
            # Dense unique integer keys: a counting sort, linear instead of n log n.
            slots = np.full(int(keys.max()) + 1, -1, dtype="int64")
            slots[keys] = np.arange(len(keys))
            order = slots[slots >= 0]
        if order is None or len(order) != len(keys):  # duplicate or sparse keys
            order = np.argsort(keys, kind="stable")
        self.frames[table] = frame.take(order).reset_index(drop=True)

    # ---- keys and paths -------------------------------------------------------------------
    def length(self, table: str) -> int:
        return len(self.frames[table])

    def positions(self, relation: Relation) -> np.ndarray:
        """Row positions in the parent for each child row (-1 when the parent row is missing)."""
        cache_key = (relation.child, relation.column)
        if cache_key not in self._positions:
            parent_key = self.model.key_of(relation.parent)
            assert parent_key is not None
            keys = self.frames[relation.parent][parent_key]
            foreign = self.frames[relation.child][relation.column]
            self._positions[cache_key] = _lookup(keys, foreign)
        return self._positions[cache_key]

    def positions_at(self, relation: Relation, rows: np.ndarray) -> np.ndarray:
        """``positions(relation)[rows]`` without rebuilding the positions of every row of a long
        table whose positions were released (only ``rows`` are looked up)."""
        cache_key = (relation.child, relation.column)
        if cache_key in self._positions:
            return self._positions[cache_key][rows]
        parent_key = self.model.key_of(relation.parent)
        assert parent_key is not None
        keys = self.frames[relation.parent][parent_key]
        return _lookup(keys, self.frames[relation.child][relation.column].iloc[rows])

    def path_positions(self, source: str, target: str) -> np.ndarray:
        """Row positions in ``target`` for each row of ``source`` along the relation path."""
        if (source, target) in self._paths:
            return self._paths[(source, target)]
        path = self.model.path(source, target)
        if path is None:
            msg = f"no relation path from '{source}' to '{target}'"
            raise DataError(msg, table=source)
        # Compose from the far end: the tail is built on the shorter parent tables, and the
        # long source table is gathered once.
        if not path:
            positions = np.arange(self.length(source))
        else:
            positions = self.positions(path[-1])
            for relation in reversed(path[:-1]):
                positions = _follow(self.positions(relation), positions)
        self._paths[(source, target)] = positions
        return positions

    def valid(self, table: str) -> np.ndarray:
        """Rows whose every relation resolves (recursively): orphans are excluded everywhere."""
        if table not in self._valid:
            mask = np.ones(self.length(table), dtype=bool)
            orphans = []
            for relation in self.model.parents(table):
                positions = self.positions(relation)
                found = positions >= 0
                orphans.append((relation, int(len(found) - np.count_nonzero(found))))
                mask &= found
                # A missing parent (-1) reads the last parent row; ``found`` already excludes it.
                mask &= self.valid(relation.parent)[positions]
            self.orphans[table] = orphans
            self._valid[table] = mask
        return self._valid[table]

    def mask(self, table: str, skip_field: str | None = None) -> np.ndarray:
        """Valid rows of ``table`` that pass every global filter on it or on a table it reaches."""
        return self._mask(table, self._skipped(skip_field))

    def _skipped(self, skip_field: str | None) -> frozenset[str]:
        """The filters that depend on ``skip_field`` (a field a filter uses cannot be computed
        under that filter)."""
        return frozenset(
            name for name, fields in self._filter_fields.items() if skip_field in fields
        )

    def _mask(self, table: str, skipped: frozenset[str]) -> np.ndarray:
        """Built from the parents' masks, one lookup per relation: a filter on a table far up
        (customers) is decided on the short tables and reaches the long one in a single step."""
        cache_key = (table, skipped)
        if cache_key not in self._masks:
            mask = self.valid(table).copy()
            for name, spec_filter in self.model.spec.filters.items():
                if name not in skipped and spec_filter.on == table:
                    mask &= self.condition(ex.parse(spec_filter.where), table)
            for relation in self.model.parents(table):
                parent_mask = self._mask(relation.parent, skipped)
                if not parent_mask.all():
                    # Rows without a parent (-1) are already false in ``valid``.
                    mask &= parent_mask[self.positions(relation)]
            self._masks[cache_key] = mask
        return self._masks[cache_key]

    def excluded_by_step(self, table: str) -> list[int]:
        """Rows of ``table`` excluded at each of :func:`exclusion_steps`, each row counted at
        the first step that applies: the loaded rows minus these are exactly ``mask(table)``.

        Only the excluded rows are looked at (a few per cent of the order lines), so this costs
        one pass over the table's mask."""
        rows = np.flatnonzero(~self.mask(table))
        left = np.ones(len(rows), dtype=bool)
        counts = []
        found: dict[Relation, np.ndarray] = {}
        for kind, what in exclusion_steps(self.model, table):
            if isinstance(what, Relation) and what not in found:
                found[what] = self.positions_at(what, rows)
            if kind == "missing":
                assert isinstance(what, Relation)
                out = left & (found[what] < 0)
            elif kind == "filter":
                where = self.model.spec.filters[str(what)].where
                out = left & ~self.condition(ex.parse(where), table)[rows]
            else:  # the parent row is there but was excluded (rows left have a parent)
                assert isinstance(what, Relation)
                parent = self._mask(what.parent, frozenset())
                out = left & ~parent[np.where(left, found[what], 0)]
            counts.append(int(np.count_nonzero(out)))
            left &= ~out
        return counts

    def declared_counts(self, name: str) -> dict[str, dict[str, int]] | None:
        """Rows of each declared category of a ``map`` or ``cases`` field, over the rows the
        report uses: ``labels`` (every outcome) and, for a map, ``values`` (every listed value).
        None for other fields and for fields on a fact table (checking them would be a pass
        over the longest table)."""
        spec_field = self.model.spec.fields[name]
        if not isinstance(spec_field, MapField | CasesField):
            return None
        table = spec_field.on
        if not any(relation.parent == table for relation in self.model.relations):
            return None
        used = self.mask(table, skip_field=name)
        labels = self.field(name)[used]
        label_counts = labels.value_counts()
        counts = {"labels": {str(k): int(label_counts.get(k, 0)) for k in spec_field.labels()}}
        if isinstance(spec_field, MapField):
            source = self.evaluate(ex.parse(spec_field.column), table)[used]
            if isinstance(source.dtype, pd.CategoricalDtype):
                by_category = source.value_counts()
                found = {str(k): int(v) for k, v in by_category.items()}
            else:
                found = {str(k): int(v) for k, v in source.map(_key_text).value_counts().items()}
            counts["values"] = {value: found.get(value, 0) for value in spec_field.mapping()}
        return counts

    def _fields_behind(self, refs: list[Resolved]) -> set[str]:
        found: set[str] = set()
        for ref in refs:
            if ref.is_field and ref.name not in found:
                found.add(ref.name)
                found |= self._fields_behind(self.model.field_refs.get(ref.name, []))
        return found

    # ---- values ---------------------------------------------------------------------------
    def values(self, resolved: Resolved, scope: str) -> pd.Series:
        """The values of a column or field for every row of ``scope``."""
        base = (
            self.field(resolved.name)
            if resolved.is_field
            else self.frames[resolved.table][resolved.name]
        )
        if resolved.table == scope:
            return base.reset_index(drop=True)
        return take(base, self.path_positions(scope, resolved.table))

    def evaluate(self, node: ex.Node, scope: str) -> Any:
        """An expression over the rows of ``scope``: a Series, or a scalar for constants."""
        if isinstance(node, ex.Ref):
            return self.values(self.model.resolve(node, scope), scope)
        if isinstance(node, ex.Const):
            return node.value
        if isinstance(node, ex.ConstList):
            return list(node.values)
        if isinstance(node, ex.Unary):
            operand = self.evaluate(node.operand, scope)
            if node.op == "not":
                return ~pd.Series(as_bool(operand, self.length(scope)))
            return -_numeric(operand)
        if isinstance(node, ex.BoolOp):
            parts = [as_bool(self.evaluate(o, scope), self.length(scope)) for o in node.operands]
            combined = parts[0]
            for part in parts[1:]:
                combined = combined & part if node.op == "and" else combined | part
            return pd.Series(combined)
        if isinstance(node, ex.Compare):
            return self._compare(node, scope)
        if isinstance(node, ex.Binary):
            left = _numeric(self.evaluate(node.left, scope))
            right = _numeric(self.evaluate(node.right, scope))
            return arithmetic(node.op, left, right)
        if isinstance(node, ex.Call) and node.func in DATE_FUNCTIONS:
            try:
                return DATE_FUNCTIONS[node.func](self.evaluate(node.args[0], scope))
            except NotADate as error:
                msg = f"'{ex.to_text(node)}': '{ex.to_text(node.args[0])}' {error}"
                raise DataError(msg, table=scope) from None
        msg = f"'{ex.to_text(node)}' cannot be computed per row"
        raise DataError(msg, table=scope)

    def _compare(self, node: ex.Compare, scope: str) -> pd.Series:
        left = self.evaluate(node.left, scope)
        right = self.evaluate(node.right, scope)
        if node.op in ("in", "not in"):
            if not isinstance(left, pd.Series) or not isinstance(right, list):
                msg = (
                    f"'{ex.to_text(node)}': 'in' needs a column on the left and a list on the right"
                )
                raise DataError(msg, table=scope)
            result = left.isin(right)
            return ~result if node.op == "not in" else result
        if (
            isinstance(left, pd.Series)
            and isinstance(left.dtype, pd.CategoricalDtype)
            and node.op not in ("==", "!=")
        ) and not left.cat.ordered:
            left = left.astype(str).where(left.notna())
        try:
            result = {
                "==": lambda: left == right,
                "!=": lambda: left != right,
                "<": lambda: left < right,
                "<=": lambda: left <= right,
                ">": lambda: left > right,
                ">=": lambda: left >= right,
            }[node.op]()
        except TypeError as error:
            msg = f"cannot compare in '{ex.to_text(node)}': {error}"
            raise DataError(msg, table=scope) from None
        if not isinstance(result, pd.Series):
            result = pd.Series(np.full(self.length(scope), bool(result)))
        return result

    def condition(self, node: ex.Node, scope: str) -> np.ndarray:
        return as_bool(self.evaluate(node, scope), self.length(scope))

    # ---- derived fields -------------------------------------------------------------------
    def field(self, name: str) -> pd.Series:
        """A derived field's values for every row of its table (computed once per run)."""
        if name not in self._fields:
            spec_field = self.model.spec.fields[name]
            self._fields[name] = ordered_values(
                self._compute_field(name),
                spec_field.order,
                spec_field.order_by,
                lambda text: self.evaluate(ex.parse(text), spec_field.on),
            )
        return self._fields[name]

    def _compute_field(self, name: str) -> pd.Series:
        spec_field = self.model.spec.fields[name]
        table = spec_field.on
        if isinstance(spec_field, BinsField):
            source = _numeric(self.evaluate(ex.parse(spec_field.column), table))
            edges = [-np.inf, *spec_field.edges, np.inf]
            cut = pd.cut(
                source, bins=edges, labels=spec_field.labels, right=spec_field.closed == "right"
            )
            return pd.Series(pd.Categorical(cut, categories=spec_field.labels, ordered=True))
        if isinstance(spec_field, WeekdayField):
            days = _numeric(self.evaluate(ex.parse(spec_field.column), table))
            names = day_names(self.model.spec.settings.day_zero)
            codes = np.where(days.isin(range(7)), days.fillna(-1), -1).astype("int8")
            return pd.Series(pd.Categorical.from_codes(codes, categories=names, ordered=True))
        if isinstance(spec_field, MapField):
            return self._map_field(spec_field, table)
        if isinstance(spec_field, CasesField):
            labels = spec_field.labels()
            codes = np.full(self.length(table), -1, dtype="int16")
            undecided = np.ones(self.length(table), dtype=bool)
            for case in spec_field.cases:
                holds = self.condition(ex.parse(case.when), table) & undecided
                codes[holds] = labels.index(case.then)
                undecided &= ~holds
            if spec_field.else_:
                codes[undecided] = labels.index(spec_field.else_)
            return pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True))
        if isinstance(spec_field, ExprField):
            result = self.evaluate(ex.parse(spec_field.expr), table)
            if not isinstance(result, pd.Series):
                result = pd.Series(np.full(self.length(table), result))
            return result.reset_index(drop=True)
        assert isinstance(spec_field, AggregateField)
        return self._aggregate_field(name, spec_field)

    def _map_field(self, spec_field: MapField, table: str) -> pd.Series:
        source = self.evaluate(ex.parse(spec_field.column), table)
        mapping = spec_field.mapping()
        labels = spec_field.labels()
        fallback = labels.index(spec_field.default) if spec_field.default else -1
        if isinstance(source.dtype, pd.CategoricalDtype):
            keys = [str(c) for c in source.cat.categories]
            category_codes = np.array(
                [labels.index(mapping[k]) if k in mapping else fallback for k in keys] + [-1],
                dtype="int16",
            )
            codes = category_codes[source.cat.codes.to_numpy()]
        else:
            as_text = source.map(_key_text)
            mapped = as_text.map(mapping)
            if spec_field.default:
                mapped = mapped.where(mapped.notna() | source.isna(), spec_field.default)
            codes = pd.Categorical(mapped, categories=labels).codes
        return pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True))

    def _aggregate_field(self, name: str, spec_field: AggregateField) -> pd.Series:
        source = spec_field.over or (spec_field.of or "").split(".", 1)[0]
        reduced = self._aggregate_field_reduced(name, spec_field, source)
        if reduced is not None:
            return _settle(reduced, spec_field.func)
        scanned = self._aggregate_field_scanned(name, spec_field, source)
        if scanned is not None:
            return _settle(scanned, spec_field.func)
        positions = self.path_positions(source, spec_field.on)
        mask = self.mask(source, skip_field=name) & (positions >= 0)
        if spec_field.where:
            mask &= self._lifted_condition(ex.parse(spec_field.where), source)
        values = None
        if spec_field.of:
            values = self.values(self.model.resolve(ex.parse(spec_field.of), source), source)  # type: ignore[arg-type]
        length = self.length(spec_field.on)
        if spec_field.func == "any":
            counts = np.bincount(positions[mask], minlength=length)
            return pd.Series(counts > 0)
        result = pd.Series(reduce_groups(spec_field.func, positions, mask, values, length))
        return _settle(result, spec_field.func)

    def _aggregate_field_reduced(
        self, name: str, spec_field: AggregateField, source: str
    ) -> pd.Series | None:
        """sum/mean/count per row of a table two or more steps up, from the per-parent partials
        of the first step (e.g. mean item price per customer from per-order sums), or None."""
        path = self.model.path(source, spec_field.on)
        skipped = any(name in fields for fields in self._filter_fields.values())
        if (
            not self.reduce_first
            or spec_field.func not in ("sum", "mean", "count")
            or spec_field.where
            or skipped
            or path is None
            or len(path) < 2
        ):
            return None
        value = None
        if spec_field.of:
            value = self.model.resolve(ex.parse(spec_field.of), source)  # type: ignore[arg-type]
        rows, counts, sums = self._partial(Atom(spec_field.func, source, value), path[0])
        upward = self.path_positions(path[0].parent, spec_field.on)
        used = (rows > 0) & (upward >= 0)
        length = self.length(spec_field.on)
        targets = upward[used]
        if spec_field.func == "count":
            return pd.Series(
                np.bincount(targets, weights=rows[used], minlength=length).astype("int64")
            )
        total = np.bincount(targets, weights=sums[used], minlength=length)
        if spec_field.func == "sum":
            return pd.Series(total)
        number = np.bincount(targets, weights=counts[used], minlength=length)
        with np.errstate(divide="ignore", invalid="ignore"):
            return pd.Series(np.where(number > 0, total / np.maximum(number, 1), np.nan))

    def _aggregate_field_scanned(
        self, name: str, spec_field: AggregateField, source: str
    ) -> pd.Series | None:
        """any/count/sum/mean per row of a table above ``source`` in one chunked pass (e.g.
        "bought from the babies department" per customer over the order lines), or None."""
        path = self.model.path(source, spec_field.on)
        if not self.reduce_first or spec_field.func not in ("any", "count", "sum", "mean"):
            return None
        if not path:
            return None
        where = ex.parse(spec_field.where) if spec_field.where else None
        conditions = self._lift_conditions(where, source)
        if conditions is None:
            return None
        relation = path[0]
        upward = None if len(path) == 1 else self.path_positions(relation.parent, spec_field.on)
        value = None
        if spec_field.of:
            resolved = self.model.resolve(ex.parse(spec_field.of), source)  # type: ignore[arg-type]
            value = self._lift_value(spec_field.func, resolved, source)
        length = self.length(spec_field.on)
        target = _Lifted(relation, upward)
        rows, counts, sums = self._scan(
            source, [(target, length)], conditions, value, length, skip_field=name
        )
        if spec_field.func == "any":
            return pd.Series(rows > 0)
        return pd.Series(_reduce_partials(spec_field.func, rows, counts, sums))

    # ---- aggregation ------------------------------------------------------------------------
    def categories(self, key: GroupKey, scope: str) -> list[str] | None:
        resolved = self.model.resolve(ex.parse(key.text), scope)  # type: ignore[arg-type]
        series = (
            self.field(resolved.name)
            if resolved.is_field
            else self.frames[resolved.table][resolved.name]
        )
        if isinstance(series.dtype, pd.CategoricalDtype) and series.cat.ordered:
            return [str(c) for c in series.cat.categories]
        return None

    def aggregate(
        self,
        by: tuple[GroupKey, ...],
        atoms: tuple[Atom, ...],
        where: ex.Node | None,
        keep: Keep | None = None,
    ) -> pd.DataFrame:
        return combine_atoms(by, [self._aggregate_atom(by, atom, where, keep) for atom in atoms])

    def _aggregate_atom(
        self,
        by: tuple[GroupKey, ...],
        atom: Atom,
        where: ex.Node | None,
        keep: Keep | None,
    ) -> pd.DataFrame:
        if self.reduce_first:
            pivot = self._pivot(by, atom, where)
            if pivot is not None:
                return self._aggregate_reduced(by, atom, where, keep, pivot)
            scanned = self._aggregate_scanned(by, atom, where, keep)
            if scanned is not None:
                return scanned
        scope = atom.over
        mask = self.mask(scope).copy()
        for node in (where, atom.where):
            if node is not None:
                mask &= self._lifted_condition(node, scope)
        codes, levels = self._group_codes(by, scope, keep)
        mask &= codes >= 0
        size = _size(levels)
        values = self.values(atom.value, scope) if atom.value is not None else None
        present = np.bincount(codes[mask], minlength=size) > 0
        reduced = reduce_groups(atom.func, codes, mask, values, size)
        return _frame(by, levels, atom, present, reduced)

    # ---- reduce the fact table first -------------------------------------------------------
    def _pivot(self, by: tuple[GroupKey, ...], atom: Atom, where: ex.Node | None) -> Any:
        """The parent relation whose rows every group key and condition of the atom lives on.

        An atom over a fact table (order lines) grouped by columns of a parent (orders, and the
        tables above it) can be summed per parent row first, once per run, and then grouped
        over the much shorter parent table. Returns None when that does not apply.
        """
        if atom.func not in ("count", "sum", "mean"):
            return None
        scope = atom.over
        refs = [ex.parse(key.text) for key in by]
        for node in (where, atom.where):
            if node is not None:
                refs.extend(ex.refs(node))
        for relation in self.model.parents(scope):
            if all(self._lives_on(ref, scope, relation) for ref in refs):
                return relation
        return None

    def _lives_on(self, node: ex.Node, scope: str, relation: Relation) -> bool:
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

    def _home(self, node: ex.Node, scope: str) -> tuple[str, Relation | None] | None:
        """Where every column of ``node`` lives seen from ``scope``: ``(scope, None)`` on the
        scope itself, ``(parent, relation)`` on one direct parent and the tables above it, or
        None when no single table next to the scope holds them all."""
        refs = list(ex.refs(node))
        if all(self.model.resolve(ref, scope).table == scope for ref in refs):
            return scope, None
        for relation in self.model.parents(scope):
            if all(self._lives_on(ref, scope, relation) for ref in refs):
                return relation.parent, relation
        return None

    def _lift_conditions(self, node: ex.Node | None, scope: str) -> list[_Lifted] | None:
        """A condition split into its ``and`` parts, each evaluated on the table it lives on."""
        if node is None:
            return []
        if isinstance(node, ex.BoolOp) and node.op == "and":
            lifted: list[_Lifted] = []
            for operand in node.operands:
                part = self._lift_conditions(operand, scope)
                if part is None:
                    return None
                lifted.extend(part)
            return lifted
        home = self._home(node, scope)
        if home is None:
            return None
        table, relation = home
        return [_Lifted(relation, self._cached_condition(node, table))]

    def _lift_value(self, func: str, value: Resolved, scope: str) -> _Lifted:
        """The value of an aggregate as an array on ``scope`` or on the direct parent it lives on
        (prices stay on the products table; the scan looks them up per chunk of lines)."""
        path = self.model.path(scope, value.table)
        if path is None:
            msg = f"no relation path from '{scope}' to '{value.table}'"
            raise DataError(msg, table=scope)
        if not path:
            series = self.values(value, scope)
            if isinstance(series.dtype, pd.CategoricalDtype):
                msg = f"cannot compute {func} of a text column"
                raise DataError(msg, column=str(series.name))
            return _Lifted(None, numeric_array(_numeric(series)))  # converted per chunk
        relation = path[0]
        return _Lifted(relation, _float_values(func, self.values(value, relation.parent)))

    def _key_levels(
        self, key: GroupKey, table: str, keep: Keep | None
    ) -> tuple[np.ndarray, list[Any]]:
        """One group key's integer codes on ``table`` (-1: missing) and its levels: a missing
        text value is ``NOT_STATED``, and the values outside ``keep`` are merged into its
        ``other`` label."""
        key_codes, uniques = self._key_codes(key, table)
        if is_text_levels(uniques):
            missing = key_codes < 0
            if missing.any():
                key_codes = np.where(missing, len(uniques), key_codes)
                uniques = [*uniques, NOT_STATED]
        if keep is not None and keep.column == key.name:
            kept = [u for u in uniques if str(u) in keep.values]
            remap = np.array(
                [kept.index(u) if str(u) in keep.values else len(kept) for u in uniques] + [-1]
            )
            key_codes = remap[key_codes]
            uniques = [*kept, keep.other]
        return _narrow(key_codes, len(uniques)), list(uniques)

    def _scan(
        self,
        scope: str,
        dims: list[tuple[_Lifted, int]],
        conditions: list[_Lifted],
        value: _Lifted | None,
        size: int,
        skip_field: str | None = None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Rows, usable values and sums per group over the masked rows of ``scope``, in chunks.

        Each group dimension, condition and the value is an array on ``scope`` or on one of its
        direct parents, looked up through the parent positions of the chunk's rows. Nothing as
        long as the fact table is allocated: a pass over 32 M order lines needs a few MB.
        """
        rows = np.zeros(size, dtype="int64")
        counts = np.zeros(size, dtype="int64")
        sums = np.zeros(size, dtype="float64")
        mask, offsets = self._chunked_mask(scope, skip_field)
        used = [d for d, _ in dims] + conditions + ([value] if value is not None else [])
        relations = {lifted.relation for lifted in used if lifted.relation is not None}
        kept = {relation: self._kept_positions(relation, skip_field) for relation in relations}
        # Each chunk adds a bincount over the window of groups it touches: with millions of
        # groups in no particular order, chunks grow so that the additions stay a small part of
        # the work; with rising parent positions (per-order partials) windows are short anyway.
        rising = all(
            lifted.relation is not None
            and lifted.array is None
            and self._rising.get(lifted.relation, False)
            for lifted, _ in dims
        )
        step = CHUNK_ROWS if rising else CHUNK_ROWS * max(1, 4 * size // CHUNK_ROWS)
        for start in range(0, len(mask), step):
            first, last = start // CHUNK_ROWS, min(len(offsets) - 1, (start + step) // CHUNK_ROWS)
            chunk = _Chunk(
                slice(start, start + step),
                mask[start : start + step],
                {r: p[offsets[first] : offsets[last]] for r, p in kept.items()},
            )
            keep: np.ndarray | None = None
            code: np.ndarray | None = None
            for lifted, width in dims:
                key_codes = chunk.gather(lifted)
                if lifted.array is not None:
                    keep = _both(keep, key_codes >= 0)
                code = key_codes.astype("int64") if code is None else code * width + key_codes
            for lifted in conditions:
                keep = _both(keep, chunk.gather(lifted))
            if code is None:
                code = np.zeros(offsets[last] - offsets[first], dtype="int64")
            if keep is not None and not keep.all():
                code = code[keep]
            else:
                keep = None
            _add_counts(rows, code)
            if value is not None:
                numbers = np.asarray(chunk.gather(value), dtype="float64")
                if keep is not None:
                    numbers = numbers[keep]
                unusable = np.isnan(numbers)
                if unusable.any():
                    # Adding 0.0 leaves every sum exactly as skipping the value would.
                    numbers[unusable] = 0.0
                    _add_counts(counts, code[unusable])
                _add_counts(sums, code, numbers)
        if value is None:
            return rows, rows, rows.astype("float64")
        return rows, rows - counts, sums

    def _chunked_mask(self, scope: str, skip_field: str | None) -> tuple[np.ndarray, list[int]]:
        """The scope's mask and, per chunk of rows, where its masked rows start in the kept
        (compacted) arrays."""
        mask = self.mask(scope, skip_field)
        cache_key = (scope, self._skipped(skip_field))
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
        cache_key = (relation.child, relation.column, self._skipped(skip_field))
        if cache_key not in self._kept:
            mask = self.mask(relation.child, skip_field)
            kept = self.positions(relation)[mask]
            self._kept[cache_key] = kept
            self._rising[relation] = bool(np.all(kept[1:] >= kept[:-1]))
            if len(mask) > LONG_ROWS:
                # The long table's own positions are rebuilt on demand (rarely needed again):
                # keeping both would double the largest arrays of the run.
                del self._positions[(relation.child, relation.column)]
        return self._kept[cache_key]

    def _partial(self, atom: Atom, relation: Relation) -> tuple[np.ndarray, ...]:
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
                    self._lift_value(atom.func, atom.value, scope)
                    if atom.value is not None
                    else None
                )
                length = self.length(relation.parent)
                dims = [(_Lifted(relation, None), length)]
                self._partials[cache_key] = self._scan(scope, dims, [], lifted, length)
                self._partials.setdefault(rows_key, self._partials[cache_key])
        return self._partials[cache_key]

    def _aggregate_reduced(
        self,
        by: tuple[GroupKey, ...],
        atom: Atom,
        where: ex.Node | None,
        keep: Keep | None,
        relation: Relation,
    ) -> pd.DataFrame:
        parent = relation.parent
        rows, counts, sums = self._partial(atom, relation)
        mask = rows > 0
        for node in (where, atom.where):
            if node is not None:
                mask &= self._cached_condition(node, parent)
        codes, levels = self._group_codes(by, parent, keep)
        mask &= codes >= 0
        size = _size(levels)
        kept = codes[mask]

        def per_group(values: np.ndarray) -> np.ndarray:
            return np.bincount(kept, weights=values[mask], minlength=size)

        rows_by = per_group(rows)  # every kept parent row has rows > 0: also says "present"
        counts_by = per_group(counts) if atom.func == "mean" else rows_by
        sums_by = per_group(sums) if atom.func != "count" else rows_by
        reduced = _reduce_partials(atom.func, rows_by, counts_by, sums_by)
        return _frame(by, levels, atom, rows_by > 0, reduced)

    def _aggregate_scanned(
        self,
        by: tuple[GroupKey, ...],
        atom: Atom,
        where: ex.Node | None,
        keep: Keep | None,
    ) -> pd.DataFrame | None:
        """An atom whose group keys live on different parents (customer profile × department of
        order lines): one chunked pass, each key looked up on its own parent. None when a key or
        a condition does not live on a single table next to the scope."""
        if atom.func not in ("count", "sum", "mean") or not self.model.parents(atom.over):
            return None
        scope = atom.over
        dims: list[tuple[_Lifted, int]] = []
        levels: list[list[Any]] = []
        for key in by:
            home = self._home(ex.parse(key.text), scope)
            if home is None:
                return None
            table, relation = home
            key_codes, uniques = self._key_levels(key, table, keep)
            dims.append((_Lifted(relation, key_codes), max(len(uniques), 1)))
            levels.append(uniques)
        conditions = self._lift_conditions(where, scope)
        own = self._lift_conditions(atom.where, scope)
        if conditions is None or own is None:
            return None
        value = self._lift_value(atom.func, atom.value, scope) if atom.value is not None else None
        size = _size(levels)
        rows, counts, sums = self._scan(scope, dims, conditions + own, value, size)
        reduced = _reduce_partials(atom.func, rows, counts, sums)
        return _frame(by, levels, atom, rows > 0, reduced)

    # ---- shared pieces ----------------------------------------------------------------------
    def _cached_condition(self, node: ex.Node, scope: str) -> np.ndarray:
        cache_key = (ex.to_text(node), scope)
        if cache_key not in self._condition_cache:
            self._condition_cache[cache_key] = self.condition(node, scope)
        return self._condition_cache[cache_key]

    def _lifted_condition(self, node: ex.Node, scope: str) -> np.ndarray:
        """A condition for valid rows only: evaluated on a parent when it lives there.

        Rows whose parent is missing get False; callers combine the result with a mask that
        already excludes them.
        """
        refs = list(ex.refs(node))
        for relation in self.model.parents(scope):
            if all(self._lives_on(ref, scope, relation) for ref in refs):
                condition = self._cached_condition(node, relation.parent)
                positions = self.positions(relation)
                found = positions >= 0
                return np.where(found, condition[np.where(found, positions, 0)], False)
        return self._cached_condition(node, scope)

    def _key_codes(self, key: GroupKey, scope: str) -> tuple[np.ndarray, list[Any]]:
        resolved = self.model.resolve(ex.parse(key.text), scope)  # type: ignore[arg-type]
        if resolved.table != scope:
            base = (
                self.field(resolved.name)
                if resolved.is_field
                else self.frames[resolved.table][resolved.name]
            )
            if isinstance(base.dtype, pd.CategoricalDtype):
                # Categories do not change under a lookup: gather the small table's codes.
                codes = _narrow(base.cat.codes.to_numpy(), len(base.cat.categories))
                positions = self.path_positions(scope, resolved.table)
                return _follow(positions, codes), list(base.cat.categories)
        return _codes(self.values(resolved, scope))

    def _group_codes(
        self, by: tuple[GroupKey, ...], scope: str, keep: Keep | None
    ) -> tuple[np.ndarray, list[list[Any]]]:
        """Combined integer group codes for every row of ``scope`` (-1: a key is missing)."""
        cache_key = (tuple(key.text for key in by), scope, keep)
        if cache_key in self._group_cache:
            return self._group_cache[cache_key]
        cacheable = self.length(scope) <= LONG_ROWS  # longer: recompute rather than keep
        codes = np.zeros(self.length(scope), dtype="int64")
        missing = np.zeros(self.length(scope), dtype=bool)
        levels: list[list[Any]] = []
        for key in by:
            key_codes, uniques = self._key_levels(key, scope, keep)
            missing |= key_codes < 0
            codes = codes * max(len(uniques), 1) + key_codes
            levels.append(list(uniques))
        codes[missing] = -1
        codes = _narrow(codes, _size(levels))  # a few MB per grouping of the orders
        if cacheable:
            self._group_cache[cache_key] = (codes, levels)
        return codes, levels


def exclusion_steps(model: Model, table: str) -> list[tuple[str, Relation | str]]:
    """Why a loaded row of ``table`` is left out, in the order rows are attributed: its parent
    is missing (``("missing", relation)`` per relation), a global filter on the table fails
    (``("filter", name)``), its parent row was excluded (``("excluded", relation)``)."""
    parents = model.parents(table)
    return [
        *(("missing", relation) for relation in parents),
        *(("filter", name) for name, f in model.spec.filters.items() if f.on == table),
        *(("excluded", relation) for relation in parents),
    ]


def _follow(step: np.ndarray, then: np.ndarray) -> np.ndarray:
    """Positions two hops away: ``then`` looked up at ``step`` (-1 stays -1)."""
    found = step >= 0
    return np.where(found, then[np.where(found, step, 0)], -1)


@dataclass(frozen=True)
class _Chunk:
    """One chunk of a scanned table: its rows, which of them are masked in, and the parent
    positions of those."""

    rows: slice
    chosen: np.ndarray
    positions: dict[Relation, np.ndarray]

    def gather(self, lifted: _Lifted) -> np.ndarray:
        """``lifted`` for the chosen rows of the chunk."""
        if lifted.relation is None:
            assert lifted.array is not None
            return lifted.array[self.rows][self.chosen]
        found = self.positions[lifted.relation]
        return found if lifted.array is None else lifted.array[found]


def _narrow(codes: np.ndarray, levels: int) -> np.ndarray:
    """Codes in the narrowest integer type that holds them (and -1): a scan looks them up once
    per order line, and a small array stays in the CPU cache (int8 gathers ~6x faster than int64)."""
    return codes.astype(integer_width(-1, levels), copy=False)


def _both(keep: np.ndarray | None, condition: np.ndarray) -> np.ndarray:
    return condition if keep is None else keep & condition


def _add_counts(out: np.ndarray, codes: np.ndarray, weights: np.ndarray | None = None) -> None:
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


def _reduce_partials(
    func: str, rows: np.ndarray, counts: np.ndarray, sums: np.ndarray
) -> np.ndarray:
    """count, sum or mean per group from per-group rows, usable values and sums."""
    if func == "count":
        return rows.astype("int64")
    if func == "sum":
        return sums
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _size(levels: list[list[Any]]) -> int:
    return int(np.prod([max(len(level), 1) for level in levels])) if levels else 1


def _frame(
    by: tuple[GroupKey, ...],
    levels: list[list[Any]],
    atom: Atom,
    present: np.ndarray,
    reduced: np.ndarray,
) -> pd.DataFrame:
    index = np.flatnonzero(present) if by else np.array([0])
    frame = pd.DataFrame({atom_id(atom): np.asarray(reduced)[index]})
    remainder = index.copy()
    for key, level in reversed(list(zip(by, levels, strict=True))):
        width = len(level) or 1
        frame.insert(0, key.name, np.array(level, dtype=object)[remainder % width])
        remainder //= width
    return frame


def _float_values(func: str, values: pd.Series) -> np.ndarray:
    if isinstance(values.dtype, pd.CategoricalDtype):
        msg = f"cannot compute {func} of a text column"
        raise DataError(msg, column=str(values.name))
    return np.asarray(_numeric(values).to_numpy(dtype="float64", na_value=np.nan))


_OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
}


def combine_atoms(by: tuple[GroupKey, ...], frames: list[pd.DataFrame]) -> pd.DataFrame:
    """One frame from per-atom results: outer-joined on the group columns (side by side without)."""
    names = [key.name for key in by]
    result = frames[0]
    for frame in frames[1:]:
        result = (
            result.merge(frame, on=names, how="outer")
            if names
            else pd.concat([result, frame], axis=1)
        )
    return result


def _settle(values: pd.Series, func: str) -> pd.Series:
    """Round float aggregates to 9 decimals, so a value such as a mean of exactly 10.00 compares
    the same whatever order its sum was added up in (per line, per order, per partition)."""
    if func in ("sum", "mean", "median"):
        return values.round(9)
    return values


def arithmetic(op: str, left: Any, right: Any) -> Any:
    """``left op right`` on columns or numbers; a division by zero gives a missing value."""
    try:
        with np.errstate(divide="ignore", invalid="ignore"):
            result = _OPERATORS[op](left, right)
    except ZeroDivisionError:
        return np.nan
    if isinstance(result, pd.Series):
        return result.replace([np.inf, -np.inf], np.nan)
    return result


def reduce_groups(
    func: str, codes: np.ndarray, mask: np.ndarray, values: pd.Series | None, size: int
) -> np.ndarray:
    """Aggregate ``values`` (or rows) by integer group ``codes`` where ``mask`` holds."""
    if func == "count":
        return np.bincount(codes[mask], minlength=size).astype("int64")
    assert values is not None
    if func == "count_distinct":
        pairs = (
            pd.DataFrame({"g": codes[mask], "v": values[mask].to_numpy()})
            .dropna()
            .drop_duplicates()
        )
        return np.bincount(pairs["g"].to_numpy(), minlength=size).astype("int64")
    array = (
        _numeric(values).to_numpy(dtype="float64", na_value=np.nan)
        if not isinstance(values.dtype, pd.CategoricalDtype)
        else None
    )
    if array is None:
        msg = f"cannot compute {func} of a text column"
        raise DataError(msg, column=str(values.name))
    usable = mask & ~np.isnan(array)
    if func in ("sum", "mean"):
        sums = np.bincount(codes[usable], weights=array[usable], minlength=size)
        if func == "sum":
            return sums
        counts = np.bincount(codes[usable], minlength=size)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)
    grouped = pd.Series(array[usable]).groupby(codes[usable])
    reduced = {"median": grouped.median, "min": grouped.min, "max": grouped.max}[func]()
    out = np.full(size, np.nan)
    out[reduced.index.to_numpy()] = reduced.to_numpy()
    return out


def is_text_levels(levels: list[Any]) -> bool:
    """Whether a group column's values are text (a missing one is a "Not stated" group) rather
    than numbers or flags (a missing one is left out: an hour or a count has no such group)."""
    return not levels or not all(
        isinstance(v, (bool, int, float, np.bool_, np.number)) for v in levels
    )


def _codes(series: pd.Series) -> tuple[np.ndarray, list[Any]]:
    if isinstance(series.dtype, pd.CategoricalDtype):
        return series.cat.codes.to_numpy().astype("int64"), list(series.cat.categories)
    codes, uniques = pd.factorize(series, sort=True)
    values = [u.item() if hasattr(u, "item") else u for u in uniques]
    if values and all(isinstance(v, float) and v.is_integer() for v in values):
        values = [int(v) for v in values]  # integers that went through a lookup with gaps
    return codes.astype("int64"), values


def _numeric(value: Any) -> Any:
    if isinstance(value, pd.Series):
        if isinstance(value.dtype, pd.CategoricalDtype):
            return pd.to_numeric(value.astype(object), errors="coerce")
        if value.dtype == bool:
            return value.astype("int64")
        if not pd.api.types.is_numeric_dtype(value.dtype):
            return pd.to_numeric(value, errors="coerce")
        return (
            value.astype("float64") if pd.api.types.is_extension_array_dtype(value.dtype) else value
        )
    return value


def _key_text(value: Any) -> Any:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _lookup(keys: pd.Series, foreign: pd.Series) -> np.ndarray:
    """Positions of ``foreign`` values in ``keys`` (-1 where absent)."""
    if (
        pd.api.types.is_integer_dtype(keys.dtype)
        and pd.api.types.is_numeric_dtype(foreign.dtype)
        and len(keys)
    ):
        key_values = keys.to_numpy(dtype="int64")
        low, high = int(key_values.min()), int(key_values.max())
        if low >= 0 and high < 50 * len(key_values) + 1_000_000:
            width = "int32" if len(key_values) < 2**31 - 1 else "int64"
            table = np.full(high + 1, -1, dtype=width)
            table[key_values] = np.arange(len(key_values), dtype=width)
            fk = (
                foreign.to_numpy(dtype="float64", na_value=np.nan)
                if foreign.hasnans
                else foreign.to_numpy()
            )
            if fk.dtype.kind == "f":
                ok = ~np.isnan(fk) & (fk >= 0) & (fk <= high) & (fk == np.floor(fk))
                fk_int = np.where(ok, fk, 0).astype("int64")
            else:
                if len(fk) == 0 or (fk.min() >= 0 and fk.max() <= high):
                    return table[fk]  # no copy to int64: numpy indexes with any integer width
                ok = (fk >= 0) & (fk <= high)
                fk_int = np.where(ok, fk, 0)
            return np.where(ok, table[fk_int], -1)
    index = pd.Index(keys.astype(object) if isinstance(keys.dtype, pd.CategoricalDtype) else keys)
    target = foreign.astype(object) if isinstance(foreign.dtype, pd.CategoricalDtype) else foreign
    return index.get_indexer(target).astype("int64")
