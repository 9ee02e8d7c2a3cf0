"""A ``--scheduler`` address (or none) → a Dask client, checked to reach a Dask scheduler.

A malformed address is a usage error (exit 2) before anything runs. A well-formed one is probed
first, within ``PROBE_SECONDS`` for the whole exchange (the TCP connection, Dask's handshake and
one ``identity`` call): nothing listening, a silent listener, an HTTP server or a Dask worker is
an error naming the address (exit 4) within seconds, instead of a client waiting minutes.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import socket
import warnings
from typing import Any

from reportgen.errors import OutputError, UsageError

PROBE_SECONDS = 5.0  # the connection attempts; the handshake and reply get 2 s more
_SCHEMES = ("tcp", "tls", "ws", "wss")
_EXAMPLE = "expected tcp://HOST:PORT, e.g. tcp://scheduler-host:8786"
# For a server that answers, but not as Dask does (its bytes read as Dask's are noise), or never.
_NOT_DASK = (
    "(a web server or another service? a scheduler listens on port 8786 unless told otherwise)"
)
_HOST_PORT = re.compile(r"(?P<host>\[[^\]]*\]|[^:\[\]/]*)(?::(?P<port>[^:]*))?")


def check_address(address: str) -> str:
    """The address with its scheme (``tcp://`` when none is given), or a :class:`UsageError`
    saying what is wrong with it."""
    scheme, sep, location = address.strip().rpartition("://")
    scheme = scheme.lower() if sep else "tcp"
    if scheme in ("http", "https"):
        problem = f"{scheme}:// is a web address (a Dask dashboard?), not a scheduler's"
    elif scheme not in _SCHEMES:
        problem = f"unknown protocol '{scheme}://' (Dask schedulers use {', '.join(_SCHEMES)})"
    else:
        problem = _location_problem(location)
    if problem:
        msg = f"--scheduler {address}: not a Dask scheduler address: {problem}; {_EXAMPLE}"
        raise UsageError(msg)
    return f"{scheme}://{location}"


def _location_problem(location: str) -> str:
    match = _HOST_PORT.fullmatch(location)
    if match is None:
        return f"'{location}' is not HOST:PORT (an IPv6 host goes in brackets, [::1]:8786)"
    host, port = match["host"], match["port"]
    if not host.strip("[]"):
        return "no host"
    if port is None or not port:
        return "no port"
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        return f"the port '{port}' is not a number from 1 to 65535"
    return ""


def probe(address: str) -> None:
    """Check that a Dask scheduler answers at ``address`` (already checked); else an
    :class:`OutputError` saying what answered, within ``PROBE_SECONDS`` + 2 s."""
    reason = asyncio.run(_identify(address))
    if reason:
        msg = f"--scheduler {address}: cannot use a Dask scheduler there: {reason}"
        raise OutputError(msg)


async def _identify(address: str) -> str:
    """Empty when a scheduler answers; else why not."""
    from distributed.comm import connect as open_comm
    from distributed.comm.core import CommClosedError
    from distributed.security import Security

    refused = await _refused(address)
    if refused:
        return f"{refused} (is the scheduler running, and the address right?)"
    options = Security().get_connection_args("client")
    try:
        comm = await asyncio.wait_for(
            open_comm(address, timeout=PROBE_SECONDS, **options), PROBE_SECONDS + 2
        )
    except TimeoutError:
        wait = f"{PROBE_SECONDS + 2:g} s"
        return f"something accepts connections but gave no Dask handshake in {wait} {_NOT_DASK}"
    except CommClosedError:
        return f"the server there closed the connection at Dask's handshake {_NOT_DASK}"
    except OSError as error:  # e.g. a TLS handshake that fails
        return f"cannot connect ({_short(error)}; is the scheduler running, and the address right?)"
    except Exception:  # what a non-Dask server's bytes decode to
        return f"the server there does not answer in Dask's protocol {_NOT_DASK}"
    try:
        await asyncio.wait_for(comm.write({"op": "identity", "reply": True}), 2)
        answer = await asyncio.wait_for(comm.read(), 2)
    except Exception:
        return f"the server there does not answer Dask's identity call {_NOT_DASK}"
    finally:
        comm.abort()
    kind = answer.get("type") if isinstance(answer, dict) else None
    if kind == "Scheduler":
        return ""
    if kind:
        return f"the server there is a Dask {kind}, not a scheduler"
    return f"the server there answered Dask's identity call with something else {_NOT_DASK}"


async def _refused(address: str) -> str:
    """Why a plain TCP connection to the address fails at once (refused, unknown host), or ''."""
    host, _, port = address.split("://", 1)[1].rpartition(":")
    try:
        _, writer = await asyncio.wait_for(
            asyncio.open_connection(host.strip("[]"), int(port)), PROBE_SECONDS
        )
    except TimeoutError:
        return f"no connection within {PROBE_SECONDS:g} s"
    except OSError as error:
        if error.errno and not isinstance(error, socket.gaierror):
            return os.strerror(error.errno).lower()
        return (error.strerror or str(error)).lower()
    writer.close()
    return ""


def _short(found: object) -> str:
    text = f"{type(found).__name__}: {found}" if isinstance(found, BaseException) else str(found)
    return text if len(text) <= 120 else text[:117] + "..."


def connect(scheduler: str | None, *, processes: bool = False) -> tuple[Any, Any]:
    """A Client for ``scheduler`` (checked and probed first), or a new 2-worker LocalCluster and
    its Client. Distributed's own log messages below errors are silenced for the run.

    The local cluster's workers are threads by default: on one machine that measured twice as
    fast as worker processes (no copies of the broadcast arrays, no pickling), see docs/dask.md.
    """
    from distributed import Client, LocalCluster

    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler:
        address = check_address(scheduler)
        probe(address)
        try:
            return Client(address, timeout=f"{PROBE_SECONDS + 5:g}s"), None
        except (OSError, TimeoutError) as error:
            msg = f"--scheduler {scheduler}: cannot use a Dask scheduler there: {_short(error)}"
            raise OutputError(msg) from None
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        cluster = LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=processes,
            memory_limit=_memory_limit(2),
            dashboard_address=":0",  # its status pages on any free port, not a warning
            silence_logs=logging.ERROR,
        )
    return Client(cluster), cluster


def _memory_limit(workers: int) -> int:
    """Half the machine's memory per worker pair, at least 1 GiB and at most 8 GiB each."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 << 30
    return int(min(max(total // (2 * workers), 1 << 30), 8 << 30))
