"""Serving a site under development: build status, live reload and the error overlay over HTTP."""

from __future__ import annotations

import functools
import html
import http.server
import json
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from sitegen.devserver import SiteRequestHandler
from sitegen.diagnostics import Diagnostic

PREFIX = "/__sitegen__/"
SCRIPT_PATH = PREFIX + "livereload.js"
STATUS_PATH = PREFIX + "status"
POLL_PATH = PREFIX + "livereload"
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One reason the last build failed, as the overlay and the terminal show it."""

    message: str
    code: str
    severity: str = "error"
    path: str | None = None
    line: int | None = None
    column: int | None = None
    hint: str | None = None

    @property
    def location(self) -> str | None:
        """``path:line:col``, or None for problems outside any file."""
        if self.path is None:
            return None
        return f"{self.path}:{self.line or 1}:{self.column or 1}"

    def to_json(self) -> dict[str, object]:
        """The problem as the status endpoint sends it."""
        return {
            "location": self.location, "path": self.path, "line": self.line,
            "column": self.column, "severity": self.severity, "code": self.code,
            "message": self.message, "hint": self.hint,
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class BuildStatus:
    """The outcome of the latest build attempt.

    ``epoch`` counts finished build attempts, good or bad: pages long-poll
    until it moves. ``has_site`` says whether a good build exists to serve
    (a failed build keeps serving the previous one).
    """

    epoch: int = 0
    ok: bool = True
    has_site: bool = False
    internal: bool = False
    """True when the build failed on a bug rather than on the content."""
    problems: tuple[Problem, ...] = ()

    def to_json(self) -> bytes:
        """The status document served at ``/__sitegen__/status``."""
        document = {
            "epoch": self.epoch, "ok": self.ok, "has_site": self.has_site,
            "internal": self.internal, "errors": [p.to_json() for p in self.problems],
        }
        return json.dumps(document, ensure_ascii=False, indent=2).encode("utf-8")


def problems_from(diagnostics: Iterable[Diagnostic]) -> tuple[Problem, ...]:
    """The diagnostics of a content error as overlay problems (errors first)."""
    items = sorted(diagnostics, key=lambda d: (d.severity.value != "error", d.sort_key()))
    return tuple(
        Problem(
            message=d.message, code=d.code, severity=d.severity.value, path=d.span.path,
            line=d.span.line, column=d.span.column, hint=d.hint,
        )
        for d in items
    )


def script_tag(epoch: int) -> bytes:
    """The tag added to served pages; the script is a file of its own for the pages' CSP."""
    return f'<script src="{SCRIPT_PATH}" data-epoch="{epoch}" defer></script>'.encode("ascii")


def inject_script(page: bytes, tag: bytes) -> bytes:
    """``page`` with ``tag`` before its last ``</body>`` (or at its end when there is none)."""
    ends = list(_BODY_END.finditer(page))
    if not ends:
        return page + tag
    at = ends[-1].start()
    return page[:at] + tag + b"\n" + page[at:]


