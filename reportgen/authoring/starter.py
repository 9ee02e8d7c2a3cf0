"""Guesses about a data folder in, the text of a commented starter spec out.

The spec has the data model (tables, keys, relations, private columns, counts and averages), an
overview section per table, a few questions across related tables, the methods and the data
quality appendix. Every name in it comes from the files, so it validates and builds as written.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from reportgen.authoring.infer import ColumnGuess, FolderGuess, TableGuess

MAX_MEANS = 2  # averages per table
MAX_QUESTIONS = 3  # sections across related tables
TOP = 10  # longer groupings keep the top 10 and sum the rest into 'Other'
_PLAIN = re.compile(r"^[A-Za-z_][A-Za-z0-9_ ./()–-]*$")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n", "~"}
_MONEY = re.compile(r"price|cost|amount|revenue|sales|income|salary|spend|fare|total", re.I)


def quote(text: str) -> str:
    """A YAML scalar for ``text``: bare when plain, else double-quoted (JSON is valid YAML)."""
    if _PLAIN.match(text) and text.lower() not in _YAML_WORDS and not text.endswith(" "):
        return text
    return json.dumps(text, ensure_ascii=False)


def label(name: str) -> str:
    return re.sub(r"[_-]+", " ", name).strip().capitalize() or name


@dataclass(frozen=True)
class Names:
    """The metric names of one table: its count, its share and its averages."""

    count: str
    share: str
    means: list[tuple[str, ColumnGuess]]


def starter_spec(guess: FolderGuess, spec_path: Path) -> str:
    """The starter spec's text, with paths relative to ``spec_path``'s folder."""
    taken = {c.name for t in guess.tables for c in t.columns} | {t.name for t in guess.tables}
    names = {t.name: _names(t, taken) for t in guess.tables}
    base = spec_path.resolve().parent
    outside = any(not _inside(t.path, base) for t in guess.tables)
    title = label(_report_name(guess.folder))
    lines = [
        "# A starter report written by `reportgen init` from the files it found.",
        "# Every guess is marked 'guess:'; check them, then run",
        f"#   python -m reportgen preview {spec_path.name}",
        "# and edit while the page reloads. Every key: python -m reportgen reference (docs/spec.md).",
        "report:",
        f"  title: {quote(title + ' report')}",
        f"  subtitle: {quote('A first look at the data in ' + guess.folder.name + '/')}",
        "  author: ''",
        "",
        "settings:",
        "  max_table_rows: 12",
    ]
    if outside:
        lines.append("  allow_data_outside: true   # the data is not below this file's folder")
    lines += ["", "data:"]
    for table in guess.tables:
        lines += _table_lines(table, base)
    for path, reason in guess.skipped:
        lines.append(f"  # left out: {path.name} ({reason})")
    lines += ["", "relations:" + ("" if guess.relations else " []")]
    for relation in guess.relations:
        lines.append(
            f"  - {relation.text()}   # guess: {relation.matched:.0%} of the sampled "
            f"{relation.column} values are {relation.parent} keys"
        )
    lines += ["", "metrics:"]
    for table in guess.tables:
        lines += _metric_lines(table, names[table.name])
    lines += ["", "sections:"]
    lines += _intro_lines(guess)
    for table in guess.tables:
        lines += _overview_lines(table, names[table.name])
    lines += _question_lines(guess, names)
    lines += [
        "  - id: methods",
        "    type: definitions",
        "    title: Data and methods",
        "    text: Every table, field and metric of this report, from the same definitions "
        "the numbers are computed with.",
        "",
        "  - id: data-quality",
        "    type: data_quality",
        "    title: 'Appendix: data quality'",
        "    text: Rows read from each file, rows excluded and why, and the rows used.",
    ]
    return "\n".join(lines) + "\n"


def _report_name(folder: Path) -> str:
    """The data folder's name, or its parent's when it is called data, input or raw."""
    resolved = folder.resolve()
    if resolved.name.lower() in ("data", "input", "inputs", "raw", "csv") and resolved.parent.name:
        return resolved.parent.name
    return resolved.name or "data"


def _inside(path: Path, base: Path) -> bool:
    return not os.path.relpath(path.resolve(), base).startswith("..")


def _names(table: TableGuess, taken: set[str]) -> Names:
    """The table's metric names, none equal to a column, a table or an earlier metric."""
    count = table.name if table.name not in {c.name for c in table.columns} else f"n_{table.name}"
    means = []
    for column in table.of_kind("number")[:MAX_MEANS]:
        name = f"mean_{column.name}"
        if name in taken:
            name = f"mean_{column.name}_{table.name}"
        if name not in taken:
            taken.add(name)
            means.append((name, column))
    share = f"share_{table.name}"
    return Names(count, share if share not in taken else f"{share}_rows", means)


