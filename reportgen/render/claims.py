"""Words that follow the data: comparisons that return the word *and* its evidence.

A word like *similar*, *varies widely*, *about the same*, *a majority* or *follows* is a claim,
computed from a section's rows exactly like a number, with thresholds the spec declares
(``settings.wording``, overridden per section) and the Data and methods section lists. The same
data always gives the same words. A claim over too few values says so (``enough`` is false)
instead of guessing.

Every claim prints as its word (``{{ spread('revenue') }}`` → ``varies widely``); its evidence is
reachable by name (``.low``, ``.high``, ``.ratio``, ``.diff`` …) and its booleans (``.similar``,
``.wide``, ``.same`` …) drive ``{% if %}`` around whole sentences.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Sequence
from typing import TYPE_CHECKING, Any

from markupsafe import escape

from reportgen.errors import did_you_mean
from reportgen.render.cells import Cell, Formats
from reportgen.spec.models import Thresholds
from reportgen.style.format import is_missing

if TYPE_CHECKING:
    from reportgen.render.result_view import Row


class ClaimError(ValueError):
    """A claim asked of something it cannot be computed from (an unknown metric, a text)."""


class Figure(Cell):
    """A number of a claim's evidence: compares by its value (like a ``Cell``), prints as a
    ratio ("2.3×"), percentage points, a correlation, or in a result format."""

    __slots__ = ()

    def __str__(self) -> str:
        if is_missing(self.raw):
            return "–"
        if math.isinf(self.raw):
            return "∞"
        if self.fmt == "ratio":
            return f"{self.raw:,.1f}×"
        if self.fmt == "points":
            points = abs(self.raw) * 100
            unit = "percentage point" if round(points, 1) == 1 else "percentage points"
            return f"{points:,.1f} {unit}"
        if self.fmt == "correlation":
            return f"{self.raw:.2f}".replace("-", "−")
        return super().__str__()


class Claim:
    """Base: prints as its word."""

    word = ""

    def __str__(self) -> str:
        return self.word

    def __html__(self) -> str:
        return str(escape(self.word))


class Spread(Claim):
    """How much a metric differs across groups: *similar*, *varies*, *varies widely*.

    *similar*: a coefficient of variation below ``similar_cv`` — for percentages (rates,
    shares), a range below ``same_within_pp`` percentage points instead; *varies widely*: not
    similar, and the highest at least ``wide_ratio`` times the lowest (or the values change
    sign); else *varies*. ``group`` names the group of ``within`` the spread was found in.
    """

    def __init__(
        self,
        rows: Sequence[Row],
        metric: str,
        thresholds: Thresholds,
        formats: Formats,
        group: str = "",
    ) -> None:
        values = [(float(row[metric].raw), row) for row in rows if _known(row[metric].raw)]
        self.group = group
        self.count = len(values)
        self.enough = self.count >= 2
        self.similar = self.varies = self.wide = False
        nan = float("nan")
        self.ratio = Figure(nan, "ratio", formats)
        self.cv = Figure(nan, "percent", formats)
        self.low: Row | None = None
        self.high: Row | None = None
        self.range = "–"
        if not self.enough:
            self.word = "not enough data to compare"
            return
        low = min(values, key=lambda pair: pair[0])
        high = max(values, key=lambda pair: pair[0])
        self.low, self.high = low[1], high[1]
        self.min: Cell = low[1][metric]
        self.max: Cell = high[1][metric]
        self.range = f"{self.min} to {self.max}"
        numbers = [value for value, _ in values]
        mean = sum(numbers) / len(numbers)
        sd = math.sqrt(sum((v - mean) ** 2 for v in numbers) / len(numbers))
        cv = sd / abs(mean) if mean else (0.0 if sd == 0 else math.inf)
        if low[0] > 0:
            ratio = high[0] / low[0]
        elif high[0] < 0:
            ratio = low[0] / high[0]
        else:
            ratio = 1.0 if low[0] == high[0] else math.inf
        self.ratio = Figure(ratio, "ratio", formats)
        self.cv = Figure(cv, "percent", formats)
        if self.min.fmt == "percent":
            self.similar = high[0] - low[0] < thresholds.same_within_pp
        else:
            self.similar = cv < thresholds.similar_cv
        self.wide = not self.similar and ratio >= thresholds.wide_ratio
        self.varies = not self.similar
        self.word = "varies widely" if self.wide else ("similar" if self.similar else "varies")


def widest_spread(
    rows: Sequence[Row], metric: str, within: str, thresholds: Thresholds, formats: Formats
) -> Spread:
    """The spread of ``metric`` within each value of ``within``; the one that differs most
    (wide before varies before similar, then the larger coefficient of variation)."""
    groups: dict[str, list[Row]] = {}
    for row in rows:
        groups.setdefault(str(row[within].raw), []).append(row)
    spreads = [
        Spread(members, metric, thresholds, formats, group) for group, members in groups.items()
    ]
    known = [s for s in spreads if s.enough]
    if not known:
        return Spread([], metric, thresholds, formats)
    return max(known, key=lambda s: (s.wide, s.varies, s.cv.raw))


class Comparison(Claim):
    """Two values: *higher*, *lower* or *about the same*, by how much.

    Percentages (rates, shares) are compared in percentage points (``same_within_pp``), other
    values by their relative difference (``same_within``).
    """

    def __init__(self, a: Any, b: Any, thresholds: Thresholds, formats: Formats) -> None:
        fmt = getattr(a, "fmt", "auto")
        a_raw, b_raw = getattr(a, "raw", a), getattr(b, "raw", b)
        nan = float("nan")
        self.known = _known(a_raw) and _known(b_raw)
        self.same = self.higher = self.lower = False
        self.diff = Figure(nan, fmt, formats)
        self.change = Figure(nan, "percent", formats)
        self.ratio = Figure(nan, "ratio", formats)
        if not self.known:
            self.word = self.phrase = "not comparable"
            return
        a_num, b_num = float(a_raw), float(b_raw)
        difference = a_num - b_num
        relative = difference / abs(b_num) if b_num else (0.0 if not difference else math.inf)
        points = fmt == "percent"
        self.diff = Figure(abs(difference), "points" if points else fmt, formats)
        self.change = Figure(abs(relative), "percent", formats)
        self.ratio = Figure(a_num / b_num if b_num else math.inf, "ratio", formats)
        if points:
            self.same = abs(difference) < thresholds.same_within_pp
        else:
            self.same = abs(relative) < thresholds.same_within
        self.higher = not self.same and difference > 0
        self.lower = not self.same and difference < 0
        self.word = "about the same" if self.same else ("higher" if self.higher else "lower")
        if self.same:
            self.phrase = "about the same as"
        else:
            by = self.diff if points else self.change
            self.phrase = f"{by} {self.word} than"


class Dominance(Claim):
    """Whether the largest group dominates: *a majority*, *by far the largest*, *the largest*."""

    def __init__(
        self,
        rows: Sequence[Row],
        everything: Sequence[Row],
        metric: str,
        thresholds: Thresholds,
        formats: Formats,
    ) -> None:
        ranked = sorted(
            (row for row in rows if _known(row[metric].raw)),
            key=lambda row: -float(row[metric].raw),
        )
        nan = float("nan")
        self.enough = len(ranked) >= 1
        self.majority = self.by_far = self.tied = False
        self.first: Row | None = ranked[0] if ranked else None
        self.second: Row | None = ranked[1] if len(ranked) > 1 else None
        self.share = Figure(nan, "percent", formats)
        self.lead = Figure(nan, "ratio", formats)
        if self.first is None:
            self.word = "not enough data to compare"
            return
        all_values = [float(r[metric].raw) for r in everything if _known(r[metric].raw)]
        total = sum(all_values)
        first = float(self.first[metric].raw)
        # A share metric already sums to 1 over all groups: its value is the share.
        share = (
            first if math.isclose(total, 1.0, abs_tol=1e-6) else (first / total if total else nan)
        )
        self.share = Figure(share, "percent", formats)
        self.majority = share > thresholds.majority
        if self.second is not None:
            second = float(self.second[metric].raw)
            self.tied = first == second
            lead = first / second if second > 0 else math.inf
            self.lead = Figure(lead, "ratio", formats)
            self.by_far = not self.tied and lead >= thresholds.lead_ratio
        else:
            self.by_far = True
        if self.tied:
            self.word = "tied for the largest"
        elif self.majority:
            self.word = "a majority"
        elif self.by_far:
            self.word = "by far the largest"
        else:
            self.word = "the largest"


_ORDINALS = ["", "", "second ", "third ", "fourth ", "fifth ", "sixth ", "seventh ", "eighth "]


class Rank(Claim):
    """A group's place by a metric (1 = the highest), ties shared: *joint second highest*."""

    def __init__(self, rows: Sequence[Row], metric: str, label: Any, key: str) -> None:
        ranked = [row for row in rows if _known(row[metric].raw)]
        wanted = str(getattr(label, "raw", label))
        found = next((row for row in ranked if str(row[key].raw) == wanted), None)
        self.of = len(ranked)
        self.known = found is not None
        self.position = 0
        self.tied = False
        if found is None:
            self.word = "not ranked"
            return
        value = float(found[metric].raw)
        self.position = 1 + sum(1 for row in ranked if float(row[metric].raw) > value)
        self.tied = sum(1 for row in ranked if float(row[metric].raw) == value) > 1
        joint = "joint " if self.tied else "the "
        if not self.tied and self.position == self.of > 1:
            self.word = "the lowest"
        elif self.position < len(_ORDINALS):
            self.word = f"{joint}{_ORDINALS[self.position]}highest"
        else:
            self.word = f"{joint}{self.position}th highest"


