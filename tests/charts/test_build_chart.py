"""Chart specs → Vega-Lite dicts: sorting, the accent on the highlighted bar, formats, encodings."""

from __future__ import annotations

from typing import Any, get_args

import pandas as pd
import pytest

from reportgen.charts.build import ColumnInfo, build_chart
from reportgen.charts.common import LEGEND_ROW
from reportgen.spec.models import ChartSpec, ChartType
from reportgen.style.theme import default_theme

THEME = default_theme()
DAYS = ("Saturday", "Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday")


def rows(chart_dict: dict[str, Any]) -> list[dict[str, Any]]:
    """The first dataset embedded in the chart."""
    return next(iter(chart_dict["datasets"].values()))


def layer_encoding(chart_dict: dict[str, Any], mark: str) -> dict[str, Any]:
    for layer in chart_dict.get("layer", [chart_dict]):
        kind = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        if kind == mark:
            return layer["encoding"]
    raise AssertionError(f"no {mark} layer")


def departments() -> tuple[pd.DataFrame, dict[str, ColumnInfo]]:
    frame = pd.DataFrame(
        {"department": ["snacks", "produce", "Other", "dairy eggs"], "lines": [90, 290, 120, 170]}
    )
    columns = {
        "department": ColumnInfo("Department", "text", other="Other"),
        "lines": ColumnInfo("Order lines", "integer"),
    }
    return frame, columns


def test_a_real_category_named_other_is_not_the_bucket() -> None:
    frame = pd.DataFrame(
        {
            "dept": ["Other", "produce", "All others", "produce", "Other", "All others"],
            "profile": ["A", "A", "A", "B", "B", "B"],
            "lines": [50, 30, 10, 5, 15, 40],
        }
    )
    columns = {"dept": ColumnInfo("Department", "text", other="All others")}
    bars = build_chart(
        ChartSpec(type="hbar", x="dept", y="lines"), frame.iloc[:3], columns=columns, title="t"
    ).to_dict()
    # the real "Other" department is ranked by its value; the bucket comes last
    assert layer_encoding(bars, "bar")["y"]["sort"] == ["Other", "produce", "All others"]
    spec = ChartSpec(type="stacked100", x="profile", y="lines", color="dept")
    mix = build_chart(spec, frame, columns=columns, title="t").to_dict()
    scale = layer_encoding(mix, "bar")["color"]["scale"]
    grey = [d for d, c in zip(scale["domain"], scale["range"], strict=True) if c == THEME.other]
    assert grey == ["All others"]


def test_hbar_sorted_descending_with_other_last_and_accent_on_max() -> None:
    frame, columns = departments()
    spec = ChartSpec(type="hbar", x="department", y="lines")
    chart = build_chart(spec, frame, columns=columns, title="Produce leads").to_dict()
    encoding = layer_encoding(chart, "bar")
    assert encoding["y"]["sort"] == ["produce", "dairy eggs", "snacks", "Other"]
    colours = {row["department"]: row["_colour"] for row in rows(chart)}
    assert colours["produce"] == THEME.accent
    assert {colours[d] for d in ("snacks", "Other", "dairy eggs")} == {THEME.base}
    assert encoding["color"] == {"field": "_colour", "type": "nominal", "scale": None}
    assert chart["title"]["text"] == "Produce leads"


def test_highlight_min_and_none() -> None:
    frame, columns = departments()
    low = build_chart(
        ChartSpec(type="hbar", x="department", y="lines", highlight="min"),
        frame,
        columns=columns,
        title="",
    ).to_dict()
    assert [r["department"] for r in rows(low) if r["_colour"] == THEME.accent] == ["snacks"]
    plain = build_chart(
        ChartSpec(type="hbar", x="department", y="lines", highlight="none"),
        frame,
        columns=columns,
        title="",
    ).to_dict()
    assert {r["_colour"] for r in rows(plain)} == {THEME.base}


def test_bar_keeps_natural_day_order_and_labels_use_table_formats() -> None:
    frame = pd.DataFrame(
        {"day": ["Monday", "Saturday", "Sunday"], "orders": [467260, 600905, 587478]}
    )
    columns = {
        "day": ColumnInfo("Day of week", "text", DAYS),
        "orders": ColumnInfo("Orders", "integer"),
    }
    chart = build_chart(
        ChartSpec(type="bar", x="day", y="orders"), frame, columns=columns, title="t"
    ).to_dict()
    encoding = layer_encoding(chart, "bar")
    assert encoding["x"]["sort"] == ["Saturday", "Sunday", "Monday"]
    assert encoding["x"]["axis"]["labelAngle"] == 0
    assert encoding["y"]["axis"]["format"] == ",.0f"
    assert [r["_label"] for r in rows(chart)] == ["467,260", "600,905", "587,478"]
    assert layer_encoding(chart, "text")["text"] == {"field": "_label", "type": "nominal"}


