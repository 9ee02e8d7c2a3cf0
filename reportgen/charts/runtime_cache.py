"""The Vega runtime bundle kept between builds (``BlobCache``: a damaged file is a miss), keyed
by the vl-convert and Vega-Lite versions."""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from reportgen.blobs import BlobCache


def _kept(cache_dir: Path) -> BlobCache:
    return BlobCache(cache_dir / "vega-runtime", keep=2, suffix=".js")


def _key(vl_version: str) -> str:
    return f"{version('vl-convert-python')}-{vl_version}"


def cached_runtime(cache_dir: Path | None, vl_version: str) -> str | None:
    """The bundle kept by an earlier build, if intact."""
    if cache_dir is None:
        return None
    kept = _kept(cache_dir).get(_key(vl_version))
    try:
        return kept.decode("utf-8") if kept is not None else None
    except UnicodeDecodeError:
        return None


def keep_runtime(cache_dir: Path, vl_version: str, bundle: str) -> None:
    """Best effort, atomically (a cache: nothing when the folder is not writable)."""
    _kept(cache_dir).put(_key(vl_version), bundle.encode("utf-8"))
