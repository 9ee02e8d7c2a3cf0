"""Narrative on hand-made results: what ``top``, ``highest``, ``by``, ``total`` and the filters
print, which rows compete, the messages for unknown names, and text → safe HTML blocks."""

from __future__ import annotations

import pandas as pd
import pytest

from reportgen.render.cells import Formats
from reportgen.render.narrative import make_environment, render_text, to_blocks
from reportgen.render.result_view import ResultView
from reportgen.render.sandbox import NarrativeError
from reportgen.spec.models import MinSupport

FORMATS = Formats(columns={"orders": "integer", "share": "percent", "aov": "currency"})
FRAME = pd.DataFrame(
    {
        "region": ["West", "South", "Other", "North"],
        "orders": [1200, 3400, 9000, 40],
        "share": [0.1, 0.283, 0.6, 0.017],
        "aov": [12.5, 9.75, 10.0, 30.0],
    }
)


def say(template: str, frame: pd.DataFrame = FRAME, **view: object) -> str:
    context = ResultView(frame, FORMATS, **view).context()  # type: ignore[arg-type]
    return render_text(make_environment(FORMATS, autoescape=False), template, context)


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{{ top.region }} {{ top.orders }}", "West 1,200"),
        ("{{ last.region }}: {{ last.share }}", "North: 1.7%"),
        ("{{ count }} groups", "4 groups"),
        ("{{ rows[1].aov }}", "$9.75"),
        ("{{ by['South'].orders }}", "3,400"),
        ("{{ highest.aov.region }}", "North"),
        ("{{ lowest.orders.region }}", "North"),
        (
            "{{ rows[0].share | percent }} / {{ 2.5 | currency }} / {{ 0 | day }}",
            "10.0% / $2.50 / Saturday",
        ),
        ("{{ 1234.5 | integer }} {{ 1234.5 | decimal }} {{ 7 | number }}", "1,234 1,234.50 7"),
        ("{% if top.orders > 1000 %}big{% endif %}", "big"),
        ("{{ ratio(by['South'].orders, top.orders) | decimal }}", "2.83"),
        ("{{ change(by['South'].orders, top.orders) | percent }}", "183.3%"),
        ("plain text, no template", "plain text, no template"),
    ],
)
def test_what_a_text_prints(template: str, expected: str) -> None:
    assert say(template) == expected


def test_the_other_bucket_and_small_groups_do_not_compete() -> None:
    assert say("{{ highest.orders.region }}") == "Other"  # no bucket declared: it is a group
    assert say("{{ highest.orders.region }}", other_label="Other") == "South"
    support = MinSupport(metric="orders", at_least=100)
    text = "{{ lowest.orders.region }} {{ small | length }} {{ ranked | length }}"
    assert say(text, other_label="Other", support=support) == "West 1 2"


def test_totals_are_the_engine_s_and_only_where_meaningful() -> None:
    total = {"orders": 13640, "aov": 10.4}
    assert say("{{ total.orders }} at {{ total.aov }}", total=total) == "13,640 at $10.40"
    with pytest.raises(NarrativeError, match="total.share has no meaning: a share"):
        say("{{ total.share }}", total=total, no_total={"share": "a share"})
    with pytest.raises(NarrativeError, match="the total of this section was not computed"):
        say("{{ total.orders }}")


@pytest.mark.parametrize(
    ("template", "message"),
    [
        (
            "{{ top.ordrs }}",
            "no column 'ordrs' (there are: region, orders, share, aov); did you mean 'orders'?",
        ),
        ("{{ tpo.region }}", "'tpo' is undefined; did you mean 'top'?"),
        ("{{ rows[9].region }}", "no element 9: there are only 4"),
        ("{{ by['East'].orders }}", "unknown name in the text"),
    ],
)
def test_unknown_names_say_what_exists(template: str, message: str) -> None:
    with pytest.raises(NarrativeError) as raised:
        say(template)
    assert message in str(raised.value)


def test_an_empty_result_has_no_top() -> None:
    with pytest.raises(NarrativeError, match="no 'region' here: the value before it is empty"):
        say("{{ top.region }}", frame=FRAME.head(0))


def test_blocks_paragraphs_bullets_bold_and_escaping() -> None:
    text = "First **bold** <b>x</b>\nsame paragraph.\n\n- one\n- two & three\n\nAfter:\n- a\nend"
    assert str(to_blocks(text)) == (
        "<p>First <strong>bold</strong> &lt;b&gt;x&lt;/b&gt; same paragraph.</p>"
        "<ul><li>one</li><li>two &amp; three</li></ul>"
        "<p>After:</p><ul><li>a</li></ul><p>end</p>"
    )
    assert str(to_blocks("")) == ""


MONTHS = pd.DataFrame(
    {
        "month": pd.to_datetime(["2015-12-01", "2014-03-01", "2015-11-01"]),
        "rain": [284.5, 240.0, 212.6],
    }
)
MONTH_FORMATS = Formats(columns={"month": "month", "rain": "decimal"})
YEARS = pd.DataFrame({"year": [2012, 2013, 2014], "rain": [1226.0, 828.0, 1233.0]})


@pytest.mark.parametrize(
    "key", ["'Dec 2015'", "'2015-12-01'", "'2015-12-01T00:00:00'", "'2015-12-01 00:00:00'"]
)
def test_a_date_group_is_found_as_it_prints_and_as_an_iso_date(key: str) -> None:
    context = ResultView(MONTHS, MONTH_FORMATS).context()
    env = make_environment(MONTH_FORMATS, autoescape=False)
    assert render_text(env, f"{{{{ by[{key}].rain }}}}", context) == "284.50"


def test_a_number_group_is_found_by_the_number() -> None:
    formats = Formats(columns={"year": "plain", "rain": "decimal"})
    context = ResultView(YEARS, formats).context()
    env = make_environment(formats, autoescape=False)
    assert render_text(env, "{{ by[2014].rain }} {{ by['2013'].rain }}", context) == (
        "1,233.00 828.00"
    )


def test_an_unknown_date_lists_the_months_as_they_print() -> None:
    context = ResultView(MONTHS, MONTH_FORMATS).context()
    env = make_environment(MONTH_FORMATS, autoescape=False)
    with pytest.raises(NarrativeError) as raised:
        render_text(env, "{{ by['Jan 2015'].rain }}", context)
    assert "(there are: Dec 2015, Mar 2014, Nov 2015)" in str(raised.value)


def test_a_printed_label_two_groups_share_finds_neither() -> None:
    """Two days of one month print alike as months: 'Dec 2015' would be a guess, so it is not
    a name; each day is still found by its date."""
    days = pd.DataFrame({"day": pd.to_datetime(["2015-12-01", "2015-12-02"]), "rain": [1.0, 2.0]})
    formats = Formats(columns={"day": "month", "rain": "decimal"})
    context = ResultView(days, formats).context()
    env = make_environment(formats, autoescape=False)
    assert render_text(env, "{{ by['2015-12-02'].rain }}", context) == "2.00"
    with pytest.raises(NarrativeError):
        render_text(env, "{{ by['Dec 2015'].rain }}", context)