def placeholder_page(status: BuildStatus) -> bytes:
    """The page served for every path while no build has succeeded yet."""
    items = "\n".join(
        "<li>"
        + (f"<code>{html.escape(p.location)}</code>: " if p.location else "")
        + html.escape(p.message)
        + (f"<br>hint: {html.escape(p.hint)}" if p.hint else "")
        + "</li>"
        for p in status.problems
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'self'; script-src 'self'; \
style-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'">
<title>sitegen: the site could not be built</title>
</head>
<body>
<main>
<h1>The site could not be built</h1>
<p>Fix the problems below (the terminal running <code>sitegen serve</code> lists them too).
This page reloads by itself once the site builds.</p>
<ul>
{items}
</ul>
</main>
</body>
</html>
""".encode()


@functools.cache
def client_script() -> bytes:
    """The live-reload and overlay script served at ``/__sitegen__/livereload.js``."""
    return resources.files("sitegen").joinpath("livereload.js").read_bytes()


class LiveState:
    """The build status shared by the rebuilding thread and the request threads.

    It is also a readers-writer lock over the served folder: requests read
    files only while no build is swapping it, and a build waits for the
    requests reading it, so every response comes from one whole site.
    """

    def __init__(self, status: BuildStatus | None = None) -> None:
        self._cond = threading.Condition()
        self._status = status or BuildStatus()
        self._readers = 0
        self._building = False
        self._closed = False

    def current(self) -> BuildStatus:
        """The latest status."""
        with self._cond:
            return self._status

    def publish(self, status: BuildStatus) -> None:
        """Make ``status`` current and answer every waiting long-poll."""
        with self._cond:
            self._status = status
            self._cond.notify_all()

    @contextmanager
    def building(self) -> Iterator[None]:
        """Hold the served folder for a build (new requests wait, reading ones finish)."""
        with self._cond:
            self._cond.wait_for(lambda: not self._building)
            self._building = True
            self._cond.wait_for(lambda: self._readers == 0)
        try:
            yield
        finally:
            with self._cond:
                self._building = False
                self._cond.notify_all()

    @contextmanager
    def reading(self, timeout: float) -> Iterator[BuildStatus]:
        """Read the served folder once no build is running (or after ``timeout`` anyway)."""
        with self._cond:
            self._cond.wait_for(lambda: not self._building or self._closed, timeout)
            self._readers += 1
            status = self._status
        try:
            yield status
        finally:
            with self._cond:
                self._readers -= 1
                self._cond.notify_all()

    def wait_for_change(self, epoch: int, timeout: float) -> BuildStatus:
        """The status once its epoch differs from ``epoch``, or after ``timeout`` seconds."""
        with self._cond:
            self._cond.wait_for(lambda: self._status.epoch != epoch or self._closed, timeout)
            return self._status

    def close(self) -> None:
        """Answer every waiting request now (the server is stopping)."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()


@dataclass(frozen=True, slots=True, kw_only=True)
class LiveOptions:
    """How a live server answers: its state, and whether pages get the reload script."""

    state: LiveState
    inject: bool = True
    poll_timeout: float = 30.0
    """Long-polls are answered after this many seconds even when nothing changed."""
    build_wait: float = 60.0
    """Requests wait at most this long for a running build before reading the folder."""


class LiveReloadHandler(SiteRequestHandler):
    """Serves the site with the reload script in its pages, plus the ``/__sitegen__/`` API."""

    def __init__(self, *args: Any, live: LiveOptions, **kwargs: Any) -> None:
        self.live = live  # set first: the base class handles the request in __init__
        super().__init__(*args, **kwargs)

    def end_headers(self) -> None:
        """Make browsers revalidate everything, so a reload shows the new build.

        The site's files may be read from any origin, as on a real host; the
        build status (local paths, messages) only by the served pages.
        """
        self.send_header("Cache-Control", "no-cache")
        if urlsplit(getattr(self, "path", "")).path.startswith(PREFIX):
            http.server.SimpleHTTPRequestHandler.end_headers(self)
        else:
            super().end_headers()

    def do_GET(self) -> None:
        """Serve one request."""
        self._serve(head=False)

    def do_HEAD(self) -> None:
        """Serve one request without its body."""
        self._serve(head=True)

    def _serve(self, *, head: bool) -> None:
        url = urlsplit(self.path)
        if url.path.startswith(PREFIX):
            self._serve_api(url.path, parse_qs(url.query), head=head)
            return
        # Files are opened (or read) while no build is swapping the folder,
        # and sent afterwards: a slow client never holds up a rebuild.
        body, opened = None, None
        with self.live.state.reading(self.live.build_wait) as status:
            if not status.has_site:
                code, body = 503, placeholder_page(status)
            else:
                code, page_path = 200, self._page_path(url.path)
                if page_path is not None:
                    try:
                        body = page_path.read_bytes()
                    except OSError:
                        body = None  # gone meanwhile: the base class answers 404
                if body is None:
                    opened = self.send_head()
        if body is not None:
            self.send_body(
                code, "text/html; charset=utf-8", self._with_script(body, status), head=head
            )
            return
        if opened is not None:
            try:
                if not head:
                    self.copyfile(opened, self.wfile)
            finally:
                opened.close()

    def not_found_body(self, page: bytes) -> bytes:
        """The site's own 404 page, with the reload script."""
        return self._with_script(page, self.live.state.current())

    def _serve_api(self, path: str, query: dict[str, list[str]], *, head: bool) -> None:
        if path == SCRIPT_PATH:
            self.send_body(200, "text/javascript; charset=utf-8", client_script(), head=head)
        elif path == STATUS_PATH:
            self.send_body(200, "application/json", self.live.state.current().to_json(), head=head)
        elif path == POLL_PATH:
            try:
                epoch = int(query.get("epoch", ["-1"])[0])
            except ValueError:
                epoch = -1
            status = self.live.state.wait_for_change(epoch, self.live.poll_timeout)
            self.send_body(200, "application/json", status.to_json(), head=head)
        else:
            self.send_body(404, "text/plain; charset=utf-8", b"not found\n", head=head)

    def _page_path(self, url_path: str) -> Path | None:
        """The HTML file a path serves, or None for other files and redirects."""
        path = Path(self.translate_path(url_path))
        if path.is_dir():
            if not url_path.endswith("/"):
                return None  # the base class redirects to the slashed URL
            path = path / "index.html"
        return path if path.suffix in (".html", ".htm") and path.is_file() else None

    def _with_script(self, page: bytes, status: BuildStatus) -> bytes:
        return inject_script(page, script_tag(status.epoch)) if self.live.inject else page


class LiveServer(http.server.ThreadingHTTPServer):
    """A threading server that stays quiet when browsers drop connections (on every reload)."""

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Ignore clients that went away; report anything else."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


def make_live_server(
    directory: Path, live: LiveOptions, port: int = 0, *, quiet: bool = True
) -> LiveServer:
    """A live server for ``directory`` on 127.0.0.1 (port 0 picks a free one)."""
    handler = functools.partial(
        _QuietLiveReloadHandler if quiet else LiveReloadHandler,
        directory=str(directory), live=live,
    )
    return LiveServer(("127.0.0.1", port), handler)


class _QuietLiveReloadHandler(LiveReloadHandler):
    quiet = True
