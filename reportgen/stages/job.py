"""A spec path and the command line's options → the build job: the spec resolved against the
data headers, its texts checked, every section planned, the engine chosen and the outputs
checked, all before any data row is read."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from reportgen.engine.plan import SectionPlan, needed_columns, plan_section, sections_needed
from reportgen.engine.results_cache import ResultsCache
from reportgen.errors import UsageError, did_you_mean
from reportgen.model.resolve import load_and_resolve
from reportgen.model.semantic import Model
from reportgen.render.text_check import check_narratives, sections_with_total
from reportgen.spec.load import LoadedSpec
from reportgen.spec.models import AnalysisSection, Spec
from reportgen.stages.execute import EngineChoice
from reportgen.stages.outputs import build_date, check_outputs, slug_of
from reportgen.stages.param_values import check_values_of
from reportgen.stages.writers import WRITERS, OutputNames, with_exports


@dataclass(frozen=True)
class BuildOptions:
    """What the command line asked for."""

    formats: tuple[str, ...] = ("html", "pdf", "xlsx", "csv", "charts")
    output_dir: Path | None = None
    sections: tuple[str, ...] = ()
    engine: str | None = None
    scheduler: str | None = None
    use_cache: bool = True
    quiet: bool = False
    params: tuple[tuple[str, str], ...] = ()  # --param NAME=VALUE, in order


@dataclass(frozen=True)
class BuildJob:
    """Everything decided before the data is read."""

    loaded: LoadedSpec
    model: Model
    sections: dict[str, AnalysisSection]  # the analysis sections by id, in the spec's order
    plans: dict[str, SectionPlan]  # the sections computed (--section: the chosen and those
    # their texts quote), by id in the spec's order
    selected: frozenset[str]  # --section ids; empty: all
    totals: frozenset[str]  # the sections whose total a text quotes
    needed: dict[str, set[str]]  # the columns to load per table
    engine: EngineChoice
    store: ResultsCache | None  # the results cache; None under --no-cache
    out_dir: Path  # as given, else output/ beside the spec
    out_dir_given: bool  # --output-dir: its parent folder must exist
    out_root: Path  # its real path, fixed when the build starts
    slug: str  # the outputs' base name
    build_date: str
    formats: tuple[str, ...]  # those asked for and the CSV exports

    @property
    def spec(self) -> Spec:
        return self.loaded.spec

    @property
    def exported(self) -> list[str]:
        """The sections whose tables are written as CSV: the selected ones."""
        return [sid for sid in self.plans if not self.selected or sid in self.selected]

    @property
    def draws_charts(self) -> bool:
        """Whether a section has a chart and a format asked for shows it (``--format csv`` or
        ``xlsx`` alone: no chart is drawn, converted or kept, no converter starts)."""
        return any(WRITERS[kind].shows_charts for kind in self.formats) and any(
            section.chart for section in self.sections.values()
        )

    @property
    def names(self) -> OutputNames:
        """What the output paths depend on: the folder, the slug, the sections written."""
        charted = [sid for sid in self.exported if self.sections[sid].chart is not None]
        return OutputNames(self.out_dir, self.slug, self.exported, charted)


def plan_job(
    spec_path: Path,
    options: BuildOptions,
    loaded: LoadedSpec | None = None,
    *,
    texts_checked: bool = False,
) -> BuildJob:
    """Load and check the spec, plan the sections needed, choose the engine, check the outputs
    (``loaded``: the spec already read, its parameters not bound yet; ``texts_checked``: its
    texts were checked with other parameter values, so only those naming ``params`` are)."""
    loaded, model, _ = load_and_resolve(spec_path, dict(options.params), loaded=loaded)
    check_values_of(loaded, model)
    spec = loaded.spec
    selected = select_sections(spec, options.sections)
    sections = {s.id: s for s in spec.sections if isinstance(s, AnalysisSection)}
    computed = sections_needed(spec, selected)  # --section: the chosen and what they quote
    plans = {sid: plan_section(model, s) for sid, s in sections.items() if sid in computed}
    check_narratives(loaded, model, only_params=texts_checked)
    out_dir = options.output_dir or loaded.base_dir / "output"
    job = BuildJob(
        loaded=loaded,
        model=model,
        sections=sections,
        plans=plans,
        selected=frozenset(selected),
        totals=frozenset(sections_with_total(spec)),
        needed=needed_columns(model, plans.values()),
        engine=EngineChoice(
            name=options.engine or spec.settings.engine,
            scheduler=options.scheduler,
            base_dir=loaded.base_dir,
            cache_dir=loaded.base_dir / ".reportgen-cache" if options.use_cache else None,
        ),
        store=results_store(loaded.base_dir, options.use_cache),
        out_dir=out_dir,
        out_dir_given=options.output_dir is not None,
        out_root=Path(os.path.realpath(out_dir)),
        slug=slug_of(spec),
        build_date=build_date(spec, loaded.base_dir),
        formats=with_exports(options.formats),
    )
    check_outputs(loaded, job.names, job.formats)
    return job


def select_sections(spec: Spec, wanted: tuple[str, ...]) -> set[str]:
    """The --section ids, each checked against the spec's sections (a usage error)."""
    ids = [s.id for s in spec.sections]
    for section_id in wanted:
        if section_id not in ids:
            msg = f"--section {section_id}: no section with that id{did_you_mean(section_id, ids)}"
            raise UsageError(msg)
    return set(wanted)


def results_store(base_dir: Path, use_cache: bool) -> ResultsCache | None:
    """The results cache, or None under --no-cache or REPORTGEN_NO_RESULTS_CACHE=1."""
    if not use_cache or os.environ.get("REPORTGEN_NO_RESULTS_CACHE", "") not in ("", "0"):
        return None
    return ResultsCache(base_dir / ".reportgen-cache" / "results")
