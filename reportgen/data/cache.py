"""A cleaned table ⇄ a Parquet file in the cache folder, keyed by the inputs' fingerprint.

The file ``<table>-<fingerprint>.parquet`` holds every non-private column of the cleaned table
plus, in its schema metadata, the file header and the cleaning record. The fingerprint covers the
resolved paths and contents of the inputs (see ``file_identity``), the table's read settings and
the versions of this format, pandas and pyarrow, so any change to them means a fresh read.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import logging
import os
import re
import stat
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from reportgen.data.files import InputFile
from reportgen.spec.models import TABLE_NAME, TableSpec
from reportgen.staging import remove_dead_staging, staging_path

CACHE_VERSION = 4  # 2: cleaning records carry the rule's kind; 3: column problems; 4: content keys
_META_KEY = b"reportgen.load"
_READ_SETTINGS = {
    "format",
    "layout",
    "delimiter",
    "decimal",
    "rename",
    "private",
    "clean",
    "key",
    "columns",
}

log = logging.getLogger(__name__)


def fingerprint(table: TableSpec, files: list[InputFile]) -> str:
    """A short hash of everything a cached table depends on."""
    stats = [[str(file.path.resolve()), *file_identity(file.path)] for file in files]
    facts = {
        "version": CACHE_VERSION,
        "pandas": pd.__version__,
        "pyarrow": pa.__version__,
        "files": stats,
        "table": table.model_dump(mode="json", include=_READ_SETTINGS),
    }
    text = json.dumps(facts, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


# Files below this size are keyed by a hash of their whole content; larger ones by samples of it
# (the first and last MiB and 16 blocks of 64 KiB in between) plus their size, modification and
# change times. Hashing runs at about 1.5 GB/s (SHA-256): at most ~45 ms for a small file, ~3 ms
# of reading for a large one (README, Performance).
CONTENT_HASH_LIMIT = 64 * 1024**2
_EDGE = 1024**2
_BLOCK = 64 * 1024
_BLOCKS = 16


def file_identity(path: Path) -> list[Any]:
    """What identifies a data file's content for the caches (see ``CONTENT_HASH_LIMIT``).

    A small file's key is its content, so an edit that keeps the size and restores the
    modification time is still seen, and touching it is no change. A large file's key adds the
    change time (``st_ctime``, which no tool can set back) to the samples. A file that cannot be
    read is keyed by its status alone: the loader reports why it cannot be read.
    """
    info = path.stat()
    status = [info.st_size, info.st_mtime_ns, info.st_ctime_ns]
    if not stat.S_ISREG(info.st_mode):
        return ["status", *status]
    try:
        return _content_identity(str(path), info.st_size, *status[1:], info.st_ino, info.st_dev)
    except OSError:
        return ["status", *status]


@functools.lru_cache(maxsize=256)
def _content_identity(
    path: str, size: int, mtime_ns: int, ctime_ns: int, inode: int, device: int
) -> list[Any]:
    """Hashed once per process while the file's status is unchanged."""
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        if size < CONTENT_HASH_LIMIT:
            while block := stream.read(_EDGE):
                digest.update(block)
            return ["content", size, digest.hexdigest()]
        starts = [0, *(_EDGE + i * (size - 2 * _EDGE) // _BLOCKS for i in range(_BLOCKS))]
        for start in starts:
            stream.seek(start)
            digest.update(stream.read(_EDGE if start == 0 else _BLOCK))
        stream.seek(size - _EDGE)
        digest.update(stream.read(_EDGE))
    return ["sampled", size, mtime_ns, ctime_ns, digest.hexdigest()]


def cache_file(cache_dir: Path, name: str, key: str) -> Path:
    """Where the cached copy of a table lives (always directly inside ``cache_dir``)."""
    if not re.fullmatch(TABLE_NAME, name):  # the spec checks names; never a path
        msg = f"not a table name: {name!r}"
        raise ValueError(msg)
    return cache_dir / f"{name}-{key}.parquet"


def read_metadata(path: Path) -> dict[str, Any] | None:
    """The stored header and cleaning record, or None when the file is absent or unreadable."""
    if not path.is_file():
        return None
    try:
        metadata = pq.read_schema(path).metadata or {}
        data = json.loads(metadata[_META_KEY])
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
        log.warning("ignoring unreadable cache file %s (%s)", path, error)
        return None
    return data if isinstance(data, dict) else None


def read_frame(path: Path, columns: list[str]) -> pd.DataFrame | None:
    """The given columns of a cached table, or None when the file is unreadable."""
    try:
        table = pq.read_table(path, columns=columns)
        # Each column's Arrow buffers are freed as soon as it is converted: the peak stays near
        # one copy of the table instead of two.
        return table.to_pandas(split_blocks=True, self_destruct=True)
    except (OSError, ValueError, KeyError, TypeError, pa.ArrowException) as error:
        log.warning("ignoring unreadable cache file %s (%s)", path, error)
        return None


def write_cache(path: Path, frame: pd.DataFrame, metadata: dict[str, Any]) -> None:
    """Write atomically (temporary file, then rename) and remove the table's stale copies.

    A cache that cannot be written is only a lost speed-up: it is logged, never raised.
    """
    arrow = pa.Table.from_pandas(frame, preserve_index=False)
    stored = dict(arrow.schema.metadata or {})
    stored[_META_KEY] = json.dumps(metadata).encode("utf-8")
    arrow = arrow.replace_schema_metadata(stored)
    temporary = staging_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        remove_dead_staging(path.parent)
        pq.write_table(arrow, temporary)
        os.replace(temporary, path)
    except (OSError, pa.ArrowException) as error:
        log.warning("could not write the cache file %s (%s)", path, error)
        with contextlib.suppress(OSError):
            temporary.unlink()
        return
    _remove_stale(path)


def _remove_stale(current: Path) -> None:
    name = current.name.rsplit("-", 1)[0]
    pattern = re.compile(rf"{re.escape(name)}-[0-9a-f]{{16}}\.parquet")
    for other in current.parent.iterdir():
        if other != current and pattern.fullmatch(other.name):
            with contextlib.suppress(OSError):
                other.unlink()
