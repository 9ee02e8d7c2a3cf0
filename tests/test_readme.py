"""The README cannot rot: its section example validates, and every CLI option is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reportgen.cli import build_parser, main
from reportgen.data.generate import generate

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_cli_option_is_documented() -> None:
    parser = build_parser()
    options = {
        option
        for action in parser._subparsers._group_actions[0].choices.values()  # type: ignore[union-attr]
        for sub_action in action._actions
        for option in sub_action.option_strings
        if option.startswith("--") and option != "--help"
    }
    # a whole option: "--out" is not documented by "--output-dir"
    missing = sorted(o for o in options if not re.search(rf"(?<![\w-]){o}(?![\w-])", README))
    assert missing == []


def test_the_readme_section_example_builds(tmp_path: Path) -> None:
    example = re.search(r"Adding a section is six lines:\n\n```yaml\n(.*?)```", README, re.S)
    assert example is not None
    generate(tmp_path / "data", customers=300, seed=5, progress=False)
    spec = (ROOT / "report.yaml").read_text(encoding="utf-8")
    (tmp_path / "report.yaml").write_text(
        spec.rstrip("\n") + "\n\n" + example.group(1), encoding="utf-8"
    )
    assert main(["validate", str(tmp_path / "report.yaml")]) == 0
    args = [str(tmp_path / "report.yaml"), "--quiet", "--format", "html"]
    assert main([*args, "--section", "orders-by-department-and-day"]) == 0
    html = (tmp_path / "output" / "instacart-basket-analysis.html").read_text(encoding="utf-8")
    assert "Which departments sell on which day?" in html
    assert html.count('<div class="chart-static"><svg') == 1
    assert html.count('<script type="application/json" class="chart-spec">') == 1


@pytest.mark.parametrize("command", ["make report", "make test"])
def test_the_two_commands_come_first(command: str) -> None:
    assert command in README.split("## ")[0]


def test_the_readme_wording_example_builds(tmp_path: Path) -> None:
    example = re.search(r"### Words that follow the data.*?```yaml\n(.*?)```", README, re.S)
    assert example is not None
    section = example.group(1).split("sections:\n", 1)[1]
    generate(tmp_path / "data", customers=300, seed=5, progress=False)
    spec = (ROOT / "report.yaml").read_text(encoding="utf-8")
    (tmp_path / "report.yaml").write_text(spec.rstrip("\n") + "\n\n" + section, encoding="utf-8")
    assert main(["validate", str(tmp_path / "report.yaml")]) == 0
    args = [str(tmp_path / "report.yaml"), "--quiet", "--format", "html"]
    assert main([*args, "--section", "price-through-the-day"]) == 0
    html = (tmp_path / "output" / "instacart-basket-analysis.html").read_text(encoding="utf-8")
    assert "The average item price is nearly flat" in html or "through the day: $" in html


def test_an_option_is_not_documented_by_a_longer_one() -> None:
    text = "python -m reportgen report.yaml [--output-dir DIR]"
    assert not re.search(r"(?<![\w-])--out(?![\w-])", text)
    assert re.search(r"(?<![\w-])--output-dir(?![\w-])", text)
