"""Bytes a build made before, kept in a cache folder by the key of what they were made from.

Used for what is slow to make and the same on the next build: the font subsets the PDF embeds,
the charts' PNG files. Each file is the bytes followed by their SHA-256, so a damaged or cut
file is a miss (and made again); the files hold data (a font program, an image), never code.
Writes are atomic (a partial file, then a rename); only the newest ``keep`` files are kept. A
folder that cannot be written only means the bytes are made again next time.
"""

from __future__ import annotations

import contextlib
import hashlib
from pathlib import Path

from reportgen.staging import staging_path

_CHECK = 32  # bytes of SHA-256 after the data


class BlobCache:
    """Bytes by key in ``folder`` (created when first written); the newest ``keep`` stay."""

    def __init__(self, folder: Path, keep: int = 64, suffix: str = ".bin") -> None:
        self.folder, self.keep, self.suffix = folder, keep, suffix

    def get(self, key: str) -> bytes | None:
        """The bytes kept under ``key``, or None when absent or damaged."""
        try:
            stored = (self.folder / f"{key}{self.suffix}").read_bytes()
        except OSError:
            return None
        data, check = stored[:-_CHECK], stored[-_CHECK:]
        return data if len(stored) > _CHECK and hashlib.sha256(data).digest() == check else None

    def put(self, key: str, data: bytes) -> None:
        """Keep ``data`` under ``key``; drop the oldest files beyond ``keep``."""
        target = self.folder / f"{key}{self.suffix}"
        partial = staging_path(target)
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            partial.write_bytes(data + hashlib.sha256(data).digest())
            partial.replace(target)
            kept = sorted(self.folder.glob(f"*{self.suffix}"), key=_age)
            for old in kept[self.keep :]:
                old.unlink(missing_ok=True)
        except OSError:
            with contextlib.suppress(OSError):
                partial.unlink()


def _age(path: Path) -> float:
    try:
        return -path.stat().st_mtime
    except OSError:  # removed by another build meanwhile
        return 0.0


def key_of(*parts: bytes | str) -> str:
    """A key for ``parts`` (each hashed with its length, so no two lists of parts collide)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()[:32]
