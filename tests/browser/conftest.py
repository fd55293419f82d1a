"""A built example site served on 127.0.0.1 and a headless Chromium that may reach nothing else."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
AXE = ROOT / ".cache/node/node_modules/axe-core/axe.min.js"
SCREENSHOTS = ROOT / ".cache/screenshots"
# Chromium's own background traffic would hit the closed network; none is wanted.
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


class Browser:
    """A Chromium page factory that records any request leaving 127.0.0.1."""

    def __init__(self, browser: object) -> None:
        self.browser = browser
        self.foreign: list[str] = []

    def page(
        self, *, javascript: bool = True, width: int = 1200, height: int = 900,
        bypass_csp: bool = False,
    ) -> object:
        """A new page; ``bypass_csp`` only to inject test tooling such as axe."""
        context = self.browser.new_context(  # type: ignore[attr-defined]
            java_script_enabled=javascript, viewport={"width": width, "height": height},
            locale="fr-FR", bypass_csp=bypass_csp,
        )
        page = context.new_page()

        def guard(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if urlsplit(url).hostname == "127.0.0.1" or url.startswith("data:"):
                route.continue_()  # type: ignore[attr-defined]
            else:
                self.foreign.append(url)
                route.abort()  # type: ignore[attr-defined]

        page.route("**/*", guard)
        return page


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Headless Chromium from the distribution (never a downloaded browser)."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run the tests with `make test`")
    with sync_api.sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield Browser(chromium)
        chromium.close()


@pytest.fixture(autouse=True)
def _fresh_foreign_log(request: pytest.FixtureRequest) -> None:
    """Each test sees only the foreign requests its own pages made."""
    if "browser" in request.fixturenames:
        request.getfixturevalue("browser").foreign.clear()
