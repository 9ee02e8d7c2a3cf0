"""``--scheduler``: a malformed address exits 2 before any data is read; an address where no
Dask scheduler answers (nothing listening, a silent listener, a web server, a worker) exits 4
with the reason, within seconds, never a hang or a traceback."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from reportgen.engine import dask_cluster
from reportgen.errors import OutputError, UsageError
from tests.errors.conftest import Project, RunCli, assert_clean_failure

EXAMPLE = "expected tcp://HOST:PORT, e.g. tcp://scheduler-host:8786"


@pytest.mark.parametrize(
    ("address", "normal"),
    [
        ("tcp://10.0.0.5:8786", "tcp://10.0.0.5:8786"),
        ("scheduler-host:8786", "tcp://scheduler-host:8786"),
        ("TLS://[::1]:8786", "tls://[::1]:8786"),
    ],
)
def test_well_formed_addresses(address: str, normal: str) -> None:
    assert dask_cluster.check_address(address) == normal


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        (
            "http://scheduler-host:8787",
            "http:// is a web address (a Dask dashboard?), not a scheduler's",
        ),
        ("foo", "no port"),
        ("tcp://scheduler-host", "no port"),
        ("tcp://scheduler-host:", "no port"),
        ("tcp://:8786", "no host"),
        ("tcp://scheduler-host:99999", "the port '99999' is not a number from 1 to 65535"),
        ("tcp://scheduler-host:port", "the port 'port' is not a number from 1 to 65535"),
        (
            "udp://scheduler-host:8786",
            "unknown protocol 'udp://' (Dask schedulers use tcp, tls, ws, wss)",
        ),
        ("tcp://a:1:2", "'a:1:2' is not HOST:PORT (an IPv6 host goes in brackets, [::1]:8786)"),
    ],
)
def test_malformed_addresses(address: str, problem: str) -> None:
    with pytest.raises(UsageError) as raised:
        dask_cluster.check_address(address)
    assert str(raised.value) == (
        f"--scheduler {address}: not a Dask scheduler address: {problem}; {EXAMPLE}"
    )
    assert raised.value.exit_code == 2


def test_a_malformed_address_is_refused_before_the_data(project: Project, run_cli: RunCli) -> None:
    """The order lines are missing (exit 3 once read): the address is refused first."""
    (project.data / "order_products__prior.csv").unlink()
    run = run_cli(project.spec, "--engine", "dask", "--scheduler", "http://localhost:8787")
    assert_clean_failure(run, 2, "reportgen: --scheduler http://localhost:8787: not a Dask")


# ---- addresses where no scheduler answers -------------------------------------------------------
@pytest.fixture
def short_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_cluster, "PROBE_SECONDS", 1.0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def silent_listener() -> Iterator[str]:
    """Accepts connections and never says a word."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield f"tcp://127.0.0.1:{server.getsockname()[1]}"


class _Quiet(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def web_server() -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def probe_error(address: str) -> OutputError:
    """The probe's error, the probe run in a thread that must end (not hang for minutes)."""
    found: list[BaseException] = []

    def run() -> None:
        try:
            dask_cluster.probe(address)
        except BaseException as error:
            found.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(timeout=60)  # a guard against a hang, not a measure of speed
    assert not thread.is_alive(), "the probe did not give up"
    (error,) = found
    assert isinstance(error, OutputError), error
    assert error.exit_code == 4
    return error


@pytest.mark.usefixtures("short_probe")
def test_nothing_listening() -> None:
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{free_port()}"
    assert str(probe_error(address)) == (
        f"--scheduler {address}: cannot use a Dask scheduler there: connection refused "
        "(is the scheduler running, and the address right?)"
    )


@pytest.mark.usefixtures("short_probe")
def test_a_silent_listener(silent_listener: str) -> None:
    pytest.importorskip("distributed")
    assert str(probe_error(silent_listener)) == (
        f"--scheduler {silent_listener}: cannot use a Dask scheduler there: something accepts "
        "connections but gave no Dask handshake in 3 s (a web server or another service? a "
        "scheduler listens on port 8786 unless told otherwise)"
    )


@pytest.mark.usefixtures("short_probe")
def test_a_web_server(web_server: str) -> None:
    pytest.importorskip("distributed")
    message = str(probe_error(web_server))
    assert message.startswith(f"--scheduler {web_server}: cannot use a Dask scheduler there: ")
    assert message.endswith("(a web server or another service? a scheduler listens on port "
                            "8786 unless told otherwise)")  # fmt: skip


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, processes=False, protocol="tcp", dashboard_address=":0"
    ) as local:
        yield local


def test_a_scheduler_passes_and_a_worker_does_not(cluster: Any) -> None:
    dask_cluster.probe(cluster.scheduler_address)  # no error
    worker = next(iter(cluster.workers.values())).address
    assert str(probe_error(worker)) == (
        f"--scheduler {worker}: cannot use a Dask scheduler there: the server there is a Dask "
        "Worker, not a scheduler"
    )


@pytest.mark.usefixtures("short_probe")
def test_the_command_line_exits_4(project: Project, run_cli: RunCli) -> None:
    pytest.importorskip("distributed")
    address = f"tcp://127.0.0.1:{free_port()}"
    run = run_cli(project.spec, "--format", "html", "--engine", "dask", "--scheduler", address)
    assert_clean_failure(run, 4, f"reportgen: --scheduler {address}: cannot use a Dask scheduler")
    assert not project.output.exists()
