"""Expressions → whitelisted trees: what parses to what, what is refused, the names read, and
text that reads back to the same tree (it keys the engine's condition cache)."""

from __future__ import annotations

import pytest

from reportgen.model import expr as ex
from reportgen.model.expr import Binary, BoolOp, Call, Compare, Const, ConstList, Ref, Unary

A, B, C = Ref(None, "a"), Ref(None, "b"), Ref(None, "c")

TREES = [
    ("a", A),
    ("customers.age", Ref("customers", "age")),
    ("-3.5", Const(-3.5)),
    ("+a", A),
    ("'x'", Const("x")),
    ("a in [1, 'two']", Compare("in", A, ConstList((1, "two")))),
    ("a not in (1,)", Compare("not in", A, ConstList((1,)))),
    ("a + b * c", Binary("+", A, Binary("*", B, C))),
    ("(a + b) * c", Binary("*", Binary("+", A, B), C)),
    ("a - b - c", Binary("-", Binary("-", A, B), C)),
    ("-(a + b)", Unary("-", Binary("+", A, B))),
    ("not a and b", BoolOp("and", (Unary("not", A), B))),
    ("a < b < c", BoolOp("and", (Compare("<", A, B), Compare("<", B, C)))),
    ("a or b and c", BoolOp("or", (A, BoolOp("and", (B, C))))),
    ("a // 2 % 3", Binary("%", Binary("//", A, Const(2)), Const(3))),
]


@pytest.mark.parametrize(("text", "tree"), TREES, ids=[t for t, _ in TREES])
def test_parse(text: str, tree: ex.Node) -> None:
    assert ex.parse(text) == tree


def test_calls_only_where_allowed() -> None:
    call = ex.parse("sum(products.prices, over=orders, where='a > 1')", allow_calls=True)
    assert call == Call(
        "sum",
        (Ref("products", "prices"),),
        (("over", Ref(None, "orders")), ("where", Const("a > 1"))),
    )
    with pytest.raises(ex.ExprError, match="function calls are not allowed here: 'sum\\(a\\)'"):
        ex.parse("sum(a)")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty expression"),
        ("a +", "cannot parse expression 'a \\+'"),
        ("a.b.c", "'a.b.c' is not allowed in an expression"),
        ("__import__('os')", "function calls are not allowed here"),
        ("a[0]", "'a\\[0\\]' is not allowed"),
        ("a ** 2", "'a \\*\\* 2' is not allowed"),
        ("a is None", "only ==, !=, <, <=, >, >=, in and not in compare values"),
        ("[a, 1]", "lists may hold only constants"),
        ("lambda: 1", "is not allowed in an expression"),
        ("x" * 2001, "longer than 2,000 characters"),
    ],
)
def test_refused(text: str, message: str) -> None:
    with pytest.raises(ex.ExprError, match=message):
        ex.parse(text)


def test_refs_in_reading_order() -> None:
    tree = ex.parse("count(orders, where='x') / (age + t.n) > 3 and not flag", allow_calls=True)
    assert ex.refs(tree) == [
        Ref(None, "orders"),
        Ref(None, "age"),
        Ref("t", "n"),
        Ref(None, "flag"),
    ]


ROUND_TRIPS = [
    "(age < 30 or age > 60) and n > 0",
    "age < 30 or age > 60 and n > 0",
    "(a + b) * c",
    "a - (b - c)",
    "a / (b * c)",
    "-(a * b)",
    "-a * b",
    "not (a and b)",
    "not a == b",
    "(a > b) == c",
    "a - -1",
    "x in [1, 2] and name != 'it''s'",
    "sum(p.prices, where='a > 1') / count(orders) * 100",
]


@pytest.mark.parametrize("text", ROUND_TRIPS)
def test_text_reads_back_to_the_same_tree(text: str) -> None:
    tree = ex.parse(text, allow_calls=True)
    assert ex.parse(ex.to_text(tree), allow_calls=True) == tree


def test_different_groupings_have_different_texts() -> None:
    """The engine caches a condition's rows by its text: two groupings must not share it."""
    grouped = ex.parse("(age < 30 or age > 60) and n > 0")
    plain = ex.parse("age < 30 or age > 60 and n > 0")
    assert grouped != plain
    assert ex.to_text(grouped) != ex.to_text(plain)
    assert ex.to_text(ex.parse("a  +  b*c")) == "a + b * c"  # no parentheses where none needed