class Peak(Claim):
    """Peak and trough of a metric over an ordered axis (hours, days): *peaks at* or *flat*."""

    def __init__(
        self, rows: Sequence[Row], metric: str, thresholds: Thresholds, formats: Formats
    ) -> None:
        self.spread = Spread(rows, metric, thresholds, formats)
        self.enough = self.spread.enough
        self.high, self.low = self.spread.high, self.spread.low
        self.flat = self.spread.similar
        self.word = (
            "not enough data to compare"
            if not self.enough
            else ("is flat" if self.flat else "peaks")
        )


class Follows(Claim):
    """Whether one metric moves with another across the groups (Pearson correlation).

    *follows* when the correlation is at least ``follows_r``, *moves against* at most its
    negative, else *does not follow*. Needs three groups with both values.
    """

    def __init__(
        self, rows: Sequence[Row], a: str, b: str, thresholds: Thresholds, formats: Formats
    ) -> None:
        pairs = [
            (float(row[a].raw), float(row[b].raw))
            for row in rows
            if _known(row[a].raw) and _known(row[b].raw)
        ]
        self.count = len(pairs)
        self.r = Figure(float("nan"), "correlation", formats)
        self.follows = self.opposite = False
        r = _pearson(pairs) if len(pairs) >= 3 else None
        self.enough = r is not None
        if r is None:
            self.word = "not enough data to compare"
            return
        self.r = Figure(r, "correlation", formats)
        self.follows = r >= thresholds.follows_r
        self.opposite = r <= -thresholds.follows_r
        self.word = (
            "follows" if self.follows else ("moves against" if self.opposite else "does not follow")
        )


