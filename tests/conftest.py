"""Shared pytest options and fixtures."""

from __future__ import annotations

import logging
import shutil
import warnings
from collections.abc import Iterator
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


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Schedule whole files, the slow ones first (``make test``: ``--dist loadgroup``).

    Each file is one xdist group unless it names its own (files that share a session build
    share a group, so one worker builds it); the files with a ``slow`` test run first, so the
    longest ones do not start last on one worker while the other has nothing left to do.
    """
    slow = set()
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))
        if item.get_closest_marker("slow") is not None:
            slow.add(item.path)
    items.sort(key=lambda item: item.path not in slow)  # stable: the file order stays otherwise


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
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped report.yaml on 2,000 generated customers (seed 11), built with every format
    once per test process: the folder holds report.yaml, data/, output/ and the caches. Tests
    read it; one that changes a file there copies the folder first. The files that use it share
    the xdist group ``shipped-report`` so that one worker builds it for all of them."""
    folder = tmp_path_factory.mktemp("shipped")
    generate(folder / "data", customers=2000, seed=11, progress=False)
    shutil.copy(ROOT / "report.yaml", folder / "report.yaml")
    assert main([str(folder / "report.yaml"), "--quiet"]) == 0
    return folder
