"""A PyYAML syntax error in, one located issue in plain English out."""

from __future__ import annotations

import yaml

from reportgen.errors import SpecIssue
from reportgen.spec.friendly import HINT_QUOTE_TEMPLATE

_BRACKETS = {"sequence": ("list", "]"), "mapping": ("mapping", "}")}


def _position(mark: yaml.Mark | None) -> tuple[int, int]:
    if mark is None:
        return 1, 1
    return mark.line + 1, mark.column + 1


def _line_text(text: str, line: int) -> str:
    lines = text.splitlines()
    return lines[line - 1] if 0 < line <= len(lines) else ""


def syntax_issue(error: yaml.YAMLError, text: str) -> SpecIssue:
    """Explain a YAML syntax error where it happens."""
    if isinstance(error, yaml.reader.ReaderError):
        before = text[: error.position]
        line = before.count("\n") + 1
        column = len(before) - (before.rfind("\n") + 1) + 1
        code = error.character if isinstance(error.character, int) else ord(error.character)
        msg = f"the file contains a control character (U+{code:04X}) that YAML does not allow"
        return SpecIssue((), msg, line, column)
    if not isinstance(error, yaml.MarkedYAMLError):
        return SpecIssue((), f"YAML syntax error: {error}", 1, 1)
    problem = error.problem or ""
    context = error.context or ""
    where = _position(error.problem_mark)
    opened = _position(error.context_mark)
    message, at = _explain(problem, context, where, opened, text)
    return SpecIssue((), message, *at)


def _explain(
    problem: str,
    context: str,
    where: tuple[int, int],
    opened: tuple[int, int],
    text: str,
) -> tuple[str, tuple[int, int]]:
    """The friendly message for one PyYAML problem, and the position it belongs at."""
    if "found character '\\t'" in problem:
        leading = _line_text(text, where[0])[: where[1] - 1]
        if not leading.strip():
            return "tab character used for indentation; use spaces", where
        return "tab character where YAML does not allow one; use spaces", where
    if "that cannot start any token" in problem:
        char = problem.split("'")[1] if "'" in problem else "?"
        return f"a value cannot start with '{char}'; put the value in quotes", where
    if "scanning a quoted scalar" in context:
        if "end of stream" in problem:
            return "unclosed quote: the text that starts here has no closing quote", opened
        return f"bad quoted text: {problem}", where
    if "mapping values are not allowed here" in problem:
        msg = (
            "unexpected ':'; check this line's indentation, or put quotes around a value "
            "that contains ': '"
        )
        return msg, where
    if "could not find expected ':'" in problem:
        return "expected 'key: value', but this line has no ':'", opened
    for kind, (noun, closer) in _BRACKETS.items():
        if f"parsing a flow {kind}" in context:
            msg = f"the {noun} that starts here is not closed with '{closer}' (or lacks a ',')"
            if "{{" in _line_text(text, where[0]) + _line_text(text, opened[0]):
                msg += HINT_QUOTE_TEMPLATE.format()
            return msg, opened
    if "expected <block end>" in problem:
        found = problem.split("but found ")[-1]
        if found not in ("'<block mapping start>'", "'<block sequence start>'", "'?'", "'-'"):
            return f"unexpected {found} here; check the brackets and indentation", where
        if "collection" in context or "sequence" in context:
            msg = (
                f"bad indentation: this line does not fit the list that starts at line {opened[0]}"
            )
            return msg, where
        return "bad indentation: this line is not aligned with the keys above it", where
    if "expected '<document start>'" in problem:
        return "bad indentation: this line is indented less than the first line", where
    if "expected a single document" in context:
        return "a second YAML document starts here; the spec must be a single document", where
    if "found undefined alias" in problem:
        name = problem.split("'")[1] if "'" in problem else "?"
        return f"unknown alias '*{name}' (no '&{name}' anchor before it)", where
    detail = f"{problem} ({context})" if context else problem
    return f"YAML syntax error: {detail}", where
