"""A YAML file in, plain Python data and the position of every key and value out.

Only plain YAML values are built: mappings, lists, strings, numbers, ``true``/``false`` and
``null``. Two deliberate departures from PyYAML's YAML 1.1 defaults keep a spec predictable: only
``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay text, as in YAML 1.2), and
dates stay text. Syntax errors, duplicate keys and unsupported tags become a located ``SpecError``.
"""

from __future__ import annotations

import csv
import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reportgen.errors import SpecError, SpecIssue, UsageError
from reportgen.spec.describe import show
from reportgen.spec.positions import PositionNode, Positions
from reportgen.spec.yaml_syntax import syntax_issue

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null")}
_MERGE_TAG = _TAG + "merge"

EMPTY_SPEC = "the spec is empty; expected a mapping with 'report', 'data', 'metrics' and 'sections'"


# Bounds on what a spec may expand to: a few levels of aliases are plenty for shared settings;
# an "alias bomb" (10 levels of 10 aliases each) would otherwise build 10^10 values.
MAX_DEPTH = 50  # nesting of mappings and lists, aliases expanded
MAX_ALIAS_DEPTH = 8  # aliases inside aliases
MAX_ALIAS_VALUES = 20_000  # values built by expanding aliases, in all


class _Limit(yaml.MarkedYAMLError):
    """A bound of the reader exceeded while composing; its ``problem`` is the message."""


