"""Specs that parse but name things the data or the model lacks: exact located errors (goldens).

Checked by ``validate``, which reads only the data headers. Regenerate with ``--update-golden``.
"""

from __future__ import annotations

import shutil
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


def test_texts_may_use_whatever_only_the_data_decides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """No false alarm from the narrative check: values and row counts that depend on the data
    (a raw column's values, combinations of two keys, the "Other" row of a top-N) are accepted."""
    shutil.copytree(FOLDER / "data", tmp_path / "data")
    text = (FOLDER / "base.yaml").read_text(encoding="utf-8")
    text += """  - id: loyal-days
    title: "Loyalty by day ({{ data.orders.rows_read }} orders read)"
    query: {by: [loyalty, order_dow], metrics: [orders], sort: -orders, top: 1}
    text: >-
      {{ by['Other'].orders }} {{ by['Returning'].orders }} {{ rows[11].order_dow }}
      {{ sections['busiest-days'].by['3'].orders }} {{ sections['busiest-days'].rows[6].orders }}
      {{ highest.orders.loyalty }} {{ total.orders }} {{ count }}
"""
    (tmp_path / "report.yaml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "report.yaml"]) == 0, capsys.readouterr().err
