"""A batch whose values differ only by one global filter ``column == value`` → the executors
that compute every value's sections in one pass (``engine.split``), or None when the spec does
more with the parameter than that (each value is then computed on its own)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reportgen.engine.plan import Executor
from reportgen.engine.split import SharedPass, SplitExecutor
from reportgen.model import expr as ex
from reportgen.model.build import build_model
from reportgen.model.semantic import Model
from reportgen.spec.models import AggregateField, Spec
from reportgen.stages.job import BuildJob


@dataclass(frozen=True)
class ValueFilter:
    """The global filter that makes a value's report: ``name``, on ``table``, ``ref == value``."""

    name: str
    table: str
    ref: ex.Ref


def value_filter(
    probe: BuildJob, probe_value: str, values: list[str], jobs: list[BuildJob]
) -> ValueFilter | None:
    """The one filter the values change, when every value's spec is the probe's with that
    filter's value replaced (and nothing else the parameter touches filters rows)."""
    spec = probe.spec
    found = []
    for name, spec_filter in spec.filters.items():
        node = ex.parse(spec_filter.where)
        if (
            isinstance(node, ex.Compare)
            and node.op == "=="
            and isinstance(node.left, ex.Ref)
            and node.right == ex.Const(probe_value)
        ):
            found.append(ValueFilter(name, spec_filter.on, node.left))
    if len(found) != 1:
        return None
    chosen = found[0]
    field = spec.fields.get(chosen.ref.name)
    if chosen.ref.table not in (None, chosen.table) or (
        field is not None and field.on != chosen.table
    ):
        return None  # the column must live on the filtered table itself
    if field is None and chosen.ref.name not in probe.model.columns.get(chosen.table, []):
        return None
    for value, job in zip(values, jobs, strict=True):
        expected = {**spec.filters}
        expected[chosen.name] = spec.filters[chosen.name].model_copy(
            update={"where": ex.to_text(ex.Compare("==", chosen.ref, ex.Const(value)))}
        )
        if job.spec.filters != expected:
            return None
    if not fields_agree(probe.model, chosen.table):
        return None
    return chosen


def fields_agree(model: Model, table: str) -> bool:
    """Whether every aggregate field has the same value, for the rows a value keeps, with and
    without the value's filter: true unless it aggregates rows the filter reaches into a table
    the filter does not (a per-product count of one region's order lines)."""
    for spec_field in model.spec.fields.values():
        if not isinstance(spec_field, AggregateField):
            continue
        source = spec_field.over or (spec_field.of or "").split(".")[0]
        if source not in model.columns:
            return False
        if table in model.reachable(source) and table not in model.reachable(spec_field.on):
            return False
    return True


def without_filter(spec: Spec, name: str) -> Spec:
    return spec.model_copy(update={"filters": {n: f for n, f in spec.filters.items() if n != name}})


def split_executors(
    probe: BuildJob,
    chosen: ValueFilter,
    make: Callable[[Model], Executor],
    share_fields: Callable[[Executor, Executor], None],
) -> Callable[[BuildJob, str], Executor]:
    """A maker of each value's executor over one shared pass (``make``: an executor over the
    loaded frames for a model; ``share_fields``: lets a value's executor use the pass's
    derived fields, which ``fields_agree`` made safe)."""
    base_model, issues = build_model(without_filter(probe.spec, chosen.name), probe.model.columns)
    assert not issues  # the probe's spec resolved; one filter fewer resolves too
    base = make(base_model)
    shared = SharedPass(base, str(chosen.ref), chosen.table)

    def for_value(job: BuildJob, value: str) -> Executor:
        own = make(job.model)
        share_fields(own, base)
        return SplitExecutor(own, shared, value)

    return for_value