def test_currency_and_percent_axis_formats() -> None:
    frame = pd.DataFrame({"hour": range(24), "aov": [11.5 + h / 100 for h in range(24)]})
    columns = {"hour": ColumnInfo("Hour", "integer"), "aov": ColumnInfo("AOV", "currency")}
    chart = build_chart(
        ChartSpec(type="line", x="hour", y="aov"), frame, columns=columns, title="t"
    ).to_dict()
    encoding = layer_encoding(chart, "line")
    assert encoding["y"]["axis"]["format"] == "$,.2~f"
    assert rows(chart)[23]["_label"] == "$11.73"
    share = pd.DataFrame({"range": ["Low", "Mid", "High"], "share": [0.3, 0.6, 0.1]})
    share_cols = {
        "range": ColumnInfo("Price range", "text", ("Low", "Mid", "High")),
        "share": ColumnInfo("Share", "percent"),
    }
    chart = build_chart(
        ChartSpec(type="bar", x="range", y="share"), share, columns=share_cols, title="t"
    ).to_dict()
    assert layer_encoding(chart, "bar")["y"]["axis"]["format"] == ".1~%"
    assert layer_encoding(chart, "bar")["x"]["sort"] == ["Low", "Mid", "High"]
    assert [r["_label"] for r in rows(chart)] == ["30.0%", "60.0%", "10.0%"]


def test_24_hours_stay_vertical_with_flat_labels() -> None:
    frame = pd.DataFrame({"hour": list(range(23, -1, -1)), "orders": [1000 + h for h in range(24)]})
    columns = {
        "hour": ColumnInfo("Hour of day", "integer"),
        "orders": ColumnInfo("Orders", "integer"),
    }
    chart = build_chart(
        ChartSpec(type="bar", x="hour", y="orders"), frame, columns=columns, title="t"
    ).to_dict()
    encoding = layer_encoding(chart, "bar")
    assert encoding["x"]["sort"] == list(range(24))
    assert encoding["x"]["type"] == "ordinal"
    assert encoding["x"]["axis"]["labelAngle"] == 0


def test_long_category_names_turn_a_bar_into_horizontal_bars() -> None:
    names = [f"a rather long department name {i}" for i in range(10)]
    frame = pd.DataFrame({"name": names, "value": range(10)})
    chart = build_chart(
        ChartSpec(type="bar", x="name", y="value"), frame, columns={}, title="t"
    ).to_dict()
    encoding = layer_encoding(chart, "bar")
    assert encoding["y"]["field"] == "name"
    assert encoding["x"]["field"] == "value"


def test_heatmap_encodes_hours_by_days_on_a_sequential_ramp() -> None:
    frame = pd.DataFrame(
        [{"hour": h, "day": d, "orders": h * 10 + i} for i, d in enumerate(DAYS) for h in range(24)]
    )
    columns = {
        "hour": ColumnInfo("Hour of day", "integer"),
        "day": ColumnInfo("Day of week", "text", DAYS),
        "orders": ColumnInfo("Orders", "integer"),
    }
    spec = ChartSpec(type="heatmap", x="hour", y="day", color="orders")
    chart = build_chart(spec, frame, columns=columns, title="t").to_dict()
    encoding = layer_encoding(chart, "rect")
    assert encoding["x"]["field"] == "hour"
    assert encoding["x"]["sort"] == list(range(24))
    assert encoding["x"]["axis"]["labelAngle"] == 0
    assert encoding["y"]["sort"] == list(DAYS)
    assert encoding["color"]["field"] == "orders"
    assert encoding["color"]["type"] == "quantitative"
    assert encoding["color"]["scale"]["range"] == list(THEME.sequential)
    assert encoding["color"]["legend"]["format"] == ",.0f"
    highlighted = [r for r in rows(chart) if r["_highlight"]]
    assert [(r["hour"], r["day"]) for r in highlighted] == [(23, "Friday")]