class _SpecLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 booleans and without implicit dates.

    It also notes where each alias is used (PyYAML hands back the anchored node itself, so the
    builder could not otherwise tell an alias from the anchor) and bounds the nesting depth.
    """

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.alias_marks: dict[tuple[int, object], Any] = {}
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) and parent is not None:
            at = id(index) if isinstance(index, Node) else index
            self.alias_marks[(id(parent), at)] = event.start_mark
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                msg = f"the spec nests more than {MAX_DEPTH} levels deep"
                raise _Limit(problem=msg, problem_mark=event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_SpecLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp) for tag, regexp in resolvers if tag not in (_TAG + "bool", _TAG + "timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SpecLoader.add_implicit_resolver(
    _TAG + "bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


@dataclass(frozen=True)
class YamlDocument:
    """What a YAML file holds (plain data) and where each part of it is."""

    data: Any
    positions: Positions


MAX_SPEC_BYTES = 2 * 1024 * 1024  # a report spec is a few dozen KB; 2 MiB is far beyond any


def read_text(path: Path) -> str:
    """The spec file's text; a ``UsageError`` (missing, unreadable, not a regular file, too
    large) or ``SpecError`` (not UTF-8). Nothing is read before the file is known to be a
    regular file of at most ``MAX_SPEC_BYTES`` (a device or a pipe would never end)."""
    try:
        # Non-blocking: opening a pipe with no writer would otherwise wait for good.
        handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        msg = f"spec file not found: {path}"
        raise UsageError(msg) from None
    except IsADirectoryError:
        msg = f"the spec must be a YAML file, but {path} is a folder"
        raise UsageError(msg) from None
    except OSError as error:
        msg = f"cannot read the spec {path}: {error.strerror or error}"
        raise UsageError(msg) from None
    try:
        status = os.fstat(handle)
        mode = status.st_mode
        if stat.S_ISDIR(mode):
            msg = f"the spec must be a YAML file, but {path} is a folder"
            raise UsageError(msg)
        if not stat.S_ISREG(mode):
            msg = (
                f"the spec must be a YAML file, but {path} is not a regular file "
                "(a device, pipe or socket); nothing was read from it"
            )
            raise UsageError(msg)
        # A file larger than the limit is only sniffed (is it a CSV?), never read whole.
        size = _SNIFF_BYTES if status.st_size > MAX_SPEC_BYTES else MAX_SPEC_BYTES + 1
        with os.fdopen(os.dup(handle), "rb") as stream:
            raw = stream.read(size)
    except OSError as error:
        msg = f"cannot read the spec {path}: {error.strerror or error}"
        raise UsageError(msg) from None
    finally:
        os.close(handle)
    csv_like = looks_like_csv(raw[:_SNIFF_BYTES].decode("utf-8", errors="replace"))
    if csv_like:
        raise SpecError(path, [SpecIssue((), NOT_A_SPEC_CSV.format(csv_like), 1, 1)])
    if status.st_size > MAX_SPEC_BYTES or len(raw) > MAX_SPEC_BYTES:
        msg = (
            f"the spec {path} is larger than {MAX_SPEC_BYTES // (1024 * 1024)} MiB; a report "
            "spec is a few dozen KB: is this the right file?"
        )
        raise UsageError(msg)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        msg = f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x}); save it as UTF-8"
        raise SpecError(path, [SpecIssue((), msg, line, column)]) from None


_SNIFF_BYTES = 64 * 1024
_SEPARATORS = {",": "comma", ";": "semicolon", "\t": "tab", "|": "vertical-bar"}
NOT_A_SPEC_CSV = (
    "this looks like a CSV file, not a report spec (its first lines are rows of {} "
    "fields); give the report's YAML spec, e.g. report.yaml (the data files are named in it)"
)


def looks_like_csv(text: str) -> str:
    """'10 comma-separated' when ``text`` opens like a CSV file (a header and rows with the same
    number of separated fields, no 'key:' line), else ''."""
    lines = [line for line in text.splitlines()[:6] if line.strip()]
    if len(lines) < 2 or any(_YAML_KEY.match(line) for line in lines):
        return ""
    rows = lines[:-1] if len(lines) > 2 else lines  # the last line may be cut short
    for separator, name in _SEPARATORS.items():
        counts = {len(next(csv.reader([line], delimiter=separator))) for line in rows}
        if len(counts) == 1 and (fields := counts.pop()) >= 3:
            return f"{fields} {name}-separated"
    return ""


# A line that starts a YAML mapping entry or a comment: 'key:', 'key: value', '- item', '# x'.
_YAML_KEY = re.compile(r"^\s*(#|- |[\w\"' -]+:(\s|$))")


def read_yaml(path: Path) -> YamlDocument:
    """Read a spec file: plain data whose top level is a mapping, with positions."""
    text = read_text(path)
    return parse_yaml(text, path)


def parse_yaml(text: str, file: str | Path) -> YamlDocument:
    """Parse YAML text (``file`` names it in errors) into a top-level mapping with positions."""
    try:
        loader = _SpecLoader(text)
        root = loader.get_single_node()
    except _Limit as error:
        mark = error.problem_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise SpecError(file, [SpecIssue((), str(error.problem), line, column)]) from None
    except yaml.YAMLError as error:
        raise SpecError(file, [syntax_issue(error, text)]) from None
    if root is None:
        raise SpecError(file, [SpecIssue((), EMPTY_SPEC, 1, 1)])
    builder = _Builder(loader)
    data, tree = builder.build(root, ())
    if builder.issues:
        raise SpecError(file, builder.issues)
    if not isinstance(data, dict):
        msg = (
            "the spec must be a mapping with 'report', 'data', 'metrics' and 'sections'; "
            f"found {_kind(data)}"
        )
        raise SpecError(file, [SpecIssue((), msg, *tree.value)])
    return YamlDocument(data, Positions(tree))


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return f"a single value ({show(value)})"


def _unsupported_tag(tag: str) -> str:
    shown = tag.replace(_TAG, "!!", 1)
    return f"unsupported YAML tag '{shown}'; only plain values, lists and mappings are allowed"


def _mark(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


class _Builder:
    """Turns composed YAML nodes into plain data and a parallel tree of positions."""

    def __init__(self, loader: _SpecLoader) -> None:
        self.loader = loader
        self.issues: list[SpecIssue] = []
        self._active: set[int] = set()
        self._depth = 0
        self._aliases: list[yaml.Mark] = []  # the aliases being expanded, outermost first
        self._alias_values = 0
        self._stopped = False  # a bound was exceeded: stop building, one issue is enough

    def build(
        self, node: Node, loc: tuple[Any, ...], alias: yaml.Mark | None = None
    ) -> tuple[Any, PositionNode]:
        """Plain data and positions of ``node``; ``alias``: where it is used through an alias."""
        if self._stopped or self._exceeds_bounds(node, loc, alias):
            return None, PositionNode(_mark(node))
        if id(node) in self._active:
            self._issue(loc, node, "an alias refers to the mapping or list that contains it")
            return None, PositionNode(_mark(node))
        self._active.add(id(node))
        self._depth += 1
        if alias is not None:
            self._aliases.append(alias)
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, loc)
            if isinstance(node, SequenceNode):
                return self._sequence(node, loc)
            return self._scalar(node, loc), PositionNode(_mark(node))
        finally:
            self._active.discard(id(node))
            self._depth -= 1
            if alias is not None:
                self._aliases.pop()

    def _exceeds_bounds(self, node: Node, loc: tuple[Any, ...], alias: yaml.Mark | None) -> bool:
        """Whether building ``node`` here would pass a bound (then one issue, at the alias)."""
        if self._aliases or alias is not None:
            self._alias_values += 1
        problem = None
        if alias is not None and len(self._aliases) >= MAX_ALIAS_DEPTH:
            problem = (
                f"aliases nest more than {MAX_ALIAS_DEPTH} deep here (an alias whose anchor "
                "holds aliases, and so on); write the values out or use fewer levels"
            )
        elif self._alias_values > MAX_ALIAS_VALUES:
            problem = (
                f"the aliases expand to more than {MAX_ALIAS_VALUES:,} values; a spec needs "
                "far fewer (is this an alias bomb?): write the values out or use fewer aliases"
            )
        elif self._depth >= MAX_DEPTH:
            problem = f"the spec nests more than {MAX_DEPTH} levels deep (aliases expanded)"
        if problem is None:
            return False
        # At the outermost alias: the use that set off the expansion.
        mark = (self._aliases[0] if self._aliases else alias) or node.start_mark
        self.issues.append(SpecIssue(loc, problem, mark.line + 1, mark.column + 1))
        self._stopped = True
        return True

    def _alias_at(self, parent: Node, index: object) -> yaml.Mark | None:
        at = id(index) if isinstance(index, Node) else index
        return self.loader.alias_marks.get((id(parent), at))

    def _issue(self, loc: tuple[Any, ...], node: Node, message: str) -> None:
        self.issues.append(SpecIssue(loc, message, *_mark(node)))

    def _scalar(self, node: Node, loc: tuple[Any, ...]) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._issue(loc, node, _unsupported_tag(node.tag))
            return None
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as error:
            msg = f"cannot read the value {show(node.value)}: {str(error)[:200]}"
            self._issue(loc, node, msg)
            return None

    def _sequence(self, node: SequenceNode, loc: tuple[Any, ...]) -> tuple[Any, PositionNode]:
        if node.tag != _TAG + "seq":
            self._issue(loc, node, _unsupported_tag(node.tag))
        items, positions = [], []
        for index, child in enumerate(node.value):
            value, position = self.build(child, (*loc, index), self._alias_at(node, index))
            items.append(value)
            positions.append(position)
        return items, PositionNode(_mark(node), children=positions)

    def _mapping(self, node: MappingNode, loc: tuple[Any, ...]) -> tuple[Any, PositionNode]:
        if node.tag != _TAG + "map":
            self._issue(loc, node, _unsupported_tag(node.tag))
        result: dict[Any, Any] = {}
        positions: dict[object, PositionNode] = {}
        merged: set[object] = set()
        for key_node, value_node in node.value:
            if key_node.tag == _MERGE_TAG:
                self._merge(node, key_node, value_node, loc, result, positions, merged)
                continue
            if not isinstance(key_node, ScalarNode):
                self._issue(loc, key_node, "a key must be a plain value, not a list or mapping")
                continue
            key = self._scalar(key_node, loc)
            if key in result and key not in merged:
                first = positions[key].key or positions[key].value
                self._issue(
                    (*loc, key), key_node, f"duplicate key {show(key)} (first at line {first[0]})"
                )
                continue
            value, position = self.build(value_node, (*loc, key), self._alias_at(node, key_node))
            position.key = _mark(key_node)
            result[key] = value
            positions[key] = position
            merged.discard(key)
        return result, PositionNode(_mark(node), children=positions)

    def _merge(
        self,
        node: MappingNode,
        key_node: Node,
        value_node: Node,
        loc: tuple[Any, ...],
        result: dict[Any, Any],
        positions: dict[object, PositionNode],
        merged: set[object],
    ) -> None:
        """Apply a ``<<: *anchor`` merge: its keys, unless the mapping sets them itself."""
        if isinstance(value_node, SequenceNode):
            sources = [(s, self._alias_at(value_node, i)) for i, s in enumerate(value_node.value)]
        else:
            sources = [(value_node, self._alias_at(node, key_node))]
        for source, alias in sources:
            if not isinstance(source, MappingNode):
                self._issue(loc, source, "'<<' merges only mappings")
                continue
            if id(source) in self._active:
                at = alias or source.start_mark
                msg = "'<<' merges the mapping that contains it (the alias refers to itself)"
                self.issues.append(SpecIssue(loc, msg, at.line + 1, at.column + 1))
                continue
            data, tree = self.build(source, loc, alias)
            if not isinstance(data, dict) or not isinstance(tree.children, dict):
                continue  # a problem already reported
            for key, value in data.items():
                if key not in result:
                    result[key] = value
                    positions[key] = tree.children[key]
                    merged.add(key)
