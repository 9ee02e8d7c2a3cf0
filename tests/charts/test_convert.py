"""Charts → SVG: a complete <svg> whose text is set in the bundled font."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pandas as pd
import pytest

from reportgen.charts import convert
from reportgen.charts.build import build_chart
from reportgen.charts.convert import to_svg
from reportgen.charts.svg_fixes import gradients_in_user_space, stable_ids
from reportgen.spec.models import ChartSpec
from reportgen.style.fonts import bundled_font


def test_svg_uses_the_bundled_font_and_no_network_urls() -> None:
    frame = pd.DataFrame({"day": ["Sat", "Sun", "Mon"], "orders": [3, 2, 1]})
    svg = to_svg(
        build_chart(ChartSpec(type="bar", x="day", y="orders"), frame, columns={}, title="Hi")
    )
    assert svg.startswith("<svg")
    assert svg.rstrip().endswith("</svg>")
    family = bundled_font().family
    assert f'font-family="&apos;{family}&apos;' in svg or f"font-family=\"'{family}'" in svg
    assert "xmlns:xlink" not in svg
    assert "https://" not in svg
    assert ">Sat<" in svg


def test_bundled_font_is_source_sans_pro() -> None:
    font = bundled_font()
    assert font.family == "Source Sans Pro"
    assert font.regular is not None
    assert font.regular.is_file()


def _chart(title: str = "Hi") -> Any:
    frame = pd.DataFrame({"day": ["Sat", "Sun", "Mon"], "orders": [3, 2, 1]})
    return build_chart(ChartSpec(type="bar", x="day", y="orders"), frame, columns={}, title=title)


def same(left: list[str], right: list[str]) -> bool:
    """Equal SVGs up to the converter's process-wide clip-path numbers (renumbered per chart in
    the build)."""
    return [stable_ids(svg, "c") for svg in left] == [stable_ids(svg, "c") for svg in right]


@pytest.fixture
def fresh_worker() -> Iterator[None]:
    """Each test starts (and ends) without a converter process left from another build."""
    convert._worker.cache_clear()
    yield
    worker = convert._worker()
    if worker is not None:
        worker.close()
    convert._worker.cache_clear()


def test_the_worker_process_gives_the_same_svg_as_converting_here(fresh_worker: None) -> None:
    convert.warm_up()
    worker = convert._worker()
    assert worker is not None
    assert worker.process.poll() is None  # a separate process runs
    charts = [_chart(f"Chart {i} <&>") for i in range(3)]
    futures = [convert.to_svg_later(chart) for chart in charts]
    assert same([f.result(timeout=60) for f in futures], [convert.to_svg(c) for c in charts])


def test_a_worker_that_cannot_start_falls_back_to_this_process(
    fresh_worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "executable", "/nonexistent/python")
    assert convert._worker() is None
    assert same([convert.to_svg_later(_chart()).result(timeout=60)], [convert.to_svg(_chart())])


def test_charts_owed_by_a_worker_that_died_are_converted_here(
    fresh_worker: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Died(subprocess.Popen):  # type: ignore[type-arg]
        def __init__(self, _: list[str], **kwargs: Any) -> None:
            super().__init__([sys.executable, "-c", "import sys; sys.stdin.readline()"], **kwargs)

    monkeypatch.setattr(convert.subprocess, "Popen", Died)
    futures = [convert.to_svg_later(_chart(f"t{i}")) for i in range(2)]
    expected = [convert.to_svg(_chart(f"t{i}")) for i in range(2)]
    assert same([f.result(timeout=60) for f in futures], expected)


def test_a_conversion_error_in_the_worker_is_raised_where_the_svg_is_awaited(
    fresh_worker: None,
) -> None:
    worker = convert._worker()
    assert worker is not None
    future = worker.submit({"mark": "no-such-mark", "data": {"values": []}})
    with pytest.raises(ValueError, match="conversion failed"):
        future.result(timeout=60)


def test_closing_with_charts_still_owed_ends_the_worker_at_once(fresh_worker: None) -> None:
    worker = convert._worker()
    assert worker is not None
    for i in range(20):
        worker.submit(_chart(f"t{i}").to_dict(validate=False))
    worker.close()
    assert worker.process.returncode == -signal.SIGKILL  # killed, not left to convert 20 charts


def test_closing_an_idle_worker_lets_it_end_by_itself(fresh_worker: None) -> None:
    worker = convert._worker()
    assert worker is not None
    assert convert.to_svg_later(_chart()).result(timeout=60).startswith("<svg")
    worker.close()
    assert worker.process.returncode == 0


def test_a_colour_legend_gradient_is_given_in_user_space() -> None:
    """WeasyPrint draws no bounding-box gradient: the heatmap's legend would be missing."""
    frame = pd.DataFrame(
        {
            "hour": [h for h in range(24) for _ in range(2)],
            "day": ["Sat", "Sun"] * 24,
            "orders": [h * 100 + d for h in range(24) for d in range(2)],
        }
    )
    spec = ChartSpec(type="heatmap", x="hour", y="day", color="orders")
    svg = to_svg(build_chart(spec, frame, columns={}, title="t"))
    legend = re.search(
        r'<path[^>]*d="M0,0h([\d.]+)v[\d.]+h-[\d.]+Z"[^>]*fill="url\(#([^)]+)\)"', svg
    )
    assert legend is not None
    gradient = re.search(rf'<linearGradient id="{legend[2]}"[^>]*>', svg)
    assert gradient is not None
    assert 'gradientUnits="userSpaceOnUse"' in gradient[0]
    assert f'x2="{float(legend[1]):g}"' in gradient[0]


