"""``sitegen serve``: build into ``.sitegen/serve/``, serve it live, rebuild on every change."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

from sitegen.commands.build import build_site
from sitegen.diagnostics import ContentError, format_text
from sitegen.inputs import LOCK_FILE
from sitegen.livereload import (
    BuildStatus,
    LiveOptions,
    LiveServer,
    LiveState,
    Problem,
    make_live_server,
    problems_from,
)
from sitegen.output import OutputError
from sitegen.templatecache import user_template_cache
from sitegen.watch import Watcher

SERVE_DIR = PurePosixPath(".sitegen/serve")

Echo = Callable[[str], None]


class ServeError(Exception):
    """The server cannot start (the port is taken, for example); the message says why."""


def _silent(_: str) -> None:
    """Discard a message (the default for tests and embedding)."""


def describe_changes(changed: frozenset[PurePosixPath]) -> str:
    """A short list of changed files for the rebuild line."""
    names = sorted(path.as_posix() for path in changed)
    if not names:
        return ""
    shown = ", ".join(names[:2])
    return shown + (f" and {len(names) - 2} more" if len(names) > 2 else "")


class DevServer:
    """The development server: one build folder, served on 127.0.0.1, rebuilt on change.

    A build that fails on the content keeps the previous good site served
    and shows its diagnostics in the terminal and over the pages; a bug in a
    build is reported the same way, with its traceback in the terminal. The
    server itself keeps running until :meth:`close`.
    """

    def __init__(
        self,
        source: Path,
        *,
        port: int = 0,
        environ: Mapping[str, str] | None = None,
        out: Echo = _silent,
        err: Echo = _silent,
        delay: float = 0.3,
        poll_timeout: float = 30.0,
        quiet: bool = True,
    ) -> None:
        if not source.is_dir():
            raise ServeError(f"{source} is not a folder: give the site's folder with --source")
        self.source = source
        self.out_dir = source / SERVE_DIR
        self.environ = environ or {}
        self.out, self.err = out, err
        self.state = LiveState()
        self.builds = 0
        """Build attempts so far (the served epoch)."""
        try:
            self.server: LiveServer = make_live_server(
                self.out_dir, LiveOptions(state=self.state, poll_timeout=poll_timeout),
                port, quiet=quiet,
            )
        except OSError as exc:
            raise ServeError(
                f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc} "
                "(is another server running? choose another --port)"
            ) from exc
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.watcher = Watcher(source, self._on_change, delay=delay)
        self._lock_written: bytes | None = None
        self._told_development = False
        self._http: threading.Thread | None = None
        self._closed = threading.Event()

    def __enter__(self) -> DevServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> BuildStatus:
        """Serve and watch, then build once (requests wait for that build); its status."""
        self.watcher.start()
        self._http = threading.Thread(
            target=self.server.serve_forever, name="sitegen-http", daemon=True
        )
        self._http.start()
        return self.rebuild()

    def wait(self) -> None:
        """Block until :meth:`close` (Ctrl+C interrupts it in the main thread)."""
        while not self._closed.wait(0.5):
            pass

    def close(self) -> None:
        """Stop watching and serving (idempotent)."""
        if self._closed.is_set():
            return
        self._closed.set()
        self.watcher.stop()
        self.state.close()
        if self._http is not None:
            self.server.shutdown()
            self._http.join(timeout=5)
        self.server.server_close()

    def rebuild(self, changed: frozenset[PurePosixPath] = frozenset()) -> BuildStatus:
        """Build now; the new status is published before requests see the folder again."""
        started = time.perf_counter()
        with self.state.building():
            status, summary = self._build()
            self.state.publish(status)
        self._report(status, summary, changed, time.perf_counter() - started)
        return status

    def _on_change(self, changed: frozenset[PurePosixPath]) -> None:
        if changed == {PurePosixPath(LOCK_FILE)} and self._read_lock() == self._lock_written:
            return  # the build itself recorded new awards' status indexes
        self.rebuild(changed)

    def _read_lock(self) -> bytes | None:
        try:
            return (self.source / LOCK_FILE).read_bytes()
        except OSError:
            return None

    def _build(self) -> tuple[BuildStatus, str]:
        """One build attempt; never raises (the server outlives every bad edit)."""
        self.builds += 1
        previous = self.state.current()
        try:
            result = build_site(
                self.source, self.out_dir, base_url=self.base_url, environ=self.environ,
                cache_dir=self.source / ".sitegen" / "serve-cache",
                template_cache=user_template_cache(self.environ),
            )
        except ContentError as exc:
            self.err(format_text(exc.diagnostics))
            return BuildStatus(
                epoch=self.builds, ok=False, has_site=previous.has_site,
                problems=problems_from(exc.diagnostics),
            ), "content errors"
        except OutputError as exc:
            self.err(f"error: {exc}")
            return BuildStatus(
                epoch=self.builds, ok=False, has_site=previous.has_site,
                problems=(Problem(message=str(exc), code="output"),),
            ), "output folder error"
        except Exception as exc:  # noqa: BLE001 - a bug must not stop the server either
            self.err(traceback.format_exc().rstrip())
            return BuildStatus(
                epoch=self.builds, ok=False, has_site=previous.has_site, internal=True,
                problems=(Problem(
                    message=f"{type(exc).__name__}: {exc}", code="internal",
                    hint="a bug in sitegen, not in your content: the terminal shows the "
                    "traceback; please report it",
                ),),
            ), "internal error"
        finally:
            self._lock_written = self._read_lock()
        if result.warnings:
            self.err(format_text(result.warnings))
        if result.development and not self._told_development:
            self._told_development = True
            self.err(
                "development build: signed with development keys that anyone can recompute; "
                "pages say so (see 'sitegen keys generate')"
            )
        summary = (
            f"{result.issuers} issuer(s), {result.badges} badge(s), "
            f"{result.awards} award(s), {result.files} files"
        )
        return BuildStatus(epoch=self.builds, ok=True, has_site=True), summary

    def _report(
        self, status: BuildStatus, summary: str, changed: frozenset[PurePosixPath],
        seconds: float,
    ) -> None:
        clock = time.strftime("%H:%M:%S")
        verb = "rebuilt" if changed else "built"
        cause = f" after {describe_changes(changed)} changed" if changed else ""
        if status.ok:
            self.out(f"[{clock}] {verb} in {seconds:.2f} s{cause}: {summary}")
        elif status.has_site:
            self.err(
                f"[{clock}] build failed ({summary}) in {seconds:.2f} s{cause}: "
                "still serving the last good version"
            )
        else:
            self.err(
                f"[{clock}] build failed ({summary}) in {seconds:.2f} s{cause}: "
                "pages show the problems until the site builds"
            )
