"""Specs that parse but name things the data or the model lacks: exact located errors (goldens).

Checked by ``validate``, which reads only the data headers. Regenerate with ``--update-golden``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reportgen.cli import main

FOLDER = Path(__file__).parent / "semantic"
CASES = sorted(p for p in FOLDER.glob("*.yaml") if p.name != "base.yaml")


def test_the_base_spec_is_valid(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(FOLDER)
    assert main(["validate", "base.yaml"]) == 0
    assert capsys.readouterr().out.startswith("base.yaml: OK")


@pytest.mark.parametrize("spec_path", CASES, ids=[p.stem for p in CASES])
def test_semantic_error(
    spec_path: Path,
    update_golden: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(FOLDER)
    assert main(["validate", spec_path.name]) == 2
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    expected_path = spec_path.with_suffix(".expected")
    if update_golden:
        expected_path.write_text(captured.err)
        return
    assert captured.err == expected_path.read_text()
