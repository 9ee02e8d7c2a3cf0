"""Spec data minus its structural problems: what is left to resolve against the data."""

from __future__ import annotations

from reportgen.errors import SpecIssue
from reportgen.spec.recover import without_problems

DATA = {
    "report": {"title": "T", "colour": "red"},
    "fields": {"good": {"type": "expr"}, "bad": {"type": "binz", "on": "orders"}},
    "sections": [{"id": "a", "title": "A"}, {"id": "b", "title": "B", "query": {"sortt": 1}}],
}


def test_first_only_the_offending_keys_are_dropped() -> None:
    found = [
        SpecIssue(("report", "colour"), "unknown key"),
        SpecIssue(("sections", 1, "query", "sortt"), "unknown key"),
    ]
    gentle, *_ = without_problems(DATA, found)
    rest, set_aside = gentle
    assert rest["report"] == {"title": "T"}
    assert rest["sections"][1]["query"] == {}
    assert set_aside == set()
    assert DATA["report"]["colour"] == "red"  # the original is untouched


def test_then_whole_entries_are_set_aside_and_sections_keep_their_places() -> None:
    found = [SpecIssue(("fields", "bad", "type"), "bad type"), SpecIssue(("sections", 1), "x")]
    attempts = list(without_problems(DATA, found))
    rest, set_aside = attempts[-1]
    assert set(rest["fields"]) == {"good"}
    assert set_aside == {"bad"}
    assert rest["sections"][0] == DATA["sections"][0]
    assert rest["sections"][1] == {"id": "b", "type": "text", "title": "-"}


def test_a_problem_outside_the_entries_is_only_dropped_as_a_key() -> None:
    found = [SpecIssue(("report",), "expected a mapping")]
    attempts = list(without_problems(DATA, found))
    assert len(attempts) == 1  # no entry to set aside; the caller finds the rest invalid
    assert "report" not in attempts[0][0]
