"""Every title and text of a spec → located spec issues, found without reading a data row,
and the sections whose totals the texts quote.

Each template is rendered against specimen results (the columns each section's result will
have, made-up numbers), so an unknown name fails ``validate`` and the build before any data
is loaded.
"""

from __future__ import annotations

import re

from reportgen.errors import SpecIssue
from reportgen.model.params import text_values
from reportgen.model.semantic import Model
from reportgen.render.views import render_section_text, specimen_contexts, specimen_data_context
from reportgen.spec.load import LoadedSpec, raise_located
from reportgen.spec.models import AnalysisSection, SectionSpec, Spec


def check_narratives(loaded: LoadedSpec, model: Model, *, only_params: bool = False) -> None:
    """Raise a ``SpecError`` listing every unknown name in the titles and texts
    (``only_params``: the texts were checked for another value of the parameters, so only
    those that name ``params`` are checked again)."""
    spec = loaded.spec
    checked = [
        (index, section)
        for index, section in enumerate(spec.sections)
        if not only_params or _PARAMS.search(" ".join(_templates(section)))
    ]
    if not checked:
        return
    analysis = [s for s in spec.sections if isinstance(s, AnalysisSection)]
    contexts = specimen_contexts(model, analysis)
    extra = {**specimen_data_context(model), "params": text_values(loaded)}
    issues: list[SpecIssue] = []
    for index, section in checked:
        render_section_text(spec, index, section, contexts, extra, issues)
    if issues:
        raise_located(loaded, issues)


_TEMPLATE_CODE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}", re.DOTALL)
_PARAMS = re.compile(r"\bparams\b")


def _templates(section: SectionSpec) -> list[str]:
    """The section's title, chart title and text: its templates."""
    templates = [section.title, section.text or ""]
    if isinstance(section, AnalysisSection) and section.chart is not None:
        templates.append(section.chart.title or "")
    return templates


_OWN_TOTAL = re.compile(r"(?<![\w.'\"])total\b")
_SECTION_TOTAL = re.compile(
    r"""sections\s*(?:\[\s*(['"])(?P<quoted>[^'"]+)\1\s*\]|\.\s*(?P<bare>\w+))"""
    r"""\s*(?:\.\s*total\b|\[\s*['"]total['"]\s*\])"""
)


def sections_with_total(spec: Spec) -> set[str]:
    """The analysis sections whose ``total`` a template quotes: ``total`` in the section's own
    title, chart title or text, or ``sections['id'].total`` in any section's. Each total is
    one more pass over the data, so only these are computed."""
    analysis = {s.id for s in spec.sections if isinstance(s, AnalysisSection)}
    found: set[str] = set()
    for section in spec.sections:
        templates = _templates(section)
        code = " ".join(m.group(0) for t in templates for m in _TEMPLATE_CODE.finditer(t))
        if section.id in analysis and _OWN_TOTAL.search(code):
            found.add(section.id)
        for match in _SECTION_TOTAL.finditer(code):
            found.add(match.group("quoted") or match.group("bare"))
    return found & analysis