def _table_lines(table: TableGuess, base: Path) -> list[str]:
    path = Path(os.path.relpath(table.path.resolve(), base)).as_posix()
    lines = ["", f"  {table.name}:", f"    path: {quote(path)}"]
    if table.key:
        lines.append(
            f"    key: {table.key}   # guess: unique in {table.key_rows:,} rows"
            + (f" but {table.duplicate_keys} repeats" if table.duplicate_keys else "")
        )
    if table.wide:
        lines.append("    layout: wide   # the file is transposed: each line is a column")
    if table.delimiter != ",":
        lines.append(f"    delimiter: {json.dumps(table.delimiter)}   # between the fields")
    if table.decimal != ".":
        lines.append(f'    decimal: "{table.decimal}"   # numbers read 1,5')
    private = [c.file_name for c in table.of_kind("private")]
    if private:
        shown = ", ".join(quote(p) for p in private)
        lines.append(f"    private: [{shown}]   # guess: personal data, dropped at load")
    rename = {c.file_name: c.name for c in table.columns if c.kind != "private"}
    rename = {k: v for k, v in rename.items() if k != v}
    if rename:
        shown = ", ".join(f"{quote(k)}: {v}" for k, v in rename.items())
        lines.append(f"    rename: {{{shown}}}")
    if table.duplicate_keys:
        lines += ["    clean:", "      drop_duplicates: true", "      duplicate_keys: first"]
    lines.append(f"    description: {quote('Read from ' + table.path.name + '.')}")
    lines.append(f"    # {table.rows_sampled:,} rows sampled; the columns as guessed:")
    for column in table.columns:
        lines.append(f"    #   {column.name}: {column.describe()}")
    return lines


def _metric_lines(table: TableGuess, names: Names) -> list[str]:
    noun = label(table.name)
    lines = [
        f"  {names.count}: {{expr: count({table.name}), label: {quote(noun)}, format: integer}}",
        f"  {names.share}: {{expr: share({names.count}), label: {quote('Share of ' + noun.lower())},"
        " format: percent}",
    ]
    for name, column in names.means:
        fmt = "currency" if _MONEY.search(column.name) else "decimal"
        lines.append(
            f"  {name}: {{expr: mean({table.name}.{column.name}), "
            f"label: {quote('Average ' + label(column.name).lower())}, format: {fmt}}}"
        )
    return lines


def _intro_lines(guess: FolderGuess) -> list[str]:
    tables = ", ".join(t.name for t in guess.tables)
    plural = "s" if len(guess.tables) > 1 else ""
    return [
        "  - id: summary",
        "    type: text",
        "    title: Summary",
        "    # Texts are templates: {{ sections['some-id'].highest.metric.column }} quotes a",
        "    # section's number, formatted; docs/spec.md lists what a text can use.",
        "    text: |",
        f"      This report reads {len(guess.tables)} table{plural} ({tables}). "
        "Replace this text with the findings.",
        "",
    ]


def _section_id(name: str) -> str:
    """A section id from a table name; never one of the fixed sections' ids."""
    text = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:58] or "table"
    return f"{text}-table" if text in ("summary", "methods", "data-quality") else text


