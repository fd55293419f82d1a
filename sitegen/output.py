"""Collecting output files in memory and writing them atomically in place of the old site."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import os
import shutil
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

# Every sitegen output has this file (GitHub Pages needs it anyway); an
# existing non-empty folder without it is not ours to replace.
MARKER = ".nojekyll"

# A second build into the same folder waits this long for the first one to finish.
LOCK_TIMEOUT = 60.0


class OutputError(Exception):
    """The output folder cannot be written; the message says why, for a person."""


@dataclass(slots=True)
class OutputPlan:
    """Every file of the site, by site-relative path; a path may be planned only once."""

    files: dict[str, bytes] = field(default_factory=dict)

    def add(self, path: str, data: bytes) -> None:
        """Plan one file; two producers of the same path is a bug, not a content error."""
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts or path != pure.as_posix():
            raise ValueError(f"unsafe output path {path!r}")
        if path in self.files:
            raise ValueError(f"output path {path!r} planned twice")
        self.files[path] = data

    def total_bytes(self) -> int:
        """The size of the whole site."""
        return sum(len(data) for data in self.files.values())


def check_output_dir(out_dir: Path, source: Path) -> None:
    """Refuse output folders that would overwrite or be read as the site's source."""
    out, src = out_dir.resolve(), source.resolve()
    if out == src or out in src.parents:
        raise OutputError(f"the output folder {out_dir} contains the site's source")
    if (src / "content") in (out, *out.parents):
        raise OutputError(f"the output folder {out_dir} is inside content/")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).exists():
        raise OutputError(
            f"{out_dir} exists and is not a sitegen output folder; "
            "refusing to replace it (choose another --output, or empty it first)"
        )


def write_plan(plan: OutputPlan, out_dir: Path, *, lock_timeout: float = LOCK_TIMEOUT) -> None:
    """Write every planned file to a fresh folder, then swap it into place.

    Readers see either the old site or the new one, never a mix; an
    interrupted (even killed) build leaves the old site untouched. Two builds
    into the same folder take turns: the second waits for the first.
    """
    if MARKER not in plan.files:
        raise ValueError(f"the plan must contain {MARKER}")
    parent = out_dir.resolve().parent
    if parent.exists() and not parent.is_dir():
        raise OutputError(f"cannot write the site to {out_dir}: {parent} is a file, not a folder")
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create {parent}: {exc.strerror or exc}") from exc
    out = parent / out_dir.name
    with _exclusive_lock(parent / f".{out.name}.lock", lock_timeout):
        _recover(out)
        staging = parent / f".{out.name}.new-{os.getpid()}"
        retired = parent / f".{out.name}.old-{os.getpid()}"
        try:
            for path in sorted(plan.files):
                target = staging / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(plan.files[path])
            if not out.exists():
                staging.rename(out)
            elif _exchange(staging, out):
                retired = staging  # the old site is now where the new one was written
            else:
                out.rename(retired)
                staging.rename(out)
        except OSError as exc:
            if staging != retired:
                shutil.rmtree(staging, ignore_errors=True)
            if retired.exists() and not out.exists():
                retired.rename(out)
            raise OutputError(f"cannot write the site to {out_dir}: {exc.strerror or exc}") from exc
        shutil.rmtree(retired, ignore_errors=True)


@contextlib.contextmanager
def _exclusive_lock(path: Path, timeout: float) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path``, waiting at most ``timeout`` seconds.

    The kernel releases it when the process dies, so a killed build never
    leaves a stale lock; the file itself is removed on release, so a build
    leaves nothing next to the site.
    """
    deadline = time.monotonic() + timeout
    while True:
        fd = _open_lock_file(path)
        try:
            locked = _try_lock(fd)
            # The holder we waited for may have removed the file: then this
            # lock guards nothing, and the next round opens the new file.
            if locked and _same_file(fd, path):
                break
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)
        if time.monotonic() >= deadline:
            raise OutputError(
                f"another sitegen build has been writing next to {path.parent} for "
                f"{timeout:g} s; wait for it to finish, or remove {path} if none runs"
            )
        time.sleep(0.05)
    try:
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()  # before closing: a waiter then sees the file is gone
        os.close(fd)  # closing releases the lock


def _open_lock_file(path: Path) -> int:
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(f"cannot create the lock file {path}: {exc.strerror or exc}") from exc


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        return os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        return False


def _recover(out: Path) -> None:
    """Clean up after builds that were killed (called with the lock held, so none runs).

    A build killed between moving the old site aside and moving the new one
    in (only without an atomic exchange) left no site: the old one comes back.
    """
    parent = out.parent
    retired = sorted(parent.glob(f".{out.name}.old-*"))
    if not out.exists() and retired and (retired[0] / MARKER).exists():
        retired[0].rename(out)
    for leftover in (*parent.glob(f".{out.name}.new-*"), *parent.glob(f".{out.name}.old-*")):
        shutil.rmtree(leftover, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(first: Path, second: Path) -> bool:
    """Swap two paths in one atomic step (Linux ``renameat2``); False where unsupported."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):  # old kernel or file system
        return False
    raise OSError(code, os.strerror(code), str(second))
