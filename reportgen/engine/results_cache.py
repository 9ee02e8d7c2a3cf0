"""Section result tables on disk, under the keys ``cache_keys`` makes.

Entries are data (JSON and Arrow IPC), never pickles: a file planted in the cache folder cannot
run code, and one that is damaged is only a miss.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import stat
import struct
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from reportgen.staging import remove_dead_staging, staging_path

log = logging.getLogger(__name__)


class ResultsCache:
    """Results under ``<cache>/results/`` as data, never code (see ``encode_entry``).

    An entry that is unreadable, truncated, altered, of another format or for another key is a
    miss: it is removed and recomputed. Every code change gives every entry a new key, so old
    entries are pruned (``prune``): those no build has used for ``MAX_AGE_DAYS``, then the least
    recently used beyond ``MAX_BYTES``; pickles of older versions are removed unread.
    """

    MAX_AGE_DAYS = 14
    MAX_BYTES = 256 * 1024**2
    SUFFIX = ".entry"

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.hits = 0
        self.misses = 0
        self.used: set[Path] = set()

    def prune(self, now: float | None = None) -> int:
        """Remove stale entries (never one this build used); return how many were removed."""
        now = time.time() if now is None else now
        removed = 0
        for legacy in self.folder.glob("*.pkl"):  # the pickles of older versions: never read
            with contextlib.suppress(OSError):
                legacy.unlink()
                removed += 1
        entries = []
        for path in self.folder.glob(f"*{self.SUFFIX}"):
            with contextlib.suppress(OSError):
                info = path.stat()
                entries.append((info.st_mtime, info.st_size, path))
        entries.sort(reverse=True)  # most recently used first
        total = 0
        for used_at, size, path in entries:
            total += size
            stale = now - used_at > self.MAX_AGE_DAYS * 86400 or total > self.MAX_BYTES
            if stale and path not in self.used:
                with contextlib.suppress(OSError):
                    path.unlink()
                    removed += 1
        return removed

    def _path(self, kind: str, key: str) -> Path:
        return self.folder / f"{kind}-{key}{self.SUFFIX}"

    def get(self, kind: str, key: str) -> Any | None:
        """The stored value, or None (a miss) when there is none or it cannot be trusted."""
        path = self._path(kind, key)
        try:
            data = _read_regular_file(path, MAX_ENTRY_BYTES)
        except OSError:
            self.misses += 1
            return None
        try:
            value = decode_entry(kind, key, data)
        except EntryError as error:
            log.warning("removing unreadable result cache entry %s (%s)", path, error)
            with contextlib.suppress(OSError):
                path.unlink()
            self.misses += 1
            return None
        self.hits += 1
        self.used.add(path)
        with contextlib.suppress(OSError):
            os.utime(path)  # the modification time says when a build last used the entry
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        """Write atomically (staging file, then rename); a value that cannot be stored as data
        or a failed write is only logged."""
        path = self._path(kind, key)
        try:
            data = encode_entry(kind, key, value)
        except (TypeError, ValueError, pa.ArrowException) as error:
            log.warning("not caching %s-%s: %s", kind, key, error)
            return
        temporary = staging_path(path)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            remove_dead_staging(self.folder)
            temporary.write_bytes(data)
            os.replace(temporary, path)
            self.used.add(path)
        except OSError as error:
            log.warning("could not write the result cache entry %s (%s)", path, error)
            with contextlib.suppress(OSError):
                temporary.unlink()


def _read_regular_file(path: Path, limit: int) -> bytes:
    """The file's bytes; nothing (a malformed entry) when it is not a regular file (a FIFO or a
    device planted under an entry's name: opened without blocking, never read) or is too large."""
    handle = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(handle, "rb") as stream:
        info = os.fstat(stream.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return b""
        return stream.read(limit + 1)


# An entry file: MAGIC, the header's length (4 bytes, big-endian), the header (JSON), the body.
# The header names the entry's kind and key, the body's parts and the body's SHA-256; the body
# is the value as JSON (each DataFrame replaced by null) followed by each DataFrame as an Arrow
# IPC stream, placed back at its path in the JSON when read.
MAGIC = b"reportgen-results\n"
ENTRY_FORMAT = 1
MAX_ENTRY_BYTES = 256 * 1024**2
_MAX_HEADER_BYTES = 1024**2


class EntryError(ValueError):
    """A cache entry that cannot be trusted: a miss."""


def encode_entry(kind: str, key: str, value: Any) -> bytes:
    """``value`` (a DataFrame, or JSON-able data with DataFrames in it) as an entry file.

    Raises ``TypeError`` for anything else (objects, non-string keys, non-string column names).
    """
    frames: list[tuple[list[str | int], pd.DataFrame]] = []
    document = json.dumps(_plain(value, [], frames), allow_nan=True).encode("utf-8")
    parts = [document]
    frame_parts = []
    for path, frame in frames:
        if not all(isinstance(name, str) for name in frame.columns):
            msg = "a table's column names must be strings"
            raise TypeError(msg)
        mixed: list[str] = []
        try:
            table = pa.Table.from_pandas(frame)
        except (pa.ArrowTypeError, pa.ArrowInvalid):
            frame, mixed = _split_mixed(frame)  # values beside text: stored in two columns
            table = pa.Table.from_pandas(frame)
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as writer:
            if table.num_rows == 0 and all(c.num_chunks == 1 for c in table.columns):
                # An empty table has no batch, and so would lose its categories: write one.
                chunks = [column.chunk(0) for column in table.columns]
                writer.write_batch(pa.RecordBatch.from_arrays(chunks, schema=table.schema))
            else:
                writer.write_table(table)
        stream = sink.getvalue().to_pybytes()
        objects = [str(name) for name in frame.columns if frame[name].dtype == object]
        frame_parts.append(
            {"path": path, "bytes": len(stream), "object_columns": objects, "mixed": mixed}
        )
        parts.append(stream)
    body = b"".join(parts)
    header = {
        "format": ENTRY_FORMAT,
        "kind": kind,
        "key": key,
        "json_bytes": len(document),
        "frames": frame_parts,
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    head = json.dumps(header, sort_keys=True).encode("utf-8")
    return MAGIC + struct.pack(">I", len(head)) + head + body


def decode_entry(kind: str, key: str, data: bytes) -> Any:
    """The value stored by ``encode_entry``; ``EntryError`` when ``data`` is not such an entry
    for this kind and key, or does not match its checksum."""
    start = len(MAGIC) + 4
    if len(data) > MAX_ENTRY_BYTES or not data.startswith(MAGIC) or len(data) < start:
        msg = "not a results entry of this version"
        raise EntryError(msg)
    (size,) = struct.unpack(">I", data[len(MAGIC) : start])
    if size > min(_MAX_HEADER_BYTES, len(data) - start):
        msg = "truncated header"
        raise EntryError(msg)
    try:
        header = json.loads(data[start : start + size])
        body = data[start + size :]
        if not isinstance(header, dict) or (
            header.get("format"),
            header.get("kind"),
            header.get("key"),
        ) != (ENTRY_FORMAT, kind, key):
            msg = "an entry of another version or key"
            raise EntryError(msg)
        if hashlib.sha256(body).hexdigest() != header.get("sha256"):
            msg = "truncated or altered (checksum mismatch)"
            raise EntryError(msg)
        offset = int(header["json_bytes"])
        value = json.loads(body[:offset])
        for part in header["frames"]:
            end = offset + int(part["bytes"])
            frame = _read_frame(body[offset:end], part["object_columns"], part["mixed"])
            offset = end
            value = _place(value, part["path"], frame)
        if offset != len(body):
            msg = "the parts do not add up to the body"
            raise EntryError(msg)
    except EntryError:
        raise
    except Exception as error:  # noqa: BLE001 - any malformed entry is a miss, never an error
        msg = f"malformed entry ({type(error).__name__})"
        raise EntryError(msg) from None
    return value


def _plain(value: Any, path: list[str | int], frames: list[Any]) -> Any:
    """``value`` as JSON data, each DataFrame set aside in ``frames`` with its path."""
    if isinstance(value, pd.DataFrame):
        frames.append((path, value))
        return None
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.generic) and isinstance(value.item(), bool | int | float | str):
        return value.item()
    if isinstance(value, dict):
        if not all(isinstance(name, str) for name in value):
            msg = "dictionary keys must be strings"
            raise TypeError(msg)
        return {name: _plain(item, [*path, name], frames) for name, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, [*path, i], frames) for i, item in enumerate(value)]
    msg = f"cannot store a {type(value).__name__} as data"
    raise TypeError(msg)