def test_gradients_in_user_space_leaves_other_gradients_alone() -> None:
    svg = (
        '<svg><path d="M0,0h50v8h-50Z" fill="url(#a)"/><circle fill="url(#b)"/>'
        '<linearGradient id="a" x1="0" x2="1" y1="0" y2="0"></linearGradient>'
        '<linearGradient id="b" x1="0" x2="1"></linearGradient></svg>'
    )
    out = gradients_in_user_space(svg)
    assert (
        '<linearGradient id="a" gradientUnits="userSpaceOnUse" x1="0" x2="50" y1="0" y2="0">' in out
    )
    assert '<linearGradient id="b" x1="0" x2="1">' in out


def test_charts_larger_than_the_pipe_do_not_deadlock(fresh_worker: None) -> None:
    """The build hung for good: the submitting thread held the lock while blocked writing a
    spec larger than the pipe, the worker was blocked writing an SVG larger than the pipe, and
    the reader that would have drained it waited for that lock."""
    big_svg = {
        "data": {"sequence": {"start": 0, "stop": 600, "as": "n"}},  # ~240 KB of SVG
        "mark": "bar",
        "encoding": {
            "x": {"field": "n", "type": "ordinal"},
            "y": {"field": "n", "type": "quantitative"},
        },
    }
    big_spec = {
        "data": {"values": [{"a": "x" * 100 + str(i), "b": i} for i in range(2000)]},
        "mark": "point",
        "encoding": {"x": {"field": "b", "type": "quantitative"}},
    }
    assert len(json.dumps(big_spec)) > 1 << 17
    worker = convert._worker()
    assert worker is not None
    specs = [big_svg, big_svg, big_svg, big_spec, big_svg]
    futures = [worker.submit(spec) for spec in specs]
    svgs = [f.result(timeout=600) for f in futures]  # a guard against hanging, not a timing
    assert all(len(svg) > 1 << 17 for svg in svgs)
    assert svgs[0] == svgs[4]


class _Silent(subprocess.Popen):  # type: ignore[type-arg]
    """A worker that reads its first chart and then neither answers nor ends."""

    def __init__(self, _: list[str], **kwargs: Any) -> None:
        code = "import sys, time; sys.stdin.readline(); time.sleep(600)"
        super().__init__([sys.executable, "-c", code], **kwargs)


class _Crashing(subprocess.Popen):  # type: ignore[type-arg]
    """A worker that aborts on its first chart, as vl-convert's panic on a NUL byte did."""

    def __init__(self, _: list[str], **kwargs: Any) -> None:
        code = "import os, sys; sys.stdin.readline(); os.abort()"
        super().__init__([sys.executable, "-c", code], **kwargs)


@pytest.mark.parametrize(
    ("worker", "reason"),
    [(_Silent, "did not finish it within 1 s"), (_Crashing, "stopped while converting it")],
)
def test_a_chart_that_hangs_or_crashes_the_worker_fails_clearly(
    fresh_worker: None, monkeypatch: pytest.MonkeyPatch, worker: type, reason: str
) -> None:
    """The chart being converted fails with its title (exit 4, no traceback); it is not
    converted again in this process (a crash would take the build with it); the charts
    queued behind it are converted here."""
    monkeypatch.setattr(convert, "WATCHDOG_SECONDS", 1.0)
    monkeypatch.setattr(convert.subprocess, "Popen", worker)
    first, second = convert.to_svg_later(_chart("First")), convert.to_svg_later(_chart("Second"))
    with pytest.raises(
        convert.ChartError, match=f"the chart 'First' could not be drawn: .*{reason}"
    ):
        first.result(timeout=600)
    assert convert.ChartError.exit_code == 4
    assert same([second.result(timeout=600)], [convert.to_svg(_chart("Second"))])


