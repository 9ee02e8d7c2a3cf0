"""The spec's names as a reader says them: labels, table nouns, conditions and formulas in
words (``order lines`` for a table counted by a metric named ``order_lines``), and the small
helpers of sentences the generated methods and data-quality tables share."""

from __future__ import annotations

from reportgen.model import expr as ex
from reportgen.model.semantic import Model
from reportgen.style.format import format_value

# ---- words --------------------------------------------------------------------------------

_COMPARE = {
    "==": "is",
    "!=": "is not",
    "<": "is less than",
    "<=": "is at most",
    ">": "is more than",
    ">=": "is at least",
    "in": "is one of",
    "not in": "is not one of",
}
_OPPOSITE = {
    "==": "!=",
    "!=": "==",
    "<": ">=",
    "<=": ">",
    ">": "<=",
    ">=": "<",
    "in": "not in",
    "not in": "in",
}
_ARITHMETIC = {
    "/": "divided by",
    "//": "divided by (whole part)",
    "*": "times",
    "+": "plus",
    "-": "minus",
    "%": "modulo",
}
AGGREGATE_WORDS = {
    "sum": "the sum of",
    "mean": "the average",
    "median": "the median",
    "min": "the lowest",
    "max": "the highest",
}


def plain_number(value: float) -> str:
    """A number as written in a sentence: 150,000, 1.5, 0.8."""
    if float(value).is_integer():
        return format_value(value, "integer")
    return f"{value:,.6g}"


def plain_integer(value: int) -> str:
    return format_value(value, "integer")


