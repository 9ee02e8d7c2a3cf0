"""A spec in, a live page out: the HTML report served on 127.0.0.1, rebuilt when the spec, the
templates or the data change, and reloaded in the browser.

Rebuilds are HTML only and use the results cache, so a text edit shows in well under a second at
sample scale; ``/report.pdf`` builds the PDF on demand. A spec error is shown at the top of the
page, located, above the last good report. A background thread polls modification times (no
dependency); the page polls ``/__version`` and reloads when it changes.
"""

from __future__ import annotations

import html
import io
import threading
import time
import traceback
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO

from reportgen.errors import ReportgenError

HOST = "127.0.0.1"
POLL_SECONDS = 0.15
RELOAD_SCRIPT = """<script>
(function () {
  var seen = null;
  function poll() {
    fetch('/__version', {cache: 'no-store'}).then(function (r) { return r.text(); })
      .then(function (v) { if (seen !== null && v !== seen) { location.reload(); } seen = v; })
      .catch(function () {}).finally(function () { setTimeout(poll, 300); });
  }
  poll();
})();
</script><a id="reportgen-preview-pdf" href="/report.pdf" style="position:fixed;right:1em;bottom:1em;
z-index:1000;background:#fff;border:1px solid #999;border-radius:4px;padding:0.3em 0.7em;
font:13px sans-serif;color:#333;text-decoration:none">Build the PDF</a>"""
ERROR_BANNER = (
    '<div id="reportgen-preview-error" style="position:sticky;top:0;z-index:1000;'
    "background:#fde8e8;color:#7a1212;border-bottom:2px solid #c53030;padding:0.8em 1.2em;"
    'font:14px/1.45 monospace;white-space:pre-wrap">{title}\n{text}</div>'
)
EMPTY_PAGE = "<!doctype html><html><head><meta charset='utf-8'><title>{title}</title></head><body></body></html>"


@dataclass
class PreviewState:
    """What the server shows: the last good page, the current error, and a version number."""

    page: str = ""
    error: str | None = None
    version: int = 0
    builds: int = 0

    def shown(self) -> str:
        page = self.page or EMPTY_PAGE.format(title="reportgen preview")
        if self.error is not None:
            kept = "the last good report is shown below" if self.page else "no report built yet"
            banner = ERROR_BANNER.format(
                title=html.escape(f"reportgen: the report could not be rebuilt ({kept}):"),
                text=html.escape(self.error),
            )
            page = _insert_after_body(page, banner)
        return page.replace("</body>", RELOAD_SCRIPT + "</body>", 1)


def _insert_after_body(page: str, block: str) -> str:
    start = page.find("<body")
    end = page.find(">", start) + 1 if start >= 0 else 0
    return page[:end] + block + page[end:]


