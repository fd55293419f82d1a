"""Watching a site's sources: filtered file events, one callback per burst of saves."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from sitegen.inputs import LOCK_FILE

WATCHED_FILES = frozenset({"site.yaml", LOCK_FILE})
WATCHED_DIRS = ("content", "themes")
# Opened and closed-without-writing events fire whenever a build reads its
# sources; reacting to them would rebuild forever.
_CHANGES = frozenset({"created", "modified", "deleted", "moved", "attrib"})
_TEMP_SUFFIXES = (".swp", ".swx", ".swo", "~", ".tmp", ".part", ".crdownload")

ChangeCallback = Callable[[frozenset[PurePosixPath]], None]


def is_editor_temp(name: str) -> bool:
    """True for the scratch files editors write next to the file being saved."""
    return (
        name == "4913"  # vim probes whether it may write in the folder with this name
        or name.endswith(_TEMP_SUFFIXES)
        or name.startswith(".#")
        or (name.startswith("#") and name.endswith("#"))
    )


def is_watched(relative: PurePosixPath) -> bool:
    """Whether a change at this site-relative path can change the built site.

    Hidden files and folders (``.sitegen/``, ``.git/``, ``.keys/``, editor
    swap files) and everything outside ``site.yaml``, the status lock,
    ``content/`` and ``themes/`` (such as ``_site/``) never trigger a build.
    """
    parts = relative.parts
    if not parts or any(part.startswith(".") for part in parts):
        return False
    if len(parts) == 1:
        return parts[0] in WATCHED_FILES or parts[0] in WATCHED_DIRS
    return parts[0] in WATCHED_DIRS and not is_editor_temp(parts[-1])


class _Events(FileSystemEventHandler):
    """Turns watchdog events into site-relative paths for the watcher."""

    def __init__(self, watcher: Watcher) -> None:
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGES:
            return
        if event.is_directory and event.event_type in ("modified", "attrib"):
            return  # a folder "changes" whenever a file in it does; that file has its own event
        for raw in (event.src_path, event.dest_path):
            if raw:
                self.watcher.notify(Path(os.fsdecode(raw)))


class Watcher:
    """Calls ``on_change`` with the changed paths once a burst of changes has settled.

    Changes are collected until none has arrived for ``delay`` seconds (or
    ``max_delay`` seconds have passed since the first one, so that a file
    written continuously still gets built). ``on_change`` runs in the
    watcher's own thread, one call at a time: changes made while it runs are
    collected for the next call.
    """

    def __init__(
        self, root: Path, on_change: ChangeCallback, *, delay: float = 0.3, max_delay: float = 2.0
    ) -> None:
        self.root = root.resolve()
        self.on_change = on_change
        self.delay, self.max_delay = delay, max_delay
        self._cond = threading.Condition()
        self._pending: set[PurePosixPath] = set()
        self._first = self._last = 0.0
        self._closing = False
        self._observer: BaseObserver | None = None
        self._watches: dict[str, tuple[ObservedWatch, int]] = {}
        self._thread = threading.Thread(target=self._run, name="sitegen-watch", daemon=True)

    def start(self) -> None:
        """Start watching (sources that change from now on are reported)."""
        observer = Observer()
        observer.schedule(_Events(self), str(self.root), recursive=False)
        self._observer = observer
        self._watch_folders()
        observer.start()
        self._thread.start()

    def stop(self) -> None:
        """Stop watching; a call of ``on_change`` in progress is waited for (a few seconds)."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._observer is not None:
            self._observer.stop()
            self._observer.join(timeout=5)
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout=30)

    def notify(self, path: Path) -> None:
        """Record a change at ``path`` (absolute, or relative to the root)."""
        try:
            relative = PurePosixPath((self.root / path).relative_to(self.root).as_posix())
        except ValueError:
            return
        if not is_watched(relative):
            return
        with self._cond:
            now = time.monotonic()
            if not self._pending:
                self._first = now
            self._pending.add(relative)
            self._last = now
            self._cond.notify_all()

    def _watch_folders(self) -> None:
        """Watch ``content/`` and ``themes/`` recursively, including ones (re)created since."""
        if self._observer is None:
            return
        for name in WATCHED_DIRS:
            folder = self.root / name
            try:
                inode = folder.stat().st_ino if folder.is_dir() else None
            except OSError:
                inode = None
            known = self._watches.get(name)
            if inode is None or (known is not None and known[1] == inode):
                continue
            if known is not None:
                with contextlib.suppress(KeyError, OSError):
                    self._observer.unschedule(known[0])
            try:
                watch = self._observer.schedule(_Events(self), str(folder), recursive=True)
            except OSError:
                continue  # removed again in the meantime: its next creation retries
            self._watches[name] = (watch, inode)

    def _next_burst(self) -> frozenset[PurePosixPath] | None:
        """Wait for a settled burst of changes; None once stopping."""
        with self._cond:
            while True:
                if self._closing:
                    return None
                if not self._pending:
                    self._cond.wait()
                    continue
                due = min(self._last + self.delay, self._first + self.max_delay)
                remaining = due - time.monotonic()
                if remaining <= 0:
                    burst = frozenset(self._pending)
                    self._pending.clear()
                    return burst
                self._cond.wait(remaining)

    def _run(self) -> None:
        while (burst := self._next_burst()) is not None:
            if any(len(path.parts) == 1 and path.name in WATCHED_DIRS for path in burst):
                self._watch_folders()
            try:
                self.on_change(burst)
            except Exception:  # noqa: BLE001 - a failing callback must not stop the watching
                traceback.print_exc()
