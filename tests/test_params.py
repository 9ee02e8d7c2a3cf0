"""Parameters on the weather example (no data rows read unless built): located errors with
did-you-mean, typed values, conditions folded, and a small batch whose values need safe, unique
file names and escaping (one PDF)."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path

import pytest

from reportgen.cli import main
from reportgen.errors import UsageError
from reportgen.model import expr as ex
from reportgen.model.params import coerce, fold, parse_assignments
from reportgen.render.index_page import IndexEntry, index_page, render_index
from reportgen.spec.params import ParamSpec
from reportgen.stages.batch_names import value_slugs

ROOT = Path(__file__).resolve().parents[1]
TAGS = ["South & Co/../x", "<b>Bold</b>", "south co x"]
PARAMS = f"""
params:
  tag: {{label: Tag, values: {TAGS!r}, default: "<b>Bold</b>"}}
  since: {{type: date, default: "2014-01-01"}}
  max_wind: {{type: number, default: 100, label: Highest wind}}
  place: {{description: no default}}
filters:
  calm_days: {{on: weather, where: "wind <= params.max_wind"}}
"""


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("params")
    shutil.copytree(ROOT / "examples" / "weather", target, dirs_exist_ok=True)
    spec = (target / "report.yaml").read_text(encoding="utf-8")
    spec = spec.replace("\nmetrics:", PARAMS + "\nmetrics:", 1)
    spec = spec.replace("where: \"date >= '2014-01-01'\"", 'where: "date >= params.since"')
    spec = spec.replace(
        "the driest ({{ lowest.rain.rain }}).",
        "the driest ({{ lowest.rain.rain }}; {{ params.tag }}).",
    )
    (target / "report.yaml").write_text(spec, encoding="utf-8")
    return target


def run(folder: Path, *args: str) -> int:
    return main([*args[:1], str(folder / "report.yaml"), *args[1:]])


def errors(capsys: pytest.CaptureFixture[str], folder: Path) -> list[str]:
    text = capsys.readouterr().err.replace(str(folder / "report.yaml"), "report.yaml")
    return [re.sub(r"^report\.yaml:\d+:\d+", "report.yaml:L:C", line) for line in text.splitlines()]


def test_validate_checks_names_and_values(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(folder, "validate", "--param", "place=x") == 0
    assert (
        run(
            folder,
            "validate",
            "--param",
            "tga=x",
            "--param",
            "tag=Bold",
            "--param",
            "max_wind=fast",
        )
        == 2
    )
    assert errors(capsys, folder) == [
        "report.yaml:L:C: --param tga=x: the spec has no parameter 'tga' "
        "(it declares: tag, since, max_wind, place); did you mean 'tag'?",
        "report.yaml:L:C: --param tag=Bold: 'Bold' is not a value of parameter 'tag' "
        "(one of South & Co/../x, <b>Bold</b>, south co x)",
        "report.yaml:L:C: --param max_wind=fast: 'fast' is not a number "
        "(parameter 'max_wind' is a number)",
    ]


def test_a_build_needs_every_value(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(folder, "build", "--format", "csv") == 2
    assert errors(capsys, folder) == [
        "report.yaml:L:C: parameter 'place' has no default: give its value with --param place=VALUE"
    ]


def test_an_unknown_parameter_in_a_condition(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = folder / "report.yaml"
    text = spec.read_text(encoding="utf-8")
    spec.write_text(text.replace("params.max_wind", "params.max_wnd"), encoding="utf-8")
    try:
        assert run(folder, "validate") == 2
    finally:
        spec.write_text(text, encoding="utf-8")
    assert errors(capsys, folder) == [
        "report.yaml:L:C: unknown parameter 'max_wnd' in 'params.max_wnd'; did you mean 'max_wind'?"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "{% if params.tag == 'south co x' %}{{ top.wnd }}{% endif %}",  # one value's branch
        "{{ top.wnd }}",  # names no parameter: checked once, for all values
    ],
)
def test_a_batch_checks_each_values_texts_before_reading_data(
    folder: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    spec = folder / "report.yaml"
    original = spec.read_text(encoding="utf-8")
    windiest = "{{ top.weather | capitalize }} days are the windiest ({{ top.mean_wind }})."
    spec.write_text(original.replace(windiest, text), encoding="utf-8")
    line = original[: original.index(windiest)].count("\n") + 1
    out = folder / "typo-out"
    try:
        args = ["--each", "tag", "--param", "place=x", "--output-dir", str(out)]
        assert run(folder, "build", *args) == 2
    finally:
        spec.write_text(original, encoding="utf-8")
    printed = capsys.readouterr()
    assert "load data" not in printed.out  # found before any data is read
    err = printed.err.replace(str(spec), "report.yaml")
    (message,) = [m for m in err.splitlines() if m.startswith("report.yaml:")]
    assert message.startswith(f"report.yaml:{line}:")  # the windiest section's text
    assert "'wnd'" in message
    assert not out.exists()  # nothing written


def test_values_are_read_as_their_type() -> None:
    assert coerce(ParamSpec(type="number"), "7") == 7
    assert coerce(ParamSpec(type="number"), "2.5") == 2.5
    assert coerce(ParamSpec(type="date"), "2014-1-5".replace("-1-5", "-01-05")) == "2014-01-05"
    with pytest.raises(ValueError, match="not a date"):
        coerce(ParamSpec(type="date"), "05/01/2014")
    with pytest.raises(ValueError, match="not a finite number"):
        coerce(ParamSpec(type="number"), "nan")
    assert parse_assignments(["a=1", "b=x=y"]) == {"a": "1", "b": "x=y"}
    with pytest.raises(UsageError, match="expected NAME=VALUE"):
        parse_assignments(["novalue"])


@pytest.mark.parametrize(
    ("condition", "folded"),
    [
        ("'All' == 'All' or region == 'All'", "True"),
        ("'South' == 'All' or region == 'South'", "region == 'South'"),
        ("not 'a' == 'b' and x > 1", "x > 1"),
        ("'a' == 'b' and x > 1", "False"),
    ],
)
def test_conditions_settle_what_the_values_decide(condition: str, folded: str) -> None:
    assert ex.to_text(fold(ex.parse(condition))) == folded


def test_value_slugs_are_safe_and_unique() -> None:
    slugs, notes = value_slugs([*TAGS, "Ünïcödé", "///"])
    assert slugs == {
        "South & Co/../x": "south-co-x",
        "<b>Bold</b>": "b-bold-b",
        "south co x": "south-co-x-2",
        "Ünïcödé": "unicode",
        "///": "value",
    }
    assert notes == [
        "the values 'South & Co/../x' and 'south co x' both make the file name part "
        "'south-co-x'; 'south co x' is written as 'south-co-x-2'"
    ]


def test_the_index_escapes_values() -> None:
    from reportgen.model.resolve import load_and_resolve
    from reportgen.style.theme import default_theme

    _, model, _ = load_and_resolve(ROOT / "examples" / "weather" / "report.yaml")
    entry = IndexEntry("<script>alert(1)</script>", [("HTML", "a&b.html")], {"days": 3})
    page = render_index(
        index_page(
            model,
            title="T <i>",
            label="Tag",
            entries=[entry],
            compared=["days"],
            summary="days",
            csv_href="x.csv",
            notes=["n <b>"],
            build_date="2020-01-01",
        )
    )
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert 'href="a&amp;b.html"' in page
    assert "T &lt;i&gt;" in page
    assert "n &lt;b&gt;" in page
    assert "Days: 3" in page
    # in the reports' own font, embedded (the page fetches nothing and allows data: fonts only)
    assert "src: url(data:font/woff2;base64," in page
    assert "font-src data:" in page
    assert f"body {{ font-family: {default_theme().font_stack};" in page


def test_a_batch_of_awkward_values(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("REPORTGEN_BATCH_WORKERS", "1")  # three tiny reports: no worker start-up
    out = folder / "out"
    args = ["--each", "tag", "--param", "place=x", "--format", "html"]
    assert run(folder, "build", *args, "--output-dir", str(out)) == 0
    names = sorted(p.name for p in out.iterdir())
    assert names == [
        "seattle-weather-b-bold-b-data",
        "seattle-weather-b-bold-b.html",
        "seattle-weather-index.html",
        "seattle-weather-south-co-x-2-data",
        "seattle-weather-south-co-x-2.html",
        "seattle-weather-south-co-x-data",
        "seattle-weather-south-co-x.html",
    ]
    assert "is written as 'south-co-x-2'" in capsys.readouterr().out
    cover = (out / "seattle-weather-south-co-x.html").read_text(encoding="utf-8")
    assert "<dd>South &amp; Co/../x</dd>" in cover  # the cover states the value, escaped
    page = (out / "seattle-weather-b-bold-b.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;Bold&lt;/b&gt;" in page
    assert "<b>Bold</b>" not in page


def test_cache_keys_follow_the_values_a_section_uses(folder: Path) -> None:
    from reportgen.stages.job import BuildOptions, plan_job
    from reportgen.stages.sections import SectionTables, set_keys

    def keys(*params: tuple[str, str]) -> dict[str, str]:
        options = BuildOptions(formats=("csv",), params=(("place", "x"), *params))
        tables = SectionTables()
        set_keys(plan_job(folder / "report.yaml", options), tables)
        return tables.keys

    first, later = keys(("since", "2014-01-01")), keys(("since", "2015-01-01"))
    assert [sid for sid in first if first[sid] != later[sid]] == ["wettest-recent-months"]
    windy = keys(("since", "2014-01-01"), ("max_wind", "5"))  # a global filter: every section
    assert all(windy[sid] != first[sid] for sid in first)
    assert keys(("since", "2014-01-01"), ("tag", "south co x")) == first  # only a text uses it


@pytest.mark.parametrize("engine", ["pandas", "dask"])
def test_values_of_a_number_and_a_date_whatever_the_filter(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], engine: str
) -> None:
    """``values_of`` a numeric field and a date column, with a filter using the parameter: the
    values are those of every valid row (the filter does not narrow them), as a reader writes
    them, numbers by size; a value outside them is exit 2 listing them."""
    if engine == "dask":
        pytest.importorskip("distributed")
    import pandas as pd

    from reportgen.stages.execute import load_engine
    from reportgen.stages.job import BuildOptions, plan_job
    from reportgen.stages.param_values import data_values

    shutil.copytree(ROOT / "examples" / "weather", tmp_path, dirs_exist_ok=True)
    spec = tmp_path / "report.yaml"
    text = spec.read_text(encoding="utf-8").replace(
        "\nmetrics:",
        "\nparams:\n  year: {type: number, values_of: year}\n  day: {type: date, values_of: date}\n"
        'filters:\n  one_year: {on: weather, where: "year == params.year"}\n\nmetrics:',
        1,
    )
    spec.write_text(text, encoding="utf-8")
    raw = pd.read_csv(tmp_path / "seattle-weather.csv")
    dates = pd.to_datetime(raw["date"], format="%Y/%m/%d")
    options = BuildOptions(formats=("csv",), engine=engine, use_cache=False, quiet=True)
    job = plan_job(
        spec, dataclasses.replace(options, params=(("year", "2013"), ("day", "2013-01-01")))
    )
    loaded = load_engine(job.model, job.engine, job.needed)
    try:
        years = data_values(job.model, loaded.executor, "year")
        days = data_values(job.model, loaded.executor, "date")
    finally:
        loaded.close()
    assert (
        years
        == [str(y) for y in sorted(dates.dt.year.unique())]
        == ["2012", "2013", "2014", "2015"]
    )
    assert days == sorted(dates.dt.strftime("%Y-%m-%d").unique())
    assert len(days) == 1461
    args = [
        "--engine",
        engine,
        "--param",
        "year=2099",
        "--param",
        "day=2013-01-01",
        "--format",
        "csv",
    ]
    assert main([str(spec), *args, "--output-dir", str(tmp_path / "out"), "-q"]) == 2
    err = capsys.readouterr().err
    assert "'2099' is not a value of year in the data (the values: 2012, 2013, 2014, 2015)" in err


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (
            "year == params.year",
            "in year == '2013': a number is compared with the text '2013', which no row "
            "equals; write the number without quotes (a parameter: declare it type: number)",
        ),
        (
            "weather in ['sun', 2]",
            "in weather in ['sun', 2]: a text column is compared with the number 2, which no "
            "row equals; put the value in quotes ('2')",
        ),
    ],
)
def test_a_number_compared_with_text_is_an_error_not_no_rows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], condition: str, message: str
) -> None:
    """2013 is not '2013': such a filter would keep no row, and in a metric's ``where`` it
    would count zero with exit 0."""
    shutil.copytree(ROOT / "examples" / "weather", tmp_path, dirs_exist_ok=True)
    spec = tmp_path / "report.yaml"
    text = spec.read_text(encoding="utf-8").replace(
        "\nmetrics:",
        "\nparams:\n  year: {values_of: year}\n"
        f'filters:\n  chosen: {{on: weather, where: "{condition}"}}\n\nmetrics:',
        1,
    )
    spec.write_text(text, encoding="utf-8")
    args = ["--param", "year=2013", "--format", "csv", "--output-dir", str(tmp_path / "out")]
    assert main([str(spec), *args, "-q"]) == 3
    assert capsys.readouterr().err.strip() == f"reportgen: table 'weather': {message}"
    assert not (tmp_path / "out").exists()