@pytest.mark.parametrize(
    ("currency", "fmt", "ticks"),
    [
        ("€", "currency", ["€0", "€1,000,000", "€2,000,000"]),
        ("£", "currency;compact", ["£0", "£1M", "£2M"]),
        ("$", "currency", ["$0", "$1,000,000", "$2,000,000"]),
    ],
)
def test_currency_axis_ticks_carry_the_reports_symbol(
    currency: str, fmt: str, ticks: list[str]
) -> None:
    from reportgen.charts.build import ColumnInfo

    frame = pd.DataFrame({"region": ["North", "South"], "revenue": [1_234_567.5, 2_400_000.0]})
    columns = {"revenue": ColumnInfo("Revenue", fmt)}
    chart = build_chart(
        ChartSpec(type="bar", x="region", y="revenue"),
        frame,
        columns=columns,
        title="Revenue",
        currency=currency,
    )
    labels = re.findall(r">([^<>]*\d[^<>]*)<", to_svg(chart))
    for tick in ticks:
        assert tick in labels
    assert not [label for label in labels if "$" in label and currency != "$"]


@pytest.mark.parametrize(
    ("fmt", "values", "ticks"),
    [
        ("points", [0.02, 0.05], ["0 pp", "2 pp", "5 pp"]),
        ("number;d=0;s= mm", [120.0, 480.0], ["0 mm", "200 mm", "400 mm"]),
    ],
)
def test_axis_ticks_end_as_the_tables_write_the_unit(
    fmt: str, values: list[float], ticks: list[str]
) -> None:
    from reportgen.charts.build import ColumnInfo

    frame = pd.DataFrame({"city": ["Oslo", "Bergen"], "value": values})
    chart = build_chart(
        ChartSpec(type="bar", x="city", y="value"),
        frame,
        columns={"value": ColumnInfo("Value", fmt)},
        title="Values",
    )
    labels = re.findall(r">([^<>]*\d[^<>]*)<", to_svg(chart))
    for tick in ticks:
        assert tick in labels
    assert not [label for label in labels if label.endswith("%")]


def test_the_worker_ends_quietly_when_its_reader_is_gone() -> None:
    """A failed batch ends a renderer while its converter answers: no traceback on the terminal."""
    worker = subprocess.Popen(
        [sys.executable, "-m", "reportgen.charts.convert"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert worker.stdout is not None
    assert worker.stdin is not None
    worker.stdout.close()  # the reader is gone before the answers
    request = {"id": 1, "spec": {"mark": "bar", "data": {"values": [{"a": 1}]}}}
    worker.stdin.write((json.dumps(request) + "\n").encode("utf-8") * 3)
    worker.stdin.close()
    assert worker.wait(timeout=60) == 0
    assert worker.stderr is not None
    assert worker.stderr.read().decode("utf-8") == ""


def _convert_in_child(spec: dict[str, Any]) -> tuple[str, int]:
    worker = convert._worker()
    assert worker is not None
    return convert.spec_to_svg_later(spec).result(timeout=60), worker.process.pid


def test_forked_children_drive_one_lent_converter_after_another(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A batch keeps a converter per child rendering at a time: a child drives the one lent
    to it (none started in the child), and once given back it serves the next child; the SVGs
    are those converted here, and the converter ends with the batch."""
    from reportgen.background import can_fork, in_background

    if not can_fork():
        pytest.skip("no forked child here (one core, or REPORTGEN_THREADS=1)")
    from reportgen.charts import converter_processes as processes

    monkeypatch.setattr(processes, "_free", [])
    monkeypatch.setattr(processes, "_busy", [])
    processes.keep_converters(1)
    (kept,) = processes._free
    pids = []
    for height in (1, 2):
        spec = {
            "mark": "bar",
            "data": {"values": [{"a": height}]},
            "encoding": {"y": {"field": "a"}},
        }
        with processes.lend_converter() as lent:
            answer = in_background(_convert_in_child, spec)
        assert lent is kept
        svg, pid = answer.result(timeout=120)
        assert svg == convert.convert(spec)
        pids.append(pid)
        processes.give_back(kept, reusable=True)
    assert pids == [kept.pid, kept.pid]
    processes.keep_converters(1)
    assert processes._free == [kept]  # no second converter started
    processes._end_converters()
    assert kept.wait(timeout=30) == 0  # its input ended: it ended


def test_an_answer_asked_for_by_an_earlier_child_is_not_taken() -> None:
    """The requests of a converter's earlier driver may still be answered when the next one
    reads: each driver takes only the answers tagged with its own requests."""
    process = subprocess.Popen(
        [sys.executable, "-m", "reportgen.charts.convert"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        encoding="utf-8",
    )
    assert process.stdin is not None
    first = {"mark": "bar", "data": {"values": [{"a": 1}]}, "encoding": {"y": {"field": "a"}}}
    second = {**first, "mark": "point"}
    # An earlier driver's request with the number the next driver starts at.
    process.stdin.write(json.dumps({"id": "1.x:0", "spec": first}) + "\n")
    process.stdin.flush()
    worker = convert._Worker(process)
    try:
        assert worker.submit(second).result(timeout=120) == convert.convert(second)
    finally:
        worker.close()
