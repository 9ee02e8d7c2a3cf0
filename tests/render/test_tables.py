"""The printed table of a section: empty combinations of several group keys are left out."""

from __future__ import annotations

import pandas as pd

from reportgen.render.views import ColumnMeta, table_block
from reportgen.spec.models import AnalysisSection, Spec

SPEC = Spec.model_validate(
    {
        "report": {"title": "T"},
        "data": {"t": {"path": "t.csv"}},
        "metrics": {"n": "count(t)"},
        "sections": [{"id": "s", "title": "S", "query": {"by": ["a", "b"], "metrics": ["n", "m"]}}],
    }
)
META = {
    "a": ColumnMeta("A", "text"),
    "b": ColumnMeta("B", "text"),
    "n": ColumnMeta("N", "integer"),
    "m": ColumnMeta("M", "decimal"),
}


def test_empty_combinations_are_left_out_of_the_printed_table_only() -> None:
    section = SPEC.sections[0]
    assert isinstance(section, AnalysisSection)
    result = pd.DataFrame(
        {
            "a": ["x", "x", "y", "y"],
            "b": ["p", "q", "p", "q"],
            "n": [3, 0, 0, 5],
            "m": [1.5, float("nan"), float("nan"), 2.0],
        }
    )
    block = table_block(SPEC, section, result, META)
    assert block is not None
    assert [row[:2] for row in block.rows] == [["x", "p"], ["y", "q"]]
    assert "2 combinations with no rows are left out" in block.note
    assert len(result) == 4  # the export keeps them
