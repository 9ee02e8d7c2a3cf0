"""Bytes → files, atomically: a temp file in the target folder, fsync, then rename over the old one.

A build that fails or is interrupted leaves the previous report intact and no temp files behind;
the staging files of a build that was killed are removed by the next write into the folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
from collections.abc import Iterator
from pathlib import Path

from reportgen.errors import OutputError
from reportgen.staging import remove_dead_staging, staging_path


def prepare_dir(folder: Path, *, create: bool) -> Path:
    """Check (or create) the output folder; raise ``OutputError`` with the reason when unusable."""
    if not folder.exists():
        if not create:
            msg = f"output folder {folder} does not exist; create it or choose another with --output-dir"
            raise OutputError(msg)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            msg = f"cannot create output folder {folder}: {error.strerror}"
            raise OutputError(msg) from None
    if not folder.is_dir():
        msg = f"output path {folder} is not a folder"
        raise OutputError(msg)
    if not os.access(folder, os.W_OK | os.X_OK):
        msg = f"output folder {folder} is not writable"
        raise OutputError(msg)
    return folder


def write_atomic(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that readers see the old file or the new one, never half."""
    target.parent.mkdir(parents=True, exist_ok=True)
    remove_dead_staging(target.parent)
    handle, temp = _staged(target)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            temp.unlink()
        reason = "the disk is full" if error.errno == errno.ENOSPC else error.strerror
        msg = f"cannot write {target}: {reason}; the previous file is unchanged"
        raise OutputError(msg) from None
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _staged(target: Path) -> tuple[int, Path]:
    """A new staging file for ``target`` (see ``reportgen.staging``), open for writing."""
    temp = staging_path(target)
    return os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), temp


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` itself (no lock file is left behind).

    Two builds writing into the same folder take turns, so the files in it always come from one
    build. Where folders cannot be locked (no ``fcntl``), the files are still each atomic.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield
        return
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        yield
        return
    try:
        fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Delay SIGINT and SIGTERM while the staged files are renamed, so a set is never half-moved."""
    held = {signal.SIGINT, signal.SIGTERM}
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def write_all(files: dict[Path, bytes]) -> None:
    """Write several files; every file is staged first, then all are renamed into place."""
    if not files:
        return
    folder = next(iter(files)).parent
    with _folder_lock(folder):
        _write_all(files)


def _write_all(files: dict[Path, bytes]) -> None:
    staged: list[tuple[Path, Path]] = []
    try:
        for folder in dict.fromkeys(target.parent for target in files):
            folder.mkdir(parents=True, exist_ok=True)
            remove_dead_staging(folder)  # what killed builds left
        for target, data in files.items():
            handle, temp = _staged(target)
            staged.append((temp, target))
            with os.fdopen(handle, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
            os.chmod(temp, 0o644)
        with _signals_held():
            for temp, target in staged:
                os.replace(temp, target)
    except OSError as error:
        reason = "the disk is full" if error.errno == errno.ENOSPC else error.strerror
        failed = target if staged else next(iter(files), Path("?"))
        msg = f"cannot write {failed}: {reason}; the previous report is unchanged"
        raise OutputError(msg) from None
    finally:
        for temp, _target in staged:
            with contextlib.suppress(OSError):
                temp.unlink()
