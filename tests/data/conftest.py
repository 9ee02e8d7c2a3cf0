"""Helpers for the data-loading tests: tiny files written to tmp_path, the real samples' folder."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "instacart-sample"


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write text (UTF-8) or bytes to a file under tmp_path and return its path."""

    def _write(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return _write


@pytest.fixture
def samples() -> Path:
    """The real Instacart and course samples; the test is skipped when they are absent."""
    if not SAMPLES.is_dir():
        pytest.skip("the real samples (../shared/instacart-sample) are not here")
    return SAMPLES
