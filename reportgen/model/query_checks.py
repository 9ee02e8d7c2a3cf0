"""An analysis section's query against the model: its metrics, groups, row filter, sort,
min_support, having, chart and table columns → located problems."""

from __future__ import annotations

from reportgen.errors import SpecIssue, did_you_mean
from reportgen.model import expr as ex
from reportgen.model.section_checks import check_chart, check_having, metrics_in_where
from reportgen.model.semantic import Loc, Model, all_atoms, resolve_text
from reportgen.spec.models import AnalysisSection


def check_sections(model: Model, issues: list[SpecIssue]) -> None:
    for index, section in enumerate(model.spec.sections):
        if not isinstance(section, AnalysisSection):
            continue
        base: Loc = ("sections", index)
        query = section.query
        before_query = len(issues)
        for m_index, metric in enumerate(query.metrics):
            if metric not in model.spec.metrics:
                hint = did_you_mean(metric, model.spec.metrics)
                issues.append(
                    SpecIssue(
                        (*base, "query", "metrics", m_index), f"unknown metric '{metric}'{hint}"
                    )
                )
        tables = {a.over for m in query.metrics if m in model.metrics for a in all_atoms(model, m)}
        for b_index, text in enumerate(query.by):
            for table in sorted(tables):
                before = len(issues)
                resolve_text(model, text, table, (*base, "query", "by", b_index), "name", issues)
                if len(issues) > before:
                    break
        visible = {n for table in tables for t in model.reachable(table) for n in model.names_on(t)}
        where_metrics = metrics_in_where(section, base, visible.__contains__)
        issues.extend(where_metrics)
        if query.where and not where_metrics:
            for table in sorted(tables):
                before = len(issues)
                resolve_text(
                    model, query.where, table, (*base, "query", "where"), "condition", issues
                )
                if len(issues) > before:
                    break
        if len(issues) > before_query:
            continue  # the result's columns are unknown until the query is fixed
        outputs = [ex.Ref(None, t.split(".")[-1]).name for t in query.by] + list(query.metrics)
        colliding = _colliding_outputs(section, base, outputs)
        if colliding:
            issues.extend(colliding)
            continue  # one column of the result would overwrite another
        if query.sort:
            name = query.sort.lstrip("-")
            if name not in outputs:
                hint = did_you_mean(name, outputs)
                issues.append(
                    SpecIssue(
                        (*base, "query", "sort"),
                        f"cannot sort by '{name}': not a column of the result{hint}",
                    )
                )
        if query.min_support is not None and query.min_support.metric not in query.metrics:
            name = query.min_support.metric
            hint = did_you_mean(name, query.metrics)
            issues.append(
                SpecIssue(
                    (*base, "query", "min_support", "metric"),
                    f"min_support needs one of the query's metrics, not '{name}' "
                    f"(metrics: {', '.join(query.metrics)}){hint}",
                )
            )
        issues.extend(check_having(section, base, outputs))
        if section.chart is not None:
            before_chart = len(issues)
            named = [("x", section.chart.x), ("color", section.chart.color)]
            named += [("y", measure) for measure in section.chart.measures]
            for key, value in named:
                if value is not None and value not in outputs:
                    hint = did_you_mean(value, outputs)
                    issues.append(
                        SpecIssue(
                            (*base, "chart", key),
                            f"'{value}' is not a column of the result (columns: {', '.join(outputs)}){hint}",
                        )
                    )
            if len(issues) == before_chart:
                groups = [t.split(".")[-1] for t in query.by]
                issues.extend(check_chart(section, base, groups))
        if section.table.columns:
            for c_index, column in enumerate(section.table.columns):
                if column not in outputs:
                    hint = did_you_mean(column, outputs)
                    issues.append(
                        SpecIssue(
                            (*base, "table", "columns", c_index),
                            f"'{column}' is not a column of the result{hint}",
                        )
                    )


def _colliding_outputs(section: AnalysisSection, base: Loc, outputs: list[str]) -> list[SpecIssue]:
    """Two of the result's columns with one name (a metric named like a group column, a
    metric listed twice, two group columns of one name from different tables): the second
    would overwrite the first, with exit 0. Located at the second."""
    query = section.query
    places: list[Loc] = [(*base, "query", "by", i) for i in range(len(query.by))]
    places += [(*base, "query", "metrics", i) for i in range(len(query.metrics))]
    issues: list[SpecIssue] = []
    seen: dict[str, int] = {}
    for index, name in enumerate(outputs):
        if name not in seen:
            seen[name] = index
            continue
        first_is_group = seen[name] < len(query.by)
        second_is_group = index < len(query.by)
        if first_is_group and not second_is_group:
            why = (
                f"'{name}' is both a group column and a metric of this query: the result "
                f"would hold one column '{name}', the metric's numbers in place of the groups; "
                f"rename the metric (e.g. '{name}_value' under metrics:)"
            )
        elif second_is_group:
            why = (
                f"two group columns are named '{name}' (the last part of "
                f"'{query.by[seen[name]]}' and '{query.by[index]}'); group by one of them, or "
                "declare a field with another name for the other"
            )
        else:
            why = f"the metric '{name}' is listed twice; list it once"
        issues.append(SpecIssue(places[index], why))
    return issues
