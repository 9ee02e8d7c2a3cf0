"""Shared pytest options and fixtures."""

from __future__ import annotations

import logging
import shutil
import warnings
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reportgen.cli import main
from reportgen.data.generate import generate

ROOT = Path(__file__).resolve().parents[1]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden",
        action="store_true",
        default=False,
        help="rewrite golden files (expected outputs) instead of comparing against them",
    )


# Files that share a session fixture: one worker runs them all, so it is set up once.
SAME_WORKER = {
    "tests/test_pipeline.py": "shipped_build",
    "tests/test_deliverables.py": "shipped_build",
    "tests/engine/test_dask.py": "cluster",
    "tests/engine/test_section_result.py": "cluster",
    "tests/errors/test_dask_data_errors.py": "cluster",
    "tests/test_batch.py": "cluster",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The files of ``SAME_WORKER`` first (each group is one long unit of work), then the files
    with a test marked ``slow``, then the others; each file keeps its place among its kind and
    its tests' order. So on two workers the longest units start first, not last."""
    slow = {item.path for item in items if item.get_closest_marker("slow") is not None}
    shared = {config.rootpath / path for path in SAME_WORKER}
    items.sort(key=lambda item: (item.path not in shared, item.path not in slow))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """``--dist loadfile`` (``make test``), with the files of ``SAME_WORKER`` as one unit each,
    handed out in the collection order (xdist's default puts the files with most tests first).
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class SharedFiles(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            path = nodeid.split("::", 1)[0]
            return SAME_WORKER.get(path, path)

    config.option.loadscopereorder = False
    return SharedFiles(config, log)


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    """Whether this run rewrites golden files rather than checking them."""
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(scope="session")
def cluster() -> Iterator[Any]:
    """A local Dask cluster of two worker processes, one per test session, shared by the engine
    and error tests (a test using it is skipped without Dask)."""
    distributed = pytest.importorskip("distributed")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        local = distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            memory_limit="1GiB",
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )
    with local:
        yield local


@pytest.fixture(scope="session")
def seed_cache(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], None]:
    """``seed_cache(root)`` puts in ``root``'s cache folder what a build keeps there whatever
    its spec and data, as an earlier build would have: the font rules and the Vega runtime
    (seconds each for a new process or a batch's report), made once per test process by the
    product's own functions."""
    from reportgen.charts.convert import VL_VERSION, runtime_script_later
    from reportgen.charts.runtime_cache import keep_runtime
    from reportgen.render.templates import font_face_css

    warm = tmp_path_factory.mktemp("warm-cache")
    font_face_css(warm)
    keep_runtime(warm, VL_VERSION, runtime_script_later().result())

    def seed(root: Path) -> None:
        shutil.copytree(warm, root / ".reportgen-cache", dirs_exist_ok=True)

    return seed


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped report.yaml on 2,000 generated customers (seed 11), built with every format
    once per test process: the folder holds report.yaml, data/, output/ and the caches. Tests
    read it; one that changes a file there copies the folder first. The files that use it are
    in ``SAME_WORKER``."""
    folder = tmp_path_factory.mktemp("shipped")
    generate(folder / "data", customers=2000, seed=11, progress=False)
    shutil.copy(ROOT / "report.yaml", folder / "report.yaml")
    assert main([str(folder / "report.yaml"), "--quiet"]) == 0
    return folder