def _group_column(table: TableGuess) -> ColumnGuess | None:
    """The column a first look groups by: a category of a few values, else a small code."""
    for kinds, most in ((("category",), 20), (("category", "code"), 60)):
        fitting = [c for c in table.of_kind(*kinds) if 2 <= c.distinct <= most]
        if fitting:
            return fitting[0]
    return None


def _analysis_lines(
    section_id: str,
    title: str,
    question: str,
    owner: str,
    column: ColumnGuess,
    names: Names,
    level: int,
    noun: str,
) -> list[str]:
    metrics = [names.count, names.share, *(n for n, _ in names.means)]
    query = f"{{by: [{owner}.{column.name}], metrics: [{', '.join(metrics)}]"
    if column.distinct > 12:
        query += f", sort: -{names.count}, top: {TOP}"
    query += "}"
    kind = "hbar" if column.distinct > 6 else "bar"
    m, c = names.count, column.name
    chart_title = f"{{{{ highest.{m}.{c} }}}} has the most {noun}"
    text = (
        f"{{{{ highest.{m}.{c} }}}} has the most {noun} "
        f"({{{{ highest.{m}.{m} }}}}, {{{{ highest.{m}.{names.share} }}}}); "
        f"{{{{ lowest.{m}.{c} }}}} the fewest ({{{{ lowest.{m}.{m} }}}})."
    )
    return [
        f"  - id: {section_id}",
        f"    title: {quote(title)}",
        *([f"    level: {level}"] if level != 1 else []),
        f"    question: {quote(question)}",
        f"    query: {query}",
        f"    chart: {{type: {kind}, x: {c}, y: {m}, title: {quote(chart_title)}}}",
        f"    text: {quote(text)}",
        "",
    ]


def _overview_lines(table: TableGuess, names: Names) -> list[str]:
    column = _group_column(table)
    noun = label(table.name)
    if column is None:
        metrics = ", ".join([names.count, *(n for n, _ in names.means)])
        return [
            f"  - id: {_section_id(table.name)}",
            f"    title: {quote(noun)}",
            f"    query: {{metrics: [{metrics}]}}",
            f"    text: {quote(f'The data holds {{{{ total.{names.count} }}}} {noun.lower()}.')}",
            "",
        ]
    return _analysis_lines(
        _section_id(table.name),
        f"{noun} by {label(column.name).lower()}",
        f"How are the {noun.lower()} spread over {label(column.name).lower()}?",
        table.name,
        column,
        names,
        level=1,
        noun=noun.lower(),
    )


def _question_lines(guess: FolderGuess, names: dict[str, Names]) -> list[str]:
    """The largest table that refers to others, counted by each parent's grouping column."""
    children = {r.child for r in guess.relations}
    facts = sorted(
        (t for t in guess.tables if t.name in children), key=lambda t: -len(t.sample.index)
    )
    if not facts:
        return []
    fact = facts[0]
    lines: list[str] = []
    seen: set[str] = set()
    for parent_name in _reachable(guess, fact.name):
        parent = guess.table(parent_name)
        column = _group_column(parent)
        if column is None or column.name in seen or len(seen) >= MAX_QUESTIONS:
            continue
        seen.add(column.name)
        count = names[fact.name]
        plain = Names(count.count, count.share, [])
        noun = label(fact.name).lower()
        lines += _analysis_lines(
            _section_id(f"{fact.name}-by-{column.name}"),
            f"{label(fact.name)} by {parent.name} {label(column.name).lower()}",
            f"Which {label(column.name).lower()} has the most {noun}?",
            parent.name,
            column,
            plain,
            level=2,
            noun=noun,
        )
    return lines


def _reachable(guess: FolderGuess, start: str) -> list[str]:
    """Tables reached from ``start`` over relations, nearest first."""
    order, frontier = [], [start]
    while frontier:
        table = frontier.pop(0)
        for relation in guess.relations:
            if relation.child == table and relation.parent not in order:
                order.append(relation.parent)
                frontier.append(relation.parent)
    return order
