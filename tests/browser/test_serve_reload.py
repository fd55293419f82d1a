"""``sitegen serve`` in a browser: pages reload by themselves and show build errors over them."""

from __future__ import annotations

import pytest

from sitegen.commands.serve import DevServer
from tests.browser.conftest import SCREENSHOTS
from tests.conftest import AWARD_YAML

pytestmark = [pytest.mark.browser]

AWARD = "content/awards/2024/a1.yaml"
OVERLAY = "#sitegen-build-errors[role=alert]"
WAIT_MS = 10_000


def award(narrative: str) -> str:
    return AWARD_YAML + f"narrative: {narrative}\n"


def shows(page: object, text: str) -> None:
    """Wait (bounded) until the page's text contains ``text``."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "text => document.body && document.body.innerText.includes(text)", arg=text,
        timeout=WAIT_MS,
    )


def test_served_page_reloads_after_an_edit_and_overlays_build_errors(browser, site_factory):
    root = site_factory({AWARD: award("Première version")})
    with DevServer(root, poll_timeout=5.0) as dev:
        dev.start()
        page = browser.page()
        console: list[str] = []
        page.on("console", lambda message: console.append(message.text))
        page.on("pageerror", lambda error: console.append(str(error)))
        with page.expect_request(lambda r: "/__sitegen__/livereload?epoch=1" in r.url,
                                 timeout=WAIT_MS):
            page.goto(dev.base_url + "awards/a1/")
        shows(page, "Première version")
        page.evaluate("window.sitegenTestMark = 'before the edit'")

        (root / AWARD).write_text(award("Deuxième version"), encoding="utf-8")
        shows(page, "Deuxième version")
        assert page.evaluate("window.sitegenTestMark") is None, "the page was not reloaded"
        assert page.locator(OVERLAY).count() == 0

        # A bad edit: the page stays as it was, with the problems over it (as text, not HTML).
        page.evaluate("window.sitegenTestMark = 'before the bad edit'")
        (root / AWARD).write_text(
            AWARD_YAML.replace("badge: ponctuel", "badge: <img src=x>"), encoding="utf-8")
        overlay = page.locator(OVERLAY)
        overlay.wait_for(timeout=WAIT_MS)
        text = overlay.inner_text()
        assert "sitegen: the build failed" in text
        assert f"{AWARD}:1:8" in text
        assert "badge '<img src=x>' does not exist" in text
        assert "hint:" in text
        assert overlay.locator("img").count() == 0
        assert page.evaluate("window.sitegenTestMark") == "before the bad edit"
        assert "Deuxième version" in page.inner_text("main")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "serve-overlay.png"))

        page.get_by_role("button", name="Hide").click()
        assert overlay.count() == 0

        # Fixing the file reloads the page with the new content and no overlay.
        (root / AWARD).write_text(award("Troisième version"), encoding="utf-8")
        shows(page, "Troisième version")
        assert page.locator(OVERLAY).count() == 0
        assert page.evaluate("window.sitegenTestMark") is None
        page.context.close()
    assert not [m for m in console if "Content Security Policy" in m], console
    assert browser.foreign == []


def test_a_site_broken_from_the_start_shows_the_overlay_then_the_site(browser, site_factory):
    root = site_factory({AWARD: AWARD_YAML.replace("issued: 2024-03-14", "issued: 2024-02-30")})
    with DevServer(root, poll_timeout=5.0) as dev:
        dev.start()
        page = browser.page()
        page.goto(dev.base_url + "awards/a1/")
        overlay = page.locator(OVERLAY)
        overlay.wait_for(timeout=WAIT_MS)
        assert "Nothing has built yet" in overlay.inner_text()
        assert f"{AWARD}:4:9" in overlay.inner_text()
        (root / AWARD).write_text(award("Réparée"), encoding="utf-8")
        shows(page, "Réparée")
        assert overlay.count() == 0
        page.context.close()