def test_stacked100_is_normalised_with_a_percent_axis() -> None:
    frame = pd.DataFrame(
        {
            "profile": ["A", "A", "B", "B"],
            "dept": ["produce", "Other", "produce", "Other"],
            "lines": [30, 10, 5, 15],
        }
    )
    spec = ChartSpec(type="stacked100", x="profile", y="lines", color="dept")
    columns = {"dept": ColumnInfo("Department", "text", other="Other")}
    chart = build_chart(spec, frame, columns=columns, title="t").to_dict()
    encoding = layer_encoding(chart, "bar")
    assert encoding["x"]["axis"]["format"] == ".0%"
    assert encoding["x"]["scale"]["domain"] == [0, 1]
    assert encoding["color"]["scale"]["domain"] == ["produce", "Other"]
    assert encoding["color"]["scale"]["range"][-1] == THEME.other
    shares = {(r["profile"], r["dept"]): r["_share"] for r in rows(chart)}
    assert shares[("A", "produce")] == pytest.approx(0.75)
    assert shares[("B", "Other")] == pytest.approx(0.75)


@pytest.mark.parametrize("kind", ["pie", "donut"])
def test_pie_and_donut_have_a_legend_in_size_order(kind: str) -> None:
    frame = pd.DataFrame({"region": ["West", "South", "Midwest"], "customers": [10, 30, 20]})
    spec = ChartSpec(type=kind, x="region", y="customers")
    chart = build_chart(spec, frame, columns={}, title="t").to_dict()
    encoding = layer_encoding(chart, "arc")
    assert encoding["color"]["sort"] == ["South", "Midwest", "West"]
    assert encoding["color"]["legend"]["orient"] == "right"
    assert encoding["theta"]["field"] == "customers"


NUMBERS = pd.DataFrame(
    {"x": [1, 2, 3, 1, 2, 3], "y": [5, 7, 6, 2, 3, 4], "series": ["a"] * 3 + ["b"] * 3}
)
NAMES = pd.DataFrame({"x": ["p", "q", "r"], "y": [3, 1, 2]})
GRID = NUMBERS.assign(x=NUMBERS["x"].astype(str))

# Each kind: the data mark (first layer) and its encodings, channel → (field, type); what the
# kind means, written by hand: a scatter drawn as bars, or a horizontal bar with its axes
# swapped back, fails.
KINDS: list[tuple[str, str | None, pd.DataFrame, str, dict[str, tuple[str, str]]]] = [
    ("bar", None, NAMES, "bar", {"x": ("x", "nominal"), "y": ("y", "quantitative")}),
    ("hbar", None, NAMES, "bar", {"x": ("y", "quantitative"), "y": ("x", "nominal")}),
    ("pie", None, NAMES, "arc", {"theta": ("y", "quantitative"), "color": ("x", "nominal")}),
    ("donut", None, NAMES, "arc", {"theta": ("y", "quantitative"), "color": ("x", "nominal")}),
    (
        "heatmap",
        "y",
        GRID,
        "rect",
        {"x": ("x", "ordinal"), "y": ("series", "ordinal"), "color": ("y", "quantitative")},
    ),
    (
        "grouped",
        "series",
        NUMBERS,
        "bar",
        {"x": ("x", "ordinal"), "y": ("y", "quantitative"), "xOffset": ("series", "nominal")},
    ),
    (
        "stacked",
        "series",
        NUMBERS,
        "bar",
        {"x": ("x", "ordinal"), "y": ("y", "quantitative"), "color": ("series", "nominal")},
    ),
    (
        "stacked100",
        "series",
        NUMBERS,
        "bar",
        {"x": ("_share", "quantitative"), "y": ("x", "ordinal"), "color": ("series", "nominal")},
    ),
    ("line", None, NUMBERS, "line", {"x": ("x", "quantitative"), "y": ("y", "quantitative")}),
    (
        "line",
        "series",
        NUMBERS,
        "line",
        {"x": ("x", "quantitative"), "y": ("y", "quantitative"), "color": ("series", "nominal")},
    ),
    ("area", None, NUMBERS, "area", {"x": ("x", "quantitative"), "y": ("y", "quantitative")}),
    (
        "area",
        "series",
        NUMBERS,
        "area",
        {"x": ("x", "quantitative"), "y": ("y", "quantitative"), "color": ("series", "nominal")},
    ),
    ("scatter", None, NUMBERS, "point", {"x": ("x", "quantitative"), "y": ("y", "quantitative")}),
    (
        "histogram",
        None,
        NUMBERS,
        "bar",
        {"x": ("_x0", "quantitative"), "y": ("y", "quantitative")},
    ),
]


