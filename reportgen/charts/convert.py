"""Altair charts → SVG text; the only module that imports vl-convert.

vl-convert runs a JavaScript engine that holds the GIL while it converts, and its first
conversion in a process costs ~0.7 s. So a build converts its charts in a worker process
(``python -m reportgen.charts.convert``) on the other core: ``warm_up`` starts it while the
data loads, and ``to_svg_later`` hands it each chart as soon as it is built. When the worker
cannot run, charts are converted in this process instead (same SVG).
"""

from __future__ import annotations

import atexit
import base64
import contextlib
import itertools
import json
import os
import queue
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import Future
from functools import cache
from pathlib import Path
from typing import IO, Any

import altair as alt

from reportgen.charts.converter_processes import start_process, take_lent
from reportgen.charts.runtime_cache import cached_runtime, keep_runtime
from reportgen.charts.svg_fixes import gradients_in_user_space
from reportgen.errors import OutputError
from reportgen.style.fonts import bundled_font

VL_VERSION = "_".join(alt.SCHEMA_VERSION.split(".")[:2])  # 'v6.4.1' → 'v6_4'
_XLINK = ' xmlns:xlink="http://www.w3.org/1999/xlink"'
_TINY = {"data": {"values": [{"a": 1}]}, "mark": "bar", "encoding": {"y": {"field": "a"}}}


@cache
def register_fonts() -> None:
    """Register the bundled font directory with vl-convert, once per process."""
    import vl_convert

    directory = bundled_font().directory
    if directory is not None:
        vl_convert.register_font_directory(str(directory))


def convert(spec: dict[str, Any]) -> str:
    """A Vega-Lite spec as a standalone ``<svg>`` document, in this process."""
    import vl_convert

    register_fonts()
    svg: str = vl_convert.vegalite_to_svg(spec, vl_version=VL_VERSION)
    if "xlink:" not in svg.replace(_XLINK, ""):
        svg = svg.replace(_XLINK, "", 1)
    return gradients_in_user_space(re.sub(r"^<\?xml[^>]*>\s*", "", svg))


WATCHDOG_SECONDS = 120.0  # a worker that owes charts and answers nothing this long is stuck
# How a converter that crashed ends (a Rust panic aborts): the chart it was converting would
# crash this process too. A worker that ended otherwise (killed for memory) is not the chart's
# fault, and everything it owed is converted here.
_CRASHES = {-signal.SIGABRT, -signal.SIGSEGV, -signal.SIGBUS, -signal.SIGILL, -signal.SIGFPE}


class ChartError(OutputError):
    """A chart the converter could not draw (it stopped, or hung, on this chart)."""


def _title(request: dict[str, Any]) -> str:
    spec = request.get("spec", {})
    title = spec.get("title")
    text = title.get("text", "") if isinstance(title, dict) else title or ""
    return " ".join(text) if isinstance(text, list) else str(text)


