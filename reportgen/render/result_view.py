"""One section's result as a narrative sees it: rows by position or label, the highest and
lowest by each metric, the engine's totals and the claims, each value a formatted ``Cell``."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from typing import Any, overload

import pandas as pd

from reportgen.render.cells import Cell, Formats
from reportgen.render.claims import Claims
from reportgen.render.sandbox import NarrativeError
from reportgen.spec.models import MinSupport, Thresholds


class Row(Mapping[str, Cell]):
    """One result row; columns by attribute (``row.orders``) or key (``row['orders']``)."""

    def __init__(self, values: Mapping[str, Any], formats: Formats) -> None:
        self._cells = {
            k: Cell(v, formats.columns.get(k, "auto"), formats) for k, v in values.items()
        }

    def __getitem__(self, key: str) -> Cell:
        return self._cells[key]

    def __getattr__(self, key: str) -> Cell:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self._cells[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._cells)

    def __len__(self) -> int:
        return len(self._cells)


class Extremes(Mapping[str, Row]):
    """``highest.orders``: the row with the largest (or smallest) value of a metric.

    Only ranked rows compete: not the Other bucket, not groups below the section's minimum
    support.
    """

    def __init__(
        self, rows: Sequence[Row], frame: pd.DataFrame, largest: bool, ranked: list[bool]
    ) -> None:
        self._rows, self._frame, self._largest = rows, frame, largest
        self._found: dict[str, Row] = {}
        self._ranked = ranked

    def __getitem__(self, column: str) -> Row:
        if column not in self._frame.columns:
            raise KeyError(column)
        if column not in self._found:
            series = pd.to_numeric(self._frame[column], errors="coerce").reset_index(drop=True)
            series = series.where(pd.Series(self._ranked, dtype=bool))
            if series.notna().sum() == 0:
                raise KeyError(column)
            position = int(series.idxmax() if self._largest else series.idxmin())
            self._found[column] = self._rows[position]
        return self._found[column]

    def __getattr__(self, column: str) -> Row:
        if column.startswith("_"):
            raise AttributeError(column)
        try:
            return self[column]
        except KeyError:
            raise AttributeError(column) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._frame.columns)

    def __len__(self) -> int:
        return len(self._frame.columns)


class Total(Mapping[str, Cell]):
    """``total.revenue``: each metric over all the section's rows, re-aggregated by the engine
    (an average over all rows, a ratio of totals, a share of 100 %), never a sum of the rows."""

    def __init__(
        self, values: Mapping[str, Any] | None, formats: Formats, no_total: Mapping[str, str]
    ) -> None:
        self._row = Row(values, formats) if values is not None else None
        self._no_total = no_total

    def __getitem__(self, key: str) -> Cell:
        if key in self._no_total:
            msg = f"total.{key} has no meaning: {self._no_total[key]}"
            raise NarrativeError(msg)
        if self._row is None:
            msg = "the total of this section was not computed; write it as total.<metric>"
            raise NarrativeError(msg)
        return self._row[key]

    def __getattr__(self, key: str) -> Cell:
        if key.startswith("_"):
            raise AttributeError(key)
        try:
            return self[key]
        except KeyError:
            raise AttributeError(key) from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._row or ())

    def __len__(self) -> int:
        return len(self._row or ())


class Rows(Sequence[Row]):
    """A result's rows (or some of them, by position), made into ``Row``s only when a template
    reads them: a section of 50,000 products costs nothing until its text walks them."""

    def __init__(
        self,
        columns: Mapping[str, list[Any]],
        formats: Formats,
        positions: list[int] | None = None,
        made: dict[int, Row] | None = None,
    ) -> None:
        self._columns, self._formats = columns, formats
        size = len(next(iter(columns.values()))) if columns else 0
        self._positions = positions if positions is not None else list(range(size))
        self._made = made if made is not None else {}

    def _row(self, position: int) -> Row:
        if position not in self._made:
            values = {name: column[position] for name, column in self._columns.items()}
            self._made[position] = Row(values, self._formats)
        return self._made[position]

    @overload
    def __getitem__(self, index: int) -> Row: ...
    @overload
    def __getitem__(self, index: slice) -> list[Row]: ...
    def __getitem__(self, index: int | slice) -> Row | list[Row]:
        if isinstance(index, slice):
            return [self._row(p) for p in self._positions[index]]
        return self._row(self._positions[index])

    def __len__(self) -> int:
        return len(self._positions)

    def __iter__(self) -> Iterator[Row]:
        return (self._row(p) for p in self._positions)

    def subset(self, positions: list[int]) -> Rows:
        """The rows at these positions of the whole result (sharing the rows made so far)."""
        return Rows(self._columns, self._formats, positions, self._made)


class ByLabel(Mapping[str, Row]):
    """``by['Loyal customer']``: a row by the value of the result's first column. A date is
    also found as it prints ('Dec 2015') and as an ISO date ('2015-12-01'), a number as a
    number (``by[2014]``), when that names one group only."""

    def __init__(self, values: list[Any], rows: Rows, fmt: str, formats: Formats) -> None:
        labels = [str(v) for v in values]
        self._index = {label: i for i, label in enumerate(labels)}  # the last row of a label
        self._rows = rows
        aliases: dict[str, set[str]] = {}
        for value, label in zip(values, labels, strict=True):
            for alias in _aliases(value, fmt, formats):
                if alias not in self._index:
                    aliases.setdefault(alias, set()).add(label)
        self._aliases = {a: owners.pop() for a, owners in aliases.items() if len(owners) == 1}

    def __getitem__(self, label: Any) -> Row:
        if isinstance(label, bool):
            raise KeyError(label)
        if isinstance(label, int | float) and float(label).is_integer():
            label = str(int(label))
        key = str(label)
        return self._rows[self._index[self._aliases.get(key, key)]]

    def __iter__(self) -> Iterator[str]:
        return iter(self._index)

    def __len__(self) -> int:
        return len(self._index)

    def names(self) -> list[str]:
        """Each group as a text names it: a date as it prints ('Dec 2015')."""
        printed: dict[str, str] = {}
        for alias, label in self._aliases.items():
            printed.setdefault(label, alias)  # the first alias of a date is its printed form
        return [printed.get(label, label) for label in self._index]


def _aliases(value: Any, fmt: str, formats: Formats) -> list[str]:
    """The other names of a group value: a date as it prints and as ISO 8601."""
    if not isinstance(value, pd.Timestamp) or pd.isna(value):
        return []
    names = [str(Cell(value, fmt, formats)), value.isoformat()]
    if value == value.normalize():
        names.append(value.strftime("%Y-%m-%d"))
    return names


class ResultView:
    """What a narrative sees of one section's result: every group, in the section's order.

    ``ranked`` rows (not the Other bucket, not below the minimum support) are the ones that
    ``highest``, ``lowest`` and the claims compare.
    """

    def __init__(
        self,
        frame: pd.DataFrame,
        formats: Formats,
        thresholds: Thresholds | None = None,
        *,
        total: Mapping[str, Any] | None = None,
        no_total: Mapping[str, str] | None = None,
        other_label: str | None = None,
        support: MinSupport | None = None,
        adds_up: Collection[str] | None = None,
    ) -> None:
        """``adds_up``: the metrics whose groups add up to a whole (counts, sums, shares), the
        only ones a group can hold a share or a majority of; None: every metric (hand-made
        results)."""
        self.rows = Rows({str(c): frame[c].tolist() for c in frame.columns}, formats)
        self.top = self.rows[0] if self.rows else None
        self.first = self.top
        self.last = self.rows[-1] if self.rows else None
        self.count = len(self.rows)
        first = str(frame.columns[0]) if len(frame.columns) else None
        groups = [str(v) for v in frame[first].tolist()] if first is not None else []
        is_other = [other_label is not None and g == other_label for g in groups]
        small = [False] * len(self.rows)
        if support is not None and support.metric in frame.columns:
            values = pd.to_numeric(frame[support.metric], errors="coerce").fillna(0).tolist()
            small = [float(v) < support.at_least for v in values]
        ranked = [not o and not s for o, s in zip(is_other, small, strict=True)]
        self.small = self.rows.subset([i for i, s in enumerate(small) if s])
        self.ranked = self.rows.subset([i for i, keep in enumerate(ranked) if keep])
        self.minimum = (
            Cell(support.at_least, formats.columns.get(support.metric, "auto"), formats)
            if support is not None
            else None
        )
        self.highest = Extremes(self.rows, frame, largest=True, ranked=ranked)
        self.lowest = Extremes(self.rows, frame, largest=False, ranked=ranked)
        values = frame[first].tolist() if first is not None else []
        fmt = formats.columns.get(first, "auto") if first is not None else "auto"
        self.by = ByLabel(values, self.rows, fmt, formats)
        self.total = Total(total, formats, no_total or {})
        self.claims = Claims(
            self.ranked,
            self.rows,
            [str(c) for c in frame.columns],
            first,
            thresholds or Thresholds(),
            formats,
            adds_up,
        ).functions()

    def context(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "top": self.top,
            "first": self.first,
            "last": self.last,
            "count": self.count,
            "highest": self.highest,
            "lowest": self.lowest,
            "by": self.by,
            "total": self.total,
            "small": self.small,
            "ranked": self.ranked,
            "minimum": self.minimum,
            **self.claims,
        }
