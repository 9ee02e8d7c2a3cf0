"""What the engine tests share: a generated project, and a spec's plans and loaded frames."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from reportgen.data.generate import generate
from reportgen.data.load import load_table
from reportgen.engine.plan import needed_columns, plan_section
from reportgen.model.params import bind
from reportgen.model.resolve import check_headers
from reportgen.spec.load import load_spec
from reportgen.spec.models import AnalysisSection

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Planned:
    """A spec resolved against its data headers: the model, every section's plan, the columns
    a run reads per table, and the folder its data paths are relative to."""

    model: Any
    plans: dict[str, Any]
    needed: dict[str, set[str]]
    base: Path

    def frames(self) -> dict[str, Any]:
        """The cleaned pandas frames of every table, with only the columns a run reads."""
        return {
            name: load_table(name, table, self.base, columns=sorted(self.needed[name])).frame
            for name, table in self.model.spec.data.items()
        }


def plan_spec(spec_path: Path) -> Planned:
    loaded = bind(load_spec(spec_path))  # parameters at their defaults
    model, _ = check_headers(loaded)
    plans = {
        s.id: plan_section(model, s) for s in loaded.spec.sections if isinstance(s, AnalysisSection)
    }
    return Planned(model, plans, needed_columns(model, plans.values()), loaded.base_dir)


@pytest.fixture(scope="session")
def planned() -> Callable[[Path], Planned]:
    """``planned(spec_path)``: the spec's model, plans, needed columns and frames."""
    return plan_spec


@pytest.fixture(scope="session")
def new_project(tmp_path_factory: pytest.TempPathFactory) -> Callable[[int, int], Path]:
    """``new_project(customers, seed)``: a folder with generated data and the shipped spec."""

    def make(customers: int, seed: int) -> Path:
        folder = tmp_path_factory.mktemp("project")
        generate(folder / "data", customers=customers, seed=seed, progress=False)
        shutil.copy(ROOT / "report.yaml", folder / "report.yaml")
        return folder

    return make
