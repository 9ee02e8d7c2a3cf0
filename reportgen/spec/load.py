"""A spec file's path in, a validated ``Spec`` with the positions of its parts out.

Everything wrong with the file is reported at once as a ``SpecError``: YAML syntax, duplicate
keys, every model error (reworded by ``friendly``) and the spec-only checks of ``checks``. Later
stages report their own findings through ``raise_located``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NoReturn

from pydantic import ValidationError

from reportgen.errors import SpecError, SpecIssue
from reportgen.spec.checks import spec_checks
from reportgen.spec.friendly import friendly_issues
from reportgen.spec.models import Spec
from reportgen.spec.positions import Positions
from reportgen.spec.yaml_reader import read_yaml


@dataclass(frozen=True)
class LoadedSpec:
    """A valid spec, the file it came from (as the user typed it), its folder, and positions."""

    spec: Spec
    path: Path
    base_dir: Path
    positions: Positions
    params: Mapping[str, str | int | float] = field(default_factory=dict)  # the bound values


def load_spec(path: Path) -> LoadedSpec:
    """Read, validate and check the spec at ``path``; raise ``SpecError`` listing every problem."""
    document = read_yaml(path)
    issues: list[SpecIssue] = []
    spec: Spec | None = None
    try:
        spec = Spec.model_validate(document.data)
    except ValidationError as error:
        issues.extend(friendly_issues(error, Spec, document.data, document.positions))
    issues.extend(spec_checks(document.data, document.positions))
    if issues or spec is None:
        raise SpecError(path, locate_issues(document.positions, issues))
    return LoadedSpec(
        spec=spec,
        path=path,
        base_dir=path.resolve().parent,
        positions=document.positions,
    )


def locate_issues(positions: Positions, issues: Iterable[SpecIssue]) -> list[SpecIssue]:
    """Fill in the line and column of issues that have none, from their ``loc``."""
    located = []
    for issue in issues:
        if issue.line is None:
            line, column = positions.find(issue.loc)
            issue = replace(issue, line=line, column=column)
        located.append(issue)
    return located


def raise_located(loaded: LoadedSpec, issues: list[SpecIssue]) -> NoReturn:
    """Raise a ``SpecError`` for ``issues`` (found after loading), each at its ``loc``'s position."""
    raise SpecError(loaded.path, locate_issues(loaded.positions, issues))