# A column of values beside text (a top-N of months or of numbers and its "Other" row) is
# stored as its text and, under this prefix, its values: Arrow holds one type a column.
_VALUES_OF = "\x00values of "


def _split_mixed(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """``frame`` with each object column that mixes text with dates or numbers split in two
    (see ``_VALUES_OF``), and the names of those columns."""
    mixed: list[str] = []
    for name in list(frame.columns):
        series = frame[name]
        if series.dtype != object:
            continue
        is_text = series.map(lambda v: isinstance(v, str)).astype(bool)
        others = series[~is_text & series.notna()]
        if is_text.all() or not len(others):
            continue
        if not mixed:
            frame = frame.copy()
        frame[_VALUES_OF + name] = pd.Series(
            [None if text else value for text, value in zip(is_text, series, strict=True)],
            index=frame.index,
            dtype=object,
        )
        frame[name] = series.where(is_text, None)
        mixed.append(name)
    return frame, mixed


def _read_frame(stream: bytes, object_columns: list[str], mixed: list[str]) -> pd.DataFrame:
    table = pa.ipc.open_stream(pa.py_buffer(stream)).read_all()
    frame = table.to_pandas()
    for name in object_columns:  # Arrow reads text back as str: restore object columns as stored
        frame[name] = pd.Series(table.column(name).to_pylist(), index=frame.index, dtype=object)
    for name in mixed:
        stored = table.column(_VALUES_OF + name)
        frame.pop(_VALUES_OF + name)
        if pa.types.is_timestamp(stored.type):
            values = [None if pd.isna(v) else v for v in stored.to_pandas()]  # Timestamps
        else:
            values = stored.to_pylist()
        combined = [
            text if value is None else value
            for value, text in zip(values, frame[name], strict=True)
        ]
        frame[name] = pd.Series(combined, index=frame.index, dtype=object)
    return frame


def _place(value: Any, path: list[Any], frame: pd.DataFrame) -> Any:
    if not path:
        return frame
    container = value
    for step in path[:-1]:
        container = container[step]
    if not isinstance(container, dict | list) or container[path[-1]] is not None:
        msg = "a table's place is not empty"
        raise EntryError(msg)
    container[path[-1]] = frame
    return value


def frame_equal(left: pd.DataFrame, right: pd.DataFrame) -> bool:
    """Exact equality of two result tables (values, dtypes and column order)."""
    return left.columns.tolist() == right.columns.tolist() and left.equals(right)
