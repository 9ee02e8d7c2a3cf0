"""A YAML file in, plain Python data and the position of every key and value out.

Only plain YAML values are built: mappings, lists, strings, numbers, ``true``/``false`` and
``null``. Two deliberate departures from PyYAML's YAML 1.1 defaults keep a spec predictable: only
``true``/``false`` are booleans (``yes``, ``no``, ``on``, ``off`` stay text, as in YAML 1.2), and
dates stay text. Syntax errors, duplicate keys and unsupported tags become a located ``SpecError``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from reportgen.errors import SpecError, SpecIssue, UsageError
from reportgen.spec.positions import PositionNode, Positions
from reportgen.spec.yaml_syntax import syntax_issue

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {_TAG + name for name in ("str", "int", "float", "bool", "null")}
_MERGE_TAG = _TAG + "merge"

EMPTY_SPEC = "the spec is empty; expected a mapping with 'report', 'data', 'metrics' and 'sections'"


class _SpecLoader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 booleans and without implicit dates."""


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


def read_text(path: Path) -> str:
    """The spec file's text; a ``UsageError`` (missing, unreadable) or ``SpecError`` (not UTF-8)."""
    try:
        raw = path.read_bytes()
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
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before) - (before.rfind(b"\n") + 1) + 1
        msg = f"the file is not UTF-8 text (byte 0x{raw[error.start]:02x}); save it as UTF-8"
        raise SpecError(path, [SpecIssue((), msg, line, column)]) from None


def read_yaml(path: Path) -> YamlDocument:
    """Read a spec file: plain data whose top level is a mapping, with positions."""
    text = read_text(path)
    return parse_yaml(text, path)


def parse_yaml(text: str, file: str | Path) -> YamlDocument:
    """Parse YAML text (``file`` names it in errors) into a top-level mapping with positions."""
    try:
        loader = _SpecLoader(text)
        root = loader.get_single_node()
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
    return f"a single value ({value!r})"


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

    def build(self, node: Node, loc: tuple[Any, ...]) -> tuple[Any, PositionNode]:
        if id(node) in self._active:
            self._issue(loc, node, "an alias refers to the mapping or list that contains it")
            return None, PositionNode(_mark(node))
        self._active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self._mapping(node, loc)
            if isinstance(node, SequenceNode):
                return self._sequence(node, loc)
            return self._scalar(node, loc), PositionNode(_mark(node))
        finally:
            self._active.discard(id(node))

    def _issue(self, loc: tuple[Any, ...], node: Node, message: str) -> None:
        self.issues.append(SpecIssue(loc, message, *_mark(node)))

    def _scalar(self, node: Node, loc: tuple[Any, ...]) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self._issue(loc, node, _unsupported_tag(node.tag))
            return None
        try:
            return self.loader.construct_object(node, deep=True)
        except (yaml.YAMLError, ValueError) as error:
            msg = f"cannot read the value {node.value!r}: {error}"
            self._issue(loc, node, msg)
            return None

    def _sequence(self, node: SequenceNode, loc: tuple[Any, ...]) -> tuple[Any, PositionNode]:
        if node.tag != _TAG + "seq":
            self._issue(loc, node, _unsupported_tag(node.tag))
        items, positions = [], []
        for index, child in enumerate(node.value):
            value, position = self.build(child, (*loc, index))
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
                self._merge(value_node, loc, result, positions, merged)
                continue
            if not isinstance(key_node, ScalarNode):
                self._issue(loc, key_node, "a key must be a plain value, not a list or mapping")
                continue
            key = self._scalar(key_node, loc)
            if key in result and key not in merged:
                first = positions[key].key or positions[key].value
                self._issue(
                    (*loc, key), key_node, f"duplicate key '{key}' (first at line {first[0]})"
                )
                continue
            value, position = self.build(value_node, (*loc, key))
            position.key = _mark(key_node)
            result[key] = value
            positions[key] = position
            merged.discard(key)
        return result, PositionNode(_mark(node), children=positions)

    def _merge(
        self,
        value_node: Node,
        loc: tuple[Any, ...],
        result: dict[Any, Any],
        positions: dict[object, PositionNode],
        merged: set[object],
    ) -> None:
        """Apply a ``<<: *anchor`` merge: its keys, unless the mapping sets them itself."""
        sources = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
        for source in sources:
            if not isinstance(source, MappingNode):
                self._issue(loc, source, "'<<' merges only mappings")
                continue
            data, tree = self.build(source, loc)
            assert isinstance(tree.children, dict)
            for key, value in data.items():
                if key not in result:
                    result[key] = value
                    positions[key] = tree.children[key]
                    merged.add(key)