class _Worker:
    """The converter process: one JSON line per chart in, one JSON line per SVG out.

    Three threads, and no lock is held across I/O (a chart bigger than the pipe's buffer once
    deadlocked the build): ``submit`` queues a request for the writer thread, the reader thread
    delivers the answers, and a watchdog kills a worker that owes charts but has answered
    nothing for ``WATCHDOG_SECONDS``. The chart it was converting then fails with a clear
    message; the others are converted in this process.
    """

    def __init__(self, process: subprocess.Popen[str] | None = None) -> None:
        self.process = process or start_process()
        self.pending: dict[int, tuple[Future[Any], dict[str, Any]]] = {}
        self.numbers = itertools.count()
        # Requests are tagged with this process and a nonce: a converter a batch lends to one
        # child after another never gives a child an answer asked for by the one before.
        self.tag = f"{os.getpid()}.{secrets.token_hex(4)}"
        self.lock = threading.Lock()  # guards the fields below; never held across I/O
        self.alive = True
        self.closing = False
        self.stuck = False
        self.progress = time.monotonic()
        self.requests: queue.SimpleQueue[str | None] = queue.SimpleQueue()
        self.done = threading.Event()
        for target, name in (
            (self._write, "chart-writer"),
            (self._read, "chart-reader"),
            (self._watch, "chart-watchdog"),
        ):
            threading.Thread(target=target, name=name, daemon=True).start()
        atexit.register(self.close)

    def submit(self, spec: dict[str, Any]) -> Future[str]:
        """The Vega-Lite ``spec`` as SVG text."""
        return self.request({"spec": spec})

    def submit_png(self, svg: str, width: int) -> Future[bytes]:
        """The ``svg`` as PNG bytes ``width`` pixels wide."""
        return self.request({"png": svg, "width": width})

    def submit_runtime(self) -> Future[str]:
        """The Vega runtime bundle (``_runtime_bundle``)."""
        return self.request({"runtime": VL_VERSION})

    def request(self, request: dict[str, Any]) -> Future[Any]:
        """Convert ``{"spec": vega_lite}`` to SVG text, or ``{"png": svg, "width": px}`` to PNG
        bytes."""
        future: Future[Any] = Future()
        with self.lock:
            alive = self.alive
            if alive:
                number = next(self.numbers)
                if not self.pending:
                    self.progress = time.monotonic()  # the watchdog's clock starts with work
                self.pending[number] = (future, request)
        if not alive:  # the worker is gone: convert here
            _settle(future, request)
            return future
        self.requests.put(json.dumps({"id": f"{self.tag}:{number}", **request}) + "\n")
        return future

    def _write(self) -> None:
        stdin = self.process.stdin
        assert stdin is not None
        while (line := self.requests.get()) is not None:
            try:
                stdin.write(line)
                stdin.flush()
            except (OSError, ValueError):  # the worker is gone; the reader settles what it owed
                break
        with contextlib.suppress(OSError, ValueError):
            stdin.close()  # the worker ends at the end of its input

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            try:
                answer = json.loads(line)
            except ValueError:  # cut short: the worker was killed while it answered
                break
            tag, _, asked = str(answer.get("id", "")).partition(":")
            with self.lock:
                mine = tag == self.tag and asked.isdigit()
                entry = self.pending.pop(int(asked), None) if mine else None
                self.progress = time.monotonic()
            if entry is None:
                continue  # asked for by an earlier child of a batch: not ours
            future, _ = entry
            if "svg" in answer:
                future.set_result(answer["svg"])
            elif "runtime" in answer:
                future.set_result(answer["runtime"])
            elif "png" in answer:
                future.set_result(base64.b64decode(answer["png"]))
            else:
                future.set_exception(ValueError(answer["error"]))
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        with self.lock:  # the worker ended: whatever it still owed is settled here
            self.alive = False
            owed, self.pending = self.pending, {}
            closing, stuck = self.closing, self.stuck
        self.done.set()
        crashed = stuck or self.process.returncode in _CRASHES
        for number, (future, spec) in sorted(owed.items()):
            if closing:
                future.cancel()
            elif crashed and number == min(owed):  # the chart it was converting: not again here
                reason = (
                    f"did not finish it within {WATCHDOG_SECONDS:g} s"
                    if stuck
                    else "stopped while converting it"
                )
                msg = f"the chart '{_title(spec)}' could not be drawn: the chart converter {reason}"
                future.set_exception(ChartError(msg))
            else:
                _settle(future, spec)

    def _watch(self) -> None:
        while not self.done.wait(min(5.0, WATCHDOG_SECONDS / 4)):
            with self.lock:
                stuck = bool(self.pending) and (time.monotonic() - self.progress > WATCHDOG_SECONDS)
                self.stuck = stuck
            if stuck:
                self.process.kill()  # the reader sees the end of the output
                return

    def answered(self, timeout: float) -> bool:
        """Whether every request has been answered, waiting up to ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if not self.pending:
                    return True
            time.sleep(0.01)
        return False

    def close(self) -> None:
        """End the worker: at once when it still owes charts (the build failed or was
        interrupted), else once it has read the end of its input."""
        with self.lock:
            owed = bool(self.pending)
            self.closing = True
        if owed:
            self.process.kill()
        self.requests.put(None)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.done.set()


def _settle(future: Future[Any], request: dict[str, Any]) -> None:
    """Convert in this process, the result or the error into ``future``."""
    try:
        if "png" in request:
            future.set_result(svg_to_png(request["png"], request["width"]))
        elif "runtime" in request:
            future.set_result(_runtime_bundle())
        else:
            future.set_result(convert(request["spec"]))
    except Exception as error:  # noqa: BLE001 - raised where the SVG is awaited
        future.set_exception(error)


@cache
def _worker() -> _Worker | None:
    if not sys.executable:  # an embedded interpreter: no Python to start
        return None
    try:
        return _Worker(take_lent())
    except OSError:
        return None


# A forked child (a batch's report rendered on another core) does not use its parent's
# converter, which is driven by threads the child does not have: it drives the one lent to it
# (``converter_processes.lend_converter``), or starts its own.
os.register_at_fork(after_in_child=_worker.cache_clear)


def release_lent() -> None:
    """In a forked child whose render is done: leave the converter lent to it ready for the
    next child, every answer read (one still converting after a minute is ended instead)."""
    worker = _worker() if _worker.cache_info().currsize else None
    if worker is not None and not worker.answered(timeout=60.0):
        worker.process.kill()


def warm_up() -> None:
    """Start the converter process, which starts its engine while the data loads."""
    _worker()


def to_svg_later(chart: alt.Chart | alt.LayerChart) -> Future[str]:
    """The chart's SVG (see ``to_svg``), converted by the worker process.

    The Vega-Lite dict is taken here, unvalidated: the chart builders' output is validated
    against the schema by the tests, and validation costs more than the conversion.
    """
    return spec_to_svg_later(chart.to_dict(validate=False))


def spec_to_svg_later(spec: dict[str, Any]) -> Future[str]:
    """A Vega-Lite spec's SVG (see ``to_svg_later``), converted by the worker process."""
    worker = _worker()
    if worker is not None:
        return worker.submit(spec)
    future: Future[str] = Future()
    future.set_result(convert(spec))
    return future


