"""The example reports on other real data (examples/): built from the raw files (HTML only),
their numbers checked against plain pandas, their charts' axes and order checked as data."""

from __future__ import annotations

import json
import re
import shutil
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from reportgen.cli import main

ROOT = Path(__file__).resolve().parents[1]
vega_datasets = pytest.importorskip("vega_datasets")  # the test extra installs it
CARS_JSON = Path(vega_datasets.__file__).parent / "_data" / "cars.json"


def _build(tmp: Path, name: str) -> Path:
    folder = tmp / name
    shutil.copytree(ROOT / "examples" / name, folder)
    stale = folder / "output" / f"{_slug(folder)}-data" / "a-deleted-section.csv"
    stale.parent.mkdir(parents=True)
    stale.write_text("x\n1\n")
    assert main([str(folder / "report.yaml"), "--format", "html", "--quiet"]) == 0
    return folder / "output"


def _slug(folder: Path) -> str:
    match = re.search(r"^  slug: (\S+)", (folder / "report.yaml").read_text(), re.M)
    assert match is not None
    return match.group(1)


@pytest.fixture(scope="module")
def weather(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("examples"), "weather")


@pytest.fixture(scope="module")
def cars(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(tmp_path_factory.mktemp("examples"), "cars")


@pytest.fixture(scope="module")
def raw_weather() -> pd.DataFrame:
    frame = pd.read_csv(ROOT / "examples" / "weather" / "seattle-weather.csv")
    frame["date"] = pd.to_datetime(frame["date"], format="%Y/%m/%d")
    return frame


def _export(output: Path, slug: str, section: str) -> pd.DataFrame:
    return pd.read_csv(output / f"{slug}-data" / f"{section}.csv")


def _chart_specs(html: str) -> list[str]:
    return re.findall(r"<svg.*?</svg>", html, flags=re.S)


def _axis_labels(svg: str) -> list[str]:
    """The tick label texts of a chart's SVG."""
    return re.findall(r'class="[^"]*"?[^>]*>([^<]*)</text>', svg)


def test_the_export_folder_holds_exactly_this_builds_files(weather: Path, cars: Path) -> None:
    for output, slug in ((weather, "seattle-weather"), (cars, "cars")):
        names = sorted(p.name for p in (output / f"{slug}-data").iterdir())
        assert "a-deleted-section.csv" not in names
        assert names
        assert all(n.endswith(".csv") for n in names)


def test_weather_monthly_rain_per_year_equals_pandas(
    weather: Path, raw_weather: pd.DataFrame
) -> None:
    table = _export(weather, "seattle-weather", "monthly-rain")
    raw = raw_weather.assign(
        month=raw_weather["date"].dt.strftime("%b"), year=raw_weather["date"].dt.year
    )
    expected = raw.groupby(["month", "year"])["precipitation"].sum()
    got = table.set_index(["month", "year"])["rain"]
    assert len(got) == 48
    pd.testing.assert_series_equal(
        got.sort_index(),
        expected.sort_index(),
        check_names=False,
        check_index_type=False,
        rtol=1e-9,
    )
    # calendar order, not alphabetical; the export has clean decimals
    assert list(dict.fromkeys(table["month"]))[:3] == ["Jan", "Feb", "Mar"]
    text = (weather / "seattle-weather-data" / "rain-per-year.csv").read_text()
    assert "9999" not in text
    assert "2015,1139.2,144,365" in text


def test_weather_wet_day_shares_equal_pandas(weather: Path, raw_weather: pd.DataFrame) -> None:
    table = _export(weather, "seattle-weather", "wet-days").set_index("month")
    month = raw_weather["date"].dt.strftime("%b")
    expected = (raw_weather["precipitation"] > 0).groupby(month).mean()
    assert table["wet_share"].to_dict() == pytest.approx(expected.to_dict(), rel=1e-9)


def test_weather_two_temperature_lines_over_dates(weather: Path, raw_weather: pd.DataFrame) -> None:
    table = _export(weather, "seattle-weather", "temperature")
    monthly = raw_weather.groupby(raw_weather["date"].dt.to_period("M"))[
        ["temp_max", "temp_min"]
    ].mean()
    assert table["month_start"].tolist()[:2] == ["2012-01-01", "2012-02-01"]
    assert table["high"].tolist() == pytest.approx(monthly["temp_max"].tolist(), rel=1e-9)
    assert table["low"].tolist() == pytest.approx(monthly["temp_min"].tolist(), rel=1e-9)
    html = (weather / "seattle-weather.html").read_text()
    section = html[html.index('id="temperature"') :]
    svg = _chart_specs(section)[0]
    assert "Average high" in svg
    assert "Average low" in svg
    for year in ("2012", "2013", "2014", "2015"):
        assert f">{year}</text>" in svg  # years on a time axis, no separators
    assert "2,01" not in html  # no year printed as 2,012 … anywhere
    assert "Jan 2013" in section  # month starts print as 'Jul 2015' in text and table


def test_weather_result_filter_and_row_filter_are_stated(weather: Path) -> None:
    html = (weather / "seattle-weather.html").read_text()
    section = html[html.index('id="wet-summers"') :]
    assert "Only days where the month of date is one of 6, 7 or 8." in section
    assert "Groups shown only where wet days is at most 5." in section
    table = _export(weather, "seattle-weather", "wet-summers")
    assert (table["wet_days"] <= 5).all()
    assert len(table) == 5


def test_sorted_query_draws_in_the_tables_order(weather: Path) -> None:
    table = _export(weather, "seattle-weather", "windiest-weather")
    html = (weather / "seattle-weather.html").read_text()
    svg = _chart_specs(html[html.index('id="windiest-weather"') :])[0]
    positions = [svg.index(f">{name}</text>") for name in table["weather"]]
    assert positions == sorted(positions)  # drawn top to bottom in the table's order


def test_cars_scatter_with_trend_and_correlation(cars: Path) -> None:
    raw = pd.DataFrame(json.loads(CARS_JSON.read_text()))
    raw = raw[(raw["Horsepower"] > 0) & (raw["Miles_per_Gallon"] > 0)]
    per_model = raw.groupby("Name")[["Horsepower", "Miles_per_Gallon"]].mean()
    table = _export(cars, "cars", "power-and-economy")
    assert len(table) == len(per_model)
    r = per_model["Horsepower"].corr(per_model["Miles_per_Gallon"])
    html = (cars / "cars.html").read_text()
    assert f"correlation {r:.2f}".replace("-", "−") in html
    assert "moves against" in html
    svg = _chart_specs(html[html.index('id="power-and-economy"') :])[0]
    assert "stroke-dasharray" in svg  # the dashed trend line
    assert not re.search(r">\d(\.\d+)?e[+−-]?\d+</text>", svg)  # no scientific ticks


def test_cars_groups_filtered_by_size(cars: Path) -> None:
    raw = pd.DataFrame(json.loads(CARS_JSON.read_text()))
    groups = raw.groupby(["Cylinders", "Origin"])
    expected = groups["Miles_per_Gallon"].mean()[groups.size() >= 10]
    table = _export(cars, "cars", "economy-by-cylinders").set_index(["cylinders", "origin"])
    assert table["mpg"].to_dict() == pytest.approx(expected.to_dict(), rel=1e-9)
    assert (table["models"] >= 10).all()


def test_cars_years_print_without_separators(cars: Path) -> None:
    table = _export(cars, "cars", "economy-over-time")
    assert table["model_year"].tolist()[0] == 1970
    html = (cars / "cars.html").read_text()
    assert "in 1970 to" in html
    assert "1,970" not in html


def test_weather_date_literal_in_a_row_filter(weather: Path, raw_weather: pd.DataFrame) -> None:
    table = _export(weather, "seattle-weather", "wettest-recent-months")
    recent = raw_weather[raw_weather["date"] >= "2014-01-01"]
    monthly = recent.groupby(recent["date"].dt.to_period("M"))["precipitation"].sum()
    assert len(table) == len(monthly)  # the export keeps every group (top 3 shown)
    assert table["month_start"].iloc[0] == str(monthly.idxmax().start_time.date())
    assert table["rain"].iloc[0] == pytest.approx(monthly.max(), rel=1e-9)


def test_weather_top_months_without_other_are_the_tables_rows(
    weather: Path, raw_weather: pd.DataFrame
) -> None:
    """``top: 3, other: false`` over dates: the printed table shows the three wettest months
    (it once printed only its header: the kept dates were matched as text written another way)."""
    recent = raw_weather[raw_weather["date"] >= "2014-01-01"]
    monthly = recent.groupby(recent["date"].dt.to_period("M"))["precipitation"].sum()
    wettest = monthly.sort_values(ascending=False).head(3)
    html = (weather / "seattle-weather.html").read_text()
    section = html[html.index('id="wettest-recent-months"') :]
    table = section[section.index("<tbody") : section.index("</tbody>")]
    rows = [
        re.findall(r"<td[^>]*>([^<]*)</td>", row) for row in re.findall(r"<tr.*?</tr>", table, re.S)
    ]
    half_up = [Decimal(str(v)).quantize(Decimal(1), ROUND_HALF_UP) for v in wettest]
    assert rows == [
        [p.strftime("%b %Y"), f"{v:,} mm"] for p, v in zip(wettest.index, half_up, strict=True)
    ]


def test_weather_minimum_support_over_months_ranks_the_full_months(
    tmp_path: Path, raw_weather: pd.DataFrame
) -> None:
    """Top 5 months by rain among those of at least 30 days: the table shows pandas' five and
    one row of the rest (Februaries included). Matching the months' dates as text written two
    ways once left every month unranked: the table was a single "Other" row."""
    folder = tmp_path / "weather"
    shutil.copytree(ROOT / "examples" / "weather", folder, ignore=shutil.ignore_patterns("output"))
    spec = folder / "report.yaml"
    spec.write_text(
        spec.read_text()
        + """
  - id: full-months
    title: Wettest full months
    query: {by: [month_start], metrics: [rain, days], sort: -rain, top: 5, min_support: {metric: days, at_least: 30}}
"""
    )
    assert main([str(spec), "--format", "html", "--quiet"]) == 0
    months = raw_weather.groupby(raw_weather["date"].dt.to_period("M"))["precipitation"]
    rain, days = months.sum(), months.size()
    top = rain[days >= 30].sort_values(ascending=False).head(5)
    rest = rain.drop(top.index).sum()
    html = (folder / "output" / "seattle-weather.html").read_text()
    section = html[html.index('id="full-months"') :]
    table = section[section.index("<tbody") : section.index("</tbody>")]
    shown = [
        re.findall(r"<td[^>]*>([^<]*)</td>", r)[:2] for r in re.findall(r"<tr.*?</tr>", table, re.S)
    ]

    def mm(value: float) -> str:
        return f"{Decimal(str(value)).quantize(Decimal(1), ROUND_HALF_UP):,} mm"

    assert shown == [[p.strftime("%b %Y"), mm(v)] for p, v in top.items()] + [["Other", mm(rest)]]
