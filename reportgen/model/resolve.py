"""A spec file and its data headers → the resolved model, every problem located at once.

Only the headers of the data files are read. When the spec has structural problems (a misspelt
key, a wrong type), the entries they sit in are set aside and the rest is still resolved
against the data, so one run reports the unknown columns and names too, each at its line.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from reportgen.data.read import read_header
from reportgen.data.undeclared import undeclared_hints
from reportgen.errors import ReportgenError, SpecError, SpecIssue
from reportgen.model.build import build_model
from reportgen.model.params import bind
from reportgen.model.semantic import Model
from reportgen.spec.checks import spec_checks
from reportgen.spec.load import LoadedSpec, load_spec, locate_issues, raise_located
from reportgen.spec.models import Spec
from reportgen.spec.positions import Positions
from reportgen.spec.recover import without_problems
from reportgen.spec.yaml_reader import read_yaml

Columns = dict[str, list[str]]  # each table's header


def resolve(spec: Spec, base_dir: Path) -> tuple[Model, Columns, list[SpecIssue]]:
    """The model of ``spec`` over the data headers (only they are read), and its problems."""
    columns = {name: read_header(name, table, base_dir) for name, table in spec.data.items()}
    model, issues = build_model(spec, columns)
    return model, columns, undeclared_hints(spec, base_dir, columns, issues)


def check_headers(loaded: LoadedSpec) -> tuple[Model, Columns]:
    """Read only the data headers and resolve every name of the spec against them."""
    model, columns, issues = resolve(loaded.spec, loaded.base_dir)
    if issues:
        raise_located(loaded, issues)
    return model, columns


def load_and_resolve(
    spec_path: Path,
    params: Mapping[str, str] | None = None,
    *,
    require_params: bool = True,
    loaded: LoadedSpec | None = None,
) -> tuple[LoadedSpec, Model, Columns]:
    """The spec loaded, its parameters bound (``params``: the values given on the command
    line; see ``model.params``) and resolved against the data headers; a ``SpecError`` lists
    every problem, the structural ones and those of the rest of the spec. ``loaded``: the spec
    as already read from ``spec_path`` (a batch binds it once per value)."""
    try:
        loaded = loaded or load_spec(spec_path)
    except SpecError as error:
        more = _issues_of_the_rest(spec_path, error.issues)
        if more:
            raise SpecError(error.file, [*error.issues, *more]) from None
        raise
    loaded = bind(loaded, params, require=require_params)
    model, columns = check_headers(loaded)
    return loaded, model, columns


def _issues_of_the_rest(spec_path: Path, found: list[SpecIssue]) -> list[SpecIssue]:
    """Resolve the spec without what ``found`` points at; [] when the rest cannot be resolved.

    First only the offending keys are dropped (a misspelt option falls back to its default);
    failing that, the whole field, metric, filter or section they sit in is set aside, and the
    problems that only name a set-aside entry are not repeated.
    """
    try:
        document = read_yaml(spec_path)
    except ReportgenError:
        return []
    for data, set_aside in without_problems(document.data, found):
        resolved = _resolve_quietly(spec_path, data, document.positions)
        if resolved is not None:
            kept = [i for i in resolved if not any(f"'{n}'" in i.message for n in set_aside)]
            return locate_issues(document.positions, kept)
    return []


def _resolve_quietly(spec_path: Path, data: Any, positions: Positions) -> list[SpecIssue] | None:
    """The semantic problems of a spec given as data, or None if it does not even load."""
    try:
        spec = Spec.model_validate(data)
    except ValidationError:
        return None
    if spec_checks(data, positions):
        return None
    try:
        return resolve(spec, spec_path.resolve().parent)[2]
    except ReportgenError:
        return None
