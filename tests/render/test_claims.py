"""Claims in narrative: each word checked against hand-computed evidence and the declared thresholds."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from reportgen.render.cells import Formats
from reportgen.render.claims import compare_function
from reportgen.render.narrative import make_environment, render_text
from reportgen.render.result_view import ResultView
from reportgen.render.sandbox import NarrativeError
from reportgen.spec.models import MinSupport, Thresholds

FORMATS = {
    "price": "currency",
    "rate": "percent",
    "share": "percent",
    "orders": "integer",
    "revenue": "currency",
}


def say(
    frame: pd.DataFrame,
    template: str,
    thresholds: Thresholds | None = None,
    **view: object,
) -> str:
    formats = Formats(columns=FORMATS)
    context = ResultView(frame, formats, thresholds or Thresholds(), **view).context()  # type: ignore[arg-type]
    context["compare"] = compare_function(thresholds or Thresholds(), formats)
    return render_text(make_environment(formats, autoescape=False), template, context)


def hours(prices: list[float]) -> pd.DataFrame:
    return pd.DataFrame({"hour": list(range(len(prices))), "price": prices})


# ---- spread ------------------------------------------------------------------------------------


def test_spread_similar_within_the_coefficient_of_variation() -> None:
    frame = hours([8.25, 8.30, 8.33, 8.28])  # cv ≈ 0.35 %
    assert say(frame, "{{ spread('price') }}") == "similar"
    assert say(frame, "{{ spread('price').range }}") == "$8.25 to $8.33"
    assert say(frame, "{{ spread('price').low.hour }}–{{ spread('price').high.hour }}") == "0–2"


def test_spread_varies_widely_at_the_declared_ratio() -> None:
    frame = hours([3.50, 5.00, 8.20])  # 8.20 / 3.50 = 2.34
    assert (
        say(frame, "{{ spread('price') }} ({{ spread('price').ratio }})") == "varies widely (2.3×)"
    )


def test_spread_varies_between_the_two_thresholds() -> None:
    frame = hours([10.0, 12.0, 13.0])  # cv = 10.8 %, ratio 1.3
    values = pd.Series([10.0, 12.0, 13.0])
    assert values.std(ddof=0) / values.mean() > 0.10
    assert say(frame, "{{ spread('price') }}") == "varies"
    # the same numbers are "similar" where a section declares a looser threshold
    assert say(frame, "{{ spread('price') }}", Thresholds(similar_cv=0.2)) == "similar"
    # and "vary widely" where it declares a lower ratio
    assert say(frame, "{{ spread('price') }}", Thresholds(wide_ratio=1.25)) == "varies widely"


def test_spread_of_percentages_is_in_points() -> None:
    # 1.0 % against 1.5 %: a ratio of 1.5 but half a percentage point: similar (band 2 points)
    frame = pd.DataFrame({"region": ["A", "B"], "rate": [0.010, 0.015]})
    assert say(frame, "{{ spread('rate') }}") == "similar"
    frame = pd.DataFrame({"region": ["A", "B"], "rate": [0.10, 0.30]})
    assert say(frame, "{{ spread('rate') }} ({{ spread('rate').ratio }})") == "varies widely (3.0×)"


def test_spread_ignores_missing_values_the_other_bucket_and_small_groups() -> None:
    frame = pd.DataFrame(
        {
            "department": ["a", "b", "c", "Other", "tiny"],
            "price": [10.0, 10.2, math.nan, 40.0, 1.0],
            "orders": [900, 800, 0, 5000, 3],
        }
    )
    text = say(
        frame,
        "{{ spread('price') }} {{ highest.price.department }} {{ lowest.price.department }}",
        other_label="Other",
        support=MinSupport(metric="orders", at_least=100),
    )
    assert text == "similar b a"


def test_spread_with_fewer_than_two_values_says_so() -> None:
    frame = hours([5.0, math.nan])
    assert say(frame, "{{ spread('price') }}") == "not enough data to compare"
    assert say(frame, "{% if spread('price').similar %}flat{% else %}-{% endif %}") == "-"


def test_spread_within_a_column_finds_the_group_that_differs_most() -> None:
    frame = pd.DataFrame(
        {
            "profile": ["p", "q", "p", "q"],
            "department": ["Produce", "Produce", "Pets", "Pets"],
            "share": [0.30, 0.31, 0.02, 0.12],
        }
    )
    text = say(
        frame,
        "{% set s = spread('share', within='department') %}{{ s }} {{ s.group }} {{ s.range }}",
    )
    assert text == "varies widely Pets 2.0% to 12.0%"


def test_unknown_metric_is_a_narrative_error_with_a_suggestion() -> None:
    with pytest.raises(NarrativeError, match="did you mean 'price'"):
        say(hours([1.0, 2.0]), "{{ spread('prise') }}")


# ---- compare -----------------------------------------------------------------------------------


def test_compare_relative_band() -> None:
    frame = pd.DataFrame({"g": ["a", "b", "c"], "price": [104.0, 100.0, 80.0]})
    assert say(frame, "{{ compare(by['a'].price, by['b'].price) }}") == "about the same"
    assert say(frame, "{{ compare(by['a'].price, by['c'].price).phrase }}") == "30.0% higher than"
    assert say(frame, "{{ compare(by['c'].price, by['a'].price).phrase }}") == "23.1% lower than"
    assert say(frame, "{{ compare(by['a'].price, by['c'].price).diff }}") == "$24.00"


def test_compare_percentages_in_points() -> None:
    frame = pd.DataFrame({"g": ["a", "b", "c"], "rate": [0.52, 0.505, 0.40]})
    assert say(frame, "{{ compare(by['a'].rate, by['b'].rate) }}") == "about the same"
    assert (
        say(frame, "{{ compare(by['a'].rate, by['c'].rate).phrase }}")
        == "12.0 percentage points higher than"
    )


def test_compare_with_a_missing_value_is_not_comparable() -> None:
    frame = pd.DataFrame({"g": ["a", "b"], "price": [1.0, math.nan]})
    text = "{% set c = compare(by['a'].price, by['b'].price) %}{{ c }} {{ c.known }}"
    assert say(frame, text) == "not comparable False"


# ---- dominance, rank, peak, follows ------------------------------------------------------------


def test_no_group_holds_a_majority_of_an_average() -> None:
    """Average prices $80 and $20: 80 / (80 + 20) is no share of anything (a total of
    averages); dominance of a metric that does not add up is an error naming what to use,
    not "a majority". The count beside it still has one."""
    frame = pd.DataFrame({"g": ["a", "b"], "price": [80.0, 20.0], "orders": [60, 40]})
    with pytest.raises(NarrativeError, match="dominance\\(\\): 'price' is not a count, a sum"):
        say(frame, "{{ dominance('price') }}", adds_up={"orders"})
    assert say(frame, "{{ dominance('orders') }}", adds_up={"orders"}) == "a majority"


def test_which_metrics_add_up() -> None:
    from reportgen.model.build import build_model
    from reportgen.spec.models import Spec

    metrics = {
        "orders": "count(orders)",
        "big": 'count(orders, where="amount > 10")',
        "revenue": "sum(orders.amount)",
        "share_orders": "share(orders)",
        "mean_amount": "mean(orders.amount)",
        "per_order": "revenue / orders",
        "buyers": "count_distinct(orders.user)",
        "share_in_day": "share(orders, within=day)",
    }
    spec = Spec.model_validate(
        {
            "report": {"title": "T"},
            "data": {"orders": {"path": "o.csv"}},
            "metrics": metrics,
            "sections": [{"id": "t", "type": "text", "title": "T", "text": "x"}],
        }
    )
    model, issues = build_model(spec, {"orders": ["user", "day", "amount"]})
    assert not issues
    adding = {name for name in metrics if model.adds_up(name)}
    assert adding == {"orders", "big", "revenue", "share_orders"}


def test_dominance_majority_by_far_largest_and_ties() -> None:
    majority = pd.DataFrame({"g": ["a", "b", "c"], "orders": [60, 30, 10]})
    assert say(
        majority, "{% set d = dominance('orders') %}{{ d }} {{ d.first.g }} {{ d.share }}"
    ) == ("a majority a 60.0%")
    far = pd.DataFrame({"g": ["a", "b", "c", "d"], "orders": [40, 20, 20, 20]})
    assert (
        say(far, "{{ dominance('orders') }} {{ dominance('orders').lead }}")
        == "by far the largest 2.0×"
    )
    close = pd.DataFrame({"g": ["a", "b", "c"], "orders": [40, 35, 25]})
    assert say(close, "{{ dominance('orders') }}") == "the largest"
    tied = pd.DataFrame({"g": ["a", "b", "c"], "orders": [40, 40, 20]})
    assert say(tied, "{{ dominance('orders') }}") == "tied for the largest"


def test_dominance_of_a_share_uses_the_whole_including_other() -> None:
    frame = pd.DataFrame({"g": ["a", "b", "Other"], "share": [0.45, 0.15, 0.40]})
    text = say(
        frame, "{{ dominance('share') }} {{ dominance('share').share }}", other_label="Other"
    )
    assert text == "by far the largest 45.0%"


def test_rank_with_ties() -> None:
    frame = pd.DataFrame({"g": ["a", "b", "c", "d"], "orders": [50, 40, 40, 10]})
    assert say(frame, "{{ rank('orders', 'a') }}") == "the highest"
    assert say(frame, "{{ rank('orders', 'b') }}, {{ rank('orders', 'c').position }}") == (
        "joint second highest, 2"
    )
    assert (
        say(frame, "{{ rank('orders', 'd') }} of {{ rank('orders', 'd').of }}") == "the lowest of 4"
    )
    assert say(frame, "{{ rank('orders', 'zz') }}") == "not ranked"


def test_peak_over_an_ordered_axis() -> None:
    frame = hours([1.0, 3.0, 9.0, 4.0])
    assert say(
        frame, "{% set p = peak('price') %}{{ p }} at {{ p.high.hour }}, low at {{ p.low.hour }}"
    ) == ("peaks at 2, low at 0")
    assert say(hours([5.0, 5.01, 5.02]), "{{ peak('price') }}") == "is flat"


def test_follows_by_correlation() -> None:
    frame = pd.DataFrame(
        {"hour": [0, 1, 2, 3, 4], "orders": [10, 20, 30, 40, 50], "revenue": [11, 19, 33, 41, 48]}
    )
    expected = frame["orders"].corr(frame["revenue"])
    text = say(frame, "{% set f = follows('revenue', 'orders') %}{{ f }} (r = {{ f.r }})")
    assert text == f"follows (r = {expected:.2f})"
    frame["revenue"] = [50, 10, 40, 20, 30]
    assert say(frame, "{{ follows('revenue', 'orders') }}") == "does not follow"
    frame["revenue"] = [50, 40, 30, 20, 10]
    assert say(frame, "{{ follows('revenue', 'orders') }}") == "moves against"


def test_follows_needs_three_points_and_two_moving_series() -> None:
    frame = pd.DataFrame({"hour": [0, 1], "orders": [1, 2], "revenue": [1, 2]})
    assert say(frame, "{{ follows('revenue', 'orders') }}") == "not enough data to compare"
    flat = pd.DataFrame({"hour": [0, 1, 2], "orders": [1, 2, 3], "revenue": [5, 5, 5]})
    assert say(flat, "{{ follows('revenue', 'orders') }}") == "not enough data to compare"


def test_same_data_same_words() -> None:
    frame = hours([3.0, 7.0, 5.5, 6.1])
    template = (
        "{{ spread('price') }} {{ peak('price') }} {{ dominance('price') }} {{ rank('price', 2) }}"
    )
    assert len({say(frame, template) for _ in range(5)}) == 1


# ---- total -------------------------------------------------------------------------------------


def test_total_is_what_the_engine_re_aggregated_never_a_sum_of_rows() -> None:
    frame = pd.DataFrame({"region": ["a", "b"], "price": [100.0, 60.0], "share": [0.5, 0.5]})
    text = say(frame, "{{ total.price }}", total={"price": 80.0, "share": 1.0})
    assert text == "$80.00"


def test_total_of_a_share_within_a_column_is_refused() -> None:
    frame = pd.DataFrame({"region": ["a"], "share": [1.0]})
    with pytest.raises(NarrativeError, match="total.share has no meaning: it is a share within"):
        say(
            frame,
            "{{ total.share }}",
            total={},
            no_total={"share": "it is a share within each region"},
        )
