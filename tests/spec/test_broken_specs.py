"""Broken specs in, the exact error text out: one golden ``.expected`` per ``broken/*.yaml``.

Regenerate with ``pytest tests/spec --update-golden`` and review the diff; never edit by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.errors import ReportgenError
from reportgen.spec.load import load_spec

BROKEN = Path(__file__).parent / "broken"
CASES = sorted(BROKEN.glob("*.yaml"))


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= 25


@pytest.mark.parametrize("spec_path", CASES, ids=[p.stem for p in CASES])
def test_broken_spec(spec_path: Path, update_golden: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(BROKEN)  # errors name the file as typed: NAME.yaml
    with pytest.raises(ReportgenError) as caught:
        load_spec(Path(spec_path.name))
    actual = caught.value.render() + "\n"
    expected_path = spec_path.with_suffix(".expected")
    if update_golden:
        expected_path.write_text(actual)
        return
    assert expected_path.exists(), (
        f"no golden file; run pytest --update-golden for {spec_path.name}"
    )
    assert actual == expected_path.read_text()
