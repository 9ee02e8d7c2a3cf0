"""A cleaned table ⇄ a Parquet file in the cache folder, keyed by the inputs' fingerprint.

The file ``<table>-<fingerprint>.parquet`` holds every non-private column of the cleaned table
plus, in its schema metadata, the file header and the cleaning record. The fingerprint covers the
resolved paths, sizes and modification times of the inputs, the table's read settings and the
versions of this format, pandas and pyarrow, so any change to them means a fresh read.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from reportgen.data.files import InputFile
from reportgen.spec.models import TableSpec
from reportgen.staging import remove_dead_staging, staging_path

CACHE_VERSION = 1
_META_KEY = b"reportgen.load"
_READ_SETTINGS = {"format", "layout", "rename", "private", "clean", "key"}

log = logging.getLogger(__name__)


def fingerprint(table: TableSpec, files: list[InputFile]) -> str:
    """A short hash of everything a cached table depends on."""
    stats = []
    for file in files:
        stat = file.path.stat()
        stats.append([str(file.path.resolve()), stat.st_size, stat.st_mtime_ns])
    facts = {
        "version": CACHE_VERSION,
        "pandas": pd.__version__,
        "pyarrow": pa.__version__,
        "files": stats,
        "table": table.model_dump(mode="json", include=_READ_SETTINGS),
    }
    text = json.dumps(facts, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def cache_file(cache_dir: Path, name: str, key: str) -> Path:
    """Where the cached copy of a table lives."""
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
