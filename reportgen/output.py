"""Bytes → files, atomically: a temp file in the target folder, fsync, then rename over the old one.

A build that fails or is interrupted leaves the previous report intact and no temp files behind;
the staging files of a build that was killed are removed by the next write into the folder.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

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


def check_targets(root: Path, targets: Iterable[Path], reads: Mapping[Path, str]) -> None:
    """Refuse, before anything is built, an output that would replace a file the build reads,
    or whose folder below ``root`` is a symbolic link (``write_all`` refuses them too).

    ``reads`` maps each input (data files, the spec) to what it is ("an input of table 'x'").
    A target is compared as it will be written: its folder resolved, its own name not followed.
    """
    inputs = {Path(os.path.realpath(path)): what for path, what in reads.items()}
    for target in targets:
        parts = _inside(root, target)
        for depth in range(1, len(parts)):
            folder = root.joinpath(*parts[:depth])
            if folder.is_symlink():
                raise OutputError(_not_a_folder(folder, root, "a symbolic link"))
        landing = Path(os.path.realpath(target.parent)) / target.name
        what = inputs.get(landing)
        if what is not None:
            msg = (
                f"the output {target} would overwrite {landing}, {what}; "
                "choose another --output-dir (or move the input)"
            )
            raise OutputError(msg)


def write_all(
    files: dict[Path, bytes], root: Path | None = None, *, resolved: Path | None = None
) -> None:
    """Write several files; every file is staged first, then all are renamed into place.

    Every file must lie inside ``root`` (default: the first file's folder), which is written
    through ``resolved`` (its real path, as resolved when the build started; default: now).
    Subfolders are opened without following symbolic links, so nothing is written outside it.
    """
    if not files:
        return
    base = root or next(iter(files)).parent
    folder = resolved or Path(os.path.realpath(base))
    relative = {_inside(base, target): data for target, data in files.items()}
    with _folder_lock(folder):
        if _DIR_FD:
            _write_all(folder, base, relative, list(files))
        else:  # pragma: no cover - not POSIX: plain paths, checked once
            _write_all_by_path({folder.joinpath(*parts): d for parts, d in relative.items()})


# os.replace takes the same descriptors as os.rename (the set lists only the latter).
_DIR_FD = {os.open, os.mkdir, os.rename, os.unlink} <= os.supports_dir_fd
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def _inside(base: Path, target: Path) -> tuple[str, ...]:
    """The target's path parts below ``base``; a bug (ValueError) when it lies elsewhere."""
    parts = target.relative_to(base).parts
    if not parts or any(part in ("", ".", "..") for part in parts):
        msg = f"{target} is not inside the output folder {base}"
        raise ValueError(msg)
    return parts


def _not_a_folder(where: Path, root: Path, kind: str) -> str:
    return (
        f"{where} is {kind}; reportgen writes only inside the output folder {root}: "
        "remove it, or choose another --output-dir"
    )


def _open_folder(top: int, parts: tuple[str, ...], shown: Path, opened: list[int]) -> int:
    """A descriptor of ``top``/``parts``, created if missing; a symbolic link is refused."""
    handle = top
    for index, part in enumerate(parts):
        with contextlib.suppress(FileExistsError):
            os.mkdir(part, dir_fd=handle)
        try:
            handle = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=handle)
        except OSError as error:
            if error.errno not in (errno.ELOOP, errno.ENOTDIR):
                raise
            where = shown.joinpath(*parts[: index + 1])
            kind = "a symbolic link" if os.path.islink(where) else "not a folder"
            raise OutputError(_not_a_folder(where, shown, kind)) from None
        opened.append(handle)
    return handle


def _write_all(
    folder: Path, base: Path, files: dict[tuple[str, ...], bytes], targets: list[Path]
) -> None:
    """Stage each file in its folder (opened by descriptor, below ``folder``), then rename all."""
    staged: list[tuple[int, str, str]] = []
    opened: list[int] = []
    failed = targets[0]
    try:
        top = os.open(folder, os.O_RDONLY | _DIRECTORY)
        opened.append(top)
        remove_dead_staging(folder)  # what killed builds left
        folders: dict[tuple[str, ...], int] = {(): top}
        for (parts, data), target in zip(files.items(), targets, strict=True):
            failed = target
            if parts[:-1] not in folders:
                folders[parts[:-1]] = _open_folder(top, parts[:-1], base, opened)
                remove_dead_staging(folder.joinpath(*parts[:-1]))  # what killed builds left
            handle = folders[parts[:-1]]
            temp = staging_path(Path(parts[-1])).name
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
            descriptor = os.open(temp, flags, 0o644, dir_fd=handle)
            staged.append((handle, temp, parts[-1]))
            with os.fdopen(descriptor, "wb") as stream:
                stream.write(data)
                stream.flush()
                os.fsync(stream.fileno())
                os.fchmod(stream.fileno(), 0o644)
        with _signals_held():
            for handle, temp, name in staged:
                os.replace(temp, name, src_dir_fd=handle, dst_dir_fd=handle)
    except OSError as error:
        reason = "the disk is full" if error.errno == errno.ENOSPC else error.strerror
        msg = f"cannot write {failed}: {reason}; the previous report is unchanged"
        raise OutputError(msg) from None
    finally:
        for handle, temp, _name in staged:
            with contextlib.suppress(OSError):
                os.unlink(temp, dir_fd=handle)
        for handle in opened:
            os.close(handle)


def _write_all_by_path(files: dict[Path, bytes]) -> None:  # pragma: no cover - not POSIX
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


EXPORT_DIGITS = 12  # significant digits of a float in the CSV exports (no float noise)


def csv_bytes(frame: Any) -> bytes:
    """A result table as CSV: floats with at most 12 significant digits (1139.2, not
    1139.1999999999996), dates as ISO text, '\\n' line ends."""
    clean = frame.copy()
    for name in clean.columns:
        if clean[name].dtype.kind == "f":
            clean[name] = [
                float(f"{v:.{EXPORT_DIGITS}g}") if v == v else v for v in clean[name].tolist()
            ]
    return str(clean.to_csv(index=False, lineterminator="\n")).encode("utf-8")


def remove_stale_exports(folder: Path, keep: set[str]) -> list[str]:
    """Delete the CSV files in the export ``folder`` that this build did not write (sections
    since deleted or renamed); other files and anything that is not a plain file stay."""
    removed: list[str] = []
    if folder.is_symlink() or not folder.is_dir():
        return removed
    for path in sorted(folder.iterdir()):
        if (
            path.suffix == ".csv"
            and path.name not in keep
            and path.is_file()
            and not path.is_symlink()
        ):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path.name)
    return removed
