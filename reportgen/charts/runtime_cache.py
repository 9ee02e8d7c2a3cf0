"""The Vega runtime bundle kept between builds: a file in the cache folder, keyed by the
vl-convert and Vega-Lite versions, its first line the SHA-256 of the rest (a damaged file is a
miss)."""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from reportgen.staging import staging_path


def runtime_file(cache_dir: Path, vl_version: str) -> Path:
    from importlib.metadata import version

    return cache_dir / f"vega-runtime-{version('vl-convert-python')}-{vl_version}.js"


def cached_runtime(cache_dir: Path | None, vl_version: str) -> str | None:
    """The bundle kept by an earlier build, if intact (its first line holds its SHA-256)."""
    if cache_dir is None:
        return None
    try:
        head, _, body = (
            runtime_file(cache_dir, vl_version).read_text(encoding="utf-8").partition("\n")
        )
    except (OSError, UnicodeDecodeError):
        return None
    if head != "// sha256:" + hashlib.sha256(body.encode("utf-8")).hexdigest():
        return None
    return body


def keep_runtime(cache_dir: Path, vl_version: str, bundle: str) -> None:
    """Best effort, atomically (a cache: nothing when the folder is not writable)."""
    target = runtime_file(cache_dir, vl_version)
    temporary = staging_path(target)
    text = "// sha256:" + hashlib.sha256(bundle.encode("utf-8")).hexdigest() + "\n" + bundle
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        temporary.write_text(text, encoding="utf-8")
        os.replace(temporary, target)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()