@pytest.mark.parametrize(
    ("kind", "color", "frame", "mark", "channels"),
    KINDS,
    ids=[f"{kind}-{color}" if color else kind for kind, color, *_ in KINDS],
)
def test_every_kind_draws_its_mark_and_encodings(
    kind: str,
    color: str | None,
    frame: pd.DataFrame,
    mark: str,
    channels: dict[str, tuple[str, str]],
) -> None:
    y = "series" if kind == "heatmap" else "y"
    spec = ChartSpec(type=kind, x="x", y=y, color=color)
    chart = build_chart(spec, frame, columns={}, title="A title").to_dict()
    first = chart.get("layer", [chart])[0]
    drawn = first["mark"]["type"] if isinstance(first["mark"], dict) else first["mark"]
    assert drawn == mark
    found = {
        channel: (first["encoding"][channel].get("field"), first["encoding"][channel].get("type"))
        for channel in channels
        if channel in first["encoding"]
    }
    assert found == channels
    assert chart["config"]["font"].startswith(f"'{THEME.font_family}'")
    assert chart["width"] == THEME.chart_width


def test_every_chart_kind_is_covered() -> None:
    kinds = {kind for kind, *_ in KINDS}
    assert kinds == set(get_args(ChartType))


def test_missing_column_is_a_clear_error() -> None:
    frame = pd.DataFrame({"x": [1], "y": [2]})
    with pytest.raises(ValueError, match="column\\(s\\) nope not in the result"):
        build_chart(ChartSpec(type="bar", x="nope", y="y"), frame, columns={}, title="t")


def test_theme_is_passed_explicitly_not_enabled_globally() -> None:
    import altair as alt

    before = alt.theme.active
    frame, columns = departments()
    build_chart(
        ChartSpec(type="hbar", x="department", y="lines"), frame, columns=columns, title="t"
    )
    assert alt.theme.active == before


def test_heatmap_with_cell_labels_converts() -> None:
    from reportgen.charts.convert import to_svg

    frame = pd.DataFrame(
        [
            {"age": a, "status": s, "aov": 10 + i + j}
            for i, a in enumerate("ABCD")
            for j, s in enumerate("xyz")
        ]
    )
    spec = ChartSpec(type="heatmap", x="age", y="status", color="aov")
    columns = {"aov": ColumnInfo("AOV", "currency")}
    svg = to_svg(build_chart(spec, frame, columns=columns, title="t"))
    assert "$15.00" in svg


def test_hours_held_as_objects_keep_their_numeric_order() -> None:
    frame = pd.DataFrame({"hour": pd.Series([15, 3, 10], dtype=object), "orders": [30, 1, 20]})
    chart = build_chart(
        ChartSpec(type="bar", x="hour", y="orders"), frame, columns={}, title="t"
    ).to_dict()
    assert layer_encoding(chart, "bar")["x"]["sort"] == [3, 10, 15]


def test_long_ordered_names_break_into_lines() -> None:
    names = (
        "Night (0–5)",
        "Morning (6–11)",
        "Afternoon (12–16)",
        "Evening (17–21)",
        "Late evening (22–23)",
    )
    frame = pd.DataFrame({"window": list(names), "revenue": [1.0, 6.0, 7.0, 4.0, 0.5]})
    columns = {"window": ColumnInfo("Time of day", "text", names)}
    chart = build_chart(
        ChartSpec(type="bar", x="window", y="revenue"), frame, columns=columns, title="t"
    ).to_dict()
    axis = layer_encoding(chart, "bar")["x"]["axis"]
    assert axis == {"labelAngle": 0, "labelExpr": "split(datum.label, ' ')"}


def test_a_long_legend_wraps_into_rows_and_the_chart_grows_for_them() -> None:
    groups = ["Produce", "Dairy & eggs", "Snacks", "Beverages", "Frozen", "Pantry", "Babies"]
    groups += ["Pets", "Alcohol", "All other departments"]
    frame = pd.DataFrame(
        [
            {"profile": p, "group": g, "lines": 10 + i}
            for p in ("A", "B")
            for i, g in enumerate(groups)
        ]
    )
    spec = ChartSpec(type="stacked100", x="profile", y="lines", color="group")
    chart = build_chart(spec, frame, columns={}, title="t").to_dict()
    legend = layer_encoding(chart, "bar")["color"]["legend"]
    assert 1 < legend["columns"] < len(groups)  # several rows, none running off the right edge
    rows = -(-len(groups) // legend["columns"])
    short = frame[frame["group"].isin(groups[:2])]
    one_row = build_chart(spec, short, columns={}, title="t").to_dict()
    assert layer_encoding(one_row, "bar")["color"]["legend"]["columns"] == 2
    assert chart["height"] - one_row["height"] == LEGEND_ROW * (rows - 1)