class Preview:
    """The preview server and its watcher; ``start()`` builds once and serves, ``stop()`` ends."""

    def __init__(
        self,
        spec: Path,
        *,
        port: int = 8000,
        stdout: TextIO | None = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        self.spec = Path(spec)
        self.params = tuple((params or {}).items())  # --param NAME=VALUE
        self.port = port
        self.stdout = stdout
        self.state = PreviewState()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.server: ThreadingHTTPServer | None = None
        self.threads: list[threading.Thread] = []
        self.watched: list[Path] = [self.spec]
        self.seen: dict[str, tuple[int, int]] = {}

    @property
    def url(self) -> str:
        port = self.server.server_address[1] if self.server else self.port
        return f"http://{HOST}:{port}/"

    # ---- building -----------------------------------------------------------------------
    def rebuild(self) -> None:
        """Build the HTML (results cache on); keep the last good page when it fails."""
        from reportgen.pipeline import BuildOptions, build

        previous, self.seen = self.seen, _signature(self.watched)  # a later edit is seen
        if any(previous.get(str(p)) != self.seen.get(str(p)) for p in _template_files(self.spec)):
            from reportgen.render.templates import environment, stylesheet

            environment.cache_clear()  # the theme changed: read its templates and CSS again
            stylesheet.cache_clear()
        options = BuildOptions(formats=("html",), quiet=True, params=self.params)
        try:
            written = build(self.spec, options, stdout=io.StringIO())
            page, error = written["html"].read_text(encoding="utf-8"), None
        except ReportgenError as failure:
            page, error = None, failure.render()
        except Exception:  # a bug: shown in the page (the preview keeps running)
            page, error = None, "a bug in reportgen (please report it):\n" + traceback.format_exc()
        with self.lock:
            if page is not None:
                self.state.page = page
            self.state.error = error
            self.state.version += 1
            self.state.builds += 1
        self.watched = [self.spec, *_inputs_of(self.spec, self.watched)]
        self.seen = {**_signature(self.watched), **self.seen}  # new inputs: as they are now
        self._say(f"rebuilt: {error.splitlines()[0] if error else 'ok'}")

    def pdf(self) -> bytes | str:
        """Build the PDF now: its bytes, or the error's text."""
        from reportgen.pipeline import BuildOptions, build

        try:
            written = build(
                self.spec,
                BuildOptions(formats=("pdf",), quiet=True, params=self.params),
                stdout=io.StringIO(),
            )
        except ReportgenError as failure:
            return failure.render()
        return written["pdf"].read_bytes()

    def _watch(self) -> None:
        while not self.stopping.wait(POLL_SECONDS):
            now = _signature(self.watched)
            if all(self.seen.get(path) == mark for path, mark in now.items()):
                continue
            time.sleep(POLL_SECONDS / 3)  # let a write finish: rebuild once the files are still
            if _signature(self.watched) == now:
                self.rebuild()

    # ---- serving ------------------------------------------------------------------------
    def start(self) -> None:
        self.rebuild()
        self.server = ThreadingHTTPServer((HOST, self.port), _handler(self))
        self.server.daemon_threads = True
        for target in (self.server.serve_forever, self._watch):
            thread = threading.Thread(target=target, daemon=True)
            thread.start()
            self.threads.append(thread)
        self._say(f"serving {self.url} (Ctrl-C stops)")

    def stop(self) -> None:
        self.stopping.set()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        for thread in self.threads:
            thread.join(timeout=5)

    def _say(self, message: str) -> None:
        if self.stdout is not None:
            self.stdout.write(f"preview: {message}\n")
            self.stdout.flush()


def serve(
    spec: Path,
    *,
    port: int = 8000,
    stdout: TextIO,
    quiet: bool = False,
    params: Mapping[str, str] | None = None,
) -> None:
    """Run the preview until Ctrl-C (or SIGTERM); then stop the server and the watcher."""
    preview = Preview(spec, port=port, stdout=None if quiet else stdout, params=params)
    try:
        preview.start()
    except OSError as error:
        from reportgen.errors import UsageError

        msg = f"preview: cannot listen on {HOST}:{port} ({error.strerror or error}); try --port"
        raise UsageError(msg) from None
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        preview.stop()
    if not quiet:
        stdout.write("preview: stopped\n")


def _handler(preview: Preview) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
            path = self.path.split("?", 1)[0]
            if path == "/__version":
                with preview.lock:
                    self._send(200, "text/plain", str(preview.state.version).encode())
            elif path in ("/", "/index.html"):
                with preview.lock:
                    page = preview.state.shown()
                self._send(200, "text/html; charset=utf-8", page.encode("utf-8"))
            elif path == "/report.pdf":
                result = preview.pdf()
                if isinstance(result, bytes):
                    self._send(200, "application/pdf", result)
                else:
                    self._send(500, "text/plain; charset=utf-8", result.encode("utf-8"))
            else:
                self._send(404, "text/plain", b"not found")

        def _send(self, status: int, kind: str, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return  # quiet: the terminal shows rebuilds, not requests

    return Handler


# --------------------------------------------------------------------------------------------
# What is watched


def _inputs_of(spec: Path, previous: list[Path]) -> list[Path]:
    """The data files and template folders a build reads (the previous list when the spec does
    not load)."""
    from reportgen.data.files import resolve_files
    from reportgen.spec.load import load_spec

    try:
        loaded = load_spec(spec)
        files = [
            f.path
            for name, table in loaded.spec.data.items()
            for f in resolve_files(name, table, loaded.base_dir)
        ]
    except ReportgenError:
        return [p for p in previous if p != spec]
    return [*files, *_template_files(spec)]


def _template_files(spec: Path) -> Iterator[Path]:
    from reportgen.render.templates import templates_dir

    for folder in (spec.resolve().parent / "templates", templates_dir()):
        if folder.is_dir():
            yield from (p for p in sorted(folder.rglob("*")) if p.is_file())


def _signature(paths: list[Path]) -> dict[str, tuple[int, int]]:
    """Each path's modification time and size (-1 when it is missing)."""
    marks = {}
    for path in paths:
        try:
            stat = path.stat()
            marks[str(path)] = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            marks[str(path)] = (-1, -1)
    return marks
