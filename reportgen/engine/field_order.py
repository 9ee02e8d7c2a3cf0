"""A derived field's values + its declared ``order``/``order_by`` → an ordered categorical.

Tables, charts and text show a group column in its categories' order, so ordering a field once
here orders it everywhere (month names by month number, 'Jul 2015' labels by date).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd


def ordered_values(
    values: pd.Series,
    order: list[str] | None,
    order_by: str | None,
    evaluate: Callable[[str], pd.Series],
) -> pd.Series:
    """``values`` as an ordered categorical: ``order`` first (values not listed follow in their
    own order), or sorted by the smallest value of ``order_by`` per value."""
    if order is None and order_by is None:
        return values
    present = pd.Series(values.dropna().unique())
    if order_by is not None:
        keys = pd.Series(evaluate(order_by)).reset_index(drop=True)
        first = (
            pd.DataFrame({"value": values.reset_index(drop=True).astype(object), "key": keys})
            .dropna()
            .groupby("value", sort=False)["key"]
            .min()
        )
        ranked = sorted(present, key=lambda v: (first.get(v, float("inf")), str(v)))
    else:
        listed = [v for v in order or [] if v in set(present.astype(str))]
        rest = sorted(v for v in present if str(v) not in set(listed))
        by_text = {str(v): v for v in present}
        ranked = [by_text[v] for v in listed] + rest
        ranked += [v for v in order or [] if v not in by_text]  # declared, in no row: zero rows
    plain = values.astype(object) if isinstance(values.dtype, pd.CategoricalDtype) else values
    return pd.Series(pd.Categorical(plain, categories=ranked, ordered=True))
