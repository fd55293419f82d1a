"""What a build may read: the stat of every input file, taken without reading a byte, and
one digest of all of them (equal digests: nothing to read again).

A site of a hundred thousand awards has as many award files. Their stats are kept
compactly, a string of names and an array of numbers for each folder, rather than a
path string and a tuple of numbers for each file: those took 300 bytes an award, and
Python's allocator kept that memory for the rest of the build.
"""

from __future__ import annotations

import hashlib
import os
from array import array
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sitegen.content import is_utf8_path, report_bad_name
from sitegen.diagnostics import Diagnostics

# The status lock, which a build may write (see :mod:`sitegen.statuslock`).
LOCK_FILE = "status-indexes.yaml"
# What a site's folder holds that a build reads (the site's own theme and keys included).
SOURCE_INPUTS = ("site.yaml", LOCK_FILE, "content", "themes", ".keys")
AWARDS_FOLDER = "content/awards/"

FileStat = tuple[int, int, int]
"""Size, modification time (ns) and inode of a file."""


@dataclass(frozen=True, slots=True)
class _Run:
    """Consecutive files of one award folder: their names and stats, in order."""

    prefix: str
    """The folder's path, with its final ``/``."""
    names: str
    """The files' names, joined by ``/`` (which no name holds)."""
    stats: array[int]
    """Size, modification time and inode of each file, one after the other."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Scan:
    """The stat of every input file, and one digest of them all."""

    others: Mapping[str, FileStat]
    """Every input but the award folder's files: settings, issuers, badges, theme, keys,
    sitegen's own files (keyed ``<n>:path``, see :func:`scan_inputs`)."""
    runs: tuple[_Run, ...]
    but_lock: str
    """The digest of every input's path and stat but the status lock's (which a build may
    write itself)."""
    bad_names: tuple[str, ...] = ()
    """Site files whose name is not UTF-8, left out (see :meth:`report_bad_names`)."""

    @property
    def digest(self) -> str:
        """One digest of every input's path and stat."""
        return vouch(self.but_lock, self.others.get(LOCK_FILE))

    def award_files(self) -> Iterator[tuple[str, int, int, int]]:
        """Path, size, modification time and inode of every file under the award folder,
        ordered by path parts (as :func:`sitegen.content.list_content_files` orders)."""
        for run in self.runs:
            numbers = iter(run.stats)
            for name in run.names.split("/"):
                yield run.prefix + name, next(numbers), next(numbers), next(numbers)

    def report_bad_names(self, diags: Diagnostics) -> None:
        """Report the content files whose name is not UTF-8: no build can record them."""
        for rel in self.bad_names:
            report_bad_name(rel, diags)


def vouch(but_lock: str, lock: FileStat | None) -> str:
    """:attr:`Scan.digest` from the digest of the other inputs and the lock's stat."""
    return hashlib.sha256(f"{but_lock}\0{lock}".encode()).hexdigest()


def scan_inputs(source: Path, package_dirs: Iterable[Path]) -> Scan:
    """Stat every file a build may read: the site's inputs and sitegen's own code and theme.

    Only metadata is read, so this stays fast for a hundred thousand awards. Folders
    are walked with their entries sorted, so the digest of the stats is computed as
    they come. Package files are keyed ``<n>:path`` so they never clash with site paths.
    """
    walk = _Walk()
    for name in SOURCE_INPUTS:
        walk.enter(os.fspath(source / name), name)
    for number, directory in enumerate(package_dirs):
        walk.enter(os.fspath(directory), f"<{number}>")
    return Scan(others=walk.others, runs=tuple(walk.runs), but_lock=walk.digest.hexdigest(),
                bad_names=tuple(walk.bad_names))


def stat_of(path: Path) -> FileStat:
    """The recorded stat of one file."""
    return _file_stat(path.stat())


def _file_stat(info: os.stat_result) -> FileStat:
    return (info.st_size, info.st_mtime_ns, info.st_ino)


@dataclass(slots=True)
class _Walk:
    others: dict[str, FileStat] = field(default_factory=dict)
    runs: list[_Run] = field(default_factory=list)
    bad_names: list[str] = field(default_factory=list)
    digest: hashlib._Hash = field(default_factory=hashlib.sha256)

    def enter(self, path: str, rel: str) -> None:
        """Take the file or folder at ``path`` (``rel`` from the site's folder)."""
        try:
            info = os.stat(path)
        except OSError:
            return
        if os.path.isdir(path):
            self._folder(path, rel)
        else:
            self._file(rel, _file_stat(info))

    def _folder(self, path: str, rel: str) -> None:
        try:
            with os.scandir(path) as listing:
                entries = sorted(listing, key=lambda entry: entry.name)
        except OSError:
            return
        prefix = rel + "/"
        awards = prefix.startswith(AWARDS_FOLDER)
        names: list[str] = []
        stats: array[int] = array("q")
        for entry in entries:
            if entry.name == "__pycache__":
                continue
            try:
                if entry.is_dir(follow_symlinks=False):  # a linked folder is not entered
                    self._keep_run(prefix, names, stats)
                    names, stats = [], array("q")
                    self._folder(entry.path, prefix + entry.name)
                    continue
                stat = _file_stat(entry.stat())
            except OSError:
                continue
            child = prefix + entry.name
            self._hash(child, stat)
            if not is_utf8_path(child):
                if child.startswith("content/"):
                    self.bad_names.append(child)  # reported: no ledger can record its name
            elif awards:
                names.append(entry.name)
                stats.extend(stat)
            else:
                self.others[child] = stat
        self._keep_run(prefix, names, stats)

    def _file(self, rel: str, stat: FileStat) -> None:
        self._hash(rel, stat)
        if is_utf8_path(rel):
            self.others[rel] = stat

    def _hash(self, rel: str, stat: FileStat) -> None:
        if rel != LOCK_FILE:
            size, mtime, inode = stat
            line = f"{rel}\0{size}\0{mtime}\0{inode}\n"
            self.digest.update(line.encode("utf-8", "surrogateescape"))

    def _keep_run(self, prefix: str, names: list[str], stats: array[int]) -> None:
        if names:
            self.runs.append(_Run(prefix, "/".join(names), stats))
