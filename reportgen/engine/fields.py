"""A spec's derived fields → one column per field over the rows of its table: bins, weekdays,
value maps, ordered cases and expressions (aggregate fields: ``engine.aggregate_fields``).

Each field is computed once per run and shared by every section.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from reportgen.engine.field_order import ordered_values
from reportgen.engine.lookups import as_numeric, key_text
from reportgen.engine.plan import GroupKey
from reportgen.engine.rows import RowIndex
from reportgen.model import expr as ex
from reportgen.model.semantic import Model, day_names
from reportgen.spec.models import (
    AggregateField,
    BinsField,
    CasesField,
    ExprField,
    MapField,
    WeekdayField,
)


class Fields(RowIndex):
    """Derived fields over loaded frames."""

    def __init__(self, model: Model, frames: Mapping[str, pd.DataFrame]) -> None:
        super().__init__(model, frames)
        self._fields: dict[str, pd.Series] = {}
        self._fields_from: Fields | None = None  # see use_fields_of

    def use_fields_of(self, other: Fields) -> None:
        """Take every derived field from ``other`` (computed there, under its filters): only
        for executors whose fields agree on every row both keep (a batch's values over one
        pass without the value's filter, ``stages.batch_split``)."""
        self._fields_from = other

    def field(self, name: str) -> pd.Series:
        """A derived field's values for every row of its table (computed once per run)."""
        if self._fields_from is not None:
            return self._fields_from.field(name)
        if name not in self._fields:
            spec_field = self.model.spec.fields[name]
            self._fields[name] = ordered_values(
                self._compute_field(name),
                spec_field.order,
                spec_field.order_by,
                lambda text: self.evaluate(ex.parse(text), spec_field.on),
            )
        return self._fields[name]

    def aggregate_field(self, name: str, spec_field: AggregateField) -> pd.Series:
        """A per-entity aggregate of a related table (``engine.aggregate_fields``)."""
        raise NotImplementedError

    def _compute_field(self, name: str) -> pd.Series:
        spec_field = self.model.spec.fields[name]
        table = spec_field.on
        if isinstance(spec_field, BinsField):
            source = as_numeric(self.evaluate(ex.parse(spec_field.column), table))
            edges = [-np.inf, *spec_field.edges, np.inf]
            cut = pd.cut(
                source, bins=edges, labels=spec_field.labels, right=spec_field.closed == "right"
            )
            return pd.Series(pd.Categorical(cut, categories=spec_field.labels, ordered=True))
        if isinstance(spec_field, WeekdayField):
            days = as_numeric(self.evaluate(ex.parse(spec_field.column), table))
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
        return self.aggregate_field(name, spec_field)

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
            as_text = source.map(key_text)
            mapped = as_text.map(mapping)
            if spec_field.default:
                mapped = mapped.where(mapped.notna() | source.isna(), spec_field.default)
            codes = pd.Categorical(mapped, categories=labels).codes
        return pd.Series(pd.Categorical.from_codes(codes, categories=labels, ordered=True))

    def declared_counts(self, name: str) -> dict[str, dict[str, int]] | None:
        """Rows of each declared category of a ``map`` or ``cases`` field, over the rows the
        report uses: ``labels`` (every outcome) and, for a map, ``values`` (every listed value).
        A field a global filter selects on (``region == params.region``) is counted without
        the filters on its table (``mask``'s ``skip_field``): the filter chooses among its
        categories, and a region's report still finds every region in the data.
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
                found = {str(k): int(v) for k, v in source.map(key_text).value_counts().items()}
            counts["values"] = {value: found.get(value, 0) for value in spec_field.mapping()}
        return counts

    def distinct(self, key: GroupKey, table: str) -> list[Any]:
        """The values a group column takes on the valid rows of ``table``."""
        series = self.values(self.model.resolve(ex.parse(key.text), table), table)  # type: ignore[arg-type]
        return list(series[self.valid(table)].dropna().unique())

    def categories(self, key: GroupKey, scope: str) -> list[str] | None:
        """The natural order of a categorical group column (None for numbers)."""
        resolved = self.model.resolve(ex.parse(key.text), scope)  # type: ignore[arg-type]
        series = (
            self.field(resolved.name)
            if resolved.is_field
            else self.frames[resolved.table][resolved.name]
        )
        if isinstance(series.dtype, pd.CategoricalDtype) and series.cat.ordered:
            return [str(c) for c in series.cat.categories]
        return None
