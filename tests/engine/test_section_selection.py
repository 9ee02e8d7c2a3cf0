"""``--section``: only the chosen sections and the sections their text quotes are planned and
computed (counted through the build's stats, not timed)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from reportgen.engine.plan import sections_needed
from reportgen.pipeline import BuildOptions, BuildStats, build
from reportgen.spec.load import load_spec
from reportgen.spec.models import AnalysisSection, Spec

ROOT = Path(__file__).resolve().parents[2]


def shipped() -> Spec:
    return load_spec(ROOT / "report.yaml").spec


def with_text(spec: Spec, section_id: str, text: str) -> Spec:
    sections = [
        s.model_copy(update={"text": text}) if s.id == section_id else s for s in spec.sections
    ]
    return spec.model_copy(update={"sections": sections})


def test_a_chosen_section_alone_needs_only_itself() -> None:
    assert sections_needed(shipped(), {"orders-by-day"}) == {"orders-by-day"}


def test_no_choice_needs_every_analysis_section() -> None:
    spec = shipped()
    analysis = {s.id for s in spec.sections if isinstance(s, AnalysisSection)}
    assert len(analysis) > 10
    assert sections_needed(spec, set()) == analysis


def test_text_that_quotes_other_sections_needs_them() -> None:
    # The recommendations quote these sections (read off report.yaml by hand).
    quoted = {
        "orders-by-day",
        "orders-by-hour",
        "spending-by-time",
        "item-price-by-hour",
        "departments",
        "loyalty-habits",
        "loyalty",
        "regions",
        "profile-habits",
        "goods-profiles",
    }
    assert sections_needed(shipped(), {"recommendations"}) == quoted
    spec = with_text(
        shipped(), "loyalty", "{{ sections.regions.top.region }} and {{ top.loyalty }}"
    )
    assert sections_needed(spec, {"loyalty"}) == {"loyalty", "regions"}


def test_text_that_reads_sections_another_way_needs_them_all() -> None:
    spec = with_text(shipped(), "loyalty", "{% for s in sections %}{{ s }}{% endfor %}")
    assert sections_needed(spec, {"loyalty"}) == sections_needed(spec, set())
    # Words in plain text (not template code) are not references.
    spec = with_text(shipped(), "loyalty", "Other sections show more. {{ top.loyalty }}")
    assert sections_needed(spec, {"loyalty"}) == {"loyalty"}


def test_one_section_computes_at_most_half_of_the_whole_report(
    new_project: Callable[[int, int], Path], planned: Callable[[Path], Any], tmp_path: Path
) -> None:
    project = new_project(2000, 5)
    stats = BuildStats()
    options = BuildOptions(
        formats=("html",),
        output_dir=tmp_path / "out",
        sections=("orders-by-day",),
        use_cache=False,
        quiet=True,
    )
    build(project / "report.yaml", options, stats=stats)
    # The whole report aggregates every atom of every section at least once.
    whole = sum(len(plan.atoms) for plan in planned(project / "report.yaml").plans.values())
    assert stats.sections_planned == stats.sections_computed == 1
    assert 0 < stats.atoms_computed <= whole / 2
    html = (tmp_path / "out" / "instacart-basket-analysis.html").read_text(encoding="utf-8")
    assert 'id="orders-by-day"' in html
