"""A local static server for a built site: loopback only, with the site's 404 page."""

from __future__ import annotations

import functools
import http.server
import sys
from pathlib import Path


class SiteRequestHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with the types verifiers expect; unknown paths get ``404.html``."""

    extensions_map = {  # noqa: RUF012 - the stdlib's own attribute
        **http.server.SimpleHTTPRequestHandler.extensions_map,
        ".json": "application/json",
        ".svg": "image/svg+xml",
        ".js": "text/javascript",
    }
    quiet = False

    def end_headers(self) -> None:
        """Let in-browser verifiers on other origins fetch the documents, as hosts do."""
        self.send_header("Access-Control-Allow-Origin", "*")
        super().end_headers()

    def send_error(
        self, code: int, message: str | None = None, explain: str | None = None
    ) -> None:
        """Serve the site's own 404 page."""
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = self.not_found_body(page.read_bytes())
        self.send_body(404, "text/html; charset=utf-8", body, head=self.command == "HEAD")

    def not_found_body(self, page: bytes) -> bytes:
        """The 404 page as served (subclasses add to it)."""
        return page

    def send_body(self, code: int, content_type: str, body: bytes, *, head: bool) -> None:
        """A complete response with ``body`` (left out for HEAD requests)."""
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        """Log requests to stderr unless quiet."""
        if not self.quiet:
            sys.stderr.write(f"{self.address_string()} {format % args}\n")


class QuietSiteRequestHandler(SiteRequestHandler):
    """The same handler without request logs (for tests)."""

    quiet = True


def make_server(
    directory: Path, port: int = 0, *, quiet: bool = False
) -> http.server.ThreadingHTTPServer:
    """A server for ``directory`` on 127.0.0.1 (port 0 picks a free one)."""
    handler_class = QuietSiteRequestHandler if quiet else SiteRequestHandler
    handler = functools.partial(handler_class, directory=str(directory))
    return http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