def _pearson(pairs: Sequence[tuple[float, float]]) -> float | None:
    n = len(pairs)
    mx = sum(x for x, _ in pairs) / n
    my = sum(y for _, y in pairs) / n
    sxx = sum((x - mx) ** 2 for x, _ in pairs)
    syy = sum((y - my) ** 2 for _, y in pairs)
    if sxx == 0 or syy == 0:
        return None  # a constant series follows nothing
    sxy = sum((x - mx) * (y - my) for x, y in pairs)
    return max(-1.0, min(1.0, sxy / math.sqrt(sxx * syy)))


def _known(value: Any) -> bool:
    if is_missing(value) or isinstance(value, (str, bool)):
        return False
    try:
        return not math.isnan(float(value))
    except (TypeError, ValueError):
        return False


class Claims:
    """The claims a section's text can ask of one result: bound to its rows and thresholds."""

    def __init__(
        self,
        ranked: Sequence[Row],
        everything: Sequence[Row],
        columns: Sequence[str],
        key: str | None,
        thresholds: Thresholds,
        formats: Formats,
        adds_up: Collection[str] | None = None,
    ) -> None:
        self._ranked, self._all, self._columns = ranked, everything, list(columns)
        self._key, self._thresholds, self._formats = key, thresholds, formats
        self._adds_up = adds_up

    def _metric(self, name: Any, what: str) -> str:
        name = str(name)
        if name not in self._columns:
            hint = did_you_mean(name, self._columns)
            msg = f"{what}(): no column {name!r} in this result (there are: {', '.join(self._columns)}){hint}"
            raise ClaimError(msg)
        return name

    def functions(self) -> dict[str, Callable[..., Claim]]:
        """The callables a template sees: spread, dominance, rank, peak, follows."""

        def spread(metric: str, within: str | None = None) -> Spread:
            name = self._metric(metric, "spread")
            if within is not None:
                column = self._metric(within, "spread")
                return widest_spread(self._ranked, name, column, self._thresholds, self._formats)
            return Spread(self._ranked, name, self._thresholds, self._formats)

        def dominance(metric: str) -> Dominance:
            name = self._metric(metric, "dominance")
            if self._adds_up is not None and name not in self._adds_up:
                msg = (
                    f"dominance(): '{name}' is not a count, a sum or a share of the whole (an "
                    "average or a ratio): its groups' values do not add up to a whole, so no "
                    f"group holds a share or a majority of it; compare the groups with "
                    f"rank('{name}', …), spread('{name}') or highest.{name}"
                )
                raise ClaimError(msg)
            return Dominance(self._ranked, self._all, name, self._thresholds, self._formats)

        def rank(metric: str, label: Any) -> Rank:
            if self._key is None:
                msg = "rank(): the result has no group column to rank"
                raise ClaimError(msg)
            return Rank(self._ranked, self._metric(metric, "rank"), label, self._key)

        def peak(metric: str) -> Peak:
            return Peak(self._ranked, self._metric(metric, "peak"), self._thresholds, self._formats)

        def follows(a: str, b: str) -> Follows:
            first, second = self._metric(a, "follows"), self._metric(b, "follows")
            return Follows(self._ranked, first, second, self._thresholds, self._formats)

        return {
            "spread": spread,
            "dominance": dominance,
            "rank": rank,
            "peak": peak,
            "follows": follows,
        }


def compare_function(thresholds: Thresholds, formats: Formats) -> Callable[[Any, Any], Comparison]:
    """``compare(a, b)`` for templates, with the rendering section's thresholds."""

    def compare(a: Any, b: Any) -> Comparison:
        return Comparison(a, b, thresholds, formats)

    return compare