def lower_first(text: str) -> str:
    """``Highest order number`` → ``highest order number``; ``US state`` stays."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper():
        return text[0].lower() + text[1:]
    return text


def upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


def as_sentence(text: str) -> str:
    text = text.strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _quoted(value: object) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return plain_number(value)
    return f"“{value}”"


def _singular(plural: str) -> str:
    if plural.endswith("ies"):
        return plural[:-3] + "y"
    if plural.endswith(("sses", "xes", "ches", "shes")):
        return plural[:-2]
    if plural.endswith("s") and not plural.endswith("ss"):
        return plural[:-1]
    return plural


class Words:
    """The spec's names as a reader says them: labels, table nouns, conditions and formulas."""

    def __init__(self, model: Model, *, of_results: bool = False) -> None:
        """``of_results``: names in conditions are the result's columns (``having``: a metric
        before a column of its name); else they are the rows' columns and fields."""
        self.model = model
        self.of_results = of_results
        self._plurals = {name: self._plural_of(name) for name in model.spec.data}

    def _plural_of(self, table: str) -> str:
        """A table's noun: the name of the metric that counts its rows (``order_lines`` for
        ``count(order_products)``), else the table's own name, in words."""
        for name, metric in self.model.metrics.items():
            call = metric.formula
            if isinstance(call, ex.Call) and call.func == "count" and not call.keywords:
                atom = metric.atoms.get(call)
                if atom is not None and atom.over == table and atom.value is None:
                    return name.replace("_", " ")
        return table.replace("_", " ")

    def plural(self, table: str) -> str:
        return self._plurals.get(table, table.replace("_", " "))

    def singular(self, table: str) -> str:
        return _singular(self.plural(table))

    def label(self, name: str) -> str:
        """A metric's label (else a column's or field's), in lower case for the middle of a
        sentence."""
        return lower_first(self.model.label(name))

    def row_label(self, name: str) -> str:
        """A column's or field's label, never a metric's of the same name, in lower case."""
        return lower_first(self.model.column_label(name))

    def column(self, table: str, name: str) -> str:
        """A column of ``table`` named beside the table's noun: its label, or its own name in
        words when the label is just the noun ("products with no product name")."""
        label = self.row_label(name)
        if label.lower() in (self.singular(table).lower(), self.plural(table).lower()):
            return " ".join("ID" if w == "id" else w for w in name.split("_"))
        return label

    def metric(self, name: str) -> str:
        """How a formula names another metric: "the number of orders" for a plain count."""
        metric = self.model.metrics.get(name)
        if metric is not None:
            call = metric.formula
            if isinstance(call, ex.Call) and call.func == "count" and not call.keywords:
                atom = metric.atoms.get(call)
                if atom is not None and atom.value is None:
                    return f"the number of {self.plural(atom.over)}"
        return self.label(name)

    # ---- conditions and formulas ----------------------------------------------------------
    def condition(self, node: ex.Node, negate: bool = False) -> str:
        """``max_order >= 5`` → ``highest order number is at least 5``."""
        if isinstance(node, ex.Unary) and node.op == "not":
            return self.condition(node.operand, not negate)
        if isinstance(node, ex.BoolOp):
            op = node.op if not negate else ("or" if node.op == "and" else "and")
            parts = []
            for operand in node.operands:
                text = self.condition(operand, negate)
                if isinstance(operand, ex.BoolOp) and len(node.operands) > 1:
                    text = f"({text})"
                parts.append(text)
            return f" {op} ".join(parts)
        if isinstance(node, ex.Compare):
            op = _OPPOSITE[node.op] if negate else node.op
            return f"{self.value(node.left)} {_COMPARE[op]} {self.value(node.right, op)}"
        text = self.value(node)
        return f"not: {text}" if negate else text

    def value(self, node: ex.Node, op: str = "") -> str:
        """A value in words: a label, a quoted constant, or arithmetic between them."""
        if isinstance(node, ex.Ref):
            return self.label(node.name) if self.of_results else self.row_label(node.name)
        if isinstance(node, ex.Const):
            return _quoted(node.value)
        if isinstance(node, ex.ConstList):
            items = [_quoted(v) for v in node.values]
            joiner = " or " if op in ("in", "not in") else " and "
            return ", ".join(items[:-1]) + joiner + items[-1] if len(items) > 1 else "".join(items)
        if isinstance(node, ex.Unary):
            return f"minus {self.value(node.operand)}"
        if isinstance(node, ex.Binary):
            return f"{self.value(node.left)} {_ARITHMETIC[node.op]} {self.value(node.right)}"
        if isinstance(node, ex.Call):
            return self.call(node)
        return self.condition(node)

    def formula(self, node: ex.Node) -> str:
        """A metric formula: ``revenue / orders`` → ``revenue divided by the number of orders``."""
        if isinstance(node, ex.Ref) and node.table is None and node.name in self.model.metrics:
            return self.metric(node.name)
        if isinstance(node, ex.Binary):
            return f"{self.formula(node.left)} {_ARITHMETIC[node.op]} {self.formula(node.right)}"
        if isinstance(node, ex.Call):
            return self.call(node)
        return self.value(node)

    def call(self, node: ex.Call) -> str:
        if node.func in DATE_WORDS:
            return f"{DATE_WORDS[node.func]} {self.value(node.args[0])}"
        keywords = dict(node.keywords)
        if node.func == "share":
            of = node.args[0] if node.args else None
            what = self.formula(of) if of is not None else "the total"
            within = keywords.get("within")
            if within is not None:
                return f"each group's share of {what} within its {self.value(within)}"
            return f"each group's share of all {what.removeprefix('the number of ')}"
        atom = next(
            (a for m in self.model.metrics.values() for c, a in m.atoms.items() if c == node),
            None,
        )
        over = atom.over if atom is not None else ""
        rows = self.plural(over) if over else "rows"
        value = atom.value.name if atom is not None and atom.value is not None else None
        column = self.row_label(
            value or ""
        )  # the aggregated column, whatever metric shares its name
        if node.func == "count" and value is None:
            text = f"the number of {rows}"
        elif node.func == "count":
            text = f"the number of {rows} with {with_article(column)}"
        elif node.func == "count_distinct":
            text = f"the number of different {column} values among {rows}"
        else:
            lead = AGGREGATE_WORDS.get(node.func, node.func)
            text = f"{lead} {column} over all {rows}"
        where = keywords.get("where")
        if isinstance(where, ex.Const) and isinstance(where.value, str):
            rows_words = Words(self.model) if self.of_results else self
            text += f" where {rows_words.condition(ex.parse(where.value))}"
        return text


# The row functions of dates in words ('the month of date', 'date truncated to the month').
DATE_WORDS = {
    **{part: f"the {part} of" for part in ex.DATE_PARTS},
    "week": "the ISO week number of",
    "weekday": "the ISO weekday number (Monday 1) of",
    "month_name": "the month name of",
    "weekday_name": "the weekday name of",
    **{start: f"the start of the {start[3:]} of" for start in ex.PERIOD_STARTS},
}


def filter_title(name: str) -> str:
    return name.replace("_", " ").capitalize()


def with_article(noun: str) -> str:
    return f"an {noun}" if noun[:1].lower() in "aeiou" else f"a {noun}"
