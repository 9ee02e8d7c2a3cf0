"""A target path → the staging file it is written to before the rename, and the removal of
staging files that dead processes left behind.

Every file reportgen writes atomically is first written to ``.<name>.<pid>-<8 hex>.tmp`` in the
target's folder. A build that is killed (or stopped by a full disk) before the rename leaves that
file; the next write into the folder removes the staging files whose process no longer runs, and
only files of this pattern (and the font cache's older ``.fonts-<hash>.css.<pid>.tmp``).
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from pathlib import Path

_STAGING = re.compile(
    r"\..+\.(?P<pid>[0-9]{1,10})-[0-9a-f]{8}\.tmp"
    r"|\.fonts-[0-9a-f]{16}\.css\.(?P<fonts_pid>[0-9]{1,10})\.tmp"  # before this module
)


def staging_path(target: Path) -> Path:
    """A fresh staging file for ``target``, in the same folder (so the rename is atomic)."""
    return target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except PermissionError:
        return True  # another user's process
    except (ProcessLookupError, OverflowError, ValueError):
        return False
    return True


def remove_dead_staging(folder: Path) -> int:
    """Remove the staging files in ``folder`` whose process is gone; return how many."""
    removed = 0
    try:
        names = [entry.name for entry in os.scandir(folder) if entry.is_file(follow_symlinks=False)]
    except OSError:
        return 0
    for name in names:
        match = _STAGING.fullmatch(name)
        if match and not _alive(int(match["pid"] or match["fonts_pid"])):
            with contextlib.suppress(OSError):
                (folder / name).unlink()
                removed += 1
    return removed