def to_png_later(svg: str, width: int) -> Future[bytes]:
    """The chart SVG as PNG ``width`` pixels wide (see ``svg_to_png``), drawn by the worker
    process while this one writes the other outputs."""
    worker = _worker()
    if worker is not None:
        return worker.submit_png(svg, width)
    future: Future[bytes] = Future()
    _settle(future, {"png": svg, "width": width})
    return future


def to_svg(chart: alt.Chart | alt.LayerChart) -> str:
    """The chart as a standalone ``<svg>`` document, its text set in the bundled font."""
    return convert(chart.to_dict(validate=False))


def _runtime_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script (vl-convert's bundle: nothing fetched, no
    editor links), which sets ``window.vegaEmbed``. Bundling takes seconds."""
    import vl_convert

    make_bundle: Any = vl_convert.javascript_bundle  # its stub wants a snippet; None is the default
    bundle: str = make_bundle(vl_version=VL_VERSION.replace("_", "."))
    # Inline in <script>, the text must not close the element (it does not today; in a JS
    # string or pattern, "<\\/" is "</").
    return bundle.replace("</script", "<\\/script")


def runtime_script_later(cache_dir: Path | None = None) -> Future[str]:
    """The Vega runtime the interactive HTML inlines once (see ``_runtime_bundle``): from the
    cache folder when an earlier build kept it, else bundled by the converter process (on the
    other core, while this one writes the PDF) and kept."""
    future: Future[str] = Future()
    cached = cached_runtime(cache_dir, VL_VERSION)
    if cached is not None:
        future.set_result(cached)
        return future
    worker = _worker()
    if worker is not None:
        future = worker.submit_runtime()
    else:
        _settle(future, {"runtime": VL_VERSION})
    if cache_dir is not None:
        folder = cache_dir

        def keep(done: Future[str]) -> None:
            if not done.cancelled() and done.exception() is None:
                keep_runtime(folder, VL_VERSION, done.result())

        future.add_done_callback(keep)
    return future


def svg_to_png(svg: str, width: int) -> bytes:
    """The SVG drawn ``width`` pixels wide as PNG, its text in the bundled font."""
    import vl_convert

    register_fonts()
    size = re.search(r'<svg\b[^>]*\bwidth="([0-9.]+)', svg)
    scale = width / float(size.group(1)) if size else 1.0
    png: bytes = vl_convert.svg_to_png(svg, scale=scale)
    return png


def _serve(lines: IO[str], out: IO[str]) -> None:
    """The worker's loop: convert until the parent closes the pipe."""
    convert(_TINY)  # start the engine before the first chart arrives
    for line in lines:
        request = json.loads(line)
        try:
            if "png" in request:
                png = svg_to_png(request["png"], request["width"])
                answer = {"id": request["id"], "png": base64.b64encode(png).decode("ascii")}
            elif "runtime" in request:
                answer = {"id": request["id"], "runtime": _runtime_bundle()}
            else:
                answer = {"id": request["id"], "svg": convert(request["spec"])}
        except Exception as error:  # noqa: BLE001 - reported to the parent, which raises it
            answer = {"id": request["id"], "error": f"{type(error).__name__}: {error}"}
        out.write(json.dumps(answer) + "\n")
        out.flush()


def main() -> None:
    """Serve until the parent closes the pipe, or goes away while an answer is written (a
    failed batch ends its renderers): then end quietly, with no traceback on the terminal."""
    try:
        _serve(sys.stdin, sys.stdout)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
