"""Where things are in the YAML file: a ``loc`` path of keys and indexes in, a (line, column) out.

Lines and columns are 1-based. A ``loc`` such as ``("sections", 3, "chart", "type")`` names a value
by the mapping keys and list indexes that lead to it, the same path pydantic reports in its errors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

Loc = tuple[str | int, ...]
Position = tuple[int, int]


@dataclass
class PositionNode:
    """One YAML node: where its value starts, where its key starts (mapping values), its children."""

    value: Position
    key: Position | None = None
    children: dict[object, PositionNode] | list[PositionNode] | None = None

    def child(self, step: str | int) -> PositionNode | None:
        """The child at ``step``: a list index, or a mapping key (compared as text if need be)."""
        if isinstance(self.children, list):
            if (
                isinstance(step, int)
                and not isinstance(step, bool)
                and 0 <= step < len(self.children)
            ):
                return self.children[step]
            return None
        if isinstance(self.children, dict):
            if step in self.children:
                return self.children[step]
            for key, node in self.children.items():
                if str(key) == str(step):
                    return node
        return None


@dataclass
class Positions:
    """The position of every key and value of a YAML document, addressable by ``loc``."""

    root: PositionNode = field(default_factory=lambda: PositionNode(value=(1, 1)))

    def _walk(self, loc: Sequence[str | int]) -> tuple[PositionNode, bool]:
        """The node at ``loc``, or its nearest existing ancestor; and whether it was found exactly."""
        node = self.root
        for step in loc:
            child = node.child(step)
            if child is None:
                return node, False
            node = child
        return node, True

    def exists(self, loc: Sequence[str | int]) -> bool:
        """Whether ``loc`` names a node of the document."""
        return self._walk(loc)[1]

    def find(self, loc: Sequence[str | int]) -> Position:
        """Where the value at ``loc`` starts; if there is none, where its nearest ancestor is.

        For a missing key the ancestor is the mapping that lacks it; it is shown by its own key
        (``report:``) when it has one, else by where it starts (a list item, the document).
        """
        node, exact = self._walk(loc)
        if exact:
            return node.value
        return node.key or node.value

    def find_key(self, loc: Sequence[str | int]) -> Position:
        """Where the key of the mapping entry at ``loc`` starts (its value's start for list items)."""
        node, _ = self._walk(loc)
        return node.key or node.value
